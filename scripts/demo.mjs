#!/usr/bin/env node
/**
 * `npm run demo`: runs the built CLI on the repository's fixtures, streaming its output, then checks
 * that the outcome is exactly the expected one. The fixtures under `failing/` folders are deliberately
 * non-compliant, so the CLI exiting 1 with findings is the expected result. This script exits 0 only when
 * the CLI exited 1, every failing fixture failed and every other fixture passed (checked with a second
 * run in --format json); otherwise it prints what was unexpected and exits 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const targets = ['fixtures/contracts', 'fixtures/plans'];

if (!existsSync(cli)) {
  console.error('demo: dist/cli/main.js is missing; run `npm run build` (npm install runs it through `prepare`).');
  process.exit(1);
}

console.log(`$ meshgate check ${targets.join(' ')}\n`);
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, [cli, 'check', ...targets], { cwd: root, stdio: 'inherit' });
  child.on('close', (c) => resolve(c));
});

console.log(`\nmeshgate exited with code ${code}.`);
console.log('The fixtures under */failing/ are deliberately non-compliant: exit code 1 with the findings above is the');
console.log('expected result. Checking that exactly those files failed and every other fixture passed...\n');

const problems = [];
if (code !== 1) problems.push(`expected exit code 1 (policy failures), got ${code}`);
const json = spawnSync(process.execPath, [cli, 'check', ...targets, '--format', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(json.stdout);
} catch (e) {
  problems.push(`the --format json run did not print JSON (${e instanceof Error ? e.message : String(e)}): ${json.stderr}`);
}
if (report) {
  let failing = 0;
  let passing = 0;
  for (const r of report.results) {
    const expectFail = r.file.split('/').includes('failing');
    if (r.error) problems.push(`${r.file}: could not be checked: ${r.error.message} [${r.error.code}]`);
    else if (expectFail && r.allowed) problems.push(`${r.file}: expected to fail (it is under failing/) but passed`);
    else if (!expectFail && !r.allowed) problems.push(`${r.file}: expected to pass but failed: ${r.findings.map((f) => `${f.layer}/${f.rule}`).join(', ')}`);
    if (expectFail) failing++;
    else passing++;
  }
  if (failing === 0) problems.push('no failing fixtures were found');
  if (passing === 0) problems.push('no compliant fixtures were found');
  if (problems.length === 0) {
    console.log(`demo ok: ${failing} deliberately failing fixture(s) failed, ${passing} compliant fixture(s) passed.`);
  }
}
if (problems.length > 0) {
  console.error('demo: UNEXPECTED RESULT');
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
