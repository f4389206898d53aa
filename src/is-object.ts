/**
 * Plain JSON-like values: the one test for an object (not null, not an array) and for a list of strings,
 * and the one way to set a key on an object. Pure.
 */

/** True when `v` is an object that is neither null nor an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `v` is an array whose every index holds a string (a hole is not one, as a JSON Schema validator sees it). */
export function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/**
 * Sets `o[k] = value` as an own data property, `__proto__` included: JSON.parse and YAML make such keys,
 * and assigning one would set the object's prototype instead (the key silently lost).
 */
export function setOwn(o: Record<string, unknown>, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  else o[k] = value;
}

/** `Object.assign(out, src)` for `src`'s own enumerable string keys, each set with {@link setOwn} (`__proto__` stays data). */
export function assignOwn(out: Record<string, unknown>, src: Record<string, unknown>): void {
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    setOwn(out, k, src[k]);
  }
}
