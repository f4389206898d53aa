/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, `undefined` members omitted,
 * numbers in JavaScript's shortest round-trip form (as RFC 8785 does). The same value always gives the
 * same text, so its hash is stable. Pure, no I/O.
 */

/**
 * Serialises `v` canonically. Values JSON cannot represent follow `JSON.stringify`: `undefined`, functions
 * and symbols are dropped from objects and become `null` in arrays; non-finite numbers become `null`.
 * `toJSON()` is honoured (so Dates become ISO strings).
 */
export function canonicalJson(v: unknown): string {
  return write(v) ?? 'null';
}

/**
 * The members of a plain object as canonical `"key":value` texts, in canonical (sorted) key order, members
 * JSON cannot represent left out: `{${parts.join(',')}}` is its {@link canonicalJson}. Lets a caller add or
 * leave out a member without serialising the object twice.
 */
export function canonicalMembers(rec: Record<string, unknown>): Array<[key: string, part: string]> {
  const out: Array<[string, string]> = [];
  for (const k of Object.keys(rec).sort()) {
    const s = write(rec[k]);
    if (s !== undefined) out.push([k, `${JSON.stringify(k)}:${s}`]);
  }
  return out;
}

/**
 * The canonical JSON of a plain object (as {@link canonicalJson} gives it) and of the same object without
 * the member `omit`, from one serialisation of its members: a chained line and the body its hash covers.
 */
export function canonicalJsonWithout(rec: Record<string, unknown>, omit: string): { full: string; without: string } {
  if (typeof (rec as { toJSON?: unknown }).toJSON === 'function') {
    const { [omit]: _omit, ...rest } = rec;
    return { full: canonicalJson(rec), without: canonicalJson(rest) };
  }
  let full = '';
  let without = '';
  for (const k of Object.keys(rec).sort()) {
    const s = write(rec[k]);
    if (s === undefined) continue;
    const part = `${JSON.stringify(k)}:${s}`;
    full += full === '' ? part : `,${part}`;
    if (k !== omit) without += without === '' ? part : `,${part}`;
  }
  return { full: `{${full}}`, without: `{${without}}` };
}

function write(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  const obj = v as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return write(obj.toJSON());
  if (Array.isArray(v)) {
    return `[${v.map((x: unknown) => write(x) ?? 'null').join(',')}]`;
  }
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const s = write(rec[k]);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(',')}}`;
}
