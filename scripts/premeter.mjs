#!/usr/bin/env node
/**
 * Meters, at build time, the policy modules of the bundles shipped in policies/dist (the CLI's default
 * policies) and writes each as dist/cli/metered/<sha256 of the original policy.wasm>.wasm. The bundled CLI
 * compiles these bytes instead of metering the same module again on every start (see
 * src/policy/premetered.ts); any other module (a user's bundle) is metered at load as before. The files
 * are made by the same src/policy/meter.ts the CLI bundles, in the same build, and live beside the code
 * that reads them (same trust as the code).
 *
 *   node scripts/premeter.mjs     (run by tsup after the CLI build: tsup.config.ts onSuccess)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the metered modules go (beside the CLI's run.js). */
export const OUT_DIR = join(ROOT, 'dist', 'cli', 'metered');

/** meterWasm and readBundle from the TypeScript sources (bundled by esbuild into a temporary module). */
async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-premeter-'));
  try {
    const out = join(dir, 'meter.mjs');
    const contents = `export { meterWasm } from ${JSON.stringify(join(ROOT, 'src/policy/meter.ts'))};\nexport { readBundle } from ${JSON.stringify(join(ROOT, 'src/policy/bundle.ts'))};`;
    await build({ stdin: { contents, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error', packages: 'external' });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the metered module of every shipped bundle; returns the files written. */
export async function premeter() {
  const { meterWasm, readBundle } = await load();
  const dist = join(ROOT, 'policies', 'dist');
  const bundles = existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.tar.gz')).sort() : [];
  mkdirSync(OUT_DIR, { recursive: true });
  const written = [];
  for (const f of bundles) {
    const wasm = readBundle(join(dist, f)).wasm;
    if (!wasm) continue;
    const file = join(OUT_DIR, `${createHash('sha256').update(wasm).digest('hex')}.wasm`);
    const metered = meterWasm(wasm);
    // the CLI skips validating a module it has a premetered file for (src/policy/lazy-runtime.ts): validate both here
    if (!WebAssembly.validate(wasm) || !WebAssembly.validate(metered)) throw new Error(`premeter: ${f}: policy.wasm or its metered form is not valid WebAssembly`);
    writeFileSync(file, metered);
    written.push(file);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await premeter();
  console.log(`premetered ${files.length} module(s) into ${OUT_DIR}`);
}
