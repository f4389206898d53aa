/**
 * Parsing of YAML and JSON contract sources into a plain value tree that remembers where each value came
 * from (file, line, column). Objects of the tree have no prototype, so hostile keys such as `__proto__`
 * or `constructor` are ordinary data and cannot pollute anything. Limits: text size, alias expansion and
 * nesting depth are bounded, each with its own error code. Common block YAML is read by yaml-fast.ts first
 * (same tree and locations, without loading the yaml package); anything else, errors included, by the
 * yaml package here.
 */
import { isObject, setOwn } from '../../is-object.js';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { yaml } from '../../yaml.js';
import { MeshgateError } from '../../errors.js';
import type { Location } from '../../errors.js';
import { underIndentedQuoteHint } from './yaml-hint.js';
import { locationOf, newObject, pathKey } from './tree-core.js';
import type { LocationBase, RawPath, TreeObject, TreeValue } from './tree-core.js';
import { parseYamlFast } from './yaml-fast.js';

export { newObject, pathKey } from './tree-core.js';
export type { RawPath, TreeObject, TreeValue } from './tree-core.js';

/** A parsed source: its value tree and where each path of the tree starts. */
export interface SourceTree {
  /** The root value. */
  root: TreeValue;
  /** The file given by the caller, when any. */
  file?: string;
  /** Where the value at a raw path is (the key's position for map entries). */
  locate(path: RawPath): Location | undefined;
  /** The nearest known location of the path or one of its ancestors. */
  nearest(path: RawPath): Location | undefined;
  /** `json` or `yaml` (`object` when given an already parsed object). */
  syntax: 'json' | 'yaml' | 'object';
  /** The source text, when parsed from text. */
  text?: string;
}

/** Largest accepted source text (characters). */
export const MAX_SOURCE_CHARS = 10 * 1024 * 1024;
/** Deepest accepted nesting. */
export const MAX_DEPTH = 200;
/** Most alias expansions accepted in one document. */
export const MAX_ALIAS_EXPANSIONS = 1000;
/** Most values accepted in one expanded tree (guards against alias bombs). */
export const MAX_NODES = 2_000_000;

/** True for a prototype-free or plain tree object (not an array, not null). */
export function isTreeObject(v: unknown): v is TreeObject {
  return isObject(v);
}

interface WalkState extends LocationBase {
  locs: Map<string, Location>;
  aliases: number;
  nodes: number;
  lc: LineCounter;
}

function locAt(st: WalkState, offset: number | undefined): Location {
  if (offset === undefined) return st.file === undefined ? {} : { file: st.file };
  const p = st.lc.linePos(offset);
  return locationOf(st, p.line, p.col);
}

function limitError(code: string, msg: string, st: WalkState, offset?: number): MeshgateError {
  return new MeshgateError(`MG_CONTRACT_${code}`, msg, { location: locAt(st, offset) });
}

function walk(node: unknown, doc: Document, path: (string | number)[], depth: number, st: WalkState, keyOffset?: number): TreeValue {
  if (++st.nodes > MAX_NODES) throw limitError('TOO_LARGE', `document expands to more than ${MAX_NODES} values`, st);
  const start = keyOffset ?? (node as YamlNode | null)?.range?.[0];
  if (start !== undefined) st.locs.set(pathKey(path), locAt(st, start));
  if (depth > MAX_DEPTH) throw limitError('DEPTH', `nesting deeper than ${MAX_DEPTH} levels`, st, start);
  if (yaml().isAlias(node)) {
    if (++st.aliases > MAX_ALIAS_EXPANSIONS) throw limitError('ALIAS_LIMIT', `more than ${MAX_ALIAS_EXPANSIONS} alias expansions (alias bomb?)`, st, start);
    const target = node.resolve(doc);
    if (target === undefined) throw limitError('SYNTAX', `unresolved alias *${node.source}`, st, start);
    return walk(target, doc, path, depth + 1, st, start);
  }
  if (yaml().isMap(node)) {
    const obj = newObject();
    for (const item of node.items) {
      if (!yaml().isPair(item)) continue;
      const k = yaml().isScalar(item.key) ? item.key.value : item.key;
      const key = k === null || k === undefined ? '' : typeof k === 'object' ? JSON.stringify((k as YamlNode).toJSON?.() ?? null) : String(k);
      const keyStart = (item.key as YamlNode | null)?.range?.[0];
      if (item.key && yaml().isAlias(item.key)) throw limitError('SYNTAX', 'aliases as map keys are not supported', st, keyStart);
      if (Object.prototype.hasOwnProperty.call(obj, key)) throw limitError('SYNTAX', `Map keys must be unique: ${JSON.stringify(key)} is defined twice`, st, keyStart);
      const v = walk(item.value, doc, [...path, key], depth + 1, st, keyStart);
      setOwn(obj, key, v);
    }
    return obj;
  }
  if (yaml().isSeq(node)) {
    const arr: TreeValue[] = [];
    node.items.forEach((it, i) => {
      arr.push(walk(it, doc, [...path, i], depth + 1, st));
    });
    return arr;
  }
  if (yaml().isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.toISOString();
    return String(v);
  }
  return null;
}

/** Options of {@link parseSource}. */
export interface ParseSourceOptions {
  /** File name recorded on every location. */
  file?: string;
  /** Shift applied to every line (for documents embedded in another file). */
  lineShift?: number;
  /** Shift applied to every column (for documents embedded in another file). */
  colShift?: number;
}

/**
 * Parses YAML or JSON text into a located tree. Throws MeshgateError: `MG_CONTRACT_TOO_LARGE`,
 * `MG_CONTRACT_SYNTAX` (with line and column), `MG_CONTRACT_ALIAS_LIMIT`, `MG_CONTRACT_DEPTH`.
 */
export function parseSource(text: string, options: ParseSourceOptions = {}): SourceTree {
  return parseSourceWith(text, options, true);
}

/**
 * {@link parseSource}, with the fast path for common block YAML (yaml-fast.ts) tried first or not: a test
 * hook (`useFast` false is the yaml package's path alone). Both give the same tree and locations.
 */
export function parseSourceWith(text: string, options: ParseSourceOptions, useFast: boolean): SourceTree {
  const file = options.file;
  const base: Location = file === undefined ? {} : { file };
  if (text.length > MAX_SOURCE_CHARS) {
    throw new MeshgateError('MG_CONTRACT_TOO_LARGE', `source is ${text.length} characters, the limit is ${MAX_SOURCE_CHARS}`, { location: base });
  }
  const trimmed = text.trimStart();
  const syntax = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'yaml';
  const at: LocationBase = { file, lineShift: options.lineShift ?? 0, colShift: options.colShift ?? 0 };
  const fast = useFast && syntax === 'yaml' ? parseYamlFast(text, at) : undefined;
  if (fast !== undefined) {
    const tree = makeTree(fast.root, fast.locations, file, syntax);
    tree.text = text;
    return tree;
  }
  const lc = new (yaml().LineCounter)();
  const st: WalkState = { ...at, locs: new Map(), aliases: 0, nodes: 0, lc };
  let doc: Document;
  try {
    // duplicate keys are found by walk() with a set: the library's own check scans the map per key (O(n²))
    doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, strict: true }) as Document;
  } catch (e) {
    if (e instanceof RangeError) throw new MeshgateError('MG_CONTRACT_DEPTH', `source nests too deeply to parse`, { location: base, cause: e });
    throw new MeshgateError('MG_CONTRACT_SYNTAX', `cannot parse source: ${e instanceof Error ? e.message : String(e)}`, { location: base, cause: e });
  }
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lc.linePos(err.pos[0]);
    const loc: Location = { ...base };
    if (pos) {
      loc.line = pos.line + st.lineShift;
      loc.column = pos.col + st.colShift;
    }
    const first = err.message.split('\n')[0] ?? err.message;
    const hint = err.code === 'MISSING_CHAR' && /quote/i.test(first) ? underIndentedQuoteHint(text, err.pos[0]) : undefined;
    if (hint) {
      const at: Location = { ...base, line: hint.line + st.lineShift, column: hint.column + st.colShift };
      throw new MeshgateError('MG_CONTRACT_SYNTAX', `invalid YAML: ${first}: ${hint.message}`, { location: at, cause: err, details: { yamlCode: err.code, quoteLine: (pos?.line ?? 0) + st.lineShift } });
    }
    if (/call stack/i.test(first)) throw new MeshgateError('MG_CONTRACT_DEPTH', `source nests too deeply to parse (limit ${MAX_DEPTH})`, { location: loc, cause: err });
    throw new MeshgateError('MG_CONTRACT_SYNTAX', `invalid ${syntax.toUpperCase()}: ${first}`, { location: loc, cause: err, details: { yamlCode: err.code } });
  }
  let root: TreeValue;
  try {
    root = walk(doc.contents, doc, [], 0, st);
  } catch (e) {
    if (e instanceof MeshgateError) throw e;
    if (e instanceof RangeError) throw new MeshgateError('MG_CONTRACT_DEPTH', 'source nests too deeply', { location: base, cause: e });
    throw new MeshgateError('MG_CONTRACT_SYNTAX', `cannot read source: ${e instanceof Error ? e.message : String(e)}`, { location: base, cause: e });
  }
  const tree = makeTree(root, st.locs, file, syntax);
  tree.text = text;
  return tree;
}

function makeTree(root: TreeValue, locs: Map<string, Location>, file: string | undefined, syntax: SourceTree['syntax']): SourceTree {
  const tree: SourceTree = {
    root,
    syntax,
    locate: (p) => locs.get(pathKey(p)),
    nearest: (p) => {
      for (let n = p.length; n >= 0; n--) {
        const l = locs.get(pathKey(p.slice(0, n)));
        if (l) return l;
      }
      return file === undefined ? undefined : { file };
    },
  };
  if (file !== undefined) tree.file = file;
  return tree;
}

/**
 * Copies an already parsed object into a prototype-free tree (no positions). Throws `MG_CONTRACT_DEPTH`
 * for cycles or nesting deeper than the limit, `MG_CONTRACT_TOO_LARGE` beyond the value limit.
 */
export function treeFromObject(value: unknown, file?: string): SourceTree {
  let count = 0;
  const base: Location = file === undefined ? {} : { file };
  const copy = (v: unknown, depth: number): TreeValue => {
    if (++count > MAX_NODES) throw new MeshgateError('MG_CONTRACT_TOO_LARGE', `object has more than ${MAX_NODES} values`, { location: base });
    if (depth > MAX_DEPTH) throw new MeshgateError('MG_CONTRACT_DEPTH', `object nests deeper than ${MAX_DEPTH} levels (or is cyclic)`, { location: base });
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1));
    if (typeof v === 'object') {
      const o = newObject();
      for (const k of Object.keys(v)) setOwn(o, k, copy((v as Record<string, unknown>)[k], depth + 1));
      return o;
    }
    return null;
  };
  return makeTree(copy(value, 0), new Map(), file, 'object');
}
