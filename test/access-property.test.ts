/**
 * Property tests of access decisions over generated requests, with the real compiled bundles:
 * a batch answers exactly as single calls do, and a cached answer equals an uncached one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { loadContractsFromDir } from '../src/subjects/access/load.js';
import { quickValid, validateRequest, type AccessRequestInput } from '../src/subjects/access/model.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const layers = { global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } };

/** A decision without what legitimately differs between two evaluations (id, timings). */
function comparable(d: Decision): Omit<Decision, 'decision_id' | 'metrics'> {
  const { decision_id: _id, metrics: _m, ...rest } = d;
  return rest;
}

const user = fc.record(
  {
    id: fc.constantFrom('alice', 'bob', 'fiona', 'carla', 'henry'),
    department: fc.constantFrom('marketing', 'finance', 'sales', 'hr'),
    roles: fc.subarray(['analyst', 'pii_reader', 'campaign_manager', 'controller']),
    clearance: fc.constantFrom('internal', 'confidential', 'restricted', 'top_secret'),
    attributes: fc.record({ pii_training: fc.boolean(), cost_center: fc.constantFrom('CC-1', 'CC-42', "x' OR 1=1") }, { requiredKeys: [] }),
  },
  { requiredKeys: ['id'] },
);

const adHocProduct = fc.record(
  {
    id: fc.constantFrom('p1', 'p2', 'p3'),
    domain: fc.constantFrom('finance', 'Marketing', 'sales', 'global'),
    classification: fc.constantFrom('public', 'internal', 'confidential', 'restricted', 'PII'),
    pii_columns: fc.subarray(['email', 'phone', 'iban']),
  },
  { requiredKeys: ['id'] },
);
const registered = fc.record({ id: fc.constantFrom('customer360', 'campaign_stats', 'budget_plan', 'payroll_summary', 'hr_salaries') });
const product = fc.oneof(adHocProduct, registered);

const validRequest = fc
  .record(
    {
      user,
      action: fc.constantFrom('read', 'query', 'export', 'delete'),
      product,
      alias: fc.boolean(),
      columns: fc.subarray(['email', 'phone', 'customer_id', 'segment', 'employee_email']),
      purpose: fc.constantFrom('fraud_detection', 'advertising', 'customer_support'),
    },
    { requiredKeys: ['user', 'action', 'product', 'alias'] },
  )
  .map(({ product: p, alias, ...rest }): AccessRequestInput => (alias ? { ...rest, data_product: p } : { ...rest, dataProduct: p }));

/** Mostly valid requests, some broken ones (bad requests must behave the same in batches too). */
const request: fc.Arbitrary<AccessRequestInput> = fc.oneof(
  { weight: 9, arbitrary: validRequest },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ user: {}, action: 'read', dataProduct: { id: 'p1' } }, { user: { id: 'u' }, action: 'read' }, null).map((x) => x as AccessRequestInput) },
);

describe('access properties (real bundles)', () => {
  let cached: Engine;
  let uncached: Engine;
  beforeAll(async () => {
    cached = await createEngine(layers);
    uncached = await createEngine({ ...layers, subjects: { cacheSize: 0 } });
    for (const e of [cached, uncached]) loadContractsFromDir(e, join(FIXTURES, 'requests', 'contracts'));
  });
  afterAll(async () => {
    await cached.close();
    await uncached.close();
  });

  it('authorizeMany(xs) equals xs.map(authorize), and cached answers equal uncached ones (>= 1000 requests)', () => {
    let total = 0;
    let hits = 0;
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.array(request, { minLength: 20, maxLength: 40 }), (xs) => {
        total += xs.length;
        const batch = cached.authorizeMany(xs);
        const singles = xs.map((x) => cached.authorize(x));
        const fresh = xs.map((x) => uncached.authorize(x));
        expect(batch).toHaveLength(xs.length);
        for (let i = 0; i < xs.length; i++) {
          const b = batch[i] as Decision;
          const s = singles[i] as Decision;
          const f = fresh[i] as Decision;
          if (s.metrics['cache_hit'] === 1) hits++;
          outcomes.add(`${b.outcome}/${b.reason ?? ''}`);
          expect(comparable(b)).toEqual(comparable(s));
          expect(comparable(s)).toEqual(comparable(f));
          expect(f.metrics['cache_hit']).toBeUndefined();
          expect(b.decision_id).not.toBe(s.decision_id);
        }
      }),
      { numRuns: 50 },
    );
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(hits).toBeGreaterThan(500); // the second pass is answered from the cache
    // The generator reaches every kind of answer.
    expect([...outcomes].sort()).toEqual(['allowed/', 'denied/forbidden', 'denied/not_permitted', 'error/error']);
  });
});

describe('request model property', () => {
  it('the hot-path quick check accepts exactly what the ajv schema accepts (1 000 mutated requests)', () => {
    const key = fc.constantFrom('user', 'action', 'dataProduct', 'data_product', 'columns', 'purpose', 'extra');
    const userKey = fc.constantFrom('id', 'department', 'roles', 'clearance', 'attributes');
    const productKey = fc.constantFrom('id', 'domain', 'classification', 'pii_columns');
    const junk = fc.oneof(fc.anything({ maxDepth: 2 }), fc.constant(undefined), fc.constant(''), fc.constant([]), fc.constant({}));
    const mutated = fc.tuple(validRequest, fc.nat(2), key, userKey, productKey, junk).map(([r, where, k, uk, pk, v]) => {
      const copy = JSON.parse(JSON.stringify(r)) as Record<string, Record<string, unknown>>;
      if (where === 0) (copy as Record<string, unknown>)[k] = v;
      else if (where === 1 && copy['user']) copy['user'][uk] = v;
      else {
        const p = copy['dataProduct'] ?? copy['data_product'];
        if (p) p[pk] = v;
      }
      return copy as unknown;
    });
    let invalid = 0;
    fc.assert(
      fc.property(mutated, (r) => {
        const ok = validateRequest(r).length === 0;
        if (!ok) invalid++;
        expect(quickValid(r)).toBe(ok);
      }),
      { numRuns: 1000 },
    );
    expect(invalid).toBeGreaterThan(100);
  });
});
