/**
 * The audit module (src/audit/index.ts: AuditTrail, buildAuditEvent, jsonlSink, …) bundled on its own for
 * the audit benches: the library's public surface no longer exports the trail or the event builder (the
 * engine owns them), so the benches bundle the module from source with esbuild (tsup's own bundler) into
 * bench/results/tmp/audit-lib.mjs and import that.
 */
import { buildSync } from 'esbuild';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TMP } from './common.mjs';

const OUT = path.join(TMP, 'audit-lib.mjs');
let built = false;

/** Builds (once per process) and imports the audit module. */
export async function loadAuditLib() {
  if (!built) {
    buildSync({ entryPoints: [path.join(ROOT, 'src', 'audit', 'index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: OUT, logLevel: 'warning' });
    built = true;
  }
  return import(pathToFileURL(OUT).href);
}
