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
      return typeof v === 'number' ? v.toFixed(Math.min(precision ?? 6, 100)) : bad(verb, v);
    case 'e':
      return typeof v === 'number' ? v.toExponential(Math.min(precision ?? 6, 100)).replace(/e([+-])(\d)$/, 'e$10$2') : bad(verb, v);
    case 'g':
      // Go reads a %g precision of 0 as 1; JavaScript's toPrecision throws outside 1–100
      return typeof v === 'number' ? (precision === undefined ? String(v) : String(Number(v.toPrecision(Math.min(Math.max(precision, 1), 100))))) : bad(verb, v);
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

/** A directive of a format (`%-8.2f`): flags, width, precision and verb. */
interface Directive {
  flags: string;
  width: number;
  precision: number | undefined;
  verb: string;
}

/** A format split into its literal text and its directives (`%%` is literal text). */
type Segment = string | Directive;

const DIRECTIVE = /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g;
/** Formats already split, by format text (a policy uses a few formats many times). */
const compiled = new Map<string, Segment[]>();
const COMPILED_MAX = 512;

function compile(format: string): Segment[] {
  const hit = compiled.get(format);
  if (hit !== undefined) return hit;
  const segments: Segment[] = [];
  let last = 0;
  for (const m of format.matchAll(DIRECTIVE)) {
    const at = m.index;
    if (at > last) segments.push(format.slice(last, at));
    const [, flags = '', width, precision, verb = ''] = m;
    segments.push(verb === '%' ? '%' : { flags, width: width === undefined ? 0 : Number(width), precision: precision === undefined ? undefined : Number(precision), verb });
    last = at + m[0].length;
  }
  if (last < format.length) segments.push(format.slice(last));
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(format, segments);
  return segments;
}

/** One directive applied to its argument, padded to its width. */
function applyDirective(d: Directive, v: unknown): string {
  const text = formatOne(d.verb, v, d.flags, d.precision);
  const w = d.width;
  if (text.length >= w) return text;
  if (d.flags.includes('-')) return text.padEnd(w);
  return d.flags.includes('0') && /^[+-]?[\d.]/.test(text) && d.verb !== 's' && d.verb !== 'v' ? text.padStart(w, '0') : text.padStart(w);
}

/** Formats `format` with `args` as OPA's `sprintf` does (the format is split once, then reused). */
export function goSprintf(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [];
  let next = 0;
  let out = '';
  for (const s of compile(format)) {
    if (typeof s === 'string') out += s;
    else if (next >= list.length) out += `%!${s.verb}(MISSING)`;
    else out += applyDirective(s, list[next++]);
  }
  return next < list.length ? `${out}%!(EXTRA ${list.slice(next).map((v) => `${goType(v)}=${typeof v === 'string' ? v : regoText(v)}`).join(', ')})` : out;
}
