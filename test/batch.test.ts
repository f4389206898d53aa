/**
 * Batched evaluation (src/layering/batch.ts) changes cost, not outcome: through the real compiled bundles,
 * every plan — the corpus, the fixtures, synthetic plans across domains and sizes, hostile resource keys —
 * gets the same decision with batches as with one evaluation per resource; a batch that fails or answers
 * incompletely leaves its units to single evaluations, which still decide them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import type { DecisionLayer } from '../src/layering/decide.js';
import type { Decision } from '../src/types.js';
// @ts-expect-error -- plain ESM script without type declarations
import { generatePlan } from '../bench/gen-plan.mjs';
import { CORPUS, FIXTURES, skipCorpus } from './helpers/paths.js';

let batched: Engine;
let single: Engine;
/** Batch calls made by the batched engine's layers. */
let batchCalls = 0;

/** The engine's layers (a test reaches into them, as the benchmarks do). */
const layersOf = (e: Engine): Map<string, DecisionLayer> => (e as unknown as { layerMap: Map<string, DecisionLayer> }).layerMap;

beforeAll(async () => {
  batched = await createEngine({});
  single = await createEngine({});
  for (const l of layersOf(single).values()) l.hasBatch = () => false;
  for (const l of layersOf(batched).values()) {
    const ev = l.evaluateBatch?.bind(l);
    if (ev) l.evaluateBatch = (ep, json) => (batchCalls++, ev(ep, json));
  }
});
afterAll(async () => {
  await batched.close();
  await single.close();
});

/** A decision without what differs between two runs (its id and timings). */
function comparable(d: Decision): unknown {
  const { decision_id: _id, metrics: _m, ...rest } = d;
  return rest;
}

async function same(plan: string | Uint8Array, file = 'plan.json'): Promise<Decision> {
  const a = await batched.checkPlan(plan, { file });
  const b = await single.checkPlan(plan, { file });
  expect(comparable(a)).toEqual(comparable(b));
  return a;
}

describe('batched evaluation of plan resources', () => {
  it('the shipped global and finance bundles have the batch view', () => {
    expect(layersOf(batched).get('global')?.hasBatch?.('meshgate/terraform')).toBe(true);
    expect(layersOf(batched).get('finance')?.hasBatch?.('meshgate/terraform')).toBe(true);
  });

  it('a synthetic plan across domains decides the same, in batches', async () => {
    const before = batchCalls;
    const { plan } = generatePlan(700);
    const d = await same(JSON.stringify(plan));
    expect(batchCalls - before).toBeGreaterThanOrEqual(3); // 700 resources: global in batches of ≤ 256, and finance
    expect(d.findings.length).toBeGreaterThan(0);
    expect(d.layers).toContain('finance');
  });

  it('the fixture plans decide the same', async () => {
    const dir = join(FIXTURES, 'plans');
    const files = [...readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)), ...readdirSync(join(dir, 'failing')).map((f) => join(dir, 'failing', f))];
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) await same(readFileSync(f), f);
  });

  it.skipIf(skipCorpus('batch: corpus plans'))('every corpus plan decides the same', async () => {
    const dir = join(CORPUS, 'tfplan');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(50);
    let decided = 0;
    for (const f of files) {
      let a: Decision | undefined;
      try {
        a = await same(readFileSync(join(dir, f)), f);
      } catch (e) {
        // a file that is not a plan is refused alike by both engines
        await expect(single.checkPlan(readFileSync(join(dir, f)), { file: f })).rejects.toThrow((e as Error).message);
        continue;
      }
      if (a) decided++;
    }
    expect(decided).toBeGreaterThan(50);
  });

  it('property: resources with hostile keys, tags and domains decide the same', async () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'Domain', 'DataClassification', 'tags', 'ｄomain', 'FINANCE'), fc.string({ maxLength: 8 }));
    const tagValue = fc.oneof(fc.constantFrom('finance', 'Finance ', 'marketing', 'PII', 'pii', 'ﬁnance', 'global', ''), fc.string({ maxLength: 6 }));
    const resource = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), tags: fc.dictionary(key, tagValue, { maxKeys: 5 }), bucket: fc.boolean(), extra: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(resource, { minLength: 4, maxLength: 24 }), async (rs) => {
        const resource_changes = rs.map((r, i) => ({
          address: `aws_s3_bucket.${r.name}_${i}`,
          mode: 'managed',
          type: r.bucket ? 'aws_s3_bucket' : 'aws_s3_bucket_policy',
          name: `${r.name}_${i}`,
          change: { actions: ['create'], before: null, after: { bucket: `${r.name}-${i}`, tags: r.tags, ...r.extra }, after_unknown: {} },
        }));
        await same(JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes }));
      }),
      { numRuns: 40 },
    );
  });

  it('a batch that throws or answers for only some units leaves them to single evaluations', async () => {
    const { plan } = generatePlan(60);
    const text = JSON.stringify(plan);
    const expected = comparable(await single.checkPlan(text, { file: 'p.json' }));
    const global = layersOf(batched).get('global')!;
    const real = global.evaluateBatch!;
    try {
      global.evaluateBatch = () => {
        throw new Error('boom');
      };
      expect(comparable(await batched.checkPlan(text, { file: 'p.json' }))).toEqual(expected);
      global.evaluateBatch = (ep, json) => {
        const r = real(ep, json) as Record<string, unknown>;
        delete r['3'];
        return r;
      };
      expect(comparable(await batched.checkPlan(text, { file: 'p.json' }))).toEqual(expected);
      global.evaluateBatch = () => [1, 2, 3];
      expect(comparable(await batched.checkPlan(text, { file: 'p.json' }))).toEqual(expected);
      // a batch answering wrongly shaped results: the decision path's ABI check turns them into errors, closed
      global.evaluateBatch = (ep, json) => {
        const r = real(ep, json) as Record<string, unknown>;
        r['0'] = { deny: 'not a list' };
        return r;
      };
      const d = await batched.checkPlan(text, { file: 'p.json' });
      expect(d.outcome).toBe('error');
      expect(d.errors[0]?.code).toBe('MG_POLICY_RESULT_SHAPE');
    } finally {
      global.evaluateBatch = real;
    }
  });

  it('after a batch that throws (a deadline, say), the layer batches nothing more in that request', async () => {
    const { plan } = generatePlan(800); // ≥ 3 global batches
    const text = JSON.stringify(plan);
    const expected = comparable(await single.checkPlan(text, { file: 'p.json' }));
    const global = layersOf(batched).get('global')!;
    const real = global.evaluateBatch!;
    let calls = 0;
    try {
      global.evaluateBatch = () => {
        calls++;
        throw new Error('deadline');
      };
      expect(comparable(await batched.checkPlan(text, { file: 'p.json' }))).toEqual(expected);
      expect(calls).toBe(1);
    } finally {
      global.evaluateBatch = real;
    }
  });
});
