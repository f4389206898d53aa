#!/usr/bin/env node
/**
 * The performance table of issue 21: exactly its rows, each measured SIDE BY SIDE in one run — the
 * contenders of a row run in interleaved rounds (a, b, a, b, …), so machine load hits both alike — and
 * reported as medians with their ratio. Writes bench/results/table.json and the table between the
 * `perf-table` markers of docs/benchmarks.md.
 *
 *   node bench/table.mjs          (also the first step of `npm run bench`)
 * Environment: BENCH_RUNS (rounds, default 5), BENCH_WARMUP (1), BENCH_ACCESS_CALLS (calls per latency round).
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BIN, CORPUS, MESHGATE_CLI, MESHGATE_LIB, ROOT, RUNS, TMP, WARMUP, ensureBuilt, have, isMain, log, median, percentile, runCommand, sig, writeResult } from './lib/common.mjs';
import { makeRequests } from './access.mjs';

const REGO_DIR = path.join(ROOT, 'bench', 'peers-rego');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const CALLS = Number(process.env.BENCH_ACCESS_CALLS ?? 20_000);
const require = createRequire(import.meta.url);

/** Runs each contender once per round (after WARMUP rounds); returns medians of wall time per contender. */
async function sideBySide(contenders) {
  const walls = contenders.map(() => []);
  const last = contenders.map(() => undefined);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [i, c] of contenders.entries()) {
      const r = await runCommand(c.cmd, c.args, { env: c.env ?? {} });
      if (!c.ok(r)) throw new Error(`${c.label}: unexpected result (exit ${r.code}): ${(r.stderr || r.stdout).slice(0, 600)}`);
      if (round >= WARMUP) walls[i].push(r.wall_ms);
      last[i] = r;
    }
  }
  return contenders.map((c, i) => ({ label: c.label, wall_ms: sig(median(walls[i])), runs: walls[i].map((w) => sig(w)), last: last[i] }));
}

const node = (label, args, ok = (r) => r.code === 0) => ({ label, cmd: process.execPath, args, ok });
const meshgate = (label, args, ok = (r) => r.code === 0 || r.code === 1) => node(label, [MESHGATE_CLI, ...args], ok);
const conftest = (target) => ({ label: 'conftest test', cmd: BIN.conftest, args: ['test', '--no-color', '-p', REGO_DIR, '-o', 'json', target], ok: (r) => r.code === 0 || r.code === 1 });
const opaEval = (file) => ({ label: 'opa eval', cmd: BIN.opa, args: ['eval', '-d', REGO_DIR, '-i', file, '-f', 'json', 'data.main.deny'], ok: (r) => r.code === 0 });

const meshgateDenies = (stdout) => JSON.parse(stdout).results.reduce((n, r) => n + r.findings.filter((f) => f.level === 'deny').length, 0);
const conftestDenies = (stdout) => JSON.parse(stdout).reduce((n, f) => n + (f.failures?.length ?? 0), 0);
const opaDenies = (stdout) => JSON.parse(stdout).result?.[0]?.expressions?.[0]?.value?.length ?? 0;

function writePlan(n, file) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'lib', 'write-plan.mjs'), String(n), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`write-plan ${n} failed`);
  return JSON.parse(r.stdout);
}

/** Checks that every tool reported the generator's expected number of denials (each tool did the work). */
function sameDenies(row, expected, counts) {
  const bad = Object.entries(counts).filter(([, n]) => n !== expected);
  if (bad.length) throw new Error(`${row}: expected ${expected} denials, got ${bad.map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

/** Per-call p50 (µs) of fn over items, `calls` calls. */
function p50(fn, items, calls) {
  const lat = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const item = items[i % items.length];
    const t0 = process.hrtime.bigint();
    fn(item);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  return percentile(lat, 50);
}

/** engine.authorize with one and two layers vs the raw opa-wasm floor of one layer, interleaved rounds. */
export async function accessRows() {
  const mg = await import(pathToFileURL(MESHGATE_LIB).href);
  const dist = path.join(ROOT, 'policies', 'dist');
  const global = path.join(dist, 'global.tar.gz');
  const one = await mg.createEngine({ global, subjects: { cacheSize: 0 } });
  const two = await mg.createEngine({ global, domains: { marketing: path.join(dist, 'marketing.tar.gz') }, subjects: { cacheSize: 0 } });
  // every request is in domain marketing, so the two-layer engine evaluates global + marketing for each
  const requests = makeRequests(256).map((r) => ({ ...r, dataProduct: { ...r.dataProduct, domain: 'marketing' } }));
  // the floor evaluates exactly the input the engine gives the global layer (captured), on the same entrypoint
  // (the decision path calls the layer's `evaluate`, or `evaluateJson` / `evaluateJsonShared` with the input
  // serialised once)
  const captured = [];
  const globalLayer = one.layerMap.get('global');
  const { evaluate, evaluateJson, evaluateJsonShared } = globalLayer;
  globalLayer.evaluate = (ep, input) => (captured.push(structuredClone(input)), evaluate(ep, input));
  if (evaluateJson) globalLayer.evaluateJson = (ep, json) => (captured.push(JSON.parse(json)), evaluateJson(ep, json));
  if (evaluateJsonShared) globalLayer.evaluateJsonShared = (ep, json) => (captured.push(JSON.parse(json)), evaluateJsonShared(ep, json));
  const answers = requests.map((r) => one.authorize(r));
  Object.assign(globalLayer, { evaluate, evaluateJson, evaluateJsonShared });
  if (captured.length !== requests.length) throw new Error(`captured ${captured.length} global-layer inputs for ${requests.length} requests: the floor would not evaluate the engine's input`);
  const twoAnswers = requests.map((r) => two.authorize(r));
  for (const d of [...answers, ...twoAnswers]) if (d.outcome === 'error') throw new Error(`authorize error: ${JSON.stringify(d.errors)}`);
  if (!twoAnswers.every((d) => d.layers.includes('marketing'))) throw new Error('the two-layer engine did not evaluate the marketing layer');
  const bundle = mg.readBundle(global);
  const policy = await require(path.join(ROOT, 'node_modules', '@open-policy-agent', 'opa-wasm')).loadPolicy(bundle.wasm);
  policy.setData(bundle.data ?? {});
  const ep = bundle.entrypoints.includes('meshgate_abi/access') ? 'meshgate_abi/access' : 'meshgate/access';
  const contenders = [
    ['floor', (x) => policy.evaluate(x, ep), captured],
    ['one', (r) => one.authorize(r), requests],
    ['two', (r) => two.authorize(r), requests],
  ];
  const per = { floor: [], one: [], two: [] };
  for (const [, fn, items] of contenders) p50(fn, items, Math.min(CALLS, 5_000)); // warm-up
  for (let round = 0; round < RUNS; round++) for (const [k, fn, items] of contenders) per[k].push(p50(fn, items, CALLS));
  await one.close();
  await two.close();
  return { entrypoint: ep, floor_p50_us: sig(median(per.floor)), one_p50_us: sig(median(per.one)), two_p50_us: sig(median(per.two)), runs: per };
}

/** Runs every row; returns the result document. */
export async function run() {
  ensureBuilt();
  const rows = [];
  const add = (row) => {
    rows.push(row);
    log(`table: ${row.case}: ${row.meshgate} vs ${row.peer} → ${row.ratio}`);
  };
  const ms = (x) => `${Math.round(x)} ms`;

  // 1-3: the floor, --version, one empty plan (same rounds).
  const empty = path.join(TMP, 'empty.plan.json');
  writeFileSync(empty, JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes: [] }));
  const [floor, version, check] = await sideBySide([node('node -e 0', ['-e', '0']), meshgate('meshgate --version', ['--version'], (r) => r.code === 0 && /^\d+\.\d+\.\d+/.test(r.stdout)), meshgate('meshgate check empty plan', ['check', empty, '--format', 'json'], (r) => r.code === 0)]);
  add({ case: '`node -e 0` (the floor of any Node CLI)', meshgate: '–', peer: ms(floor.wall_ms), ratio: '–', raw: { floor } });
  add({ case: '`meshgate --version`', meshgate: ms(version.wall_ms), peer: `\`node -e 0\` ${ms(floor.wall_ms)}`, ratio: `${sig(version.wall_ms / floor.wall_ms)}× the floor`, target: '≤ 1.15×', met: version.wall_ms / floor.wall_ms <= 1.15, raw: { version, floor } });
  add({ case: '`meshgate check` one empty plan', meshgate: ms(check.wall_ms), peer: `\`node -e 0\` ${ms(floor.wall_ms)}`, ratio: `${sig(check.wall_ms / floor.wall_ms)}× the floor`, target: '≤ 1.5×', met: check.wall_ms / floor.wall_ms <= 1.5, raw: { check, floor } });

  // 4-5: synthetic plans.
  if (have('conftest') && have('opa')) {
    for (const n of [1_000, 10_000]) {
      const file = path.join(TMP, `table-plan-${n}.json`);
      const info = writePlan(n, file);
      const contenders = [meshgate('meshgate check', ['check', file, '--format', 'json']), conftest(file)];
      if (n === 10_000) contenders.push(opaEval(file));
      const [m, c, o] = await sideBySide(contenders);
      const counts = { meshgate: meshgateDenies(m.last.stdout), conftest: conftestDenies(c.last.stdout) };
      if (o) counts.opa = opaDenies(o.last.stdout);
      sameDenies(`${n} resources`, info.expected_denies, counts);
      if (n === 1_000) {
        add({ case: '`meshgate check` 1 000-resource synthetic plan', meshgate: ms(m.wall_ms), peer: `\`conftest test\` ${ms(c.wall_ms)}`, ratio: `${sig(m.wall_ms / c.wall_ms)}× conftest`, target: '≤ 1.5×', met: m.wall_ms / c.wall_ms <= 1.5, raw: { meshgate: m, conftest: c, denies: counts } });
      } else {
        const faster = m.wall_ms < c.wall_ms && m.wall_ms < o.wall_ms;
        add({ case: '`meshgate check` 10 000-resource plan', meshgate: ms(m.wall_ms), peer: `conftest ${ms(c.wall_ms)} / \`opa eval\` ${ms(o.wall_ms)}`, ratio: `${sig(m.wall_ms / c.wall_ms)}× conftest, ${sig(m.wall_ms / o.wall_ms)}× opa eval`, target: 'faster than both', met: faster, raw: { meshgate: m, conftest: c, opa: o, denies: counts } });
      }
    }
    // 6: the folder of real plans.
    const folder = path.join(CORPUS, 'tfplan');
    if (existsSync(folder)) {
      const count = readdirSync(folder).filter((f) => f.endsWith('.json')).length;
      const [m, j1, c] = await sideBySide([meshgate('meshgate check folder', ['check', folder, '--format', 'json'], (r) => r.code <= 2 && r.stdout.startsWith('{')), meshgate('meshgate check folder --jobs 1', ['check', folder, '--format', 'json', '--jobs', '1'], (r) => r.code <= 2 && r.stdout.startsWith('{')), conftest(folder)]);
      const files = JSON.parse(m.last.stdout).results.length;
      add({ case: `\`meshgate check\` on a folder of ${count} real plans`, meshgate: `${ms(m.wall_ms)} (\`--jobs 1\`: ${ms(j1.wall_ms)})`, peer: `\`conftest test\` same folder ${ms(c.wall_ms)}`, ratio: `${sig(m.wall_ms / c.wall_ms)}× conftest (\`--jobs 1\`: ${sig(j1.wall_ms / c.wall_ms)}×)`, target: '≤ 1.5×', met: m.wall_ms / c.wall_ms <= 1.5, raw: { meshgate: m, jobs1: j1, conftest: c, files_checked: files } });
    }
  } else log('table: conftest/opa missing (bash scripts/install-peers.sh): Terraform rows skipped');

  // 7: one contract, CLI vs CLI.
  // the first Data Contract Specification file of the corpus (both tools read it)
  const contractDir = path.join(CORPUS, 'contracts');
  const contractFile = existsSync(contractDir) ? readdirSync(contractDir).filter((f) => f.startsWith('datacontract__') && f.endsWith('.yaml') && !f.includes('.odcs.')).sort().map((f) => path.join(contractDir, f))[0] : undefined;
  if (have('datacontract') && contractFile) {
    const [m, d] = await sideBySide([meshgate('meshgate check contract', ['check', contractFile, '--format', 'json'], (r) => (r.code === 0 || r.code === 1) && JSON.parse(r.stdout).results[0].kind === 'contract'), { label: 'datacontract lint', cmd: BIN.datacontract, args: ['lint', contractFile], env: { NO_COLOR: '1', TERM: 'dumb', COLUMNS: '200' }, ok: (r) => r.code === 0 || r.code === 1 }]);
    add({ case: 'one contract, CLI vs CLI', meshgate: ms(m.wall_ms), peer: `\`datacontract lint\` ${ms(d.wall_ms)}`, ratio: `${sig(d.wall_ms / m.wall_ms)}× faster`, target: '≥ 6× faster', met: d.wall_ms / m.wall_ms >= 6, raw: { meshgate: m, datacontract: d, file: path.basename(contractFile) } });
  } else log('table: datacontract-cli missing: contract row skipped');

  // 8: authorize, one and two layers vs the floor.
  const a = await accessRows();
  add({
    case: '`engine.authorize`, global + marketing layers, p50',
    meshgate: `${a.two_p50_us} µs (global only: ${a.one_p50_us} µs)`,
    peer: `raw opa-wasm \`evaluate\` on \`${a.entrypoint}\` ${a.floor_p50_us} µs per layer`,
    ratio: `${sig(a.two_p50_us / a.floor_p50_us)}× one layer (global only: ${sig(a.one_p50_us / a.floor_p50_us)}×)`,
    target: 'two ≤ 2.2×, one ≤ 1.15×',
    met: a.two_p50_us / a.floor_p50_us <= 2.2 && a.one_p50_us / a.floor_p50_us <= 1.15,
    raw: a,
  });
  for (const r of rows) for (const v of Object.values(r.raw ?? {})) if (v && typeof v === 'object') delete v.last;
  return { rows };
}

/** The markdown table of a result document. */
export function renderTable(doc) {
  const lines = ['| case | meshgate | peer | ratio | target |', '|---|---|---|---|---|'];
  for (const r of doc.rows) lines.push(`| ${r.case} | ${r.meshgate} | ${r.peer} | ${r.ratio} | ${r.target ? `${r.target}: ${r.met ? 'met' : '**missed**'}` : '–'} |`);
  return `${lines.join('\n')}\n\n_${doc.date.slice(0, 10)}, ${doc.machine.cpu}, ${doc.machine.cores} cores, Node ${doc.machine.node}; ${doc.runs} interleaved rounds after ${doc.warmup} warm-up, medians; \`bench/results/table.json\`._`;
}

/** Replaces the table between the perf-table markers of docs/benchmarks.md. */
export function writeDocTable(doc) {
  const text = readFileSync(DOC, 'utf8');
  const start = '<!-- perf-table:start (npm run bench writes this table) -->';
  const end = '<!-- perf-table:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${DOC}: perf-table markers missing`);
  writeFileSync(DOC, `${text.slice(0, i + start.length)}\n${renderTable(doc)}\n${text.slice(j)}`);
}

if (isMain(import.meta.url)) {
  const res = await run();
  const doc = writeResult('table', res);
  writeDocTable(doc);
  console.log(renderTable(doc));
  process.exit(0);
}
