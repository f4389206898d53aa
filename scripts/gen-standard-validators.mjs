#!/usr/bin/env node
/**
 * Generates, at build time, an ajv standalone validator (CommonJS) for each vendored published contract
 * schema (ODCS, DCS; src/subjects/contract/schemas) into dist/standard/, with the options and draft the
 * run-time compile uses (src/ajv.ts PUBLISHED_OPTIONS, src/subjects/contract/standard.ts SCHEMAS).
 * Compiling one of these schemas costs ~150 ms on every contract check; loading its generated code a few.
 * The built library and CLI load these files (standard.ts); without them (the sources under test) the
 * schema is compiled at run time, with the same result (a test holds the two to the same errors).
 *
 *   node scripts/gen-standard-validators.mjs   (run by tsup after the build: tsup.config.ts onSuccess)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** PUBLISHED_OPTIONS, SCHEMAS and standaloneFile from the TypeScript sources. */
async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-standard-'));
  try {
    const out = join(dir, 'standard.mjs');
    const contents = `export { PUBLISHED_OPTIONS } from ${JSON.stringify(join(ROOT, 'src/ajv.ts'))};\nexport { SCHEMAS, standaloneFile } from ${JSON.stringify(join(ROOT, 'src/subjects/contract/standard.ts'))};`;
    await build({ stdin: { contents, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error', packages: 'external' });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The standalone code of one vendored schema. */
export function standaloneCode(options, draft, schema) {
  const AjvClass = draft === '2019-09' ? require('ajv/dist/2019').Ajv2019 : require('ajv').Ajv;
  const ajv = new AjvClass({ ...options, code: { ...options.code, source: true } });
  return require('ajv/dist/standalone').default(ajv, ajv.compile(schema));
}

/** Writes every vendored schema's validator under `outDir` (default dist/); returns the files written. */
export async function generateStandard(outDir = join(ROOT, 'dist')) {
  const { PUBLISHED_OPTIONS, SCHEMAS, standaloneFile } = await load();
  const done = new Map();
  for (const s of Object.values(SCHEMAS)) {
    if (done.has(s.file)) continue;
    const schema = JSON.parse(readFileSync(join(ROOT, 'src', 'subjects', 'contract', 'schemas', s.file), 'utf8'));
    const file = join(outDir, standaloneFile(s.file));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `// GENERATED at build time by scripts/gen-standard-validators.mjs from src/subjects/contract/schemas/${s.file} (${s.label}).\n${standaloneCode(PUBLISHED_OPTIONS, s.draft, schema)}`);
    done.set(s.file, file);
  }
  return [...done.values()];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await generateStandard();
  console.log(`generated ${files.length} standard schema validator(s) into dist/standard`);
}
