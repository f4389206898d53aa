/** Deep freezing of JSON-like values that are shared between callers (memoised policy results). */

/** Freezes a JSON-like value and everything in it (objects and arrays); returns it. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
