#!/usr/bin/env node
/**
 * Terraform benchmark: checking plan JSON from a CI job, each tool as a user runs it from the shell.
 *
 *   meshgate   node dist/cli/main.js check <plan> --format json     (global + domain layers, real bundles)
 *   conftest   conftest test -p bench/peers-rego <plan> -o json      (the same rules in Rego over raw plan JSON)
 *   opa eval   opa eval -d bench/peers-rego -i <plan> data.main.deny (the same Rego)
 *   checkov    checkov -f <plan> --framework terraform_plan --check <equivalent built-in ids> (+ a tag policy)
 *
 * Inputs: synthetic plans of 100, 1 000 and 10 000 resources (bench/gen-plan.mjs) and the largest corpus
 * plans. Wall time (spawn to exit) and peak RSS (GNU time), median of RUNS runs after WARMUP.
 * Then a ~100 MB plan (about 110 000 resources with planned_values) checked by meshgate alone: wall time and peak RSS.
 *
 *   node bench/terraform.mjs [--no-big] [--only=meshgate,conftest,opa,checkov]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIN, CORPUS, MESHGATE_CLI, ROOT, RUNS, TMP, WARMUP, benchCommand, ensureBuilt, have, isMain, log, sig, writeResult } from './lib/common.mjs';

export const SIZES = [100, 1_000, 10_000];
const REGO_DIR = path.join(ROOT, 'bench', 'peers-rego');
const CHECKOV_DIR = path.join(ROOT, 'bench', 'checkov');

/**
 * How meshgate's Terraform rules map onto each peer. Checkov ids are its built-in checks for the same
 * intent (the tag rule has no built-in equivalent: a custom YAML policy in bench/checkov/ stands in).
 */
export const RULE_MAP = [
  { meshgate: 'pii_bucket_encryption (global)', rego: 'pii_bucket_encryption', checkov: ['CKV_AWS_19', 'CKV_AWS_145'], note: 'Checkov checks every bucket, not only PII-tagged ones; CKV_AWS_145 wants KMS specifically' },
  { meshgate: 'pii_bucket_access_logging (global)', rego: 'pii_bucket_access_logging', checkov: ['CKV_AWS_18'], note: 'Checkov checks every bucket' },
  { meshgate: 'mandatory_tags (global)', rego: 'mandatory_tags', checkov: ['CKV2_MG_1 (custom YAML, bench/checkov)'], note: 'no built-in Checkov check for a required tag set' },
  { meshgate: 'sse_algorithm (global)', rego: 'sse_algorithm', checkov: ['CKV_AWS_19'], note: 'CKV_AWS_19 accepts AES256 or aws:kms' },
  { meshgate: 'finance_retention_7y (finance domain)', rego: 'finance_retention_7y', checkov: ['CKV2_AWS_61'], note: 'CKV2_AWS_61 only asks for a lifecycle configuration, not 7 years' },
];
const CHECKOV_IDS = ['CKV_AWS_19', 'CKV_AWS_145', 'CKV_AWS_18', 'CKV2_AWS_61', 'CKV2_MG_1'];

function args() {
  const a = process.argv.slice(2);
  const only = a.find((x) => x.startsWith('--only='))?.slice(7).split(',');
  return { big: !a.includes('--no-big'), only };
}

/** Writes a synthetic plan (with planned_values) in a child process; returns {resources, bytes, expected_denies}. */
function writePlan(n, file) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=6144', path.join(ROOT, 'bench', 'lib', 'write-plan.mjs'), String(n), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`write-plan ${n} failed`);
  return JSON.parse(r.stdout);
}

/** Writes the synthetic plans (fresh each run) and returns [{name, file, resources, bytes, expectedDenies}]. */
export function planInputs() {
  const out = [];
  for (const n of SIZES) {
    const file = path.join(TMP, `plan-${n}.json`);
    const info = writePlan(n, file);
    out.push({ name: `synthetic ${n.toLocaleString('en')}`, file, resources: info.resources, bytes: info.bytes, expectedDenies: info.expected_denies, synthetic: true });
  }
  const dir = path.join(CORPUS, 'tfplan');
  if (existsSync(dir)) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size).slice(0, 3);
    for (const file of files) out.push({ name: `corpus ${path.basename(file)}`, file, resources: countResources(file), bytes: statSync(file).size, synthetic: false });
  }
  return out;
}

function countResources(file) {
  try {
    const r = spawnSync(process.execPath, ['-e', `const p=require(${JSON.stringify(file)});process.stdout.write(String((p.resource_changes??[]).length))`]);
    return Number(r.stdout.toString()) || null;
  } catch {
    return null;
  }
}

const okExit = (r) => r.code === 0 || r.code === 1;

function countMeshgate(stdout) {
  const doc = JSON.parse(stdout);
  let deny = 0;
  for (const res of doc.results ?? []) for (const f of res.findings ?? []) if (f.level === 'deny') deny++;
  return deny;
}

function countConftest(stdout) {
  const doc = JSON.parse(stdout);
  return doc.reduce((n, f) => n + (f.failures?.length ?? 0), 0);
}

function countOpa(stdout) {
  const doc = JSON.parse(stdout);
  return doc.result?.[0]?.expressions?.[0]?.value?.length ?? 0;
}

function countCheckov(stdout) {
  const doc = JSON.parse(stdout);
  const reports = Array.isArray(doc) ? doc : [doc];
  return reports.reduce((n, r) => n + (r.summary?.failed ?? 0), 0);
}

/** The tools, each: how to run it on a plan and how to count its findings. */
export function tools() {
  return {
    meshgate: { label: 'meshgate check', run: (f) => [process.execPath, [MESHGATE_CLI, 'check', f, '--format', 'json']], count: countMeshgate, ok: okExit, available: () => existsSync(MESHGATE_CLI) },
    conftest: { label: 'conftest test', run: (f) => [BIN.conftest, ['test', '--no-color', '-p', REGO_DIR, '-o', 'json', f]], count: countConftest, ok: okExit, available: () => have('conftest') },
    opa: { label: 'opa eval', run: (f) => [BIN.opa, ['eval', '-d', REGO_DIR, '-i', f, '-f', 'json', 'data.main.deny']], count: countOpa, ok: (r) => r.code === 0, available: () => have('opa') },
    checkov: {
      label: 'checkov',
      run: (f) => [BIN.checkov, ['-f', f, '--framework', 'terraform_plan', '--check', CHECKOV_IDS.join(','), '--external-checks-dir', CHECKOV_DIR, '-o', 'json', '--quiet', '--compact', '--skip-download', '--no-fail-on-crash']],
      count: countCheckov,
      ok: okExit,
      available: () => have('checkov'),
      env: { BC_SKIP_MAPPING: 'TRUE', CHECKOV_SKIP_DOWNLOAD: 'TRUE', LOG_LEVEL: 'WARNING' },
      runs: Math.min(RUNS, 3),
    },
  };
}

/** Runs the benchmark and returns its result document. */
export async function run({ big = true, only } = {}) {
  ensureBuilt();
  const inputs = planInputs();
  const all = tools();
  const selected = Object.entries(all).filter(([k, t]) => (!only || only.includes(k)) && t.available());
  const missing = Object.keys(all).filter((k) => !selected.some(([s]) => s === k));
  const rows = [];
  for (const input of inputs) {
    const row = { input: input.name, resources: input.resources, mb: sig(input.bytes / 2 ** 20), expected_denies: input.expectedDenies ?? null, tools: {} };
    for (const [key, t] of selected) {
      const [cmd, argv] = t.run(input.file);
      log(`terraform: ${t.label} on ${input.name}`);
      try {
        // Checkov needs minutes on the largest plans: one run there (recorded as such in the results).
        const heavy = key === 'checkov' && (input.resources ?? 0) > 5_000;
        const r = await benchCommand(t.label, cmd, argv, { ok: t.ok, env: t.env ?? {}, runs: heavy ? 1 : (t.runs ?? RUNS), warmup: heavy ? 0 : WARMUP, timeoutMs: 1_800_000 });
        let findings = null;
        try {
          findings = t.count(r.last.stdout);
        } catch {
          /* unparsable output: keep null */
        }
        row.tools[key] = { wall_ms: r.wall_ms, rss_mb: r.rss_mb, findings, exit: r.last.code, runs: r.runs };
      } catch (e) {
        row.tools[key] = { error: e.message.slice(0, 400) };
      }
    }
    const mg = row.tools.meshgate?.wall_ms;
    row.ratios = Object.fromEntries(Object.entries(row.tools).filter(([k, v]) => k !== 'meshgate' && v.wall_ms && mg).map(([k, v]) => [k, sig(v.wall_ms / mg)]));
    rows.push(row);
  }
  const result = { rule_map: RULE_MAP, missing_tools: missing, rows };
  if (big && existsSync(MESHGATE_CLI)) result.big_plan = await bigPlan();
  return result;
}

/** A ~100 MB plan (about 110 000 resources with planned_values) checked by meshgate: peak RSS and wall time. */
export async function bigPlan() {
  const n = Number(process.env.BENCH_BIG_RESOURCES ?? 110_000);
  const file = path.join(TMP, `plan-big-${n}.json`);
  log(`terraform: generating the big plan (${n} resources)`);
  const info = writePlan(n, file);
  log(`terraform: meshgate check on ${sig(info.bytes / 2 ** 20)} MB plan`);
  const t = tools().meshgate;
  const [cmd, argv] = t.run(file);
  const r = await benchCommand('meshgate big plan', cmd, argv, { ok: t.ok, runs: Math.min(RUNS, 2), warmup: 0, timeoutMs: 900_000 });
  let denies = null;
  try {
    denies = countMeshgate(r.last.stdout);
  } catch {
    /* keep null */
  }
  rmSync(file, { force: true });
  return { resources: info.resources, mb: sig(info.bytes / 2 ** 20), wall_ms: r.wall_ms, rss_mb: r.rss_mb, findings: denies, expected_denies: info.expected_denies, exit: r.last.code, runs: r.runs };
}

if (isMain(import.meta.url)) {
  const res = await run(args());
  writeResult('terraform', res);
  for (const row of res.rows) console.log(row.input, JSON.stringify(Object.fromEntries(Object.entries(row.tools).map(([k, v]) => [k, v.error ? 'ERR' : `${v.wall_ms}ms ${v.rss_mb}MB f=${v.findings}`]))), JSON.stringify(row.ratios));
  if (res.big_plan) console.log('big plan', JSON.stringify(res.big_plan));
}
