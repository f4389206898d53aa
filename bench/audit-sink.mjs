#!/usr/bin/env node
/**
 * Throughput of the JSONL audit sink (events/s), signed checkpoints off vs on, side by side in one run:
 * the same prebuilt audit event (a denied access decision) written N times through `jsonlSink` (each line
 * canonicalised, hashed and chained), the file closed (the closing checkpoint included). Checkpoints are
 * Ed25519 via node:crypto, every 1 000 and every 100 events. Writes bench/results/audit-sink.json.
 *   node bench/audit-sink.mjs            (BENCH_AUDIT_EVENTS, default 20 000; BENCH_RUNS, default 5)
 * With BENCH_AUDIT_BASE=<dir> (a checkout's src/, e.g. `git archive <commit> src | tar -x -C <dir>`), every
 * variant is also run with that tree's sink, runs interleaved, and each row gets the ratio after/before.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAuditLib } from './lib/audit-lib.mjs';
import { RUNS, WARMUP, log, median, sig, writeResult } from './lib/common.mjs';

const lib = await loadAuditLib();
const base = process.env.BENCH_AUDIT_BASE ? await loadAuditLib(process.env.BENCH_AUDIT_BASE) : undefined;
const { buildAuditEvent } = lib;
const N = Number(process.env.BENCH_AUDIT_EVENTS ?? 20_000);
const { privateKey } = generateKeyPairSync('ed25519');

const decision = {
  decision_id: 'bench-0001',
  kind: 'access',
  subject: 'carla -> customer360',
  allowed: false,
  outcome: 'denied',
  reason: 'forbidden',
  findings: [{ rule: 'pii_requires_purpose', msg: 'PII products need a permitted purpose', level: 'deny', enforcement: 'hard', layer: 'global', waived: false }],
  obligations: { mask: [], row_filters: [] },
  errors: [],
  layers: ['global', 'marketing'],
  bundles: { global: { revision: 'g1' }, marketing: { revision: 'm1' } },
  metrics: { timer_meshgate_decide_ns: 41_000, timer_rego_eval_ns: 23_000 },
};
const input = { request: { user: { id: 'carla', department: 'marketing', roles: ['campaign_manager'], attributes: { email: 'carla@example.com' } }, action: 'read', data_product: { id: 'customer360' } } };
const event = buildAuditEvent(decision, input, { version: 'bench', maskPaths: ['email'] });

const variants = [
  { name: 'checkpoints off', options: {} },
  { name: 'checkpoints every 1000 events (Ed25519)', options: { checkpoints: { key: privateKey, everyEvents: 1000 } } },
  { name: 'checkpoints every 100 events (Ed25519)', options: { checkpoints: { key: privateKey, everyEvents: 100 } } },
];

async function once(options, { jsonlSink } = lib) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mg-bench-audit-'));
  try {
    const file = path.join(dir, 'audit.log');
    const sink = jsonlSink(file, options);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink.write(event);
    await sink.close();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return { eps: N / s, bytes: statSync(file).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const v of variants) {
  for (let w = 0; w < WARMUP; w++) {
    await once(v.options);
    if (base) await once(v.options, base);
  }
  const runs = [];
  const baseRuns = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(await once(v.options));
    if (base) baseRuns.push(await once(v.options, base));
  }
  const eps = median(runs.map((x) => x.eps));
  const row = { variant: v.name, events: N, events_per_s: sig(eps), runs_events_per_s: runs.map((x) => sig(x.eps)), bytes: runs[0].bytes };
  if (base) {
    const beps = median(baseRuns.map((x) => x.eps));
    Object.assign(row, { base_events_per_s: sig(beps), base_runs_events_per_s: baseRuns.map((x) => sig(x.eps)), ratio_vs_base: sig(eps / beps) });
  }
  rows.push(row);
  log(`${v.name}: ${sig(eps)} events/s${base ? ` (base ${row.base_events_per_s}, ${row.ratio_vs_base}×)` : ''}`);
}
const off = rows[0].events_per_s;
for (const r of rows) r.ratio_vs_off = sig(r.events_per_s / off);
writeResult('audit-sink', { events: N, ...(base ? { base: process.env.BENCH_AUDIT_BASE_LABEL ?? 'BENCH_AUDIT_BASE' } : {}), rows });
