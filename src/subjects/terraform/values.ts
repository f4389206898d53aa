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
  for (const p of path) {
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
  for (const p of path) {
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

/** Every leaf of `v` replaced by {@link SENSITIVE} (structure and keys kept). */
function redactAll(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactAll);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = redactAll(v[k]);
    return out;
  }
  return v === null ? null : SENSITIVE;
}

/**
 * A copy of `v` in which every value the mirror (`after_sensitive` / `before_sensitive`) marks is replaced
 * by the {@link SENSITIVE} marker: a sensitive value never reaches a policy, a message or an audit event.
 */
export function redactSensitive(v: unknown, mirror: unknown): unknown {
  if (mirror === true) return redactAll(v);
  if (Array.isArray(v)) return Array.isArray(mirror) ? v.map((x, i) => redactSensitive(x, mirror[i])) : v;
  if (isObject(v)) {
    if (!isObject(mirror)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = Object.hasOwn(mirror, k) ? redactSensitive(v[k], mirror[k]) : v[k];
    return out;
  }
  return v;
}
