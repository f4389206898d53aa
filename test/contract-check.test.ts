import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
});
afterAll(async () => {
  await engine.close();
});

const rel = (name: string): string => `fixtures/contracts/${name}`;
const check = (name: string): Promise<Decision> => engine.checkContract(readFileSync(join(FIXTURES, 'contracts', name), 'utf8'), { file: rel(name) });
const denies = (d: Decision) => d.findings.filter((f) => f.level === 'deny').map((f) => ({ rule: f.rule, layer: f.layer, line: f.location?.line, column: f.location?.column }));

describe('seed contracts through the real bundles', () => {
  it('the seed customer-profile contract passes with no finding', async () => {
    const d = await check('customer-profile.yaml');
    expect(d.outcome).toBe('allowed');
    expect(d.allowed).toBe(true);
    expect(d.findings).toEqual([]);
    expect(d.kind).toBe('contract');
    expect(d.subject).toBe('customer_profile');
    expect(d.domain).toBe('customer');
  });

  it.each(['customer360.yaml', 'behavioral-events-stream.yaml', 'sales-processed-orders.json', 'finance-ledger.yaml'])('top-level fixture %s passes', async (name) => {
    const d = await check(name);
    expect(d.errors).toEqual([]);
    expect(denies(d)).toEqual([]);
    expect(d.allowed).toBe(true);
  });

  it('without an owner: contract_owner_required in global, pointing at the parent (root map, line 2)', async () => {
    const d = await check('failing/customer-profile-no-owner.yaml');
    expect(d.allowed).toBe(false);
    expect(denies(d)).toEqual([{ rule: 'contract_owner_required', layer: 'global', line: 2, column: 1 }]);
    expect(d.findings[0]?.location?.file).toBe(rel('failing/customer-profile-no-owner.yaml'));
    expect(d.findings[0]?.enforcement).toBe('hard');
  });

  it('format parquet: contract_output_format at the format line', async () => {
    const d = await check('failing/customer-profile-parquet.yaml');
    expect(denies(d)).toEqual([{ rule: 'contract_output_format', layer: 'global', line: 31, column: 3 }]);
    expect(d.findings[0]?.msg).toContain('parquet');
  });

  it('PII without encryption: contract_pii_encryption at the PII field', async () => {
    const d = await check('failing/customer-profile-pii-unencrypted.yaml');
    expect(denies(d)).toEqual([{ rule: 'contract_pii_encryption', layer: 'global', line: 13, column: 7 }]);
    expect(d.findings[0]?.msg).toContain('email_address');
  });

  it('the seed JSON contract has no owner: denied at the contract object (line 2)', async () => {
    const d = await check('failing/sales-processed-orders-no-owner.json');
    expect(denies(d)).toEqual([{ rule: 'contract_owner_required', layer: 'global', line: 2, column: 3 }]);
  });

  it('the seed Customer360 without classification tags fails only in layer marketing, one finding per field', async () => {
    const d = await check('failing/customer360-unclassified.yaml');
    expect(d.layers).toEqual(['global', 'marketing']);
    expect(denies(d).sort((a, b) => (a.line ?? 0) - (b.line ?? 0))).toEqual([
      { rule: 'marketing_field_classification', layer: 'marketing', line: 12, column: 3 },
      { rule: 'marketing_field_classification', layer: 'marketing', line: 16, column: 3 },
      { rule: 'marketing_field_classification', layer: 'marketing', line: 19, column: 3 },
      { rule: 'marketing_field_classification', layer: 'marketing', line: 21, column: 3 },
    ]);
  });

  it('finance with 5-year retention fails only in layer finance', async () => {
    const d = await check('failing/finance-ledger-5y-retention.yaml');
    expect(d.layers).toEqual(['global', 'finance']);
    expect(d.domain).toBe('finance');
    expect(denies(d)).toEqual([{ rule: 'finance_retention_7y', layer: 'finance', line: 6, column: 1 }]);
    // The same contract outside the finance domain passes: the rule belongs to the finance layer only.
    const elsewhere = await engine.checkContract(readFileSync(join(FIXTURES, 'contracts/failing/finance-ledger-5y-retention.yaml'), 'utf8'), { file: 'x.yaml', domain: 'sales' });
    expect(elsewhere.allowed).toBe(true);
    expect(elsewhere.layers).toEqual(['global']);
  });

  it('checks an object source and a byte source the same as text', async () => {
    const text = readFileSync(join(FIXTURES, 'contracts/failing/customer-profile-parquet.yaml'), 'utf8');
    const fromBytes = await engine.checkContract(new TextEncoder().encode(text), { file: 'b.yaml' });
    expect(denies(fromBytes).map((f) => [f.rule, f.line])).toEqual([['contract_output_format', 31]]);
    const obj = { data_product: 'p', domain: 'x', owner: 'o', version: '1.0.0', output: { format: 'orc' }, service_level_objectives: { freshness: 'P1D' } };
    const fromObject = await engine.checkContract(obj);
    expect(denies(fromObject).map((f) => f.rule)).toEqual(['contract_output_format']);
  });

  it('malformed SLOs and versions are denied', async () => {
    const src = 'data_product: p\ndomain: x\nowner: o\nversion: "1.0"\nservice_level_objectives:\n  freshness: "every day"\n  availability: "120%"\n';
    const d = await engine.checkContract(src, { file: 's.yaml' });
    expect(denies(d).map((f) => [f.rule, f.line]).sort()).toEqual([
      ['contract_slo_malformed', 6],
      ['contract_slo_malformed', 7],
      ['contract_version_semver', 4],
    ]);
  });

  it('unreadable input is a MeshgateError with a code and location, not a decision', async () => {
    await expect(engine.checkContract('data_product: [', { file: 'broken.yaml' })).rejects.toMatchObject({ code: 'MG_CONTRACT_SYNTAX', location: { file: 'broken.yaml' } });
    await expect(engine.checkContract('nothing: here', { file: 'n.yaml' })).rejects.toBeInstanceOf(MeshgateError);
  });
});
