/**
 * YAML (or JSON) text parsed with source positions, for the config and waivers files: the plain value
 * plus a `locate(path)` that returns the line and column of the key (or sequence item) at a path, so that
 * validation errors point to `file:line:col` of the offending key. Pure: no I/O.
 */
import type { Document, Node as YamlNode } from 'yaml';
import { yaml } from '../yaml.js';
import { MeshgateError, type ErrorCode, type Location } from '../errors.js';

/** A path inside a parsed document: map keys and sequence indices. */
export type ValuePath = ReadonlyArray<string | number>;

/** A parsed document with positions. */
export interface LocatedSource {
  /** The plain JS value (maps → objects, sequences → arrays). */
  value: unknown;
  /** The location of the deepest existing key or item along `path` (the file alone when nothing matches). */
  locate(path: ValuePath): Location;
}

/** Splits an ajv `instancePath` (a JSON pointer) into path segments. */
export function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Parses YAML/JSON text keeping positions. Syntax errors throw MeshgateError with `code` and the position. */
export function parseLocated(text: string, file: string | undefined, code: ErrorCode): LocatedSource {
  const base: Location = file === undefined ? {} : { file };
  const lc = new (yaml().LineCounter)();
  let doc: Document;
  try {
    doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false }) as Document;
  } catch (e) {
    throw new MeshgateError(code, `cannot parse YAML: ${e instanceof Error ? e.message : String(e)}`, { location: base, cause: e });
  }
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lc.linePos(err.pos[0]);
    const first = err.message.split('\n')[0] ?? err.message;
    throw new MeshgateError(code, `invalid YAML: ${first}`, { location: { ...base, line: pos.line, column: pos.col }, cause: err });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new MeshgateError(code, `cannot read YAML: ${e instanceof Error ? e.message : String(e)}`, { location: base, cause: e });
  }
  const at = (offset: number | undefined): Location => {
    if (offset === undefined) return { ...base };
    const p = lc.linePos(offset);
    return { ...base, line: p.line, column: p.col };
  };
  const locate = (path: ValuePath): Location => {
    let node: unknown = doc.contents;
    let found: Location = at((doc.contents as YamlNode | null)?.range?.[0]);
    for (const seg of path) {
      if (yaml().isMap(node)) {
        const pair = node.items.find((p) => yaml().isPair(p) && yaml().isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        found = at((pair.key as YamlNode).range?.[0]);
        node = pair.value;
      } else if (yaml().isSeq(node)) {
        const item = node.items[Number(seg)] as YamlNode | undefined;
        if (item === undefined) break;
        found = at(item.range?.[0]);
        node = item;
      } else {
        break;
      }
    }
    return found;
  };
  return { value, locate };
}

/** A `locate` for values that did not come from text: only the file (when known). */
export function noPositions(file?: string): (path: ValuePath) => Location {
  return () => (file === undefined ? {} : { file });
}
