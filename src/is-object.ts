/** The one test for a plain JSON-like object (not null, not an array). Pure. */

/** True when `v` is an object that is neither null nor an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
