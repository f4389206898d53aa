#!/usr/bin/env node
/**
 * Derives, at build time, what the bundled CLI would otherwise redo at every start from the bundles shipped
 * in policies/dist (its default policies), into dist/cli/prebuilt/ (see src/policy/prebuilt.ts):
 * - `<key>.metered.wasm`: each bundle's policy.wasm with the instruction metering injected, the original
 *   beside it as `<key>.metered.wasm.source` (key: length and CRC-32 of the original policy.wasm);
 * - `<key>.tar`: each bundle's .tar.gz inflated, the .tar.gz beside it as `<key>.tar.source`.
 * The CLI uses a file only when its original equals, byte for byte, what it is loading; anything else (a
 * user's bundle) is inflated and metered at load as before. The files are made by the same code the CLI
 * bundles (src/policy/meter.ts), in the same build, and live beside the code that reads them (same trust).
 *
 *   node scripts/premeter.mjs     (run by tsup after the CLI build: tsup.config.ts onSuccess)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the derived files go (beside the CLI's run.cjs). */
export const OUT_DIR = join(ROOT, 'dist', 'cli', 'prebuilt');

/** meterWasm, readBundle, lengthCrcKey and the artefacts' names (PREBUILT_KINDS) from the TypeScript sources (bundled by esbuild into a temporary module). */
async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-premeter-'));
  try {
    const out = join(dir, 'meter.mjs');
    const contents = `export { meterWasm } from ${JSON.stringify(join(ROOT, 'src/policy/meter.ts'))};\nexport { readBundle } from ${JSON.stringify(join(ROOT, 'src/policy/bundle.ts'))};\nexport { lengthCrcKey } from ${JSON.stringify(join(ROOT, 'src/crc32.ts'))};\nexport { PREBUILT_KINDS } from ${JSON.stringify(join(ROOT, 'src/policy/prebuilt.ts'))};`;
    await build({ stdin: { contents, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error', packages: 'external' });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the derived files of every shipped bundle; returns the files written. */
export async function premeter() {
  const { meterWasm, readBundle, lengthCrcKey, PREBUILT_KINDS } = await load();
  const dist = join(ROOT, 'policies', 'dist');
  const bundles = existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.tar.gz')).sort() : [];
  rmSync(join(ROOT, 'dist', 'cli', 'metered'), { recursive: true, force: true }); // the former layout
  rmSync(OUT_DIR, { recursive: true, force: true }); // no file of an earlier build survives
  mkdirSync(OUT_DIR, { recursive: true });
  const written = [];
  const write = (name, bytes) => {
    // one key, one original: the CLI finds a shipped file's artefact by its key alone (src/policy/prebuilt.ts)
    if (existsSync(join(OUT_DIR, name))) throw new Error(`premeter: two shipped originals share the key of ${name}`);
    writeFileSync(join(OUT_DIR, name), bytes);
    written.push(join(OUT_DIR, name));
  };
  for (const f of bundles) {
    const gz = readFileSync(join(dist, f));
    const inflated = `${lengthCrcKey(gz)}.${PREBUILT_KINDS.inflated}`;
    write(inflated, gunzipSync(gz));
    write(`${inflated}.source`, gz);
    const wasm = readBundle(gz).wasm;
    if (!wasm) continue;
    const metered = meterWasm(wasm);
    // the CLI skips validating a module it has a metered file for (src/policy/lazy-runtime.ts): validate both here
    if (!WebAssembly.validate(wasm) || !WebAssembly.validate(metered)) throw new Error(`premeter: ${f}: policy.wasm or its metered form is not valid WebAssembly`);
    const name = `${lengthCrcKey(wasm)}.${PREBUILT_KINDS.metered}`;
    write(name, metered);
    write(`${name}.source`, wasm);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await premeter();
  console.log(`wrote ${files.length} prebuilt file(s) into ${OUT_DIR}`);
}
