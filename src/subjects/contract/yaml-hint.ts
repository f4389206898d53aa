/**
 * Explains a YAML error that PyYAML-written files often trigger: a multi-line quoted value whose
 * continuation line is indented no deeper than its key. PyYAML reads it; YAML 1.2 (and meshgate's strict
 * parser) does not, and the parser only reports a missing closing quote. The hint says why and where.
 */

/** A hint: the message and the 1-based line and column of the offending continuation line. */
export interface IndentHint {
  /** What is wrong and how to fix it. */
  message: string;
  /** 1-based line of the under-indented continuation. */
  line: number;
  /** 1-based column where its text starts. */
  column: number;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * When the error at `offset` (a missing closing quote) comes from an under-indented continuation of a
 * quoted value, describes it; otherwise undefined.
 */
export function underIndentedQuoteHint(text: string, offset: number): IndentHint | undefined {
  const lines = text.split(/\r?\n/);
  // The line holding the error offset: the first line of the quoted value.
  let start = 0;
  let row = 0;
  for (; row < lines.length; row++) {
    const len = (lines[row] ?? '').length + 1;
    if (offset < start + len) break;
    start += len;
  }
  const first = lines[row] ?? '';
  const m = /^(\s*(?:-\s+)*)([^\s#"'][^:#]*?):\s+(["'])/.exec(first);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const keyColumn = m[1].length; // 0-based column of the key
  for (let r = row + 1; r < lines.length; r++) {
    const l = lines[r] ?? '';
    if (l.trim() === '') continue;
    const n = indentOf(l);
    if (n > keyColumn) return undefined;
    return {
      message:
        `the ${m[3] === '"' ? 'double' : 'single'}-quoted value of "${m[2].trim()}" (line ${row + 1}) continues on line ${r + 1} ` +
        `indented by ${n} space${n === 1 ? '' : 's'}, but a continuation line must be indented more than its key (column ${keyColumn + 1}). ` +
        `PyYAML accepts this; YAML 1.2 does not, so the quote looks unclosed. Indent line ${r + 1} by at least ${keyColumn + 1} spaces, ` +
        'or write the value on one line or as a block scalar (`|` or `>`).',
      line: r + 1,
      column: n + 1,
    };
  }
  return undefined;
}
