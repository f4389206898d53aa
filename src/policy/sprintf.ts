/**
 * Rego's `sprintf` as OPA (Go's fmt) formats it, for the WASM runtime: the opa-wasm SDK's own version
 * (sprintf-js) rejects `%q` and throws on a null argument, so policies that work under `opa eval` failed
 * closed under WASM. Supports the verbs policies use (`%v %s %d %q %f %e %g %x %X %t %%`) with flags,
 * width and precision; composite values print in Rego syntax (`["a", "b"]`, `{"k": 1}`, `null`). Pure.
 */

/** A value in Rego syntax, as Go's fmt prints an OPA ast.Value. */
export function regoText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(regoText).join(', ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}: ${regoText(o[k])}`).join(', ')}}`;
  }
  return String(v);
}

const goType = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float64') : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'ast.Value');
const bad = (verb: string, v: unknown): string => `%!${verb}(${goType(v)}=${typeof v === 'string' ? v : regoText(v)})`;

function formatOne(verb: string, v: unknown, flags: string, precision: number | undefined): string {
  switch (verb) {
    case 'v':
    case 's':
      return typeof v === 'string' ? (precision === undefined ? v : v.slice(0, precision)) : regoText(v);
    case 'd':
      return typeof v === 'number' && Number.isInteger(v) ? (flags.includes('+') && v >= 0 ? `+${v}` : String(v)) : bad(verb, v);
    case 'q':
      return typeof v === 'string' ? JSON.stringify(v) : bad(verb, v);
    case 't':
      return typeof v === 'boolean' ? String(v) : bad(verb, v);
    case 'f':
    case 'F':
      return typeof v === 'number' ? v.toFixed(precision ?? 6) : bad(verb, v);
    case 'e':
      return typeof v === 'number' ? v.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : bad(verb, v);
    case 'g':
      return typeof v === 'number' ? (precision === undefined ? String(v) : String(Number(v.toPrecision(precision)))) : bad(verb, v);
    case 'x':
    case 'X': {
      let s: string;
      if (typeof v === 'number' && Number.isInteger(v)) s = v.toString(16);
      else if (typeof v === 'string') s = [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('');
      else return bad(verb, v);
      return verb === 'X' ? s.toUpperCase() : s;
    }
    default:
      return `%!${verb}(${goType(v)}=${typeof v === 'string' ? v : regoText(v)})`;
  }
}

/** Formats `format` with `args` as OPA's `sprintf` does. */
export function goSprintf(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [];
  let next = 0;
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= list.length) return `%!${verb}(MISSING)`;
    const text = formatOne(verb, list[next++], flags, prec === undefined ? undefined : Number(prec));
    const w = width === undefined ? 0 : Number(width);
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    return flags.includes('0') && /^[+-]?[\d.]/.test(text) && verb !== 's' && verb !== 'v' ? text.padStart(w, '0') : text.padStart(w);
  }) + (next < list.length ? `%!(EXTRA ${list.slice(next).map((v) => `${goType(v)}=${typeof v === 'string' ? v : regoText(v)}`).join(', ')})` : '');
}
