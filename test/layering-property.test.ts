/**
 * Property: adding a domain layer never removes or weakens a global finding. First with generated
 * LayerFindings and configs through mergeFindings directly (a fake evaluator), then with the real compiled
 * bundles (policies/dist) through createEngine: global alone vs global + finance on the same plans.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { ENFORCEMENT_RANK, isFailing, mergeFindings, type LayerFinding } from '../src/layering/merge.js';
import { createLayeringPolicy, type LayeringConfig } from '../src/layering/policy.js';
import type { WaiverEntry } from '../src/layering/waivers.js';
import type { Enforcement, Finding } from '../src/types.js';
import { buildPlan, type BucketSpec } from '../fixtures/config/plan-builder.js';
import { bundlePath } from './helpers/paths.js';

const NOW = Date.UTC(2026, 5, 15);
const RULES = ['pii_bucket_encryption', 'pii_bucket_access_logging', 'mandatory_tags', 'own_rule'] as const;
const DOMAINS = ['finance', 'marketing'] as const;
const enforcement = fc.constantFrom<Enforcement>('advisory', 'soft', 'hard');
const resource = fc.constantFrom('aws_s3_bucket.a', 'module.m.aws_s3_bucket.b', 'aws_s3_bucket.c');

const waiverArb = (): fc.Arbitrary<WaiverEntry> =>
  fc.record({
    rule: fc.constantFrom(...RULES),
    match: fc.record({ resource: fc.constantFrom('**', 'aws_s3_bucket.*', 'module.m.**') }),
    reason: fc.constant('generated'),
    approved_by: fc.constant('someone'),
    expires: fc.constantFrom('2026-01-01', '2030-01-01'),
  });

const itemArb = (layer: fc.Arbitrary<string>): fc.Arbitrary<LayerFinding> =>
  fc.record({ layer, level: fc.constantFrom('deny' as const, 'warn' as const), domain: fc.constantFrom(...DOMAINS), resource, rule: fc.constantFrom(...RULES) }).map(
    ({ layer: l, level, domain, resource: r, rule }) => ({ layer: l, level, domain, resource: r, finding: { msg: `${rule} on ${r}`, rule } }),
  );

/** The global part of a config, and what a domain layer adds to it. */
const scenario = fc.record({
  globalEnf: fc.dictionary(fc.constantFrom(...RULES), enforcement),
  globalWaivers: fc.array(waiverArb(), { maxLength: 3 }),
  globalItems: fc.array(itemArb(fc.constant('global')), { minLength: 1, maxLength: 8 }),
  domain: fc.constantFrom(...DOMAINS),
  domainEnf: fc.dictionary(fc.constantFrom(...RULES), enforcement),
  domainWaivers: fc.array(waiverArb(), { maxLength: 3 }),
  domainItems: fc.array(itemArb(fc.constantFrom(...DOMAINS)), { maxLength: 6 }),
});

function notWeaker(before: Finding, after: Finding): void {
  expect(after.layer).toBe(before.layer);
  expect(after.rule).toBe(before.rule);
  expect(after.msg).toBe(before.msg);
  expect(after.level).toBe(before.level);
  expect(after.resource).toBe(before.resource);
  expect(ENFORCEMENT_RANK[after.enforcement]).toBeGreaterThanOrEqual(ENFORCEMENT_RANK[before.enforcement]);
  if (after.waived) expect(before.waived).toBe(true);
  if (isFailing(before)) expect(isFailing(after)).toBe(true);
  if (isFailing(before, 'hard')) expect(isFailing(after, 'hard')).toBe(true);
}

describe('property: a domain layer never removes or weakens a global finding', () => {
  it('generated findings through mergeFindings', () => {
    let checked = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const base: LayeringConfig = { domains: [...DOMAINS], enforcement: { global: s.globalEnf }, waivers: { global: s.globalWaivers } };
        // the domain layer: its findings, its enforcement section, its waivers file
        const withDomain: LayeringConfig = {
          domains: [...DOMAINS],
          enforcement: { global: s.globalEnf, [s.domain]: s.domainEnf },
          waivers: { global: s.globalWaivers, [s.domain]: s.domainWaivers },
        };
        let p2;
        try {
          p2 = createLayeringPolicy(withDomain, { now: NOW });
        } catch (e) {
          // the only refusal is a domain lowering a global rule
          expect((e as { code?: string }).code).toBe('MG_CONFIG_LOWERS_GLOBAL');
          return;
        }
        checked++;
        const before = mergeFindings(s.globalItems, createLayeringPolicy(base, { now: NOW }));
        const after = mergeFindings([...s.globalItems, ...s.domainItems], p2);
        expect(after).toHaveLength(before.length + s.domainItems.length);
        before.forEach((b, i) => notWeaker(b, after[i] as Finding));
      }),
      { numRuns: 300, seed: 20260615 },
    );
    expect(checked).toBeGreaterThan(50);
  });
});

describe('property with the real compiled bundles (seed rules + finance retention)', () => {
  let globalOnly: Engine;
  let globalOnlySoft: Engine;
  let withFinance: Engine;
  let withFinanceRaised: Engine;
  beforeAll(async () => {
    globalOnly = await createEngine({ global: bundlePath('global') });
    withFinance = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance') } });
    // the same global config as withFinanceRaised, without the finance layer
    globalOnlySoft = await createEngine({ global: bundlePath('global'), layering: createLayeringPolicy({ enforcement: { global: { mandatory_tags: 'soft' } } }, { now: NOW }) });
    withFinanceRaised = await createEngine({
      global: bundlePath('global'),
      domains: { finance: bundlePath('finance') },
      layering: createLayeringPolicy(
        {
          enforcement: { global: { mandatory_tags: 'soft' }, finance: { mandatory_tags: 'hard', pii_bucket_encryption: 'advisory' } },
          waivers: { finance: [{ rule: 'pii_bucket_access_logging', match: { resource: '**' }, reason: 'domain tries', approved_by: 'fin', expires: '2030-01-01' }] },
        },
        { now: NOW },
      ),
    });
  });
  afterAll(async () => {
    await Promise.all([globalOnly?.close(), globalOnlySoft?.close(), withFinance?.close(), withFinanceRaised?.close()]);
  });

  const bucket: fc.Arbitrary<BucketSpec> = fc
    .record({
      inModule: fc.boolean(),
      domain: fc.constantFrom('finance', 'marketing', ''),
      pii: fc.boolean(),
      sse: fc.constantFrom(undefined, 'AES256', 'aws:kms', 'DES'),
      logTo: fc.constantFrom(undefined, 'central-audit'),
      expireDays: fc.constantFrom(undefined, 30, 2555, 4000),
      costCenter: fc.boolean(),
    })
    .map((b) => {
      const tags: Record<string, string> = { DataProduct: 'p', ManagedBy: 'terraform' };
      if (b.domain) tags['Domain'] = b.domain;
      if (b.costCenter) tags['CostCenter'] = '1000';
      if (b.pii) tags['DataClassification'] = 'PII';
      const spec: BucketSpec = { name: 'b', tags };
      if (b.inModule) spec.module = 'm';
      if (b.sse) spec.sse = b.sse;
      if (b.logTo) spec.logTo = b.logTo;
      if (b.expireDays !== undefined) spec.expireDays = b.expireDays;
      return spec;
    });
  const plans = fc.array(bucket, { minLength: 1, maxLength: 4 }).map((bs) => buildPlan(bs.map((b, i) => ({ ...b, name: `b${i}` }))));

  const key = (f: Finding): string => `${f.layer}|${f.rule}|${f.resource ?? ''}|${f.msg}`;

  it('global alone vs global + finance (default and configured enforcement) on the same plans', async () => {
    let financeFindings = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        for (const [base, engine] of [
          [globalOnly, withFinance],
          [globalOnlySoft, withFinanceRaised],
        ] as const) {
          const a = await base.checkPlan(plan);
          const b = await engine.checkPlan(plan);
          // an evaluation error of the global layer stays an error (fail closed) with the domain added
          for (const e of a.errors) expect(b.errors).toContainEqual(e);
          if (a.outcome === 'error') expect(b.outcome).toBe('error');
          const byKey = new Map(b.findings.map((f) => [key(f), f]));
          for (const f of a.findings) {
            const g = byKey.get(key(f));
            expect(g, `global finding ${key(f)} disappeared`).toBeDefined();
            if (g) notWeaker(f, g);
            compared++;
          }
          if (!a.allowed) expect(b.allowed).toBe(false);
          financeFindings += b.findings.filter((f) => f.layer === 'finance').length;
        }
      }),
      { numRuns: 25, seed: 7 },
    );
    expect(financeFindings).toBeGreaterThan(0); // the domain layer really ran
    expect(compared).toBeGreaterThan(20);
  });

  it('finance raises mandatory_tags for its own buckets only, and cannot lower or waive global rules', async () => {
    const plan = buildPlan([
      { name: 'fin', tags: { Domain: 'finance', DataProduct: 'p', ManagedBy: 'tf', DataClassification: 'PII' } },
      { name: 'mkt', tags: { Domain: 'marketing', DataProduct: 'p', ManagedBy: 'tf' } },
    ]);
    const d = await withFinanceRaised.checkPlan(plan);
    const get = (r: string, rule: string): Finding | undefined => d.findings.find((f) => f.resource === r && f.rule === rule);
    expect(get('aws_s3_bucket.fin', 'mandatory_tags')?.enforcement).toBe('hard');
    expect(get('aws_s3_bucket.mkt', 'mandatory_tags')?.enforcement).toBe('soft');
    expect(get('aws_s3_bucket.fin', 'pii_bucket_encryption')?.enforcement).toBe('hard');
    expect(get('aws_s3_bucket.fin', 'pii_bucket_access_logging')).toMatchObject({ enforcement: 'hard', waived: false });
    expect(get('aws_s3_bucket.fin', 'finance_retention_7y')).toMatchObject({ layer: 'finance', enforcement: 'hard' });
  });
});
