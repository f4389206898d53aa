#!/usr/bin/env node
/**
 * `npm run bench`: runs the benchmarks (each in its own Node process, one after the other, so that they
 * never compete for the CPU), writes bench/results/<name>.json, then summary.md and the SVG charts.
 *
 *   node bench/run.mjs                      all: table (the performance table in docs/benchmarks.md), access, terraform, contracts, scaling
 *   node bench/run.mjs access terraform     a selection (each is also runnable alone: node bench/access.mjs)
 *   node bench/run.mjs --report             only rebuild summary.md and the charts from existing results
 * Environment: BENCH_RUNS (default 5), BENCH_WARMUP (1), BENCH_ACCESS_CALLS, BENCH_REST_CALLS,
 * BENCH_BIG_RESOURCES (110000), BENCH_BUILD=1 (rebuild dist/ first). Peers: bash scripts/install-peers.sh.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, ensureBuilt, log } from './lib/common.mjs';
import { report } from './report.mjs';

const ALL = ['table', 'access', 'terraform', 'contracts', 'scaling'];
const argv = process.argv.slice(2);
const names = argv.filter((a) => !a.startsWith('--'));
const passThrough = argv.filter((a) => a.startsWith('--') && a !== '--report');
const selected = argv.includes('--report') ? [] : names.length ? names : ALL;
for (const n of selected) if (!ALL.includes(n)) throw new Error(`unknown benchmark ${n} (have: ${ALL.join(', ')})`);

if (selected.length) ensureBuilt();
let failed = 0;
for (const name of selected) {
  log(`=== ${name} ===`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', `${name}.mjs`), ...passThrough], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    log(`${name} failed (exit ${r.status})`);
  }
}
process.stdout.write(report());
process.exit(failed ? 1 : 0);
