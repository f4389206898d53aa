#!/usr/bin/env node
/**
 * Access benchmark: the hot path of a Node service deciding "may this user read this data product?".
 *
 *   engine.authorize        meshgate, global layer only, decision cache DISABLED (cacheSize 0) and ENABLED
 *   opa-wasm floor          @open-policy-agent/opa-wasm `evaluate` on the SAME compiled policy.wasm of
 *                           policies/dist/global.tar.gz, entrypoint meshgate/access, with the same input
 *                           the engine gives it (captured from the engine), and nothing else
 *   OPA server (REST)       pinned `opa run --server` on 127.0.0.1, same Rego sources, via @styra/opa
 *   Cedar (cedar-wasm)      the same rules in Cedar (bench/cedar/), preparsed policy set, statefulIsAuthorized,
 *                           including building Cedar entities from the request (as a service must)
 *   authorizeMany           a batch of 1 000 requests vs 1 000 authorize calls
 *
 * Latency: per-call hrtime over RUNS runs of N calls after a warm-up; p50/p99 are medians over runs.
 * Throughput: calls per second of a tight loop (no per-call timer), median over runs.
 *   node bench/access.mjs            (writes bench/results/access.json)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, MESHGATE_LIB, ROOT, RUNS, ensureBuilt, isMain, log, median, percentile, sig, writeResult } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const CALLS = Number(process.env.BENCH_ACCESS_CALLS ?? 20_000);
const REST_CALLS = Number(process.env.BENCH_REST_CALLS ?? 2_000);
const BATCH = 1_000;
const GLOBAL_BUNDLE = path.join(ROOT, 'policies', 'dist', 'global.tar.gz');

const DEPTS = ['marketing', 'finance', 'sales', 'engineering'];
const CLEARANCES = ['public', 'internal', 'confidential', 'restricted'];
const CLASSES = ['public', 'internal', 'pii', 'restricted'];
const DOMAINS = ['marketing', 'finance', 'sales', 'customer'];
const PURPOSES = [undefined, 'customer_support', 'analytics', 'fraud_detection'];
const ACTIONS = ['read', 'query', 'export'];

/** A deterministic pool of distinct access requests (the public AccessRequestInput shape). */
export function makeRequests(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const cls = CLASSES[(i >> 2) % CLASSES.length];
    const hasPii = cls === 'pii' || i % 5 === 0;
    const req = {
      user: {
        id: `u${i}`,
        department: DEPTS[i % DEPTS.length],
        roles: i % 3 === 0 ? ['analyst'] : i % 3 === 1 ? ['campaign_manager'] : ['analyst', 'pii_reader'],
        clearance: CLEARANCES[(i >> 1) % CLEARANCES.length],
        attributes: { pii_training: i % 7 === 0, cost_center: `cc${i % 13}` },
      },
      action: ACTIONS[i % ACTIONS.length],
      dataProduct: { id: `dp-${i % 97}`, domain: DOMAINS[(i >> 3) % DOMAINS.length], classification: cls, pii_columns: hasPii ? ['email', 'phone'] : [] },
      columns: i % 2 === 0 ? [] : ['email', 'amount'],
    };
    const purpose = PURPOSES[(i >> 4) % PURPOSES.length];
    if (purpose) req.purpose = purpose;
    out.push(req);
  }
  return out;
}

/** The policy input meshgate builds for a request, used when it cannot be captured from the engine. */
function fallbackInput(r) {
  return {
    request: { user: r.user, action: r.action, data_product: r.dataProduct, columns: r.columns ?? [], purpose: r.purpose ?? null },
    layer: 'global',
    domain: r.dataProduct.domain,
  };
}

/** Times `fn(items[i % len])` per call; returns p50/p99 in µs (medians over runs) and calls/s. */
function measureSync(fn, items, calls = CALLS) {
  for (let i = 0; i < Math.min(2_000, calls); i++) fn(items[i % items.length]); // warm-up (JIT, caches)
  const p50s = [];
  const p99s = [];
  const tputs = [];
  const lat = new Float64Array(calls);
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      fn(items[i % items.length]);
      lat[i] = Number(process.hrtime.bigint() - t0) / 1e3;
    }
    p50s.push(percentile(lat, 50));
    p99s.push(percentile(lat, 99));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(items[i % items.length]);
    tputs.push(calls / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return { p50_us: sig(median(p50s)), p99_us: sig(median(p99s)), throughput_per_s: sig(median(tputs)), calls_per_run: calls };
}

async function measureAsync(fn, items, calls = REST_CALLS) {
  for (let i = 0; i < 200; i++) await fn(items[i % items.length]);
  const p50s = [];
  const p99s = [];
  const tputs = [];
  const conc = [];
  const lat = new Float64Array(calls);
  for (let r = 0; r < RUNS; r++) {
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      await fn(items[i % items.length]);
      lat[i] = Number(process.hrtime.bigint() - t0) / 1e3;
    }
    tputs.push(calls / (Number(process.hrtime.bigint() - t1) / 1e9));
    p50s.push(percentile(lat, 50));
    p99s.push(percentile(lat, 99));
    // 16 requests in flight (a busy service), throughput only.
    const t2 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < calls) await fn(items[next++ % items.length]);
    }));
    conc.push(calls / (Number(process.hrtime.bigint() - t2) / 1e9));
  }
  return { p50_us: sig(median(p50s)), p99_us: sig(median(p99s)), throughput_per_s: sig(median(tputs)), throughput_16_in_flight_per_s: sig(median(conc)), calls_per_run: calls };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startOpaServer() {
  const port = await freePort();
  const args = ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '--disable-telemetry', path.join(ROOT, 'policies', 'global'), path.join(ROOT, 'policies', 'lib')];
  const proc = spawn(BIN.opa, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (b) => (err += b));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`opa server exited: ${err}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return { url, proc };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`opa server did not start: ${err}`);
}

function cedarSetup() {
  const cedar = require('@cedar-policy/cedar-wasm/nodejs');
  const text = readFileSync(path.join(ROOT, 'bench', 'cedar', 'global-access.cedar'), 'utf8');
  const parsed = cedar.preparsePolicySet('global', { staticPolicies: text });
  if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed.errors)}`);
  const levels = { public: 0, internal: 1, confidential: 2, restricted: 3, top_secret: 4 };
  /** One decision: map the request to Cedar entities + context, then authorize. */
  const decide = (r) => {
    const principal = { type: 'User', id: r.user.id };
    const resource = { type: 'DataProduct', id: r.dataProduct.id };
    const ans = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Action', id: r.action },
      resource,
      context: r.purpose ? { purpose: r.purpose } : {},
      preparsedPolicySetId: 'global',
      entities: [
        { uid: principal, attrs: { department: r.user.department, clearance_level: levels[r.user.clearance] ?? 0, pii_training: r.user.attributes?.pii_training === true, roles: r.user.roles }, parents: [] },
        { uid: resource, attrs: { domain: r.dataProduct.domain, classification: r.dataProduct.classification, has_pii: r.dataProduct.classification === 'pii' || (r.dataProduct.pii_columns?.length ?? 0) > 0 }, parents: [] },
      ],
    });
    if (ans.type !== 'success') throw new Error(`cedar: ${JSON.stringify(ans.errors)}`);
    return ans.response.decision === 'allow';
  };
  return { decide, version: cedar.getCedarVersion() };
}

/** Runs the access benchmark and returns its result document (without writing it). */
export async function run() {
  ensureBuilt();
  const mg = await import(pathToFileURL(MESHGATE_LIB).href);
  const requests = makeRequests(256);
  const batchRequests = makeRequests(BATCH);
  const results = { tools: {}, notes: [] };

  const engineNoCache = await mg.createEngine({ global: GLOBAL_BUNDLE, subjects: { cacheSize: 0 } });
  const engineCache = await mg.createEngine({ global: GLOBAL_BUNDLE, subjects: { cacheSize: 10_000 } });

  // Capture the exact policy inputs the engine builds (for the floor and the OPA server).
  const captured = new Map();
  let current;
  const origAccess = engineNoCache.evaluateAccess.bind(engineNoCache);
  engineNoCache.evaluateAccess = (layer, input) => {
    if (layer === 'global' && current !== undefined && !captured.has(current)) captured.set(current, structuredClone(input));
    return origAccess(layer, input);
  };
  const answers = [];
  for (let i = 0; i < requests.length; i++) {
    current = i;
    answers.push(engineNoCache.authorize(requests[i]));
  }
  current = undefined;
  engineNoCache.evaluateAccess = origAccess;
  const errors = answers.filter((d) => d.outcome === 'error');
  if (errors.length > 0) throw new Error(`engine.authorize returned error decisions: ${JSON.stringify(errors[0].errors)}`);
  const inputs = requests.map((r, i) => captured.get(i) ?? fallbackInput(r));
  results.notes.push(captured.size === requests.length ? 'floor/REST inputs: captured from the engine (identical to what it evaluates)' : `floor/REST inputs: ${captured.size}/${requests.length} captured from the engine, the rest built by the bench in the same shape`);
  results.allowed_share = sig(answers.filter((d) => d.allowed).length / answers.length);

  log('access: engine.authorize (cache disabled)');
  results.tools.engine_nocache = { label: 'meshgate engine.authorize (cache disabled)', ...measureSync((r) => engineNoCache.authorize(r), requests) };
  log('access: engine.authorize (cache enabled, 256 distinct requests cycled: hits after the first pass)');
  results.tools.engine_cache = { label: 'meshgate engine.authorize (cache enabled, all hits after warm-up)', ...measureSync((r) => engineCache.authorize(r), requests) };

  // The floor: raw opa-wasm on the same policy.wasm + data.json.
  log('access: raw opa-wasm floor');
  const bundle = mg.readBundle(GLOBAL_BUNDLE);
  const opaWasm = require('@open-policy-agent/opa-wasm');
  const policy = await opaWasm.loadPolicy(bundle.wasm);
  policy.setData(bundle.data ?? {});
  // The engine evaluates the generated ABI view of the entrypoint (meshgate_abi/access: only the ABI keys)
  // when the bundle has one; the floor evaluates the same entrypoint. A second row shows raw opa-wasm on the
  // package entrypoint (meshgate/access), what a hand-written integration would call.
  const floorEp = bundle.entrypoints.includes('meshgate_abi/access') ? 'meshgate_abi/access' : 'meshgate/access';
  const floorOut = policy.evaluate(inputs[0], floorEp);
  if (!Array.isArray(floorOut) || floorOut.length !== 1) throw new Error(`floor: unexpected result ${JSON.stringify(floorOut)}`);
  results.tools.wasm_floor = { label: `raw opa-wasm evaluate (floor: ${floorEp}, the entrypoint the engine evaluates)`, ...measureSync((inp) => policy.evaluate(inp, floorEp), inputs) };
  if (floorEp !== 'meshgate/access') {
    results.tools.wasm_package = { label: 'raw opa-wasm evaluate (package entrypoint meshgate/access)', ...measureSync((inp) => policy.evaluate(inp, 'meshgate/access'), inputs) };
  }

  // Cedar.
  log('access: cedar-wasm');
  try {
    const cedar = cedarSetup();
    let agree = 0;
    for (let i = 0; i < requests.length; i++) if (cedar.decide(requests[i]) === answers[i].allowed) agree++;
    results.cedar_agreement = `${agree}/${requests.length} decisions equal to meshgate's (global layer)`;
    results.tools.cedar = { label: `Cedar ${cedar.version} (cedar-wasm, preparsed)`, ...measureSync((r) => cedar.decide(r), requests) };
  } catch (e) {
    results.notes.push(`cedar: ${e.message}`);
  }

  // OPA server over loopback REST.
  log('access: OPA server REST via @styra/opa');
  let server;
  try {
    server = await startOpaServer();
    const { OPAClient } = await import('@styra/opa');
    const client = new OPAClient(server.url);
    const first = await client.evaluate('meshgate/access', inputs[0]);
    if (typeof first !== 'object' || first === null || !('allow' in first)) throw new Error(`unexpected OPA server result ${JSON.stringify(first)}`);
    results.tools.opa_server = { label: 'OPA server REST on 127.0.0.1 (@styra/opa)', ...(await measureAsync((inp) => client.evaluate('meshgate/access', inp), inputs)) };
  } catch (e) {
    results.notes.push(`opa server: ${e.message}`);
  } finally {
    server?.proc.kill('SIGTERM');
  }

  // authorizeMany vs one-by-one (cache disabled and enabled).
  log('access: authorizeMany vs one-by-one');
  const batch = {};
  for (const [name, eng] of [['nocache', engineNoCache], ['cache', engineCache]]) {
    const one = [];
    const many = [];
    for (let r = 0; r < RUNS + 1; r++) {
      let t0 = process.hrtime.bigint();
      for (const q of batchRequests) eng.authorize(q);
      const a = Number(process.hrtime.bigint() - t0) / 1e9;
      t0 = process.hrtime.bigint();
      const ds = eng.authorizeMany(batchRequests);
      const b = Number(process.hrtime.bigint() - t0) / 1e9;
      if (ds.length !== batchRequests.length) throw new Error('authorizeMany returned a wrong count');
      if (r > 0) {
        one.push(BATCH / a);
        many.push(BATCH / b);
      }
    }
    batch[name] = { one_by_one_per_s: sig(median(one)), batch_per_s: sig(median(many)), ratio: sig(median(many) / median(one)) };
  }
  results.batch = { size: BATCH, distinct: true, ...batch };

  const t = results.tools;
  const floor = t.wasm_floor?.p50_us;
  results.ratios = {
    authorize_vs_floor_p50: sig(t.engine_nocache.p50_us / floor),
    authorize_vs_floor_throughput: sig(t.wasm_floor.throughput_per_s / t.engine_nocache.throughput_per_s),
    opa_server_vs_authorize_p50: t.opa_server ? sig(t.opa_server.p50_us / t.engine_nocache.p50_us) : null,
    cedar_vs_authorize_p50: t.cedar ? sig(t.cedar.p50_us / t.engine_nocache.p50_us) : null,
    batch_vs_one_by_one: results.batch.nocache.ratio,
  };
  return results;
}

if (isMain(import.meta.url)) {
  const res = await run();
  writeResult('access', res);
  console.log(JSON.stringify({ ratios: res.ratios, tools: res.tools, batch: res.batch }, null, 1));
  process.exit(0);
}
