/**
 * Bundles `src/audit/index.ts` into one plain ESM file with esbuild (already installed with tsup), so a
 * child `node` process can import the audit module without a TypeScript loader or the full package build.
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

/** Writes `<outDir>/audit.mjs` and returns its path. */
export async function bundleAuditModule(outDir: string): Promise<string> {
  const outfile = join(outDir, 'audit.mjs');
  await build({
    entryPoints: [resolve(process.cwd(), 'src/audit/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
