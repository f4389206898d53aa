/**
 * `meshgate check <paths or globs...>`: checks data contracts and Terraform plans (kind detected by
 * content) in parallel, reports in the chosen format, and exits 0 (passed), 1 (a finding fails at
 * `--fail-on`) or 2 (usage or input error).
 */
import { statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { MeshgateError, formatLocation } from '../errors.js';
import type { Enforcement } from '../types.js';
import { logSafe, logSafeLines, renderFileText, renderGithub, renderJson, renderJunit, renderSarif, renderSkippedText, renderSummaryText, plural, summarise, type FileResult, type Report, type SkippedFile } from '../report/index.js';
import { flag, oneOf, parse, str } from './args.js';
import type { CheckOutcome } from './check-file.js';
import { ownedSinks, specPaths, type EngineSpec } from './engine-setup.js';
import { expandOperands } from './expand.js';
import { defaultJobs } from './jobs.js';
import { CHECK_HELP } from './help.js';
import { EXIT, writeOutputFile, type CliIo } from './io.js';
import { runChecks } from './pool.js';
import { packageVersion } from './version.js';

const FORMATS = ['text', 'json', 'sarif', 'junit', 'github', 'html'] as const;
const FAIL_ON = ['hard', 'soft', 'advisory'] as const;

/**
 * Waiver hygiene after a run with a config: expired waivers (they no longer apply) and waivers that matched
 * no finding in this run. Computed in the main thread from the results, since workers each hold a policy.
 */
async function waiverWarnings(configPath: string, results: readonly FileResult[]): Promise<string[]> {
  const { loadConfig } = await import('../config.js');
  const config = await loadConfig(configPath);
  const used = new Set<string>();
  for (const r of results) for (const f of r.findings) if (f.waiver) used.add(`${f.waiver.scope}\u0000${f.waiver.id}`);
  const now = Date.now();
  const out: string[] = [];
  for (const w of config.waivers) {
    const where = w.location ? formatLocation(w.location) : '';
    if (now >= w.expiresAt) out.push(`${where}waiver ${w.id} (${w.scope}, rule ${w.rule}) expired on ${w.expires} and no longer applies`);
    else if (!used.has(`${w.scope}\u0000${w.id}`)) out.push(`${where}waiver ${w.id} (${w.scope}, rule ${w.rule}) matched no finding in this run`);
  }
  return out;
}

/** The total size of the files (a file that cannot be stat'ed counts 0; reading it reports the error). */
function totalBytes(paths: readonly string[]): number {
  let n = 0;
  for (const p of paths) {
    try {
      n += statSync(p).size;
    } catch {
      // reported when the file is read
    }
  }
  return n;
}

/** Runs `check`; resolves to the exit code. Throws MeshgateError for usage and set-up errors (the dispatcher prints them). */
export async function runCheck(argv: string[], io: CliIo, workerUrl: URL | undefined): Promise<number> {
  const p = parse(argv, {
    domain: { type: 'string', short: 'd' },
    config: { type: 'string', short: 'c' },
    policies: { type: 'string' },
    format: { type: 'string', short: 'f' },
    'fail-on': { type: 'string' },
    'audit-log': { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    output: { type: 'string', short: 'o' },
    quiet: { type: 'boolean', short: 'q' },
    'raw-plan': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(p, 'help')) {
    io.stdout(CHECK_HELP);
    return EXIT.ok;
  }
  const format = oneOf('format', str(p, 'format'), FORMATS, 'text');
  const failOn: Enforcement = oneOf('fail-on', str(p, 'fail-on'), FAIL_ON, 'soft');
  const jobsText = str(p, 'jobs');
  const autoJobs = jobsText === undefined || jobsText === 'auto';
  const fixedJobs = autoJobs ? 1 : Number(jobsText);
  if (!Number.isInteger(fixedJobs) || fixedJobs < 1) throw new MeshgateError('MG_CLI_USAGE', `--jobs must be a positive integer or auto (got ${JSON.stringify(jobsText)})`);
  if (p.positionals.length === 0) throw new MeshgateError('MG_CLI_USAGE', 'check needs at least one file, folder or glob (try `meshgate check .`)');

  const spec: EngineSpec = { failOn, ...specPaths(str(p, 'config'), str(p, 'policies'), io.cwd) };
  const domain = str(p, 'domain');
  if (domain !== undefined) spec.domain = domain;
  if (flag(p, 'raw-plan')) spec.rawPlan = true;

  const { tasks, warnings } = await expandOperands(p.positionals, io.cwd);
  for (const w of warnings) io.stderr(`meshgate: warning: ${logSafe(w)}\n`);
  let jobs = fixedJobs;
  if (autoJobs) {
    const work = { files: tasks.length, bytes: totalBytes(tasks.map((t) => t.path)) };
    jobs = defaultJobs(work, { cores: availableParallelism(), load: loadavg()[0] ?? 0 });
    if (io.env['MESHGATE_DEBUG']) io.stderr(`meshgate: --jobs auto: ${jobs} for ${work.files} files, ${work.bytes} bytes\n`);
  }

  const output = str(p, 'output');
  const streamText = format === 'text' && output === undefined;
  const color = streamText && io.stdoutIsTTY && io.env['NO_COLOR'] === undefined;
  const textOptions = { color, failOn, showPassed: !flag(p, 'quiet') };
  const progress = tasks.length >= 20 && io.stderrIsTTY && !(streamText && io.stdoutIsTTY);
  const results: FileResult[] = [];
  const skipped: SkippedFile[] = [];
  const textBlocks: string[] = []; // the text report's blocks in input order, when not streamed
  let done = 0;
  let lastTick = 0;
  const onOutcome = (o: CheckOutcome): void => {
    done++;
    if (o.result) {
      results.push(o.result);
      if (format === 'text') {
        // rendered only for text output (its sort collates names: the first collation costs milliseconds)
        const block = renderFileText(o.result, textOptions);
        if (streamText) io.stdout(block);
        else textBlocks.push(block);
      }
    } else {
      const file = tasks[o.index]?.display ?? String(o.index);
      const reason = o.skipped ?? 'not a data contract or a Terraform plan';
      skipped.push({ file, reason });
      const block = renderSkippedText(file, reason, textOptions);
      if (streamText) io.stdout(block);
      else if (format === 'text') textBlocks.push(block);
      else io.stderr(`meshgate: skipped ${logSafe(file)}: ${logSafe(reason)}\n`);
    }
    if (progress) {
      const now = Date.now();
      if (now - lastTick > 100 || done === tasks.length) {
        lastTick = now;
        io.stderr(`\r\u001b[Kmeshgate: checked ${done}/${tasks.length} files`);
      }
    }
  };

  const { strictSinks } = await import('../audit/strict.js'); // issue 18: an audit failure is an error (exit 2), whatever --jobs is
  const sinks = await strictSinks(await ownedSinks(spec, str(p, 'audit-log'), io.cwd));
  try {
    const run: Parameters<typeof runChecks>[1] = { spec, options: domain === undefined ? { failOn } : { failOn, domain }, jobs, sinks, onOutcome };
    if (workerUrl) run.workerUrl = workerUrl;
    await runChecks(tasks, run);
  } finally {
    if (progress) io.stderr('\r\u001b[K');
    for (const s of sinks) await s.close();
  }
  if (results.length === 0) {
    const why = skipped.length > 0 ? ` (skipped ${plural(skipped.length, 'file')}: see above)` : '';
    throw new MeshgateError('MG_INPUT_NOTHING_TO_CHECK', `found no data contracts or Terraform plans in ${p.positionals.join(' ')}${why}`);
  }

  if (!streamText) {
    for (const r of results) if (r.error) io.stderr(`meshgate: ${logSafe(formatLocation(r.error.location ?? { file: r.file }))}${logSafeLines(r.error.message, '  ')} [${r.error.code}]\n`);
  }
  const report: Report = { results, skipped, failOn, version: packageVersion() };
  let rendered: string;
  switch (format) {
    case 'json':
      rendered = renderJson(report);
      break;
    case 'sarif':
      rendered = renderSarif(report);
      break;
    case 'junit':
      rendered = renderJunit(report);
      break;
    case 'github':
      rendered = renderGithub(report);
      break;
    case 'html':
      rendered = (await import('../report/governance/check-html.js')).renderCheckHtml(report);
      break;
    default:
      rendered = (streamText ? '' : textBlocks.join('')) + renderSummaryText(results, { ...textOptions, skipped: skipped.length });
  }
  if (output !== undefined) {
    writeOutputFile(resolve(io.cwd, output), output, rendered);
    io.stderr(renderSummaryText(results, { color: false, failOn, skipped: skipped.length }).trimStart());
  } else io.stdout(rendered);

  if (spec.configPath !== undefined) for (const line of await waiverWarnings(spec.configPath, results)) io.stderr(`meshgate: warning: ${logSafe(line)}\n`);

  const s = summarise(results);
  return s.errors > 0 ? EXIT.usage : s.failed > 0 ? EXIT.policy : EXIT.ok;
}
