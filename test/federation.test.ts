/**
 * Issue 16 (federation integrity): one test per escape the issue lists, each through the real compiled
 * bundles (policies/dist, or fixtures/bundles for hostile policies). Each of these failed on c57ef46.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { memorySink } from '../src/audit/index.js';
import { createEngineFromConfig, loadConfig } from '../src/config.js';
import { parseWaivers } from '../src/layering/waivers.js';
import { loadContractsFromDir } from '../src/subjects/access/load.js';
import type { Decision } from '../src/types.js';
import { planRequest } from '../src/subjects/terraform/check.js';
import { FIXTURES, bundlePath } from './helpers/paths.js';
import { bucketPlan } from './helpers/plans.js';

const TAGS = { Domain: 'customer', DataProduct: 'profile', CostCenter: '3000', ManagedBy: 'terraform' };

const denyRules = (d: Decision): string[] => [...new Set(d.findings.filter((f) => f.level === 'deny').map((f) => f.rule))].sort();

/** A seed-format contract whose product classification is its field's. */
const contract = (id: string, version: string | undefined, classification: string): string =>
  `data_product: "${id}"\n${version === undefined ? '' : `version: ${version}\n`}domain: finance\nowner: fin@company.com\nschema:\n  entry_id:\n    type: string\n    classification: ${classification}\n`;

describe('issue 16: no governed input escapes its layers', () => {
  let engine: Engine;
  const sink = memorySink();
  beforeAll(async () => {
    engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') }, audit: [sink] });
  });

  it('a PII bucket whose DataClassification tag is sensitive is judged "may be PII": denied without encryption and logging', async () => {
    const plan = bucketPlan({ tags: { ...TAGS, DataClassification: 'PII' } }, { tags: { DataClassification: true } });
    const d = await engine.checkPlan(plan, { file: 'sensitive-tags.plan.json' });
    expect(d.allowed).toBe(false);
    expect(denyRules(d)).toEqual(expect.arrayContaining(['pii_bucket_access_logging', 'pii_bucket_encryption']));
  });

  it('a second contract with the same product id is refused unless its version is explicitly higher; a downgrade is a finding', async () => {
    {
      const eng = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance') } });
      eng.registerContract(contract('fin.secret', '1.0.0', 'restricted'), { file: 'a.yaml' });
      const same = (): void => eng.registerContract(contract('FIN.SECRET', '1.0.0', 'public'), { file: 'b.yaml' });
      expect(same).toThrowError(expect.objectContaining({ code: 'MG_CONTRACT_DUPLICATE', message: expect.stringMatching(/a\.yaml.*b\.yaml/) }));
      expect(() => eng.registerContract(contract('fin.secret', '0.9.0', 'public'), { file: 'c.yaml' })).toThrowError(expect.objectContaining({ code: 'MG_CONTRACT_DUPLICATE' }));
      expect(() => eng.registerContract(contract('fin.secret', undefined, 'public'), { file: 'd.yaml' })).toThrowError(expect.objectContaining({ code: 'MG_CONTRACT_DUPLICATE' }));
      // still restricted: the refused files changed nothing
      const user = { id: 'u', department: 'finance', roles: ['analyst'] };
      const before = eng.authorize({ user, action: 'read', dataProduct: { id: 'fin.secret', classification: 'public' } });
      expect(before.allowed).toBe(false);
      expect(denyRules(before)).toContain('restricted_clearance_required');
      // an explicitly newer version wins, and its downgrade is reported on every decision about the product
      eng.registerContract(contract('fin.secret', '2.0.0', 'internal'), { file: 'e.yaml' });
      const after = eng.authorize({ user, action: 'read', dataProduct: { id: 'fin.secret' } });
      expect(after.findings.filter((f) => f.rule === 'contract_classification_downgrade').map((f) => f.msg)).toEqual([expect.stringMatching(/restricted → internal/)]);
    }
  });

  it('loadContractsFromDir refuses two files for one product (whichever sorts last no longer wins)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg16-contracts-'));
    writeFileSync(join(dir, 'a.yaml'), contract('fin.secret', '1.0.0', 'restricted'));
    writeFileSync(join(dir, 'b.yaml'), contract(' Fin.Secret', '1.0.0', 'public'));
    const eng = await createEngine({ global: bundlePath('global') });
    expect(() => loadContractsFromDir(eng, dir)).toThrowError(expect.objectContaining({ code: 'MG_CONTRACT_DUPLICATE' }));
  });

  it('enrichment finds the contract under any spelling of the product id, and masks cover case, * and parent paths', async () => {
    const eng = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
    eng.registerContract(contract('fin.secret', '1.0.0', 'restricted'), { file: 'a.yaml' });
    const user = { id: 'u', department: 'finance', roles: ['analyst'] };
    for (const id of ['FIN.SECRET', 'fin.secret ', ' Fin.Secret']) {
      const d = eng.authorize({ user, action: 'read', dataProduct: { id, classification: 'public' } });
      expect(d.allowed).toBe(false);
      expect(denyRules(d)).toContain('restricted_clearance_required');
    }
    const customers =
      'data_product: crm.customers\nversion: 1.0.0\ndomain: marketing\nowner: m@company.com\nschema:\n  email:\n    type: string\n    classification: internal\n    pii: true\n  address:\n    type: object\n    fields:\n      street:\n        type: string\n        classification: internal\n        pii: true\n  segment:\n    type: string\n    classification: internal\n';
    eng.registerContract(customers, { file: 'customers.yaml' });
    const reader = { id: 'r', department: 'marketing', roles: ['campaign_manager'], attributes: { pii_training: true } };
    const mask = (columns: string[]): string[] => eng.authorize({ user: reader, action: 'read', dataProduct: { id: 'crm.customers', classification: 'public' }, columns }).obligations.mask;
    const d = eng.authorize({ user: reader, action: 'read', dataProduct: { id: 'crm.customers', classification: 'public' }, columns: ['EMAIL'] });
    expect(d.allowed).toBe(true);
    expect(mask(['EMAIL'])).toEqual(['email']);
    expect(mask(['*'])).toEqual(['address.street', 'email']);
    expect(mask(['address'])).toEqual(['address.street']);
    expect(mask(['segment'])).toEqual([]);
  });

  it('impossible dates are config errors with file:line: an override never silently stops expiring, a waiver never rolls over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg16-config-'));
    const cfg = join(dir, 'meshgate.yaml');
    writeFileSync(
      cfg,
      `global: ${bundlePath('global')}\noverrides:\n  - rule: contract_output_format\n    match: { file: x.yaml }\n    reason: migration\n    by: board\n    expires: "2020-02-30"\n`,
    );
    await expect(loadConfig(cfg)).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID', location: { file: cfg, line: 7 } });
    const waivers = '- rule: r\n  match: { file: x }\n  reason: why\n  approved_by: me\n  expires: "2030-02-30T00:00Z"\n';
    expect(() => parseWaivers(waivers, 'global', 'w.yaml')).toThrowError(expect.objectContaining({ code: 'MG_WAIVER_INVALID', location: expect.objectContaining({ file: 'w.yaml', line: 5 }) }));
    expect(() => parseWaivers(waivers.replace('2030-02-30T00:00Z', '2030-02-28T24:00Z'), 'global', 'w.yaml')).toThrowError(expect.objectContaining({ code: 'MG_WAIVER_INVALID' }));
    expect(parseWaivers(waivers.replace('2030-02-30T00:00Z', '2030-02-28T23:59Z'), 'global', 'w.yaml')[0]?.expiresAt).toBe(Date.UTC(2030, 1, 28, 23, 59));
  });

  it('a misspelled or look-alike domain is an MG_DOMAIN_UNKNOWN error naming the closest domain, never a global-only pass', async () => {
    const ledger = readFileSync(join(FIXTURES, 'contracts/failing/finance-ledger-5y-retention.yaml'), 'utf8');
    for (const spelling of ['Finanace', 'financ\u0435', 'fin\u200bance']) {
      const d = await engine.checkContract(ledger.replace('domain: Finance', `domain: "${spelling}"`), { file: 'ledger.yaml' });
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.errors.map((e) => e.code)).toEqual(['MG_DOMAIN_UNKNOWN']);
      expect(d.errors[0]?.message).toContain('closest known domain: finance');
      expect(d.domain).toBeUndefined();
    }
    // spellings that canonicalise to a known domain apply its layer
    const spaced = await engine.checkContract(ledger.replace('domain: Finance', 'domain: " FINANCE "'), { file: 'ledger.yaml' });
    expect(spaced.layers).toEqual(['global', 'finance']);
    expect(denyRules(spaced)).toEqual(['finance_retention_7y']);
    // the library refuses what the CLI refuses: an explicit unknown domain
    const explicit = await engine.checkContract(ledger, { file: 'ledger.yaml', domain: 'nosuch' });
    expect(explicit.errors.map((e) => e.code)).toEqual(['MG_DOMAIN_UNKNOWN']);
    // access requests too
    const a = engine.authorize({ user: { id: 'u', department: 'finance', roles: ['analyst'] }, action: 'read', dataProduct: { id: 'p', domain: 'financ\u0435', classification: 'internal' } });
    expect(a.outcome).toBe('error');
    expect(a.errors.map((e) => e.code)).toEqual(['MG_DOMAIN_UNKNOWN']);
    // configurable: global only, with a warn finding (never silently)
    const lenient = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance') }, unknownDomain: 'warn' });
    const w = await lenient.checkContract(ledger.replace('domain: Finance', 'domain: Finanace'), { file: 'ledger.yaml' });
    expect(w.outcome).toBe('allowed');
    expect(w.layers).toEqual(['global']);
    expect(w.domain).toBeUndefined();
    expect(w.findings.map((f) => [f.rule, f.level])).toEqual([['domain_unknown', 'warn']]);
  });

  it('the config can name domains without rules, and choose "global only + warn" for unknown ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg16-domains-'));
    const cfg = join(dir, 'meshgate.yaml');
    writeFileSync(cfg, `global: ${bundlePath('global')}\ndomains:\n  finance: ${bundlePath('finance')}\nknownDomains: [logistics]\nunknownDomain: warn\n`);
    const { engine: eng } = await createEngineFromConfig(cfg);
    const known = eng.authorize({ user: { id: 'u', roles: [] }, action: 'read', dataProduct: { id: 'p', domain: 'Logistics' } });
    expect(known.errors).toEqual([]);
    expect(known.domain).toBe('logistics');
    const unknown = eng.authorize({ user: { id: 'u', roles: [] }, action: 'read', dataProduct: { id: 'p', domain: 'logistcs' } });
    expect(unknown.findings.map((f) => [f.rule, f.level])).toEqual([['domain_unknown', 'warn']]);
    expect(unknown.findings[0]?.msg).toContain('closest known domain: logistics');
    writeFileSync(cfg, `global: ${bundlePath('global')}\nunknownDomain: lenient\n`);
    await expect(loadConfig(cfg)).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID', location: { line: 2 } });
  });

  it('a resource in a module mapped to finance cannot escape finance rules by tagging itself Domain=marketing', async () => {
    const eng = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') }, subjects: { domainMapping: { byModule: { 'module.ledger': 'finance' } } } });
    const plan = bucketPlan(
      { tags: { ...TAGS, Domain: 'marketing', DataClassification: 'internal' }, server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'AES256' }] }] }], logging: [{ target_bucket: 'audit' }] },
      {},
      { address: 'module.ledger.aws_s3_bucket.b', module_address: 'module.ledger' },
    );
    const d = await eng.checkPlan(plan, { file: 'p.json' });
    expect(d.layers).toEqual(['global', 'finance', 'marketing']);
    expect(d.findings.some((f) => f.layer === 'finance')).toBe(true);
    expect(d.findings.filter((f) => f.rule === 'domain_conflict').map((f) => f.msg)).toEqual([expect.stringContaining('finance and marketing')]);
    expect(d.allowed).toBe(false);
  });

  it('PII spellings ("PII ", "personal data", "Sensitive-PII") all trigger contract_pii_encryption', async () => {
    for (const cls of ['PII ', 'personal data', 'Sensitive-PII', 'pii']) {
      const c = `data_product: c1\ndomain: finance\nowner: o@company.com\nversion: 1.0.0\nretention: P7Y\nschema:\n  email:\n    type: string\n    classification: "${cls}"\n`;
      const d = await engine.checkContract(c, { file: 'c.yaml' });
      expect(denyRules(d)).toContain('contract_pii_encryption');
    }
  });

  it('a sensitive sse_algorithm is judged "may violate" and never reaches a message, finding or audit event', async () => {
    sink.events.length = 0;
    const secret = 'aws:kms:SECRET-ALG-4711';
    const plan = bucketPlan(
      { tags: { ...TAGS, DataClassification: 'internal' }, server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: secret, kms_master_key_id: 'SECRET-KEY-0815' }] }] }] },
      { server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: true, kms_master_key_id: true }] }] }] },
    );
    const d = await engine.checkPlan(plan, { file: 'p.json' });
    expect(denyRules(d)).toContain('sse_algorithm');
    expect(d.allowed).toBe(false);
    const everything = JSON.stringify(d) + JSON.stringify(sink.events);
    expect(sink.events).toHaveLength(1);
    expect(everything).not.toContain('SECRET-ALG-4711');
    expect(everything).not.toContain('SECRET-KEY-0815');
  });

  it('no sensitive value is in any decision request either (the plain data given to policies), raw plan included', () => {
    const plan = bucketPlan({ tags: { ...TAGS, Owner: 'SECRET-OWNER-31' } }, { tags: { Owner: true } });
    (plan as { planned_values?: unknown }).planned_values = {
      root_module: { resources: [{ address: 'aws_s3_bucket.b', values: { tags: { Owner: 'SECRET-OWNER-31' } }, sensitive_values: { tags: { Owner: true } } }] },
    };
    const request = planRequest(plan, { file: 'p.json', rawPlan: true });
    const text = JSON.stringify(request);
    expect(text).toContain('(sensitive)');
    expect(text).not.toContain('SECRET-OWNER-31');
  });

  it('a domain bundle returning obligation keys like constructor or __proto__ gives a coded error decision, never a TypeError', async () => {
    const eng = await createEngine({ global: join(FIXTURES, 'bundles/obligation-keys/global.tar.gz'), domains: { evil: join(FIXTURES, 'bundles/obligation-keys/evil.tar.gz') } });
    for (const key of ['constructor', 'hasOwnProperty', '__proto__', 'toString']) {
      const d = eng.authorize({ user: { id: 'u', roles: [], attributes: { key } }, action: 'read', dataProduct: { id: 'p', domain: 'evil' } });
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.errors).toEqual([expect.objectContaining({ code: 'MG_POLICY_OBLIGATION_UNKNOWN', layer: 'evil' })]);
      expect(Object.getPrototypeOf(d.obligations)).toBeNull();
    }
    const ok = eng.authorize({ user: { id: 'u', roles: [] }, action: 'read', dataProduct: { id: 'p', domain: 'evil' } });
    expect(ok.allowed).toBe(true);
    expect(ok.obligations.mask).toEqual(['email']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined(); // nothing polluted
  });

  it('the threshold is one engine setting: recorded on the decision, read by assertAllowed and the audit event alike', async () => {
    const plan = bucketPlan({ tags: { ...TAGS, DataClassification: 'internal' }, server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'DES' }] }] }] });
    for (const failOn of ['hard', 'soft', 'advisory'] as const) {
      const s = memorySink();
      const eng = await createEngine({ global: bundlePath('global'), failOn, audit: [s], layering: { enforcementFor: (_l, rule, level) => (level === 'warn' ? 'advisory' : rule === 'mandatory_tags' ? 'hard' : 'soft'), waiverFor: () => undefined } });
      const d = await eng.checkPlan(plan, { file: 'p.json' });
      const denies = d.findings.filter((f) => f.level === 'deny');
      expect(denies.map((f) => [f.rule, f.enforcement])).toEqual([['sse_algorithm', 'soft']]);
      expect(d.fail_on).toBe(failOn);
      expect(d.allowed).toBe(failOn === 'hard');
      expect(s.events[0]?.outcome).toBe(d.outcome);
      expect(s.events[0]?.result.allowed).toBe(d.allowed);
      if (d.allowed) expect(() => eng.assertAllowed(d)).not.toThrow();
      else expect(() => eng.assertAllowed(d)).toThrowError(expect.objectContaining({ code: 'MG_DECISION_DENIED', message: expect.not.stringContaining('denied: denied') }));
    }
  });
});
