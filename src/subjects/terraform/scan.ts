/**
 * A single-pass structural JSON scanner that records where things are without building values: the end
 * of the top-level value, the nesting depth, and the line/column of each element of the top-level
 * `resource_changes` array. Values themselves are built by the native `JSON.parse` (fast on 100 MB);
 * this scanner only skips strings with `indexOf` and counts newlines, so it stays linear and cheap.
 */

/** A 1-based line and column in the scanned text. */
export interface TextPosition {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units). */
  column: number;
}

/** What {@link scanJson} found. */
export interface ScanResult {
  /** Index just past the top-level value, or -1 when the text ends inside it (truncated). */
  end: number;
  /** True when nesting exceeded the allowed depth (the scan stopped there). */
  tooDeep: boolean;
  /** Position of the place where the scan stopped for depth. */
  deepAt?: TextPosition;
  /** Positions of the elements of the top-level `resource_changes` array, in order. */
  resourceChanges: TextPosition[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;

/** Line number (1-based) of the character at `index` in `text`. */
export function lineAt(text: string, index: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  let i = text.indexOf('\n');
  while (i !== -1 && i < index) {
    line++;
    lineStart = i + 1;
    i = text.indexOf('\n', i + 1);
  }
  return { line, column: index - lineStart + 1 };
}

/**
 * Scans the JSON value that starts at `start`. Tolerant: on malformed input it returns what it saw and
 * leaves the precise error to `JSON.parse`.
 */
export function scanJson(text: string, start: number, maxDepth: number): ScanResult {
  const startPos = lineAt(text, start);
  let line = startPos.line;
  let lineStart = start - (startPos.column - 1);
  let depth = 0;
  let expectingKey = false;
  let key = '';
  let rcOpen = false;
  const resourceChanges: TextPosition[] = [];
  const n = text.length;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = text.indexOf('"', i + 1);
      while (j !== -1) {
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j === -1) return { end: -1, tooDeep: false, resourceChanges };
      if (depth === 1 && expectingKey) {
        key = text.slice(i + 1, j);
        expectingKey = false;
      }
      if (depth === 0) return { end: j + 1, tooDeep: false, resourceChanges };
      i = j + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (depth === 2 && rcOpen && c === LBRACE) resourceChanges.push({ line, column: i - lineStart + 1 });
      depth++;
      if (depth > maxDepth) return { end: -1, tooDeep: true, deepAt: { line, column: i - lineStart + 1 }, resourceChanges };
      if (depth === 1) expectingKey = c === LBRACE;
      else if (depth === 2) rcOpen = c === LBRACKET && key === 'resource_changes';
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 1) rcOpen = false;
      if (depth === 0) return { end: i + 1, tooDeep: false, resourceChanges };
      if (depth < 0) return { end: i, tooDeep: false, resourceChanges };
    } else if (c === COMMA) {
      if (depth === 1) expectingKey = true;
    } else if (c === LF) {
      line++;
      lineStart = i + 1;
    }
    i++;
  }
  return { end: depth === 0 ? n : -1, tooDeep: false, resourceChanges };
}
