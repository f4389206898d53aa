/**
 * Layering semantics (pure): enforcement defaults and overrides, tighten-only domains, waivers (valid,
 * expired, wrong scope, unused), soft-failure overrides, and the glob matcher. Table-driven over every
 * combination of layer × level × enforcement × waiver.
 */
import { describe, expect, it } from 'vitest';
import { isFailing, mergeFindings, type LayerFinding } from '../src/layering/merge.js';
import { createLayeringPolicy, waiverReport, type LayeringConfig } from '../src/layering/policy.js';
import { globMatch } from '../src/layering/glob.js';
import { parseWaivers, expiryInstant, type WaiverEntry } from '../src/layering/waivers.js';
import type { Enforcement, Level } from '../src/types.js';
import { MeshgateError } from '../src/errors.js';

const NOW = Date.UTC(2026, 5, 15); // 2026-06-15
const FUTURE = '2027-01-31';
const PAST = '2026-06-14';

type LayerCase = 'global' | 'finance';
type EnfCase = 'default' | Enforcement;
type WaiverCase = 'none' | 'valid' | 'expired' | 'wrong scope';

const RULE: Record<LayerCase, string> = { global: 'pii_bucket_encryption', finance: 'finance_retention_7y' };
const RESOURCE = 'module.ledger.aws_s3_bucket.raw';

function waiverEntry(rule: string, expires: string): WaiverEntry {
  return { id: 'w1', rule, match: { resource: 'module.ledger.aws_s3_bucket.*' }, reason: 'migration in progress', approved_by: 'board@company.com', expires };
}

function configFor(layer: LayerCase, level: Level, enf: EnfCase, waiver: WaiverCase): LayeringConfig {
  const rule = RULE[layer];
  const cfg: LayeringConfig = { domains: ['finance', 'marketing'] };
  if (enf !== 'default') cfg.enforcement = { [layer]: { [rule]: enf } };
  void level;
  if (waiver === 'valid') cfg.waivers = { [layer]: [waiverEntry(rule, FUTURE)] };
  if (waiver === 'expired') cfg.waivers = { [layer]: [waiverEntry(rule, PAST)] };
  // wrong scope: a global rule waived by a domain file; a finance rule waived by the marketing file
  if (waiver === 'wrong scope') cfg.waivers = { [layer === 'global' ? 'finance' : 'marketing']: [waiverEntry(rule, FUTURE)] };
  return cfg;
}

function item(layer: LayerCase, level: Level): LayerFinding {
  return { layer, level, domain: 'finance', resource: RESOURCE, finding: { msg: `${RULE[layer]} fired`, rule: RULE[layer] } };
}

const cases: Array<[LayerCase, Level, EnfCase, WaiverCase]> = [];
for (const layer of ['global', 'finance'] as const)
  for (const level of ['deny', 'warn'] as const)
    for (const enf of ['default', 'advisory', 'soft', 'hard'] as const)
      for (const waiver of ['none', 'valid', 'expired', 'wrong scope'] as const) cases.push([layer, level, enf, waiver]);

describe('merge: layer × level × enforcement × waiver', () => {
  it('covers all 64 combinations', () => expect(cases).toHaveLength(64));

  it.each(cases)('%s %s, enforcement %s, waiver %s', (layer, level, enf, waiver) => {
    const policy = createLayeringPolicy(configFor(layer, level, enf, waiver), { now: NOW });
    const [f] = mergeFindings([item(layer, level)], policy);
    const expectedEnf: Enforcement = enf === 'default' ? (level === 'deny' ? 'hard' : 'advisory') : enf;
    const waived = waiver === 'valid';
    expect(f).toBeDefined();
    if (!f) return;
    expect(f.layer).toBe(layer);
    expect(f.rule).toBe(RULE[layer]);
    expect(f.level).toBe(level);
    expect(f.resource).toBe(RESOURCE);
    expect(f.enforcement).toBe(expectedEnf);
    expect(f.waived).toBe(waived);
    if (waived) expect(f.waiver).toMatchObject({ id: 'w1', scope: layer, approved_by: 'board@company.com', expires: FUTURE });
    else expect(f.waiver).toBeUndefined();
    expect(isFailing(f)).toBe(!waived && expectedEnf !== 'advisory');
    expect(isFailing(f, 'hard')).toBe(!waived && expectedEnf === 'hard');

    const report = waiverReport(policy);
    expect(report.expired.map((w) => w.id)).toEqual(waiver === 'expired' ? ['w1'] : []);
    expect(report.wrongScope.map((w) => w.id)).toEqual(waiver === 'wrong scope' ? ['w1'] : []);
    expect(report.unused).toEqual([]);
    if (waiver === 'wrong scope') expect(report.wrongScope[0]?.problem).toContain(layer === 'global' ? 'global rule' : 'finance rule');
  });
});

describe('enforcement', () => {
  it('defaults: deny → hard, warn → advisory', () => {
    const p = createLayeringPolicy();
    expect(p.enforcementFor('global', 'x', 'deny')).toBe('hard');
    expect(p.enforcementFor('finance', 'x', 'warn')).toBe('advisory');
  });

  it('a domain raises a global rule only for its own subjects', () => {
    const p = createLayeringPolicy({ enforcement: { global: { mandatory_tags: 'soft' }, finance: { mandatory_tags: 'hard' } } });
    const g = (domain: string | undefined): LayerFinding => {
      const f: LayerFinding = { layer: 'global', level: 'deny', finding: { msg: 'm', rule: 'mandatory_tags' } };
      if (domain) f.domain = domain;
      return f;
    };
    const [fin, mkt, none] = mergeFindings([g('finance'), g('marketing'), g(undefined)], p);
    expect(fin?.enforcement).toBe('hard');
    expect(mkt?.enforcement).toBe('soft');
    expect(none?.enforcement).toBe('soft');
  });

  it('a domain value below the default of a global finding never lowers it at run time', () => {
    // the global section does not name the rule, so the config loads; the deny stays hard
    const p = createLayeringPolicy({ enforcement: { finance: { pii_bucket_encryption: 'advisory' } } });
    const [f] = mergeFindings([{ layer: 'global', level: 'deny', domain: 'finance', finding: { msg: 'm', rule: 'pii_bucket_encryption' } }], p);
    expect(f?.enforcement).toBe('hard');
    expect(f && isFailing(f)).toBe(true);
  });

  it('a domain lowering a rule the global section sets fails, naming the rule and the domain', () => {
    const run = (): unknown => createLayeringPolicy({ enforcement: { global: { pii_bucket_access_logging: 'hard' }, finance: { pii_bucket_access_logging: 'soft' } } });
    expect(run).toThrowError(MeshgateError);
    try {
      run();
    } catch (e) {
      expect((e as MeshgateError).code).toBe('MG_CONFIG_LOWERS_GLOBAL');
      expect((e as MeshgateError).message).toContain('"finance"');
      expect((e as MeshgateError).message).toContain('"pii_bucket_access_logging"');
    }
  });

  it('a domain may set its own rules to any level and equal a global one', () => {
    expect(() => createLayeringPolicy({ enforcement: { global: { r: 'soft' }, finance: { r: 'soft', own: 'advisory' } } })).not.toThrow();
  });

  it('rule ids are own keys only (no prototype lookups)', () => {
    const p = createLayeringPolicy({ enforcement: { global: {} } });
    expect(p.enforcementFor('global', 'constructor', 'deny')).toBe('hard');
    expect(p.enforcementFor('toString', 'hasOwnProperty', 'warn')).toBe('advisory');
  });
});

describe('overrides of soft failures', () => {
  const cfg: LayeringConfig = {
    enforcement: { global: { mandatory_tags: 'soft', pii_bucket_encryption: 'hard' } },
    overrides: [
      { rule: 'mandatory_tags', match: { resource: 'module.sandbox.**' }, reason: 'sandbox torn down nightly', by: 'platform' },
      { rule: 'pii_bucket_encryption', match: { resource: '**' }, reason: 'trying to override hard', by: 'someone' },
      { rule: 'mandatory_tags', match: { resource: 'aws_s3_bucket.old' }, reason: 'expired', by: 'platform', expires: '2026-01-01' },
    ],
  };
  const f = (rule: string, resource: string): LayerFinding => ({ layer: 'global', level: 'deny', resource, finding: { msg: 'm', rule } });

  it('a soft finding with a matching override is recorded and does not fail', () => {
    const [a] = mergeFindings([f('mandatory_tags', 'module.sandbox.aws_s3_bucket.x')], createLayeringPolicy(cfg, { now: NOW }));
    expect(a?.overridden).toBe(true);
    expect(a?.override_reason).toBe('sandbox torn down nightly (by platform)');
    expect(a && isFailing(a)).toBe(false);
  });

  it('hard findings, unmatched subjects and expired overrides still fail', () => {
    const out = mergeFindings(
      [f('pii_bucket_encryption', 'aws_s3_bucket.x'), f('mandatory_tags', 'module.prod.aws_s3_bucket.x'), f('mandatory_tags', 'aws_s3_bucket.old')],
      createLayeringPolicy(cfg, { now: NOW }),
    );
    expect(out.map((x) => x.overridden ?? false)).toEqual([false, false, false]);
    expect(out.every((x) => isFailing(x))).toBe(true);
  });

  it('an override needs a reason', () => {
    expect(() => createLayeringPolicy({ overrides: [{ rule: 'r', match: { file: '*' }, reason: ' ', by: 'x' }] })).toThrowError(/recorded reason/);
  });
});

describe('waivers', () => {
  const finding = (over: Partial<LayerFinding> = {}): LayerFinding => ({
    layer: 'global',
    level: 'deny',
    finding: { msg: 'm', rule: 'contract_owner_required' },
    match: { contract_id: 'finance.ledger', file: 'contracts/finance/ledger.yaml' },
    ...over,
  });

  it('matches by contract id and file glob; every given key must match', () => {
    const p = createLayeringPolicy(
      { waivers: { global: [{ rule: 'contract_owner_required', match: { contract_id: 'finance.*', file: 'contracts/**/*.yaml' }, reason: 'r', approved_by: 'a', expires: FUTURE }] } },
      { now: NOW },
    );
    expect(p.waiverFor(finding())).toBeDefined();
    expect(p.waiverFor(finding({ match: { contract_id: 'finance.ledger', file: 'other/ledger.yaml' } }))).toBeUndefined();
    expect(p.waiverFor(finding({ match: { contract_id: 'marketing.ledger', file: 'contracts/x.yaml' } }))).toBeUndefined();
    expect(p.waiverFor(finding({ match: { file: 'contracts/a.yaml' } }))).toBeUndefined(); // no contract id → no match
  });

  it('an expiry date applies through the end of that day (UTC); time is injectable', () => {
    const entries = { waivers: { global: [{ rule: 'contract_owner_required', match: { contract_id: '**' }, reason: 'r', approved_by: 'a', expires: '2026-06-15' }] } };
    expect(createLayeringPolicy(entries, { now: Date.UTC(2026, 5, 15, 23, 59) }).waiverFor(finding())).toBeDefined();
    let t = Date.UTC(2026, 5, 15, 12);
    const p = createLayeringPolicy(entries, { now: () => t });
    expect(p.waiverFor(finding())).toBeDefined();
    t = Date.UTC(2026, 5, 16);
    expect(p.waiverFor(finding())).toBeUndefined();
    expect(p.waiverReport().expired.map((w) => w.id)).toEqual(['global#1']);
    expect(expiryInstant('2026-02-30')).toBeNaN();
  });

  it('reports unused waivers and forgets usage on reset', () => {
    const p = createLayeringPolicy(
      {
        waivers: {
          global: [
            { id: 'used', rule: 'contract_owner_required', match: { contract_id: '**' }, reason: 'r', approved_by: 'a', expires: FUTURE },
            { id: 'idle', rule: 'something_else', match: { contract_id: '**' }, reason: 'r', approved_by: 'a', expires: FUTURE },
          ],
        },
      },
      { now: NOW },
    );
    mergeFindings([finding()], p);
    expect(p.waiverReport().unused.map((w) => w.id)).toEqual(['idle']);
    p.resetUsage();
    expect(p.waiverReport().unused.map((w) => w.id)).toEqual(['used', 'idle']);
  });

  it('a global waiver may target a domain layer; a domain waiver naming another layer never applies', () => {
    const p = createLayeringPolicy(
      {
        domains: ['finance'],
        waivers: {
          global: [{ id: 'g', rule: 'finance_retention_7y', layer: 'finance', match: { resource: '**' }, reason: 'r', approved_by: 'board', expires: FUTURE }],
          finance: [{ id: 'f', rule: 'pii_bucket_encryption', layer: 'global', match: { resource: '**' }, reason: 'r', approved_by: 'fin', expires: FUTURE }],
        },
      },
      { now: NOW },
    );
    const fin: LayerFinding = { layer: 'finance', level: 'deny', resource: 'aws_s3_bucket.a', finding: { msg: 'm', rule: 'finance_retention_7y' } };
    const glob: LayerFinding = { layer: 'global', level: 'deny', domain: 'finance', resource: 'aws_s3_bucket.a', finding: { msg: 'm', rule: 'pii_bucket_encryption' } };
    const [a, b] = mergeFindings([fin, glob], p);
    expect(a?.waiver?.id).toBe('g');
    expect(a?.waiver?.scope).toBe('global');
    expect(b?.waived).toBe(false);
    expect(p.waiverReport().wrongScope).toMatchObject([{ id: 'f', scope: 'finance', problem: expect.stringContaining('layer global') }]);
  });

  it('a domain waiver still applies to its own findings after also matching a global one', () => {
    const p = createLayeringPolicy({ waivers: { finance: [{ id: 'f', rule: 'shared_id', match: { resource: '**' }, reason: 'r', approved_by: 'fin', expires: FUTURE }] } }, { now: NOW });
    const out = mergeFindings(
      [
        { layer: 'global', level: 'deny', domain: 'finance', resource: 'a', finding: { msg: 'm', rule: 'shared_id' } },
        { layer: 'finance', level: 'deny', domain: 'finance', resource: 'a', finding: { msg: 'm', rule: 'shared_id' } },
      ],
      p,
    );
    expect(out.map((f) => f.waived)).toEqual([false, true]);
    expect(p.waiverReport().wrongScope.map((w) => w.id)).toEqual(['f']);
  });

  it('unknown layers in waivers are refused when domains are known', () => {
    expect(() => createLayeringPolicy({ domains: ['finance'], waivers: { finanse: [] } })).not.toThrow(); // empty: nothing to check
    expect(() =>
      createLayeringPolicy({ domains: ['finance'], waivers: { finanse: [{ rule: 'r', match: { file: '*' }, reason: 'r', approved_by: 'a', expires: FUTURE }] } }),
    ).toThrowError(/finanse/);
  });

  it('parses a waivers file and points to the offending line', () => {
    const text = ['- rule: a', '  match: { resource: "x" }', '  reason: ok', '  approved_by: me', '  expires: 2030-01-01', '- rule: b', '  match: {}', '  reason: no', '  expires: 2030-01-01', ''].join('\n');
    try {
      parseWaivers(text, 'global', 'w.yaml');
      expect.unreachable();
    } catch (e) {
      const err = e as MeshgateError;
      expect(err.code).toBe('MG_WAIVER_INVALID');
      expect(err.location).toMatchObject({ file: 'w.yaml', line: 6 });
      expect(err.message).toContain('approved_by');
      expect(err.message).toMatch(/1\.match/);
    }
    expect(parseWaivers(text.split('\n').slice(0, 5).join('\n'), 'global')[0]).toMatchObject({ id: 'global#1', scope: 'global', rule: 'a' });
  });

  it('refuses duplicate ids and impossible dates', () => {
    const dup = '- {id: x, rule: a, match: {file: "*"}, reason: r, approved_by: a, expires: 2030-01-01}\n- {id: x, rule: b, match: {file: "*"}, reason: r, approved_by: a, expires: 2030-01-01}\n';
    expect(() => parseWaivers(dup, 'global')).toThrowError(/duplicate waiver id/);
    expect(() => parseWaivers('- {rule: a, match: {file: "*"}, reason: r, approved_by: a, expires: 2030-02-30}\n', 'global')).toThrowError(/not a real date/);
  });
});

describe('glob', () => {
  it.each([
    ['*.yaml', 'a.yaml', '/', true],
    ['*.yaml', 'dir/a.yaml', '/', false],
    ['**/*.yaml', 'a.yaml', '/', true],
    ['**/*.yaml', 'x/y/a.yaml', '/', true],
    ['contracts/**', 'contracts/a/b.json', '/', true],
    ['file?.json', 'file1.json', '/', true],
    ['file?.json', 'file10.json', '/', false],
    ['a+b(c).yaml', 'a+b(c).yaml', '/', true],
    ['aws_s3_bucket.*', 'aws_s3_bucket.raw', '.', true],
    ['aws_s3_bucket.*', 'module.x.aws_s3_bucket.raw', '.', false],
    ['module.*.aws_s3_bucket.*', 'module.x.aws_s3_bucket.raw', '.', true],
    ['module.**', 'module.a.module.b.aws_s3_bucket.raw["k"]', '.', true],
    ['**.aws_s3_bucket.raw', 'aws_s3_bucket.raw', '.', true],
    ['**', '', '/', true],
  ] as const)('%s vs %s (sep %s) → %s', (pattern, text, sep, expected) => {
    expect(globMatch(pattern, text, sep)).toBe(expected);
  });
});
