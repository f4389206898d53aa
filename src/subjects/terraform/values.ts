/**
 * Small helpers to read plan values by path, and to ask whether a path is unknown until apply or
 * sensitive (`after_unknown` / `after_sensitive` mirror `after`, with `true` at the marked places). Pure.
 */
import { isObject } from './parse.js';

/** The marker that replaces a sensitive value everywhere after normalisation (the value itself never goes further). */
export const SENSITIVE = '(sensitive)';

/** A path into a value: object keys and array indices. */
export type ValuePath = readonly (string | number)[];

/** Reads `v` at `path` (undefined when absent). Own properties only. */
export function at(v: unknown, path: ValuePath): unknown {
  let cur = v;
  // indexed loops here and on the other per-resource paths: an iterator allocates a result per turn in
  // code not yet optimised, which a short CLI run mostly is
  for (let i = 0; i < path.length; i++) {
    const p = path[i] as string | number;
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isObject(cur) && typeof p === 'string' && Object.hasOwn(cur, p)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** True when a mirror (`after_unknown`/`after_sensitive`) marks `path` or any prefix of it with `true`. */
export function marked(mirror: unknown, path: ValuePath): boolean {
  let cur = mirror;
  if (cur === true) return true;
  for (let i = 0; i < path.length; i++) {
    const p = path[i] as string | number;
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isObject(cur) && typeof p === 'string' && Object.hasOwn(cur, p)) cur = cur[p];
    else return false;
    if (cur === true) return true;
  }
  return false;
}

/** The first element of a block list, or the value itself when it is not a list. */
export function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/** A non-empty string, or undefined. */
export function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A finite number (numeric strings accepted), or undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Nesting beyond which a marked value is hidden whole (plans are shallow; hostile ones may be deep or cyclic). */
const MAX_REDACT_DEPTH = 64;

/** Every leaf of `v` replaced by {@link SENSITIVE} (structure and keys kept; hidden whole beyond the depth bound). */
function redactAll(v: unknown, depth: number): unknown {
  if (v === null) return null;
  if (depth > MAX_REDACT_DEPTH) return SENSITIVE;
  if (Array.isArray(v)) return v.map((x) => redactAll(x, depth + 1));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = redactAll(v[k], depth + 1);
    return out;
  }
  return SENSITIVE;
}

/**
 * A copy of `v` in which every value the mirror (`after_sensitive` / `before_sensitive`) marks is replaced
 * by the {@link SENSITIVE} marker: a sensitive value never reaches a policy, a message or an audit event.
 * Unmarked parts are shared, not copied; a marked part nested deeper than the bound is hidden whole.
 */
export function redactSensitive(v: unknown, mirror: unknown, depth = 0): unknown {
  if (mirror === true) return redactAll(v, depth);
  if (depth > MAX_REDACT_DEPTH) return hasMark(mirror, 0) ? SENSITIVE : v;
  if (Array.isArray(v)) {
    if (!Array.isArray(mirror) || mirror.length === 0) return v;
    return v.map((x, i) => redactSensitive(x, mirror[i], depth + 1));
  }
  if (isObject(v)) {
    if (!isObject(mirror)) return v;
    const keys = Object.keys(mirror);
    if (keys.length === 0) return v;
    const out: Record<string, unknown> = { ...v };
    for (const k of keys) if (Object.hasOwn(v, k)) out[k] = redactSensitive(v[k], mirror[k], depth + 1);
    return out;
  }
  return v;
}

/** True when a mirror marks anything (bounded: a mirror too deep to read counts as marked). */
function hasMark(mirror: unknown, depth: number): boolean {
  if (mirror === true) return true;
  if (depth > MAX_REDACT_DEPTH) return true;
  if (Array.isArray(mirror)) return mirror.some((m) => hasMark(m, depth + 1));
  if (isObject(mirror)) return Object.keys(mirror).some((k) => hasMark(mirror[k], depth + 1));
  return false;
}
