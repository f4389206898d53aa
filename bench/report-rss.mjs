#!/usr/bin/env node
/**
 * Peak RSS of `meshgate report` streaming synthetic audit logs of 100 000 and 1 000 000 events (target:
 * under 300 MB at 1 000 000), side by side, with the report's size. The logs are written by meshgate's own
 * AuditTrail (bench/lib/gen-audit.mjs) into bench/results/tmp/ and reused when already there.
 * Every log's hash chain is verified in the report's reading pass (the streaming chain verifier); each run
 * checks that the report says "chain ok".
 *   node bench/report-rss.mjs            (one run per row: each is long; peak RSS from GNU time)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MESHGATE_CLI, TMP, ensureBuilt, isMain, log, runCommand, sig, writeResult } from './lib/common.mjs';
import { generateAuditLog } from './lib/gen-audit.mjs';

const SIZES = [100_000, 1_000_000];
const TARGET_MB = 300;

async function logOf(events) {
  const file = path.join(TMP, `audit-${events}.jsonl`);
  if (!existsSync(file) || statSync(file).size < events * 500) {
    log(`writing ${events} synthetic audit events to ${path.relative(process.cwd(), file)}`);
    await generateAuditLog(file, events);
  }
  return file;
}

async function measure(label, events, file) {
  const out = path.join(TMP, `report-${events}.html`);
  const r = await runCommand(process.execPath, [MESHGATE_CLI, 'report', file, '-o', out]);
  if (r.code !== 0 || !new RegExp(`${events} audit events`).test(r.stderr)) throw new Error(`${label}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
  const html = readFileSync(out, 'utf8');
  if (!html.includes('chain ok') || html.includes('not verified')) throw new Error(`${label}: the report does not show a verified chain`);
  const row = { label, events, log_mb: sig(statSync(file).size / 1048576), rss_mb: sig(r.rss_mb), wall_ms: sig(r.wall_ms), report_kb: sig(statSync(out).size / 1024), verified: true };
  log(JSON.stringify(row));
  return row;
}

export async function run() {
  ensureBuilt();
  const rows = [];
  const files = {};
  for (const n of SIZES) files[n] = await logOf(n);
  for (const n of SIZES) rows.push(await measure(`${n.toLocaleString('en').replace(/,/g, ' ')} events, streamed and verified`, n, files[n]));
  const small = rows.find((r) => r.events === 100_000);
  const big = rows.find((r) => r.events === 1_000_000);
  const ratios = { rss_1m_vs_100k: sig(big.rss_mb / small.rss_mb), events_1m_vs_100k: 10, report_size_1m_vs_100k: sig(big.report_kb / small.report_kb) };
  return writeResult('report-rss', { runs: 1, warmup: 0, target_mb: TARGET_MB, met: big.rss_mb < TARGET_MB, rows, ratios });
}

if (isMain(import.meta.url)) await run();
