/**
 * Escaping of untrusted text (contract values, file names, policy messages) before it is printed where a
 * terminal or a CI log would interpret it: control characters (ANSI escape sequences, CR, backspace, C1
 * controls), Unicode bidirectional and line-separator characters become visible `\xHH`/`\uHHHH` escapes,
 * and a line that would start with a workflow command (`::error::…`, `##[error]`, `##vso[…]`) is defused
 * with a leading backslash. The one home of this rule: the text, diff and authorize outputs use
 * {@link logSafe}/{@link logSafeLines}, and the GitHub reporter builds its percent-encoding on
 * {@link escapeControls}.
 */

// C0 controls except tab, DEL, C1 controls, bidi marks/embeddings/isolates, line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };
const COMMAND_START = /^(\s*)(::|##\[|##vso\[)/;

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Replaces control and bidi characters with visible escapes, except the characters in `keep`. */
export function escapeControls(s: string, keep = ''): string {
  return s.replace(CONTROLS, (c) => (keep.includes(c) ? c : visible(c)));
}

/** Defuses a workflow command at the start of a line (`::error::x` → `\::error::x`). */
export function defuseCommand(line: string): string {
  return line.replace(COMMAND_START, '$1\\$2');
}

/** Untrusted text made safe to print as (part of) one line of a terminal or CI log. */
export function logSafe(s: string): string {
  return defuseCommand(escapeControls(s));
}

/**
 * A multi-line message made safe to print: each line escaped as by {@link logSafe} (a CR too), and lines
 * after the first indented by `indent`, so no line can start with a workflow command or pose as a line of
 * meshgate's own output.
 */
export function logSafeLines(s: string, indent: string): string {
  return s
    .split('\n')
    .map((line) => logSafe(line))
    .join(`\n${indent}`);
}
