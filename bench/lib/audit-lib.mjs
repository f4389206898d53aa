/**
 * The audit module (src/audit/index.ts: AuditTrail, buildAuditEvent, jsonlSink, …) bundled on its own for
 * the audit benches: the library's public surface no longer exports the trail or the event builder (the
 * engine owns them), so the benches bundle the module from source with esbuild (tsup's own bundler) into
 * bench/results/tmp/ and import that. `loadAuditLib(dir)` bundles the src/ of another checkout instead
 * (e.g. `git archive <commit> src | tar -x -C <dir>`), for a before/after comparison in one process.
 */
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TMP } from './common.mjs';

const loaded = new Map();

/** Builds (once per process and source tree) and imports the audit module of `root` (default: this checkout). */
export async function loadAuditLib(root = ROOT) {
  const src = path.resolve(root);
  if (!loaded.has(src)) {
    const tag = src === ROOT ? 'this' : createHash('sha256').update(src).digest('hex').slice(0, 8);
    const out = path.join(TMP, `audit-lib-${tag}.mjs`);
    buildSync({ entryPoints: [path.join(src, 'src', 'audit', 'index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
    loaded.set(src, await import(pathToFileURL(out).href));
  }
  return loaded.get(src);
}
