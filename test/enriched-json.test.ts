/**
 * The canonical JSON of an access request (the policy input and the cache key) is written directly from
 * the enriched request's known shape (enrichedJson); it must be exactly `JSON.stringify` of it, for any
 * strings (quotes, backslashes, control characters, lone surrogates), attributes (flat, nested, numbers
 * of every kind, `__proto__`) and extra product keys (integer-like ones included). The string writer under it
 * (jsonString, also used for the layer and domain appended to every serialised input) is held to
 * `JSON.stringify` on its own, at every boundary of its fast path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enrich, enrichedJson } from '../src/subjects/access/enrich.js';
import { jsonString } from '../src/json-string.js';
import type { AccessRequestInput } from '../src/subjects/access/model.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', '\ud800', 'é', 'ａ', '__proto__', '0', '42'));
const scalar = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom(-0, 1e21, 1e-7, Number.NaN, Infinity));
const value = fc.oneof(scalar, fc.jsonValue(), fc.array(scalar, { maxLength: 3 }));
const dict = (v: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> => fc.dictionary(text, v, { maxKeys: 5 });

const request: fc.Arbitrary<AccessRequestInput> = fc
  .record(
    {
      user: fc.record({ id: text, department: text, roles: fc.array(text, { maxLength: 4 }), clearance: text, attributes: fc.oneof(dict(scalar), dict(value)) }, { requiredKeys: ['id'] }),
      action: text,
      product: fc.record({ id: text, domain: text, classification: text, pii_columns: fc.array(text, { maxLength: 4 }) }, { requiredKeys: ['id'] }),
      extra: dict(value),
      columns: fc.array(text, { maxLength: 4 }),
      purpose: text,
    },
    { requiredKeys: ['user', 'action', 'product', 'extra'] },
  )
  .map(({ product, extra, ...rest }) => ({ ...rest, dataProduct: { ...extra, ...product } }) as AccessRequestInput);

describe('enrichedJson', () => {
  it('is JSON.stringify of the enriched request, for any request', () => {
    fc.assert(
      fc.property(request, (r) => {
        const e = enrich(r, undefined);
        expect(enrichedJson(e)).toBe(JSON.stringify(e));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps integer-like extra product keys first, where JSON.stringify puts them', () => {
    const e = enrich({ user: { id: 'u' }, action: 'read', dataProduct: { id: 'p', '7': 'x', zz: 1, ['__proto__']: 2 } as never }, undefined);
    expect(enrichedJson(e)).toBe(JSON.stringify(e));
    expect(enrichedJson(e)).toContain('"data_product":{"7":"x","id":"p"');
    expect(enrichedJson(e)).toContain('"__proto__":2');
  });
});

describe('jsonString', () => {
  it('is JSON.stringify of any string', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with JSON.stringify at each edge of the characters it writes as they are', () => {
    // around space, the quote, the backslash and DEL; a lone and a paired surrogate
    for (let c = 0; c < 0x100; c++) {
      const s = `a${String.fromCharCode(c)}b`;
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }
    for (const s of ['', '\ud83d', '\ud83d\ude00', 'marketing', 'meshgate/access']) expect(jsonString(s)).toBe(JSON.stringify(s));
  });
});
