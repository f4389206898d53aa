#!/usr/bin/env node
/**
 * `check --jobs` benchmark: which default is never slower than one job. Three sets of files, each checked
 * by the CLI (`check <folder> --format json`) with `--jobs 1`, `--jobs 2` and the default (`auto`),
 * interleaved run by run so that machine load hits each alike; medians of wall time (spawn to exit) and
 * peak RSS, and each default's ratio to `--jobs 1`.
 *
 *   corpus plans       ../shared/corpus/tfplan       (real `terraform show -json` output)
 *   corpus contracts   ../shared/corpus/contracts    (real DCS / ODCS / ODPS files)
 *   1 000 small        1 000 generated ≈ 4 KiB contracts (fixtures/contracts/customer-profile.yaml, renamed)
 *
 * Also records what `auto` chose (MESHGATE_DEBUG prints it), the cores and the load average. Every run
 * must print the same JSON summary (exit 2 is accepted: some corpus contracts are reported as input errors).
 *
 *   node bench/jobs.mjs            # → bench/results/jobs.json, bench/results/jobs.md
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { CORPUS, MESHGATE_CLI, RESULTS, ROOT, RUNS, TMP, ensureBuilt, isMain, log, median, sig, writeResult } from './lib/common.mjs';

const TIME = '/usr/bin/time';

/**
 * Runs the CLI once under GNU time: wall ms (hrtime), CPU ms (user + system, all threads — the work done,
 * which the load of a shared machine disturbs far less than wall time), peak RSS MB, exit code, output.
 */
function runTimed(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '@@time %U %S %M', process.execPath, MESHGATE_CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall_ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stderr = Buffer.concat(err).toString('utf8');
      const m = /@@time ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      if (!m) return reject(new Error(`no GNU time output: ${stderr.slice(-300)}`));
      resolve({ code, wall_ms, cpu_ms: (Number(m[1]) + Number(m[2])) * 1000, rss_mb: Number(m[3]) / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

const JOBS = ['1', '2', 'auto'];

function smallSet() {
  const dir = path.join(TMP, 'jobs-small');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const src = readFileSync(path.join(ROOT, 'fixtures', 'contracts', 'customer-profile.yaml'), 'utf8');
  for (let i = 0; i < 1000; i++) writeFileSync(path.join(dir, `c${String(i).padStart(4, '0')}.yaml`), src.replace('customer_profile', `customer_profile_${i}`));
  return dir;
}

async function measure(label, dir) {
  const runs = Object.fromEntries(JOBS.map((j) => [j, []]));
  let chose;
  let summary;
  for (let r = 0; r < RUNS + 1; r++) {
    for (const j of JOBS) {
      const res = await runTimed(['check', dir, '--format', 'json', ...(j === 'auto' ? [] : ['--jobs', j])], { MESHGATE_DEBUG: '1' });
      if (res.code !== 0 && res.code !== 1 && !(res.code === 2 && res.stdout.startsWith('{'))) throw new Error(`${label} --jobs ${j}: exit ${res.code}: ${res.stderr.slice(0, 500)}`);
      const s = JSON.parse(res.stdout).summary;
      if (summary && JSON.stringify(s) !== JSON.stringify(summary)) throw new Error(`${label} --jobs ${j}: a different result`);
      summary = s;
      const m = /--jobs auto: (\d+) for/.exec(res.stderr);
      if (j === 'auto' && m) chose = Number(m[1]);
      if (r > 0) runs[j].push(res); // the first round warms the disk cache
    }
    log(`${label}: round ${r + 1}/${RUNS + 1}`);
  }
  const row = { set: label, files: summary.files, jobs: {} };
  const base = median(runs['1'].map((x) => x.wall_ms));
  for (const j of JOBS) {
    const wall = median(runs[j].map((x) => x.wall_ms));
    row.jobs[j] = {
      wall_ms: sig(wall),
      cpu_ms: sig(median(runs[j].map((x) => x.cpu_ms))),
      rss_mb: sig(median(runs[j].map((x) => x.rss_mb))),
      ratio_to_jobs1: sig(wall / base),
      runs_ms: runs[j].map((x) => sig(x.wall_ms)),
    };
  }
  row.auto_chose = chose;
  return row;
}

export async function runJobs() {
  ensureBuilt();
  const sets = [];
  if (existsSync(path.join(CORPUS, 'tfplan'))) sets.push(['corpus plans', path.join(CORPUS, 'tfplan')]);
  if (existsSync(path.join(CORPUS, 'contracts'))) sets.push(['corpus contracts', path.join(CORPUS, 'contracts')]);
  sets.push(['1 000 small contracts', smallSet()]);
  const load_before = loadavg().map((x) => sig(x));
  const one = [];
  for (let r = 0; r < RUNS; r++) one.push(await runTimed(['check', path.join(TMP, 'jobs-small', 'c0000.yaml'), '--format', 'json'], {}));
  const startup = { wall_ms: sig(median(one.map((x) => x.wall_ms))), cpu_ms: sig(median(one.map((x) => x.cpu_ms))) };
  const rows = [];
  for (const [label, dir] of sets) rows.push(await measure(label, dir));
  // What the CPU times say: with --jobs 2 the main thread builds no engine and each of the two workers builds
  // one, so a worker beyond the first costs E = cpu(jobs 2) − cpu(jobs 1) (an engine plus thread start-up);
  // the work is W = cpu(jobs 1) − cpu(one small file).
  for (const r of rows) {
    r.engine_per_worker_cpu_ms = sig(Math.max(0, r.jobs['2'].cpu_ms - r.jobs['1'].cpu_ms));
    r.work_cpu_ms = sig(Math.max(0, r.jobs['1'].cpu_ms - startup.cpu_ms));
  }
  const doc = writeResult('jobs', { cores: availableParallelism(), load_before, load_after: loadavg().map((x) => sig(x)), startup_one_file: startup, rows });
  const md = [
    `| set | files | wall --jobs 1 | wall --jobs 2 (÷ jobs 1) | wall auto (÷ jobs 1) | auto chose | CPU 1 / 2 / auto | work W | engine per worker E | peak RSS 1 / 2 / auto |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.set} | ${r.files} | ${r.jobs['1'].wall_ms} ms | ${r.jobs['2'].wall_ms} ms (${r.jobs['2'].ratio_to_jobs1}) | ${r.jobs.auto.wall_ms} ms (${r.jobs.auto.ratio_to_jobs1}) | ${r.auto_chose ?? '?'} | ${r.jobs['1'].cpu_ms} / ${r.jobs['2'].cpu_ms} / ${r.jobs.auto.cpu_ms} ms | ${r.work_cpu_ms} ms | ${r.engine_per_worker_cpu_ms} ms | ${r.jobs['1'].rss_mb} / ${r.jobs['2'].rss_mb} / ${r.jobs.auto.rss_mb} MB |`,
    ),
    '',
    `One small file, one process (start-up): ${startup.wall_ms} ms wall, ${startup.cpu_ms} ms CPU.`,
    '',
    `${doc.machine.cpu}, ${doc.cores} cores; load average before ${load_before.join(' ')}, after ${doc.load_after.join(' ')}; medians of ${RUNS} interleaved runs after one warm-up round; ${doc.date}.`,
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'jobs.md'), `${md}\n`);
  console.log(md);
  return doc;
}

if (isMain(import.meta.url)) await runJobs();
