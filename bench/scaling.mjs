#!/usr/bin/env node
/**
 * Scaling benchmark (issue 17): is the cost of a decision linear in its input? Three subjects, each over
 * four orders of magnitude, in process through the built library with the shipped bundles:
 *
 *   access      engine.authorize (decision cache off) of one request with N columns and N PII columns
 *               (every PII column requested: the mask obligation has N entries), N = 10 … 10 000
 *   contracts   engine.checkContract of a contract with N fields, all PII and no encryption declared
 *               (N deny findings), N = 10 … 10 000
 *   plans       engine.checkPlan of a generated plan (bench/gen-plan.mjs) with N resources, N = 100 … 100 000
 *
 * For each size: the median wall time of one decision over the runs, the time per element (time / N), and
 * the marginal time per element between consecutive sizes ((t(N) − t(N/10)) / (N − N/10), which takes
 * the fixed per-decision cost out). Linear means a flat marginal column; `growth` is the largest size's
 * time per element over the smallest's (≤ 2 is the bar; fixed costs make small sizes dearer).
 *
 * Also the cost of the evaluation deadline (instruction metering injected into the WASM): authorize p50 of
 * the same engine with metering on and off (`deadlines: false`), interleaved rounds, next to the raw
 * opa-wasm floor on the same policy.wasm.
 *
 *   node bench/scaling.mjs        (writes bench/results/scaling.json and the section of docs/benchmarks.md)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRequests } from './access.mjs';
import { generatePlan } from './gen-plan.mjs';
import { MESHGATE_LIB, ROOT, RUNS, ensureBuilt, isMain, log, median, sig, writeResult } from './lib/common.mjs';

const require = createRequire(import.meta.url);

const ACCESS_SIZES = [10, 100, 1_000, 10_000];
const CONTRACT_SIZES = [10, 100, 1_000, 10_000];
const PLAN_SIZES = [100, 1_000, 10_000, 100_000];

/** An access request with n columns, all of them PII columns of the product. */
export function accessRequest(n) {
  const cols = Array.from({ length: n }, (_, i) => `col_${i}`);
  return {
    user: { id: 'u1', department: 'marketing', roles: ['campaign_manager'], clearance: 'confidential', attributes: { pii_training: true } },
    action: 'read',
    data_product: { id: 'dp-wide', domain: 'marketing', classification: 'internal', pii_columns: cols },
    columns: [...cols].reverse(),
    purpose: 'customer_support',
  };
}

/** A data contract (Data Contract Specification-like YAML of the seed) with n PII fields and no encryption. */
export function contractText(n) {
  const lines = ['data_product: wide_pii', 'domain: Marketing', 'owner: team@company.com', 'version: 1.0.0', 'output_ports:', '  - name: daily', '    format: delta', 'slos:', '  - name: freshness', '    threshold: P1D', 'schema:'];
  for (let i = 0; i < n; i++) lines.push(`  field_${i}:`, '    type: string', '    classification: internal', '    pii: true');
  return `${lines.join('\n')}\n`;
}

/** Median wall time of one call; small sizes repeat the call in batches so that each sample is ≥ 20 ms. */
async function time(fn, runs) {
  const t0 = performance.now();
  await fn(); // warm-up (and the size of a batch)
  const first = performance.now() - t0;
  const batch = Math.max(1, Math.min(2_000, Math.ceil(20 / Math.max(first, 0.01))));
  for (let i = 0; i < batch; i++) await fn();
  const ts = [];
  for (let r = 0; r < runs; r++) {
    const t1 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    ts.push((performance.now() - t1) / batch);
  }
  return median(ts);
}

function table(sizes, ms) {
  const rows = sizes.map((n, i) => ({
    n,
    ms: sig(ms[i]),
    us_per_element: sig((ms[i] * 1000) / n),
    marginal_us_per_element: i === 0 ? null : sig(((ms[i] - ms[i - 1]) * 1000) / (n - sizes[i - 1])),
  }));
  const growth = sig(rows.at(-1).us_per_element / rows[0].us_per_element);
  const marginals = rows.map((r) => r.marginal_us_per_element).filter((x) => x !== null && x > 0);
  return { rows, growth, marginal_spread: sig(Math.max(...marginals) / Math.min(...marginals)) };
}

export async function run() {
  ensureBuilt();
  const mg = await import(pathToFileURL(MESHGATE_LIB).href);
  const engine = await mg.createEngine({ subjects: { cacheSize: 0 } });
  const out = { notes: [], load_average_at_start: os.loadavg().map((x) => sig(x)) };
  const runs = Math.max(3, RUNS);

  log('scaling: access');
  const accessMs = [];
  for (const n of ACCESS_SIZES) {
    const req = accessRequest(n);
    const d = engine.authorize(req);
    if (d.outcome === 'error') throw new Error(`access ${n}: ${JSON.stringify(d.errors)}`);
    if (d.obligations.mask.length !== n) throw new Error(`access ${n}: expected ${n} masked columns, got ${d.obligations.mask.length}`);
    accessMs.push(await time(() => engine.authorize(req), runs));
  }
  out.access = { label: 'engine.authorize, N columns and N PII columns (cache off)', unit: 'column', ...table(ACCESS_SIZES, accessMs) };

  log('scaling: contracts');
  const contractMs = [];
  for (const n of CONTRACT_SIZES) {
    const text = contractText(n);
    const d = await engine.checkContract(text);
    if (d.outcome === 'error') throw new Error(`contract ${n}: ${JSON.stringify(d.errors)}`);
    const pii = d.findings.filter((f) => f.rule === 'contract_pii_encryption' || f.rule?.endsWith(':contract_pii_encryption')).length;
    if (pii !== n) throw new Error(`contract ${n}: expected ${n} contract_pii_encryption findings, got ${pii}`);
    contractMs.push(await time(() => engine.checkContract(text), n >= 10_000 ? Math.min(runs, 3) : runs));
  }
  out.contracts = { label: 'engine.checkContract, N PII fields without encryption (N findings)', unit: 'field', ...table(CONTRACT_SIZES, contractMs) };

  log('scaling: plans');
  const planMs = [];
  for (const n of PLAN_SIZES) {
    const { plan } = generatePlan(n);
    const d = await engine.checkPlan(plan);
    if (d.outcome === 'error') throw new Error(`plan ${n}: ${JSON.stringify(d.errors)}`);
    planMs.push(await time(() => engine.checkPlan(plan), n >= 100_000 ? Math.min(runs, 3) : runs));
  }
  out.plans = { label: 'engine.checkPlan, generated plan with N resources', unit: 'resource', ...table(PLAN_SIZES, planMs) };
  await engine.close();

  log('scaling: deadline metering overhead on authorize p50');
  out.metering = await meteringOverhead(mg);
  out.load_average_at_end = os.loadavg().map((x) => sig(x));
  return out;
}

/** authorize p50 with metering on and off (interleaved rounds of 3 000 calls), and the raw opa-wasm floor. */
async function meteringOverhead(mg) {
  const global = path.join(ROOT, 'policies', 'dist', 'global.tar.gz');
  const reqs = makeRequests(256);
  const metered = await mg.createEngine({ global, subjects: { cacheSize: 0 } });
  const unmetered = await mg.createEngine({ global, subjects: { cacheSize: 0 }, deadlines: false });
  // the floor evaluates what the engine evaluates: capture the engine's policy inputs
  const inputs = [];
  const orig = unmetered.evaluateAccess.bind(unmetered);
  unmetered.evaluateAccess = (layer, input) => (inputs.push(input), orig(layer, input));
  for (const r of reqs) unmetered.authorize(r);
  unmetered.evaluateAccess = orig;
  const bundle = mg.readBundle(global);
  const policy = await require('@open-policy-agent/opa-wasm').loadPolicy(bundle.wasm);
  policy.setData(bundle.data);
  const ep = bundle.entrypoints.includes('meshgate_abi/access') ? 'meshgate_abi/access' : 'meshgate/access';
  const subjects = { metered: (i) => metered.authorize(reqs[i % reqs.length]), unmetered: (i) => unmetered.authorize(reqs[i % reqs.length]), floor: (i) => policy.evaluate(inputs[i % inputs.length], ep) };
  const p50s = { metered: [], unmetered: [], floor: [] };
  const lat = new Float64Array(3_000);
  for (let round = 0; round < 12; round++) {
    for (const [k, fn] of Object.entries(subjects)) {
      for (let i = 0; i < lat.length; i++) {
        const t0 = process.hrtime.bigint();
        fn(i);
        lat[i] = Number(process.hrtime.bigint() - t0) / 1e3;
      }
      if (round >= 2) p50s[k].push(Float64Array.from(lat).sort()[lat.length >> 1]);
    }
  }
  await metered.close();
  await unmetered.close();
  const m = median(p50s.metered);
  const u = median(p50s.unmetered);
  const f = median(p50s.floor);
  return { metered_p50_us: sig(m), unmetered_p50_us: sig(u), floor_p50_us: sig(f), overhead_us: sig(m - u), overhead_ratio: sig(m / u), metered_vs_floor: sig(m / f), rounds: 10, calls_per_round: lat.length };
}

/** The markdown section written into docs/benchmarks.md between its scaling markers. */
export function scalingMarkdown(res) {
  const md = [`Measured ${res.date.slice(0, 10)} on ${res.machine.cpu}, ${res.machine.cores} cores (shared with other jobs: load average ${res.load_average_at_start?.[0] ?? '?'} at the start and ${res.load_average_at_end?.[0] ?? '?'} at the end of the run, so single rows are noisy). \`node bench/scaling.mjs\`; raw numbers in bench/results/scaling.json.`, ''];
  for (const k of ['access', 'contracts', 'plans']) {
    const s = res[k];
    md.push(`**${s.label}** — per-${s.unit} time growth from the smallest to the largest size: **${s.growth}×**; marginal per-${s.unit} time spread: ${s.marginal_spread}×.`, '', `| N | ms per decision | µs per ${s.unit} | marginal µs per ${s.unit} |`, '|---:|---:|---:|---:|');
    for (const r of s.rows) md.push(`| ${r.n.toLocaleString('en-US')} | ${r.ms} | ${r.us_per_element} | ${r.marginal_us_per_element ?? '–'} |`);
    md.push('');
  }
  const m = res.metering;
  if (m) {
    md.push('**Deadline metering** (instruction metering injected into the WASM, see docs/limits.md): authorize p50 (global layer, cache off)', '', '| metering on | metering off (`deadlines: false`) | raw opa-wasm floor | overhead |', '|---:|---:|---:|---:|');
    md.push(`| ${m.metered_p50_us} µs | ${m.unmetered_p50_us} µs | ${m.floor_p50_us} µs | +${m.overhead_us} µs (${m.overhead_ratio}×); ${m.metered_vs_floor}× the floor |`, '');
  }
  return md.join('\n');
}

function writeDocs(res) {
  const doc = path.join(ROOT, 'docs', 'benchmarks.md');
  if (!existsSync(doc)) return;
  const cur = readFileSync(doc, 'utf8');
  const body = `<!-- scaling:start -->\n${scalingMarkdown(res)}\n<!-- scaling:end -->`;
  const a = cur.indexOf('<!-- scaling:start -->');
  const b = cur.indexOf('<!-- scaling:end -->');
  const next = a >= 0 && b > a ? `${cur.slice(0, a)}${body}${cur.slice(b + '<!-- scaling:end -->'.length)}` : `${cur.trimEnd()}\n\n## Scaling: cost per element (issue 17)\n\n${body}\n`;
  writeFileSync(doc, next);
}

if (isMain(import.meta.url)) {
  const doc = writeResult('scaling', await run());
  writeDocs(doc);
  const res = doc;
  for (const k of ['access', 'contracts', 'plans']) {
    const s = res[k];
    console.log(`${k}: growth ${s.growth}x, marginal spread ${s.marginal_spread}x`);
    for (const r of s.rows) console.log(`  N=${r.n}\t${r.ms} ms\t${r.us_per_element} µs/${s.unit}\tmarginal ${r.marginal_us_per_element ?? '-'}`);
  }
}
