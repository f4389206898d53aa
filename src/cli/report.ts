/**
 * `meshgate report <inputs...>`: reads any mix of `meshgate check --format json` reports and JSONL audit
 * logs (files, folders, globs, `-` for stdin), streaming the logs, and writes one self-contained HTML
 * governance report (or, with `--format markdown`, a short summary for a CI job summary). Exit 0 when the
 * report was written, 2 on a usage or input error.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MeshgateError, formatLocation } from '../errors.js';
import { GovernanceAggregator, linkRotatedLogs, readInput, renderGovernanceHtml, renderGovernanceMarkdown, type DeclaredWaiver, type VerifiedLog } from '../report/governance/index.js';
import { flag, oneOf, parse, str } from './args.js';
import { displayName, expandOperands } from './expand.js';
import { REPORT_HELP } from './help.js';
import { EXIT, type CliIo } from './io.js';

const FORMATS = ['html', 'markdown'] as const;
/** What a folder operand is searched for (rotated audit log files `audit.log.<n>` included). */
const REPORT_CANDIDATES = '**/*.{json,jsonl,ndjson,log,log.+([0-9]),jsonl.+([0-9])}';

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new MeshgateError('MG_CLI_USAGE', `--${name} must be a non-negative integer (got ${JSON.stringify(text)})`);
  return n;
}

async function declaredWaivers(configPath: string, cwd: string): Promise<DeclaredWaiver[]> {
  const { loadConfig } = await import('../config.js');
  const config = await loadConfig(configPath);
  return config.waivers.map((w) => ({ id: w.id, scope: w.scope, rule: `${w.layer ?? w.scope}/${w.rule}`, expires: w.expires, expiresAt: w.expiresAt, where: formatLocation(w.location && w.location.file !== undefined ? { ...w.location, file: displayName(w.location.file, cwd) } : w.location).replace(/: $/, '') }));
}

/** Runs `report`; resolves to the exit code. Throws MeshgateError for usage and input errors. */
export async function runReport(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, {
    format: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    summary: { type: 'string' },
    config: { type: 'string', short: 'c' },
    'expiring-days': { type: 'string' },
    top: { type: 'string' },
    now: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(p, 'help')) {
    io.stdout(REPORT_HELP);
    return EXIT.ok;
  }
  const format = oneOf('format', str(p, 'format'), FORMATS, 'html');
  const nowText = str(p, 'now');
  const now = nowText === undefined ? new Date() : new Date(nowText);
  if (Number.isNaN(now.getTime())) throw new MeshgateError('MG_CLI_USAGE', `--now must be an ISO 8601 date (got ${JSON.stringify(nowText)})`);
  const top = Math.max(1, positiveInt('top', str(p, 'top'), 50));
  const agg = new GovernanceAggregator({ now, top, expiringDays: positiveInt('expiring-days', str(p, 'expiring-days'), 14) });
  if (p.positionals.length === 0) throw new MeshgateError('MG_CLI_USAGE', 'report needs at least one check report or audit log (a file, folder, glob, or - for stdin)');

  const config = str(p, 'config');
  if (config !== undefined) agg.addDeclaredWaivers(await declaredWaivers(resolve(io.cwd, config), io.cwd));

  const verified: VerifiedLog[] = [];
  const options = { stdin: io.stdin, verified };
  let read = 0;
  let stdinUsed = false;
  for (const op of p.positionals) {
    if (op === '-') {
      if (stdinUsed) throw new MeshgateError('MG_CLI_USAGE', 'stdin (-) can be given only once');
      stdinUsed = true;
      if ((await readInput(agg, '(stdin)', undefined, options)) !== 'empty') read++;
      continue;
    }
    const { tasks, warnings } = await expandOperands([op], io.cwd, REPORT_CANDIDATES);
    for (const w of warnings) io.stderr(`meshgate: warning: ${w}\n`);
    for (const t of tasks) {
      const kind = await readInput(agg, t.display, t.path, options);
      if (kind === 'empty') io.stderr(`meshgate: warning: ${t.display}: empty, skipped\n`);
      else read++;
    }
  }
  if (read === 0) throw new MeshgateError('MG_INPUT_NOTHING_TO_CHECK', `found no check report or audit log in ${p.positionals.join(' ')}`);
  linkRotatedLogs(verified);

  const data = agg.finish();
  for (const l of data.logs) {
    if (l.status === 'broken') io.stderr(`meshgate: warning: ${l.source}:${l.firstBadLine ?? 0}: audit log chain is broken: ${l.message}\n`);
  }
  const rendered = format === 'html' ? renderGovernanceHtml(data) : renderGovernanceMarkdown(data);
  const output = str(p, 'output');
  if (output !== undefined) writeFileSync(resolve(io.cwd, output), rendered);
  else io.stdout(rendered);
  const summary = str(p, 'summary');
  if (summary !== undefined) appendFileSync(resolve(io.cwd, summary), renderGovernanceMarkdown(data));
  if (output !== undefined) {
    const t = data.totals;
    io.stderr(`meshgate: report written to ${output}: ${t.subjects} subjects, ${t.failingFindings} failing findings, ${t.events} audit events from ${data.logs.length} log(s)\n`);
  }
  return EXIT.ok;
}
