/**
 * A fast path for contract YAML: one pass over the lines of the common subset of block YAML that contracts
 * are written in (block mappings and sequences, plain/quoted/block scalars, one-line flow sequences),
 * giving the same value tree and locations as the yaml package's path in tree.ts, without loading it.
 * Anything outside the subset, unusual or erroneous gives `undefined`, and the caller parses with the
 * library (which then reports any error): this path never throws and never reports.
 */
import type { Location } from '../../errors.js';
import { setOwn } from '../../is-object.js';
import { locationOf, newObject, pathKey } from './tree-core.js';
import type { LocationBase, TreeObject, TreeValue } from './tree-core.js';

/** What the fast path gives: the root value and the location of every path (as tree.ts's walk() sets them). */
export interface FastYaml {
  /** The root value (a prototype-free object). */
  root: TreeValue;
  /** Locations by {@link pathKey}. */
  locations: Map<string, Location>;
}

/** Longest text the fast path reads (characters). */
const MAX_FAST_CHARS = 1024 * 1024;
/** Deepest nesting the fast path reads. */
const MAX_FAST_DEPTH = 64;
/** Longest plain key (YAML's implicit keys are at most 1024 characters). */
const MAX_KEY_CHARS = 1000;

/**
 * Characters outside these (controls, tabs, CR, BOM, NEL, line/paragraph separators, Unicode spaces,
 * lone surrogates, non-characters) send the text to the library.
 */
const UNUSUAL = /[^\n\x20-\x7e\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u2030-\u205e\u2060-\u2fff\u3001-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;
/** Plain scalars starting with one of these are indicators (or reserved) for YAML. */
const INDICATORS = '-?:,[]{}#&*!|>\'"%@`';
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^-?(?:0|[1-9][0-9]{0,14})$/;
const DEC_RE = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
/** The yaml package's core-schema number tests (int, octal, hex, float, exponent, inf/nan). */
const CORE_NUMBER = [
  /^[-+]?[0-9]+$/,
  /^0o[0-7]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
];
/** The document start marker line (`---`, optionally with a comment). */
const DOC_START = /^---(?: +(?:#.*)?)?$/;
/** A block scalar header after its indicator: chomping, then only spaces and a comment. */
const BLOCK_HEADER = /^([-+]?)(?: *| +#.*)$/;

/** Thrown inside the parser to give up; caught in {@link parseYamlFast}. */
const REFUSED = new Error('outside the fast YAML subset');

function refuse(): never {
  throw REFUSED;
}

interface FastState {
  lines: string[];
  /** The next line to read. */
  i: number;
  at: LocationBase;
  locs: Map<string, Location>;
}

/**
 * Parses `text` when it is in the common block-YAML subset (see the module comment), with locations shifted
 * and labelled as `at` says. `undefined` when it is not: then the yaml package decides (and reports errors).
 */
export function parseYamlFast(text: string, at: LocationBase): FastYaml | undefined {
  if (text.length > MAX_FAST_CHARS || UNUSUAL.test(text)) return undefined;
  const st: FastState = { lines: text.split('\n'), i: 0, at, locs: new Map() };
  try {
    const root = readDocument(st);
    return { root, locations: st.locs };
  } catch {
    return undefined;
  }
}

function readDocument(st: FastState): TreeValue {
  let first = peekContent(st);
  if (first >= 0 && st.lines[first]?.startsWith('---')) {
    if (!DOC_START.test(st.lines[first] ?? '')) refuse();
    st.i = first + 1;
    first = peekContent(st);
  }
  for (let j = Math.max(first, 0); j < st.lines.length; j++) {
    const line = st.lines[j] ?? '';
    if (line.startsWith('---') || line.startsWith('...')) refuse();
  }
  if (first < 0 || indentOf(line(st, first)) !== 0) refuse();
  st.i = first;
  st.locs.set(pathKey([]), loc(st, first, 0));
  const root = readMap(st, 0, [], 1, undefined);
  if (peekContent(st) >= 0) refuse();
  return root;
}

function line(st: FastState, j: number): string {
  return st.lines[j] ?? '';
}

function loc(st: FastState, lineIndex: number, col: number): Location {
  return locationOf(st.at, lineIndex + 1, col + 1);
}

function indentOf(s: string): number {
  let n = 0;
  while (s.charCodeAt(n) === 32) n++;
  return n;
}

function skipSpaces(s: string, p: number): number {
  while (s.charCodeAt(p) === 32) p++;
  return p;
}

/** The index of the next line from `st.i` that is neither blank nor a comment, or -1 at the end. */
function peekContent(st: FastState): number {
  for (let j = st.i; j < st.lines.length; j++) {
    const s = line(st, j);
    const p = indentOf(s);
    if (p < s.length && s[p] !== '#') return j;
  }
  return -1;
}

/** True when a block sequence entry (`-` then a space or the end) starts at column `p`. */
function isDash(s: string, p: number): boolean {
  return s[p] === '-' && (p + 1 === s.length || s[p + 1] === ' ');
}

/** Only spaces, or spaces and then a comment, from `p` to the end of the line. */
function checkTrailing(s: string, p: number): void {
  const q = skipSpaces(s, p);
  if (q < s.length && (s[q] !== '#' || q === p)) refuse();
}

/** Refuses when the next content line is indented more than `n` (a multi-line scalar, or an error). */
function checkEnded(st: FastState, n: number): void {
  const j = peekContent(st);
  if (j >= 0 && indentOf(line(st, j)) > n) refuse();
}

/** A block mapping at indent `n`; `firstLine` when its first entry follows a sequence's `- ` on that line. */
function readMap(st: FastState, n: number, path: (string | number)[], depth: number, firstLine: number | undefined): TreeObject {
  if (depth > MAX_FAST_DEPTH) refuse();
  const obj = newObject();
  if (firstLine !== undefined) readEntry(st, firstLine, n, obj, path, depth);
  for (;;) {
    const j = peekContent(st);
    if (j < 0) break;
    const ind = indentOf(line(st, j));
    if (ind < n) break;
    if (ind > n) refuse();
    readEntry(st, j, n, obj, path, depth);
  }
  return obj;
}

/** One `key: value` entry whose key starts at column `n` of line `j`. */
function readEntry(st: FastState, j: number, n: number, obj: TreeObject, path: (string | number)[], depth: number): void {
  const s = line(st, j);
  const k = readKey(s, n);
  if (k === undefined || Object.prototype.hasOwnProperty.call(obj, k.key)) refuse();
  const p = [...path, k.key];
  st.locs.set(pathKey(p), loc(st, j, n));
  st.i = j + 1;
  setOwn(obj, k.key, readValue(st, j, k.end, n, p, depth, false));
}

/** A block sequence at indent `m`; `compact` when it sits at its key's indent (then a key line ends it). */
function readSeq(st: FastState, m: number, path: (string | number)[], depth: number, compact: boolean): TreeValue[] {
  if (depth > MAX_FAST_DEPTH) refuse();
  const arr: TreeValue[] = [];
  for (;;) {
    const j = peekContent(st);
    if (j < 0) break;
    const s = line(st, j);
    const ind = indentOf(s);
    if (ind < m) break;
    if (ind > m) refuse();
    if (!isDash(s, m)) {
      if (compact) break;
      refuse();
    }
    arr.push(readItem(st, j, m, [...path, arr.length], depth));
  }
  return arr;
}

/** The item after `- ` at column `m` of line `j`: a compact mapping or a value. */
function readItem(st: FastState, j: number, m: number, path: (string | number)[], depth: number): TreeValue {
  const s = line(st, j);
  const c = skipSpaces(s, m + 1);
  if (c === s.length || s[c] === '#' || isDash(s, c)) refuse();
  st.locs.set(pathKey(path), loc(st, j, c));
  st.i = j + 1;
  if (readKey(s, c) !== undefined) return readMap(st, c, path, depth + 1, j);
  return readValue(st, j, c, m, path, depth, true);
}

/** A key at column `p`: plain or quoted on one line, then `:` and a space or the end of the line. */
function readKey(s: string, p: number): { key: string; end: number } | undefined {
  const ch = s[p];
  if (ch === '"' || ch === "'") {
    const q = readQuoted(s, p);
    if (s[q.end] !== ':' || (q.end + 1 < s.length && s[q.end + 1] !== ' ')) return undefined;
    return { key: q.value, end: q.end + 1 };
  }
  if (ch === undefined || (INDICATORS.includes(ch) && !plainDash(s, p))) return undefined;
  let colon = s.indexOf(':', p);
  while (colon >= 0 && colon + 1 < s.length && s[colon + 1] !== ' ') colon = s.indexOf(':', colon + 1);
  if (colon < 0) return undefined;
  const hash = s.indexOf(' #', p);
  if (hash >= 0 && hash < colon) return undefined;
  const raw = s.slice(p, colon);
  if (raw.endsWith(' ') || raw.length > MAX_KEY_CHARS || raw === '<<') refuse();
  const v = resolvePlain(raw);
  return { key: v === null ? '' : String(v), end: colon + 1 };
}

/** The value from column `p` of line `j` (after `key:` or `- `), in a collection at indent `n`. */
function readValue(st: FastState, j: number, p: number, n: number, path: (string | number)[], depth: number, inSeq: boolean): TreeValue {
  const s = line(st, j);
  const q = skipSpaces(s, p);
  const ch = s[q];
  if (ch === undefined || ch === '#') {
    if (inSeq) refuse();
    return readNested(st, n, path, depth);
  }
  if (ch === '|' || ch === '>') return readBlockScalar(st, s, q, n);
  let v: TreeValue;
  if (ch === '"' || ch === "'") {
    const r = readQuoted(s, q);
    checkTrailing(s, r.end);
    v = r.value;
  } else if (ch === '[' || ch === '{') {
    v = readFlow(st, j, q, path, depth + 1);
  } else {
    v = readPlainValue(s, q);
  }
  checkEnded(st, n);
  return v;
}

/** The value of a key with nothing after its `:`: a nested block collection on the next lines, or null. */
function readNested(st: FastState, n: number, path: (string | number)[], depth: number): TreeValue {
  const j = peekContent(st);
  if (j < 0) return null;
  const s = line(st, j);
  const ind = indentOf(s);
  if (ind < n || (ind === n && !isDash(s, n))) return null;
  st.i = j;
  if (isDash(s, ind)) return readSeq(st, ind, path, depth + 1, ind === n);
  return readMap(st, ind, path, depth + 1, undefined);
}

/** True when a plain scalar may start with the `-` at `p` (a character other than a space follows). */
function plainDash(s: string, p: number): boolean {
  return s[p] === '-' && p + 1 < s.length && s[p + 1] !== ' ';
}

/** A plain scalar value on one line (a trailing comment cut off). */
function readPlainValue(s: string, p: number): TreeValue {
  if (INDICATORS.includes(s[p] ?? '') && !plainDash(s, p)) refuse();
  const hash = s.indexOf(' #', p);
  const raw = trimEndSpaces(s.slice(p, hash < 0 ? s.length : hash));
  if (raw.includes(': ') || raw.endsWith(':')) refuse();
  return resolvePlain(raw);
}

function trimEndSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return s.slice(0, e);
}

/** A plain scalar resolved as the core schema does; refuses numbers other than short ints and decimals. */
function resolvePlain(raw: string): TreeValue {
  const c = raw.charCodeAt(0);
  // only text starting with a digit, `+`, `-`, `.`, `~`, n, t or f (either case) can be anything but a string
  if (raw !== '' && !(c <= 57 || c === 126 || c === 78 || c === 110 || c === 84 || c === 116 || c === 70 || c === 102)) return raw;
  if (NULL_RE.test(raw)) return null;
  if (BOOL_RE.test(raw)) return raw[0] === 't' || raw[0] === 'T';
  if (INT_RE.test(raw)) return Number(raw);
  if (DEC_RE.test(raw) && raw.replace(/[-.]/g, '').length <= 15) return Number(raw);
  if (CORE_NUMBER.some((re) => re.test(raw))) refuse();
  return raw;
}

/** A single- or double-quoted scalar starting at column `p` and ending on the same line. */
function readQuoted(s: string, p: number): { value: string; end: number } {
  return s[p] === "'" ? readSingleQuoted(s, p) : readDoubleQuoted(s, p);
}

function readSingleQuoted(s: string, p: number): { value: string; end: number } {
  let out = '';
  let i = p + 1;
  for (;;) {
    const q = s.indexOf("'", i);
    if (q < 0) refuse();
    out += s.slice(i, q);
    if (s[q + 1] !== "'") return { value: out, end: q + 1 };
    out += "'";
    i = q + 2;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0' };

function readDoubleQuoted(s: string, p: number): { value: string; end: number } {
  let out = '';
  let i = p + 1;
  for (;;) {
    const ch = s[i];
    if (ch === undefined) refuse();
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = s[i + 1] ?? '';
    if (e === 'u') {
      const hex = s.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) refuse();
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    const rep = Object.prototype.hasOwnProperty.call(ESCAPES, e) ? ESCAPES[e] : undefined;
    if (rep === undefined) refuse();
    out += rep;
    i += 2;
  }
}

/** A one-line flow collection at column `p` of line `j`: `{}`, `[]` or `[scalar, ...]`. */
function readFlow(st: FastState, j: number, p: number, path: (string | number)[], depth: number): TreeValue {
  if (depth > MAX_FAST_DEPTH) refuse();
  const s = line(st, j);
  if (s[p] === '{') {
    const q = skipSpaces(s, p + 1);
    if (s[q] !== '}') refuse();
    checkTrailing(s, q + 1);
    return newObject();
  }
  const arr: TreeValue[] = [];
  let q = skipSpaces(s, p + 1);
  if (s[q] !== ']') {
    for (;;) {
      st.locs.set(pathKey([...path, arr.length]), loc(st, j, q));
      const item = readFlowItem(s, q);
      arr.push(item.value);
      q = skipSpaces(s, item.end);
      if (s[q] === ']') break;
      if (s[q] !== ',') refuse();
      q = skipSpaces(s, q + 1);
      if (s[q] === ']') refuse();
    }
  }
  checkTrailing(s, q + 1);
  return arr;
}

/** A scalar item of a flow sequence: quoted, or plain without indicators, `:` or `#`. */
function readFlowItem(s: string, p: number): { value: TreeValue; end: number } {
  const ch = s[p];
  if (ch === '"' || ch === "'") return readQuoted(s, p);
  let e = p;
  while (e < s.length && s[e] !== ',' && s[e] !== ']') e++;
  const raw = trimEndSpaces(s.slice(p, e));
  if (raw === '' || INDICATORS.includes(raw[0] ?? '') || /[:#[\]{}"']/.test(raw)) refuse();
  return { value: resolvePlain(raw), end: p + raw.length };
}

/** A literal or folded block scalar whose header is at column `p` of `s`, in a collection at indent `n`. */
function readBlockScalar(st: FastState, s: string, p: number, n: number): string {
  const header = BLOCK_HEADER.exec(s.slice(p + 1));
  if (header === null) refuse();
  const chomp = header[1];
  const first = st.i;
  const firstLine = st.lines[first];
  if (firstLine === undefined || indentOf(firstLine) === firstLine.length) refuse();
  const k = indentOf(firstLine);
  if (k <= n) refuse();
  const content: string[] = [];
  let blanks = 0;
  let j = first;
  for (; j < st.lines.length; j++) {
    const t = line(st, j);
    const ind = indentOf(t);
    if (ind === t.length) {
      if (ind > k) refuse();
      blanks++;
      continue;
    }
    if (ind < k) break;
    for (; blanks > 0; blanks--) content.push('');
    content.push(t.slice(k));
  }
  // at the end of the text: a last line without a newline, and kept trailing lines, are left to the library
  if (j === st.lines.length && (blanks === 0 || chomp === '+')) refuse();
  st.i = j;
  const body = s[p] === '|' ? content.join('\n') : fold(content);
  if (chomp === '-') return body;
  return chomp === '+' ? body + '\n'.repeat(blanks + 1) : body + '\n';
}

/** Folded content: single line breaks between lines become spaces; a run of empty lines stays as breaks. */
function fold(content: string[]): string {
  let out = '';
  let empties = -1;
  for (const t of content) {
    if (t === '') {
      empties++;
      continue;
    }
    if (t.startsWith(' ')) refuse();
    out += empties < 0 ? t : empties === 0 ? ` ${t}` : `${'\n'.repeat(empties)}${t}`;
    empties = 0;
  }
  return out;
}
