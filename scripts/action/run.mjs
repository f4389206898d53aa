#!/usr/bin/env node
/**
 * The GitHub Action's logic (action.yml runs this; run it locally the same way). Runs `meshgate check`
 * three times over the same paths: in the chosen log format (default `github`: annotations on the diff),
 * in `sarif` into a file for code scanning, and in `json` to write a job summary table. Writes the step
 * outputs and always exits 0 when the checks ran, so the SARIF upload step runs on failures too; the
 * action's last step fails the job from the `exit-code` output.
 *
 * Environment (action.yml maps its inputs onto these):
 *   MESHGATE_PATHS     paths or globs, separated by spaces or newlines (required)
 *   MESHGATE_CONFIG    meshgate.yaml (optional)            MESHGATE_DOMAIN   domain layer (optional)
 *   MESHGATE_FORMAT    text | github | json | junit | sarif (log format, default github)
 *   MESHGATE_FAIL_ON   hard | soft | advisory (default soft)
 *   MESHGATE_SARIF     where to write the SARIF file (default meshgate.sarif)
 *   MESHGATE_CLI       the CLI entry (default: dist/cli/main.js of this repository)
 *   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT   files provided by the runner (optional locally)
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = resolve(env.MESHGATE_CLI || join(root, 'dist', 'cli', 'main.js'));
const paths = (env.MESHGATE_PATHS ?? '').split(/\s+/).filter(Boolean);
const format = env.MESHGATE_FORMAT || 'github';
const failOn = env.MESHGATE_FAIL_ON || 'soft';
const sarifFile = env.MESHGATE_SARIF || 'meshgate.sarif';

function fatal(message) {
  console.error(`meshgate action: ${message}`);
  setOutput('exit-code', '2');
  process.exit(2);
}

function setOutput(name, value) {
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

if (paths.length === 0) fatal('no paths given (input `paths`)');
if (!['text', 'github', 'json', 'junit', 'sarif'].includes(format)) fatal(`unknown format ${format} (text, github, json, junit, sarif)`);
if (!['hard', 'soft', 'advisory'].includes(failOn)) fatal(`unknown fail-on ${failOn} (hard, soft, advisory)`);
if (!existsSync(cli)) fatal(`the meshgate CLI was not found at ${cli}: run \`npm ci\` in the action folder (it builds dist/) or set MESHGATE_CLI`);

const common = ['--fail-on', failOn];
if (env.MESHGATE_CONFIG) common.push('--config', env.MESHGATE_CONFIG);
if (env.MESHGATE_DOMAIN) common.push('--domain', env.MESHGATE_DOMAIN);

function check(fmt, extra = [], stdio = 'pipe') {
  const r = spawnSync(process.execPath, [cli, 'check', ...paths, ...common, '--format', fmt, ...extra], { stdio: ['ignore', stdio, stdio], encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.error) fatal(`cannot run ${cli}: ${r.error.message}`);
  return r;
}

// 1. The log, in the chosen format; its exit code is the verdict.
const logged = check(format, [], 'inherit');
const exitCode = logged.status ?? 2;

// 2. SARIF for code scanning.
const sarif = check('sarif', ['--output', sarifFile]);
if (!existsSync(sarifFile)) fatal(`no SARIF written to ${sarifFile}:\n${sarif.stderr}`);

// 3. JSON for the job summary.
const work = mkdtempSync(join(tmpdir(), 'meshgate-action-'));
let report;
try {
  const jsonFile = join(work, 'report.json');
  const json = check('json', ['--output', jsonFile]);
  if (!existsSync(jsonFile)) fatal(`no JSON report:\n${json.stderr}`);
  report = JSON.parse(readFileSync(jsonFile, 'utf8'));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const summary = report.summary ?? {};
setOutput('exit-code', String(exitCode));
setOutput('sarif-file', sarifFile);
for (const k of ['files', 'passed', 'failed', 'errors', 'findings']) setOutput(k, String(summary[k] ?? 0));

if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, renderSummary(report, exitCode));
console.log(`meshgate action: exit code ${exitCode}; SARIF at ${sarifFile}`);

/** Markdown for the job summary: totals, one row per file, then one row per finding. */
function renderSummary(rep, code) {
  const cell = (v) => String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const s = rep.summary ?? {};
  const verdict = code === 0 ? '✅ passed' : code === 1 ? '❌ policy failure' : '⚠️ input or usage error';
  const lines = [
    `## meshgate check: ${verdict}`,
    '',
    `${s.files ?? 0} files checked: ${s.passed ?? 0} passed, ${s.failed ?? 0} failed, ${s.errors ?? 0} errors; ${s.findings ?? 0} findings (fail-on ${failOn}).`,
    '',
    '| Result | File | Kind | Findings |',
    '| --- | --- | --- | --- |',
  ];
  const results = rep.results ?? [];
  for (const r of results) {
    const result = r.error ? '⚠️ error' : r.allowed ? '✅ pass' : '❌ fail';
    lines.push(`| ${result} | \`${cell(r.file)}\` | ${cell(r.kind)} | ${(r.findings ?? []).length} |`);
  }
  const rows = results.flatMap((r) => (r.findings ?? []).map((f) => ({ file: r.file, ...f })));
  const errors = results.filter((r) => r.error);
  if (rows.length > 0) {
    lines.push('', '### Findings', '', '| Level | Enforcement | Rule | Location | Message |', '| --- | --- | --- | --- | --- |');
    for (const f of rows) {
      const at = f.location?.line ? `${f.file}:${f.location.line}${f.location.column ? `:${f.location.column}` : ''}` : f.file;
      const enforcement = f.waived ? `${f.enforcement} (waived)` : f.enforcement;
      const msg = f.resource ? `${f.msg} (${f.resource})` : f.msg;
      lines.push(`| ${cell(f.level)} | ${cell(enforcement)} | ${cell(`${f.layer}/${f.rule}`)} | \`${cell(at)}\` | ${cell(msg)} |`);
    }
  }
  if (errors.length > 0) {
    lines.push('', '### Errors', '', '| File | Code | Message |', '| --- | --- | --- |');
    for (const r of errors) lines.push(`| \`${cell(r.file)}\` | ${cell(r.error.code)} | ${cell(r.error.message)} |`);
  }
  return `${lines.join('\n')}\n`;
}
