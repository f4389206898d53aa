/**
 * The value tree of a parsed contract source and its locations, shared by the two YAML readers (the yaml
 * package's path in tree.ts and the fast path in yaml-fast.ts): the tree's types, how a path becomes a map
 * key, prototype-free objects, and how a 1-based position becomes a Location. Pure; no YAML loaded here.
 */
import type { Location } from '../../errors.js';

/** A JSON-like value of a parsed source. Objects are prototype-free. */
export type TreeValue = string | number | boolean | null | TreeValue[] | TreeObject;

/** A prototype-free object of a parsed source. */
export interface TreeObject {
  [key: string]: TreeValue;
}

/** A path inside a parsed tree: object keys and array indices. */
export type RawPath = readonly (string | number)[];

/** Joins a raw path to a map key. */
export function pathKey(path: RawPath): string {
  return path.join('\u001f');
}

/** A new prototype-free object. */
export function newObject(): TreeObject {
  return Object.create(null) as TreeObject;
}

/** Where located values are: the file (when any) and the shifts of an embedded document. */
export interface LocationBase {
  /** File name recorded on every location. */
  file: string | undefined;
  /** Added to every line. */
  lineShift: number;
  /** Added to every column. */
  colShift: number;
}

/** The Location of a 1-based line and column (UTF-16 code units), shifted as `base` says. */
export function locationOf(base: LocationBase, line: number, col: number): Location {
  const loc: Location = {};
  if (base.file !== undefined) loc.file = base.file;
  loc.line = line + base.lineShift;
  loc.column = col + base.colShift;
  return loc;
}
