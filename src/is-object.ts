/** Plain JSON-like objects: the one test for one (not null, not an array), and the one way to set a key on one. Pure. */

/** True when `v` is an object that is neither null nor an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
