#!/usr/bin/env node
// Builds policies/dist from policies/ with the OPA compiler. Bundles src/policy/build.ts with esbuild
// on the fly (so it works before `tsup` has built dist/), then runs it.
// Usage: node scripts/build-policies.mjs [--check] [--v0] [policiesDir] [outDir]
//   --check  build into a temporary folder and fail (exit 1) when policies/dist differs (stale bundles).
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const v0 = args.includes('--v0');
const positional = args.filter((a) => !a.startsWith('--'));
const policiesDir = resolve(positional[0] ?? join(root, 'policies'));
const committed = resolve(positional[1] ?? join(policiesDir, 'dist'));

mkdirSync(join(root, '.cache'), { recursive: true });
const toolDir = mkdtempSync(join(root, '.cache', 'build-tool-'));
const tool = join(toolDir, 'build.mjs');
await build({ entryPoints: [join(root, 'src/policy/build.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: tool, logLevel: 'error' });
const { buildPolicies } = await import(pathToFileURL(tool).href);
rmSync(toolDir, { recursive: true, force: true });

// The product's policies, plus the small test-only policy sets under fixtures/policies/<name>/ (built into
// fixtures/bundles/<name>/) when building the default tree.
const jobs = [{ policiesDir, committed, label: 'policies/dist' }];
const fixturePolicies = join(root, 'fixtures', 'policies');
if (positional.length === 0) {
  let names = [];
  try { names = readdirSync(fixturePolicies, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort(); } catch {}
  for (const n of names) jobs.push({ policiesDir: join(fixturePolicies, n), committed: join(root, 'fixtures', 'bundles', n), label: `fixtures/bundles/${n}` });
}

let failed = false;
for (const job of jobs) {
  const outDir = check ? mkdtempSync(join(tmpdir(), 'meshgate-dist-')) : job.committed;
  let manifest;
  try {
    manifest = buildPolicies({ policiesDir: job.policiesDir, outDir, v0 });
  } catch (e) {
    console.error(`build failed for ${job.policiesDir}: ${e.message} ${e.code ? `[${e.code}]` : ''}`);
    process.exit(2);
  }
  for (const [name, l] of Object.entries(manifest.layers)) {
    console.log(`built ${job.label} ${name}: revision ${l.revision} entrypoints ${l.entrypoints.join(', ')}`);
  }
  if (!check) continue;
  const stale = [];
  let committedNames = [];
  try { committedNames = readdirSync(job.committed); } catch {}
  const names = new Set([...readdirSync(outDir), ...committedNames].filter((f) => !f.startsWith('.')));
  for (const f of [...names].sort()) {
    let a, b;
    try { a = readFileSync(join(outDir, f)); } catch { a = null; }
    try { b = readFileSync(join(job.committed, f)); } catch { b = null; }
    if (!a || !b || !a.equals(b)) stale.push(f);
  }
  rmSync(outDir, { recursive: true, force: true });
  if (stale.length) {
    console.error(`STALE: ${job.label} differs from a fresh build of its sources in: ${stale.join(', ')}. Run \`npm run build:policies\` and commit the result.`);
    failed = true;
  }
}
if (check) {
  if (failed) process.exit(1);
  console.log('all bundles are up to date');
}
