#!/usr/bin/env node
/**
 * Contracts benchmark: the corpus data contracts (Data Contract Specification and ODCS, the formats
 * datacontract-cli lints), checked by
 *
 *   meshgate       node dist/cli/main.js check <file> --format json   (one process per file, as datacontract)
 *   meshgate all   node dist/cli/main.js check <every file> --format json (one process, what a CI job runs)
 *   meshgate lib   engine.checkContract(text) in process (per-file median, for a service)
 *   datacontract   datacontract lint <file>                           (one process per file: it takes one)
 *
 * What each checks differs: datacontract lint validates the file against its JSON schema (plus a few
 * lint rules); meshgate parses, imports to its canonical model, validates and evaluates the global and
 * domain governance policies. Wall time is spawn to exit; medians over runs (per-file runs: min(RUNS, 3)).
 *
 *   node bench/contracts.mjs
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, CORPUS, MESHGATE_CLI, MESHGATE_LIB, ROOT, RUNS, benchCommand, ensureBuilt, have, isMain, log, median, sig, writeResult } from './lib/common.mjs';

/** Corpus contracts in the formats both tools accept (DCS and ODCS). */
export function contractFiles() {
  const dir = path.join(CORPUS, 'contracts');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml)$/.test(f) && (f.startsWith('datacontract__') || f.includes('open-data-contract-standard')))
    .sort()
    .map((f) => path.join(dir, f));
}

const PER_FILE_RUNS = Math.min(RUNS, 3);
const anyExit = (r) => r.code === 0 || r.code === 1;

async function perFile(label, files, argvFor, { ok = anyExit, env = {} } = {}) {
  // One warm-up run (disk cache, interpreter bytecode caches) on the first file, then PER_FILE_RUNS each.
  const [cmd0, args0] = argvFor(files[0]);
  await benchCommand(`${label} warm-up`, cmd0, args0, { runs: 1, warmup: 0, ok: () => true, env });
  const rows = [];
  for (const f of files) {
    const [cmd, argv] = argvFor(f);
    const r = await benchCommand(label, cmd, argv, { runs: PER_FILE_RUNS, warmup: 0, ok: () => true, env });
    rows.push({ file: path.basename(f), wall_ms: r.wall_ms, rss_mb: r.rss_mb, exit: r.last.code, ok: ok(r.last) });
  }
  const walls = rows.map((r) => r.wall_ms);
  return { total_ms: sig(walls.reduce((a, b) => a + b, 0)), median_ms: sig(median(walls)), rss_mb: sig(median(rows.map((r) => r.rss_mb))), exits: countBy(rows.map((r) => r.exit)), files: rows };
}

function countBy(xs) {
  const out = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** Runs the benchmark and returns its result document. */
export async function run() {
  ensureBuilt();
  const files = contractFiles();
  if (files.length === 0) throw new Error(`no corpus contracts under ${CORPUS}`);
  const res = { files: files.length, tools: {}, notes: [] };

  log(`contracts: meshgate check, ${files.length} files one by one`);
  res.tools.meshgate_per_file = { label: 'meshgate check <file> (one process per file)', ...(await perFile('meshgate', files, (f) => [process.execPath, [MESHGATE_CLI, 'check', f, '--format', 'json']], { ok: (r) => r.code !== 2 || /MG_/.test(r.stdout + r.stderr) })) };

  log('contracts: meshgate check, all files in one process');
  const all = await benchCommand('meshgate all', process.execPath, [MESHGATE_CLI, 'check', ...files, '--format', 'json'], { ok: (r) => r.code <= 2 });
  res.tools.meshgate_all = { label: `meshgate check <${files.length} files> (one process)`, wall_ms: all.wall_ms, rss_mb: all.rss_mb, exit: all.last.code, runs: all.runs };

  log('contracts: meshgate library, engine.checkContract in process');
  const mg = await import(pathToFileURL(MESHGATE_LIB).href);
  const engine = await mg.createEngine();
  const texts = files.map((f) => [f, readFileSync(f, 'utf8')]);
  const per = [];
  for (const [f, text] of texts) {
    const times = [];
    for (let i = 0; i < 3 + RUNS * 4; i++) {
      const t0 = process.hrtime.bigint();
      try {
        await engine.checkContract(text, { file: f });
      } catch {
        /* unreadable contract: an error is also an answer */
      }
      if (i >= 3) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    per.push(median(times));
  }
  res.tools.meshgate_lib = { label: 'meshgate engine.checkContract (in process)', total_ms: sig(per.reduce((a, b) => a + b, 0)), median_ms: sig(median(per)) };
  await engine.close();

  if (have('datacontract')) {
    log(`contracts: datacontract lint, ${files.length} files one by one`);
    res.tools.datacontract = { label: 'datacontract lint <file>', ...(await perFile('datacontract', files, (f) => [BIN.datacontract, ['lint', f]], { env: { NO_COLOR: '1', TERM: 'dumb', COLUMNS: '200' } })) };
  } else {
    res.notes.push('datacontract-cli is not installed (bash scripts/install-peers.sh)');
  }

  const t = res.tools;
  if (t.datacontract) {
    res.ratios = {
      datacontract_vs_meshgate_per_file_median: sig(t.datacontract.median_ms / t.meshgate_per_file.median_ms),
      datacontract_total_vs_meshgate_one_process: sig(t.datacontract.total_ms / t.meshgate_all.wall_ms),
      datacontract_vs_meshgate_lib_per_file: sig(t.datacontract.median_ms / t.meshgate_lib.median_ms),
    };
  }
  return res;
}

if (isMain(import.meta.url)) {
  const res = await run();
  writeResult('contracts', res);
  console.log(JSON.stringify({ ratios: res.ratios, tools: Object.fromEntries(Object.entries(res.tools).map(([k, v]) => [k, { ...v, files: undefined }])) }, null, 1));
}
