/**
 * Property tests (fast-check) over generated contracts, plans and access requests, and over junk and
 * mutated files: only a MeshgateError or a Decision ever comes out; decisions are deterministic (same
 * input twice, same decision, ignoring decision_id and metrics); the same input given as text, bytes or
 * an object gives the same decision; a batch answers like single calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES, ROOT } from './helpers/paths.js';

type Json = Record<string, unknown>;
interface Arbs { contract: fc.Arbitrary<Json>; plan: fc.Arbitrary<Json>; request: fc.Arbitrary<Json>; change: fc.Arbitrary<{ old: Json; new: Json }> }

let engine: Engine;
let arbs: Arbs;
beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
  for (const f of ['finance-budget.yaml', 'customer360.yaml', 'campaign-stats.yaml']) engine.registerContract(readFileSync(join(FIXTURES, 'requests', 'contracts', f)), { file: f });
  const h = (await import(pathToFileURL(join(ROOT, 'scripts', 'differential.mjs')).href)) as { arbitraries(f: typeof fc): Arbs };
  arbs = h.arbitraries(fc);
});
afterAll(async () => engine.close());

const RUNS = { numRuns: 60, seed: 1234 };

/** A decision without what legitimately varies between two runs (id, timings) or forms (text positions). */
function essence(d: Decision): unknown {
  const { decision_id: _id, metrics: _m, ...rest } = d;
  return { ...rest, findings: d.findings.map((f) => ({ ...f, location: undefined })) };
}

/** Runs `fn`; returns the decision, or 'coded' for a MeshgateError; rethrows anything else (the property fails). */
async function outcome(fn: () => Decision | Promise<Decision>): Promise<Decision | 'coded'> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MeshgateError && /^MG_[A-Z0-9_]+$/.test(e.code)) return 'coded';
    throw e;
  }
}

describe('generated contracts', () => {
  it('object, JSON text, YAML text and bytes give the same decision, twice', async () => {
    await fc.assert(
      fc.asyncProperty(arbs.contract, async (c) => {
        const a = await outcome(() => engine.checkContract(c));
        const again = await outcome(() => engine.checkContract(c));
        const json = await outcome(() => engine.checkContract(JSON.stringify(c)));
        const yaml = await outcome(() => engine.checkContract(toYaml(c)));
        const bytes = await outcome(() => engine.checkContract(new TextEncoder().encode(JSON.stringify(c, null, 2))));
        const ess = (x: Decision | 'coded') => (x === 'coded' ? x : essence(x));
        expect(ess(again)).toEqual(ess(a));
        expect(ess(json)).toEqual(ess(a));
        expect(ess(yaml)).toEqual(ess(a));
        expect(ess(bytes)).toEqual(ess(a));
        if (a !== 'coded' && a.outcome === 'error') throw new Error(`error decision for a generated contract: ${JSON.stringify(a.errors)}`);
      }),
      RUNS,
    );
  });

  it('contract changes decide deterministically', async () => {
    await fc.assert(
      fc.asyncProperty(arbs.change, async ({ old, new: next }) => {
        const a = await outcome(() => engine.checkContractChange(old, next));
        const b = await outcome(() => engine.checkContractChange(JSON.stringify(old), JSON.stringify(next)));
        expect(a === 'coded' ? a : essence(a)).toEqual(b === 'coded' ? b : essence(b));
      }),
      { numRuns: 40, seed: 99 },
    );
  });
});

describe('generated plans', () => {
  it('object, text and bytes give the same decision, twice, and a PII bucket never passes unencrypted', async () => {
    await fc.assert(
      fc.asyncProperty(arbs.plan, async (p) => {
        const text = JSON.stringify(p);
        const a = await engine.checkPlan(p);
        const ds = [await engine.checkPlan(p), await engine.checkPlan(text), await engine.checkPlan(new TextEncoder().encode(text))];
        for (const d of ds) expect(essence(d)).toEqual(essence(a));
        expect(a.outcome).not.toBe('error');
        const changes = p['resource_changes'] as Array<{ type: string; change: { actions: string[]; after: Json | null } }>;
        const unsafe = changes.some((r) => r.type === 'aws_s3_bucket' && r.change.after && (r.change.after['tags'] as Json | null)?.['DataClassification'] === 'PII' && r.change.after['server_side_encryption_configuration'] === undefined && !changes.some((s) => s.type === 'aws_s3_bucket_server_side_encryption_configuration'));
        if (unsafe) expect(a.allowed).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('generated access requests', () => {
  it('deterministic, batch = single calls, object = parsed JSON text', async () => {
    await fc.assert(
      fc.property(fc.array(arbs.request, { minLength: 1, maxLength: 8 }), (reqs) => {
        const single = reqs.map((r) => essence(engine.authorize(r as never)));
        const again = reqs.map((r) => essence(engine.authorize(JSON.parse(JSON.stringify(r)) as never)));
        const batch = engine.authorizeMany(reqs as never[]).map(essence);
        const strip = (x: unknown) => ({ ...(x as Json), metrics: undefined });
        expect(again.map(strip)).toEqual(single.map(strip));
        expect(batch.map(strip)).toEqual(single.map(strip));
        for (const d of single as Decision[]) expect(d.outcome).not.toBe('error');
      }),
      RUNS,
    );
  });
});

describe('junk and mutated inputs', () => {
  const plan = readFileSync(join(FIXTURES, 'plans', 'data-product-foundation.plan.json'));
  const contract = readFileSync(join(FIXTURES, 'contracts', 'finance-ledger.yaml'));
  const mutate = (bytes: Uint8Array) =>
    fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).chain((flips) =>
      fc.nat(bytes.length).map((cut) => {
        const out = Uint8Array.from(bytes);
        for (const [i, b] of flips) out[i] = b;
        return out.subarray(0, Math.max(cut, bytes.length - 200));
      }),
    );

  it('anything given to checkPlan, checkContract or authorize gives a Decision or a MeshgateError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.string(), fc.uint8Array({ maxLength: 200 }), fc.json()), async (junk) => {
        await outcome(() => engine.checkPlan(junk as never));
        await outcome(() => engine.checkContract(junk as never));
        const d = engine.authorize(junk as never);
        expect(d.allowed).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('randomly corrupted plan and contract files give a Decision or a MeshgateError', async () => {
    await fc.assert(fc.asyncProperty(mutate(plan), async (b) => void (await outcome(() => engine.checkPlan(b)))), { numRuns: 80, seed: 11 });
    await fc.assert(fc.asyncProperty(mutate(contract), async (b) => void (await outcome(() => engine.checkContract(b)))), { numRuns: 80, seed: 12 });
  });
});
