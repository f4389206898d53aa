/**
 * meshgate.yaml: loading with positions, validation errors with file:line:col, the tighten-only refusal,
 * waivers files, and the config driving a real engine (compiled bundles in policies/dist).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineFromConfig, loadConfig, resolveConfig, toEngineOptions, type MeshgateConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { isFailing } from '../src/layering/merge.js';
import { buildPlan, fullTags } from '../fixtures/config/plan-builder.js';
import { DIST, FIXTURES } from './helpers/paths.js';

const CFG = join(FIXTURES, 'config');
const NOW = Date.UTC(2026, 5, 15);

async function loadError(file: string): Promise<MeshgateError> {
  try {
    await loadConfig(join(CFG, file));
  } catch (e) {
    expect(e).toBeInstanceOf(MeshgateError);
    return e as MeshgateError;
  }
  throw new Error(`${file} loaded`);
}

describe('loadConfig', () => {
  it('loads the full example: absolute paths, enforcement, overrides, waivers with scope and line', async () => {
    const c = await loadConfig(join(CFG, 'meshgate.yaml'));
    expect(c.global).toBe(join(DIST, 'global.tar.gz'));
    expect(c.domains).toEqual({ finance: join(DIST, 'finance.tar.gz'), marketing: join(DIST, 'marketing.tar.gz') });
    expect(c.mapping).toEqual({ byModule: { 'module.ledger': 'finance' }, default: 'marketing' });
    expect(c.enforcement['finance']).toEqual({ mandatory_tags: 'hard', finance_retention_7y: 'hard' });
    expect(c.overrides).toHaveLength(1);
    expect(c.waivers.map((w) => `${w.scope}:${w.id}`)).toEqual(['global:legacy-logging', 'global:old-exception', 'finance:ledger-archive', 'finance:sneaky']);
    expect(c.waivers[2]?.location).toEqual({ file: join(CFG, 'finance-waivers.yaml'), line: 2, column: 3 });
    expect(c.audit).toEqual({ onSinkFailure: 'fail', mask: ['email', 'ssn'] });
  });

  it('refuses a domain lowering a global rule, naming the rule and the domain, at the key', async () => {
    const e = await loadError('lowers-global.yaml');
    expect(e.code).toBe('MG_CONFIG_LOWERS_GLOBAL');
    expect(e.message).toContain('finance');
    expect(e.message).toContain('pii_bucket_access_logging');
    expect(e.message).toContain('from hard to soft');
    expect(e.location).toEqual({ file: join(CFG, 'lowers-global.yaml'), line: 8, column: 5 });
  });

  it('reports schema problems with file:line:col of the offending key', async () => {
    const e = await loadError('bad-key.yaml');
    expect(e.code).toBe('MG_CONFIG_INVALID');
    const problems = (e.details?.['problems'] ?? []) as Array<{ path: string; location: { line: number; column: number } }>;
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.location]));
    expect(byPath['waiverz']).toMatchObject({ line: 7, column: 1 });
    expect(byPath['enforcement.finance.finance_retention_7y']).toMatchObject({ line: 6, column: 5 });
    expect(e.message).toContain('unknown key "waiverz"');
    expect(e.message).toContain('advisory');
  });

  it('refuses a layer that is not configured', async () => {
    const e = await loadError('unknown-domain.yaml');
    expect(e.code).toBe('MG_CONFIG_INVALID');
    expect(e.message).toContain('finanse');
    expect(e.location).toMatchObject({ line: 5, column: 3 });
  });

  it('reports an invalid waivers file with its own file and line', async () => {
    const e = await loadError('with-bad-waivers.yaml');
    expect(e.code).toBe('MG_WAIVER_INVALID');
    expect(e.location).toMatchObject({ file: join(CFG, 'bad-waivers.yaml'), line: 6 });
    expect(e.message).toContain('approved_by');
  });

  it('reports YAML syntax errors and missing bundles with positions', async () => {
    await expect(resolveConfig({ global: 'nope.tar.gz' }, CFG)).rejects.toThrowError(/bundle not found/);
    await expect(resolveConfig({ global: 'x', enforcement: { global: { r: 'hard' } } }, CFG)).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID' });
    await expect(loadConfig(join(CFG, 'missing.yaml'))).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID' });
  });

  it('takes the same config as an object (resolveConfig) with inline waivers', async () => {
    const obj: MeshgateConfig = {
      global: '../../policies/dist/global.tar.gz',
      domains: { finance: '../../policies/dist/finance.tar.gz' },
      enforcement: { global: { mandatory_tags: 'soft' }, finance: { mandatory_tags: 'hard' } },
      waivers: { global: [{ rule: 'pii_bucket_encryption', match: { resource: 'aws_s3_bucket.x' }, reason: 'r', approved_by: 'a', expires: '2030-01-01' }] },
    };
    const c = await resolveConfig(obj, CFG);
    expect(c.global).toBe(join(DIST, 'global.tar.gz'));
    expect(c.waivers[0]).toMatchObject({ id: 'global#1', scope: 'global' });
    const lowering = { ...obj, enforcement: { global: { mandatory_tags: 'hard' as const }, finance: { mandatory_tags: 'advisory' as const } } };
    await expect(resolveConfig(lowering, CFG)).rejects.toMatchObject({ code: 'MG_CONFIG_LOWERS_GLOBAL' });
  });
});

describe('config → engine (real bundles)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const plan = buildPlan([
    // finance by module mapping: missing Domain tag (mandatory_tags raised to hard by finance), no SSE, no logging, no retention
    { module: 'ledger', name: 'raw', tags: { DataClassification: 'PII', DataProduct: 'ledger', CostCenter: '1', ManagedBy: 'tf' } },
    // finance: retention waived by the finance file
    { module: 'ledger', name: 'scratch', tags: fullTags('finance'), sse: 'AES256', logTo: 'audit' },
    // marketing (tag): logging waived by the global file
    { name: 'legacy_archive', tags: fullTags('marketing', { DataClassification: 'PII' }), sse: 'aws:kms' },
    // marketing by default mapping: missing CostCenter is soft and overridden for the sandbox
    { module: 'sandbox', name: 'tmp', tags: { Domain: 'marketing', DataProduct: 'x', ManagedBy: 'tf' } },
  ]);

  it('applies enforcement, raising, overrides and waivers, and reports waivers', async () => {
    const { engine, layering } = await createEngineFromConfig(join(CFG, 'meshgate.yaml'), { now: NOW });
    const d = await engine.checkPlan(plan, { file: 'plan.json' });
    await engine.close();
    expect(d.errors).toEqual([]);
    const find = (resource: string, rule: string) => d.findings.find((f) => f.resource === resource && f.rule === rule);

    const raw = 'module.ledger.aws_s3_bucket.raw';
    expect(find(raw, 'mandatory_tags')).toMatchObject({ layer: 'global', enforcement: 'hard', waived: false });
    expect(find(raw, 'pii_bucket_encryption')).toMatchObject({ layer: 'global', enforcement: 'hard', waived: false }); // "sneaky" finance waiver not applied
    expect(find(raw, 'finance_retention_7y')).toMatchObject({ layer: 'finance', enforcement: 'hard', waived: false });

    expect(find('module.ledger.aws_s3_bucket.scratch', 'finance_retention_7y')).toMatchObject({ waived: true, waiver: { id: 'ledger-archive', scope: 'finance' } });
    expect(find('aws_s3_bucket.legacy_archive', 'pii_bucket_access_logging')).toMatchObject({ waived: true, waiver: { id: 'legacy-logging', scope: 'global' } });

    const tmp = find('module.sandbox.aws_s3_bucket.tmp', 'mandatory_tags');
    expect(tmp).toMatchObject({ layer: 'global', enforcement: 'soft', overridden: true, override_reason: 'sandbox buckets are torn down nightly (by platform-team@company.com)' });
    expect(tmp && isFailing(tmp)).toBe(false);

    expect(d.allowed).toBe(false);
    expect(d.findings.filter((f) => isFailing(f)).map((f) => `${f.resource}/${f.rule}`).sort()).toEqual([
      `${raw}/finance_retention_7y`,
      `${raw}/mandatory_tags`,
      `${raw}/pii_bucket_access_logging`,
      `${raw}/pii_bucket_encryption`,
    ]);

    const report = layering.waiverReport();
    expect(report.expired.map((w) => w.id)).toEqual(['old-exception']);
    expect(report.wrongScope.map((w) => w.id)).toEqual(['sneaky']);
    expect(report.wrongScope[0]?.problem).toContain('global rule');
    expect(report.unused).toEqual([]);
  });

  it('writes waived findings to the JSONL audit sink configured in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
    dirs.push(dir);
    const c = await resolveConfig(
      {
        global: join(DIST, 'global.tar.gz'),
        waivers: { global: [{ id: 'w', rule: 'pii_bucket_access_logging', match: { resource: 'aws_s3_bucket.*' }, reason: 'r', approved_by: 'a', expires: '2030-01-01' }] },
        audit: { jsonl: 'audit.log', fsync: false },
      },
      dir,
    );
    const engine = await createEngine(await toEngineOptions(c, { now: NOW }));
    await engine.checkPlan(buildPlan([{ name: 'b', tags: fullTags('x', { DataClassification: 'PII' }), sse: 'AES256' }]));
    await engine.close();
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"w"');
    expect(lines[0]).toMatch(/waive/);
  });
});

describe('config: bundle verification', () => {
  it('a verification key in the config makes an unsigned bundle fail to load, fail closed', async () => {
    const cfg: MeshgateConfig = { global: join(DIST, 'global.tar.gz'), verification: { key: join(FIXTURES, 'keys', 'rsa-public.pem'), alg: 'RS256' } };
    await expect(createEngineFromConfig(cfg)).rejects.toMatchObject({ code: 'MG_BUNDLE_UNSIGNED' });
  });

  it('a missing key file is a config error naming it', async () => {
    const cfg: MeshgateConfig = { global: join(DIST, 'global.tar.gz'), verification: { key: 'no-such-key.pem' } };
    await expect(createEngineFromConfig(cfg, { baseDir: tmpdir() })).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID', message: expect.stringContaining('no-such-key.pem') });
  });

  it('rejects a bundleService entry without a url, with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-cfg-'));
    const file = join(dir, 'meshgate.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, `global: ${join(DIST, 'global.tar.gz')}\nbundleService:\n  - layer: global\n    pollSeconds: 5\n`);
    await expect(loadConfig(file)).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID', location: expect.objectContaining({ file, line: expect.any(Number) }) });
  });
});
