/**
 * Shared helpers of the benchmarks: statistics, machine and version facts, running a command with its
 * wall time and peak RSS, and writing results. Plain ESM, Node built-ins only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where results go. */
export const RESULTS = path.join(ROOT, 'bench', 'results');
/** Scratch space for generated inputs (git-ignored). */
export const TMP = path.join(RESULTS, 'tmp');
/** The shared corpus (read-only, beside the repository). */
export const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
/** Pinned peer binaries. */
export const BIN = {
  opa: path.join(ROOT, '.cache', 'bin', 'opa'),
  conftest: path.join(ROOT, '.cache', 'bin', 'conftest'),
  checkov: path.join(ROOT, '.cache', 'venv', 'checkov', 'bin', 'checkov'),
  datacontract: path.join(ROOT, '.cache', 'venv', 'datacontract', 'bin', 'datacontract'),
};
/**
 * The benchmarks run a private snapshot of the built library (dist/ copied to bench/results/tmp/dist), so
 * that another `tsup` run rebuilding dist/ (clean: true) cannot pull files from under a running benchmark.
 */
export const DIST = path.join(TMP, 'dist');
/** The meshgate CLI entry (built, snapshot). */
export const MESHGATE_CLI = path.join(DIST, 'cli', 'main.js');
/** The library entry (built, snapshot). */
export const MESHGATE_LIB = path.join(DIST, 'index.js');

/** Number of measured runs (BENCH_RUNS overrides) and warm-up runs (BENCH_WARMUP). */
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);

mkdirSync(TMP, { recursive: true });

/** Median of numbers. */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Percentile (nearest rank) of numbers, p in [0, 100]. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

/** Rounds to 3 significant digits for display. */
export function sig(x, d = 3) {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return 0;
  return Number(x.toPrecision(d));
}

/** The machine: CPU model, cores, memory, OS, Node. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gib: sig(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Versions of meshgate, its policy bundles and every peer (from .cache/peers-versions.json and the tools). */
export function versions() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const out = { meshgate: pkg.version };
  try {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    for (const n of ['@open-policy-agent/opa-wasm', '@styra/opa', '@cedar-policy/cedar-wasm']) out[n] = lock.packages?.[`node_modules/${n}`]?.version;
  } catch {
    /* no lock file */
  }
  try {
    const m = JSON.parse(readFileSync(path.join(ROOT, 'policies', 'dist', 'manifest.json'), 'utf8'));
    out.policy_opa = m.opa_version;
    out.bundles = Object.fromEntries(Object.entries(m.layers ?? {}).map(([k, v]) => [k, v.revision]));
  } catch {
    /* no manifest */
  }
  const peersFile = path.join(ROOT, '.cache', 'peers-versions.json');
  if (existsSync(peersFile)) Object.assign(out, JSON.parse(readFileSync(peersFile, 'utf8')));
  return out;
}

/** True when a peer binary is installed. */
export function have(tool) {
  return existsSync(BIN[tool]);
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs a command once and returns {wall_ms, rss_mb, code, stdout, stderr}. Wall time is measured here
 * (hrtime around spawn → exit); peak RSS comes from GNU time's "Maximum resident set size" (which
 * covers the command and its waited-for children), or, without /usr/bin/time, from polling
 * /proc/<pid>/status VmHWM of the process tree.
 */
export function runCommand(cmd, args, { cwd = ROOT, env = {}, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const full = TIME ? ['-v', cmd, ...args] : args;
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME ?? cmd, full, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let polled = 0;
    const poll = TIME ? null : setInterval(() => (polled = Math.max(polled, treeHwmKb(child.pid))), 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      let stderr = Buffer.concat(err).toString('utf8');
      let rssKb = polled;
      let exit = code;
      if (TIME) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        rssKb = m ? Number(m[1]) : NaN;
        const st = /Exit status: (\d+)/.exec(stderr);
        if (st) exit = Number(st[1]);
        stderr = stderr.split(/\n\tCommand being timed:/)[0];
      }
      resolve({ wall_ms: wall, rss_mb: rssKb / 1024, code: exit, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

function treeHwmKb(pid) {
  let total = 0;
  const visit = (p) => {
    try {
      const st = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+)/.exec(st);
      if (m) total += Number(m[1]);
      const kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const k of kids) visit(k);
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return total;
}

/**
 * Runs a command WARMUP + RUNS times; returns medians and every run. `ok(run)` validates a run (the
 * benchmark refuses to report a tool that did not do the work).
 */
export async function benchCommand(label, cmd, args, { runs = RUNS, warmup = WARMUP, ok = () => true, ...opts } = {}) {
  const all = [];
  for (let i = 0; i < warmup + runs; i++) {
    const r = await runCommand(cmd, args, opts);
    if (!ok(r)) {
      const why = (r.stderr || r.stdout).slice(0, 800);
      throw new Error(`${label}: unexpected result (exit ${r.code}): ${why}`);
    }
    if (i >= warmup) all.push(r);
  }
  return {
    label,
    wall_ms: sig(median(all.map((r) => r.wall_ms))),
    rss_mb: sig(median(all.map((r) => r.rss_mb))),
    runs: all.map((r) => ({ wall_ms: sig(r.wall_ms), rss_mb: sig(r.rss_mb), code: r.code })),
    last: all.at(-1),
  };
}

/** Writes bench/results/<name>.json with the machine, versions and date. */
export function writeResult(name, data) {
  mkdirSync(RESULTS, { recursive: true });
  const doc = { benchmark: name, date: new Date().toISOString(), machine: machineInfo(), versions: versions(), runs: RUNS, warmup: WARMUP, ...data };
  const file = path.join(RESULTS, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.error(`wrote ${path.relative(ROOT, file)}`);
  return doc;
}

/**
 * Ensures dist/ is built (runs tsup when dist/index.js or the CLI is missing, or BENCH_BUILD=1) and takes
 * the private snapshot in bench/results/tmp/dist (once per process tree: BENCH_SNAPSHOT=done skips it).
 */
export function ensureBuilt() {
  if (process.env.BENCH_SNAPSHOT === 'done' && existsSync(MESHGATE_LIB)) return;
  const src = path.join(ROOT, 'dist');
  if (process.env.BENCH_BUILD === '1' || !existsSync(path.join(src, 'index.js')) || !existsSync(path.join(src, 'cli', 'main.js'))) {
    console.error('building dist/ (npx tsup)');
    const r = spawnSync('npx', ['tsup'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('tsup failed');
  }
  rmSync(DIST, { recursive: true, force: true });
  cpSync(src, DIST, { recursive: true });
  if (!existsSync(MESHGATE_LIB) || !existsSync(MESHGATE_CLI)) throw new Error('dist/ snapshot is incomplete (another build running?): retry');
  process.env.BENCH_SNAPSHOT = 'done';
}

/** Logs a progress line to stderr. */
export function log(...args) {
  console.error('[bench]', ...args);
}

/** True when this module is the entry point (`node bench/x.mjs`). */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
