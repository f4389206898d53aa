/**
 * Rego's sprintf for the WASM runtime (src/policy/sprintf.ts) splits each format once and reuses it: on
 * random formats (flags, widths, precisions, every verb, `%%`, stray `%`) and random arguments (too few, too
 * many, every JSON type) it writes exactly what formatting the whole format each time wrote (kept here as
 * the oracle), and the same format keeps giving the same text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goSprintf, regoText } from '../src/policy/sprintf.js';

/** The reference: the former implementation (one regular-expression replace per call), with today's precision bounds. */
const refGoType = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float64') : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'ast.Value');
const refBad = (verb: string, v: unknown): string => `%!${verb}(${refGoType(v)}=${typeof v === 'string' ? v : regoText(v)})`;

function referenceFormatOne(verb: string, v: unknown, flags: string, precision: number | undefined): string {
  switch (verb) {
    case 'v':
    case 's':
      return typeof v === 'string' ? (precision === undefined ? v : v.slice(0, precision)) : regoText(v);
    case 'd':
      return typeof v === 'number' && Number.isInteger(v) ? (flags.includes('+') && v >= 0 ? `+${v}` : String(v)) : refBad(verb, v);
    case 'q':
      return typeof v === 'string' ? JSON.stringify(v) : refBad(verb, v);
    case 't':
      return typeof v === 'boolean' ? String(v) : refBad(verb, v);
    case 'f':
    case 'F':
      return typeof v === 'number' ? v.toFixed(Math.min(precision ?? 6, 100)) : refBad(verb, v);
    case 'e':
      return typeof v === 'number' ? v.toExponential(Math.min(precision ?? 6, 100)).replace(/e([+-])(\d)$/, 'e$10$2') : refBad(verb, v);
    case 'g':
      return typeof v === 'number' ? (precision === undefined ? String(v) : String(Number(v.toPrecision(Math.min(Math.max(precision, 1), 100))))) : refBad(verb, v);
    case 'x':
    case 'X': {
      let s: string;
      if (typeof v === 'number' && Number.isInteger(v)) s = v.toString(16);
      else if (typeof v === 'string') s = [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('');
      else return refBad(verb, v);
      return verb === 'X' ? s.toUpperCase() : s;
    }
    default:
      return `%!${verb}(${refGoType(v)}=${typeof v === 'string' ? v : regoText(v)})`;
  }
}

/** Formats `format` with `args` as OPA's `sprintf` does. */
function referenceSprintf(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [];
  let next = 0;
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= list.length) return `%!${verb}(MISSING)`;
    const text = referenceFormatOne(verb, list[next++], flags, prec === undefined ? undefined : Number(prec));
    const w = width === undefined ? 0 : Number(width);
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    return flags.includes('0') && /^[+-]?[\d.]/.test(text) && verb !== 's' && verb !== 'v' ? text.padStart(w, '0') : text.padStart(w);
  }) + (next < list.length ? `%!(EXTRA ${list.slice(next).map((v) => `${refGoType(v)}=${typeof v === 'string' ? v : regoText(v)}`).join(', ')})` : '');
}

const piece = fc.oneof(
  fc.string({ maxLength: 6 }).map((s) => s.replace(/%/g, '')),
  fc.constantFrom('%', '%%', '%5%', '% ', '%.', '%-'),
  fc.record({ flags: fc.stringMatching(/^[-+# 0]{0,3}$/), width: fc.option(fc.integer({ min: 0, max: 12 })), prec: fc.option(fc.integer({ min: 0, max: 120 })), verb: fc.constantFrom('v', 's', 'd', 'q', 't', 'f', 'F', 'e', 'g', 'x', 'X', 'y', 'Z') }).map(({ flags, width, prec, verb }) => `%${flags}${width ?? ''}${prec === null ? '' : `.${prec}`}${verb}`),
);
const arg = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));

describe('goSprintf', () => {
  it('property: writes what the one-pass reference writes, call after call', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(arg, { maxLength: 6 }), (pieces, args) => {
        const format = pieces.join('');
        const expected = referenceSprintf(format, args);
        expect(goSprintf(format, args)).toBe(expected);
        expect(goSprintf(format, args)).toBe(expected); // the cached split gives the same
        expect(goSprintf(format, 'not a list')).toBe(referenceSprintf(format, 'not a list'));
      }),
      { numRuns: 1500 },
    );
  });

  it('formats as OPA does on the policies\' own messages', () => {
    expect(goSprintf('data product %s holds PII: a permitted purpose (%s) is required', ['p', 'a, b'])).toBe('data product p holds PII: a permitted purpose (a, b) is required');
    expect(goSprintf('%v and %v', [null, ['a', 1]])).toBe(`null and ${regoText(['a', 1])}`);
    expect(goSprintf('%d%%', [7])).toBe('7%');
    expect(goSprintf('%s', [])).toBe('%!s(MISSING)');
    expect(goSprintf('x', ['y'])).toBe('x%!(EXTRA string=y)');
    expect(goSprintf('%05d|%-4s|%.2f', [42, 'ab', 3.14159])).toBe('00042|ab  |3.14');
    // precisions JavaScript refuses (a RangeError made the policy fail) are bounded instead: %.0g is %.1g, as
    // Go reads it, and at most 100 digits are written (JavaScript's limit; Go would write more)
    expect(goSprintf('%.0g', [123])).toBe('100');
    expect(goSprintf('%.200f', [1]).length).toBe(102);
  });
});
