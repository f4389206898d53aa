/**
 * The human reporter: findings grouped by file, one line each
 * (`file:line:col  LEVEL  layer/rule  msg`), colour only when asked (the CLI asks on a TTY without
 * NO_COLOR), and a closing summary line. Files are rendered one at a time so the CLI can stream them.
 */
import type { Enforcement, Finding } from '../types.js';
import type { FileResult } from './model.js';
import { fails, plural, ruleId, summarise } from './model.js';
import { logSafe, logSafeLines } from './escape.js';

/** Options of the text reporter. */
export interface TextOptions {
  /** Use ANSI colours. */
  color: boolean;
  /** Enforcement threshold at which a finding fails. */
  failOn: Enforcement;
  /** Also list files that passed with no findings (default true). */
  showPassed?: boolean;
  /** How many files were skipped (mentioned in the summary when more than 0). */
  skipped?: number;
}

const codes = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Style = keyof typeof codes;

function paint(on: boolean): (style: Style, s: string) => string {
  return (style, s) => (on ? `\u001b[${codes[style]}m${s}\u001b[0m` : s);
}

function position(f: Finding, file: string): string {
  const l = f.location;
  const name = logSafe(l?.file ?? file);
  if (l?.line === undefined) return name;
  return `${name}:${l.line}:${l.column ?? 1}`;
}

function label(f: Finding, failOn: Enforcement): string {
  if (f.waived) return 'WAIVED';
  if (fails(f, failOn)) return f.level === 'deny' ? 'DENY' : 'FAIL';
  return f.level === 'deny' ? 'DENY' : 'WARN';
}

/**
 * Orders two names by UTF-16 code unit: the same order on every machine, and no locale collation, whose
 * first use (ICU's collator) costs several milliseconds of a CLI run.
 */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Renders one file's block (header and one line per finding). */
export function renderFileText(r: FileResult, options: TextOptions): string {
  const c = paint(options.color);
  if (r.error) {
    const l = r.error.location;
    const at = l?.line !== undefined ? `${l.file ?? r.file}:${l.line}${l.column !== undefined ? `:${l.column}` : ''}` : (l?.file ?? r.file);
    return `${c('red', 'ERROR')} ${c('bold', logSafe(r.file))} (${r.kind})\n  ${logSafe(at)}: ${logSafeLines(r.error.message, '    ')} [${logSafe(r.error.code)}]\n`;
  }
  if (r.findings.length === 0) {
    return options.showPassed === false ? '' : `${c('green', 'PASS')}  ${logSafe(r.file)} (${r.kind})\n`;
  }
  const head = r.allowed ? c('green', 'PASS') : c('red', 'FAIL');
  const lines = [`${head}  ${c('bold', logSafe(r.file))} (${r.kind})`];
  const width = Math.max(...r.findings.map((f) => position(f, r.file).length));
  // in file order: by line and column (findings without a line last), then layer and rule
  const ordered = [...r.findings].sort(
    (a, b) =>
      (a.location?.line ?? Infinity) - (b.location?.line ?? Infinity) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
      byCodeUnit(a.layer, b.layer) ||
      byCodeUnit(a.rule, b.rule),
  );
  for (const f of ordered) {
    const failing = fails(f, options.failOn);
    const lab = label(f, options.failOn).padEnd(6);
    const style: Style = failing ? 'red' : f.waived || f.enforcement === 'advisory' ? 'dim' : 'yellow';
    const extra = `[${f.enforcement}]${f.resource ? ` (${logSafe(f.resource)})` : ''}`;
    lines.push(`  ${position(f, r.file).padEnd(width)}  ${c(style, lab)}  ${c('cyan', logSafe(ruleId(f)))}  ${logSafe(f.msg)} ${c('dim', extra)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders the line for a file that was skipped (`SKIP  file: reason`). */
export function renderSkippedText(file: string, reason: string, options: Pick<TextOptions, 'color'>): string {
  return `${paint(options.color)('dim', 'SKIP')}  ${logSafe(file)}: ${logSafe(reason)}\n`;
}

/** Renders the closing summary line. */
export function renderSummaryText(results: readonly FileResult[], options: TextOptions): string {
  const c = paint(options.color);
  const s = summarise(results);
  const failing = results.reduce((n, r) => n + r.findings.filter((f) => fails(f, options.failOn)).length, 0);
  const ok = s.failed === 0 && s.errors === 0;
  const mark = ok ? c('green', '✔') : c('red', '✖');
  return `\n${mark} ${plural(s.files, 'file')} checked: ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, 'error')}; ${plural(s.findings, 'finding')} (${failing} failing at --fail-on ${options.failOn})${options.skipped ? `; ${options.skipped} skipped` : ''}\n`;
}
