/**
 * Foundation: the seed's global_policy rules through the compiled WASM global bundle, and the
 * fail-closed guarantees of the bundle reader, the WASM runtime, the ABI check and the engine.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createEngine, type Engine } from '../src/engine.js';
import { readBundle, untarGzip } from '../src/policy/bundle.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { MeshgateError } from '../src/errors.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const fixtureBundle = (name: string): string => join(FIXTURES, 'bundles', name, 'global.tar.gz');

/** The seed's input.resource shape for an S3 bucket. */
function bucket(extra: Record<string, unknown> = {}, classification = 'PII'): Record<string, unknown> {
  const tags = { DataClassification: classification, Domain: 'marketing', DataProduct: 'customer360', CostCenter: '3000', ManagedBy: 'terraform' };
  return { type: 'aws_s3_bucket', address: 'aws_s3_bucket.product_data', tags, ...extra };
}
const compliant = { encryption: { enabled: true }, logging: { target_bucket: 'company-global-audit-logs' } };

function unit(resource: Record<string, unknown>) {
  return { entrypoint: 'meshgate/terraform' as const, resource: String(resource['address'] ?? resource['type']), input: { resource, plan: {} } };
}

describe('seed global_policy through the compiled global bundle', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ global: bundlePath('global') });
  });

  it('denies a PII bucket without encryption', () => {
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: bucket({ logging: compliant.logging }), plan: {}, layer: 'global' });
    expect(r?.deny.map((f) => f.rule)).toEqual(['pii_bucket_encryption']);
    expect(r?.deny[0]?.msg).toBe('S3 buckets tagged as PII must have server-side encryption (SSE) enabled.');
  });

  it('denies a PII bucket without access logging', () => {
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: bucket({ encryption: compliant.encryption }), plan: {}, layer: 'global' });
    expect(r?.deny.map((f) => f.rule)).toEqual(['pii_bucket_access_logging']);
  });

  it('warns for a data product without an owner', () => {
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: { type: 'data_product', spec: {} }, plan: {}, layer: 'global' });
    expect(r?.deny).toEqual([]);
    expect(r?.warn.map((f) => f.rule)).toEqual(['data_product_owner']);
  });

  it('says nothing about a compliant PII bucket', () => {
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: bucket(compliant), plan: {}, layer: 'global' });
    expect(r?.deny.filter((f) => f.rule.startsWith('pii_'))).toEqual([]);
  });

  it('merges into a Decision naming layer, rule, level and enforcement', () => {
    const d = engine.decide({ kind: 'terraform', subject: 'plan.json', file: 'plan.json', units: [unit(bucket())], auditInput: {} });
    expect(d.allowed).toBe(false);
    expect(d.outcome).toBe('denied');
    const pii = d.findings.filter((f) => f.rule.startsWith('pii_'));
    expect(pii.map((f) => [f.rule, f.layer, f.level, f.enforcement, f.resource]).sort()).toEqual([
      ['pii_bucket_access_logging', 'global', 'deny', 'hard', 'aws_s3_bucket.product_data'],
      ['pii_bucket_encryption', 'global', 'deny', 'hard', 'aws_s3_bucket.product_data'],
    ]);
    expect(d.bundles['global']?.revision).toMatch(/^global-[0-9a-f]{16}$/);
    const warnOnly = engine.decide({ kind: 'terraform', subject: 'p', units: [unit({ type: 'data_product', address: 'dp', spec: {} })], auditInput: {} });
    expect(warnOnly.allowed).toBe(true);
    expect(warnOnly.findings.map((f) => [f.rule, f.level, f.enforcement])).toEqual([['data_product_owner', 'warn', 'advisory']]);
  });
});

describe('fail closed: bundles', () => {
  it('rejects bytes that are not gzip', () => {
    expect(() => readBundle(new TextEncoder().encode('not a bundle at all'))).toThrowError(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
  });

  it('rejects a truncated bundle', () => {
    const bytes = readFileSync(bundlePath('global'));
    expect(() => readBundle(bytes.subarray(0, Math.floor(bytes.length / 2)))).toThrowError(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
  });

  it('rejects gzip that does not hold a tar archive', () => {
    expect(() => readBundle(gzipSync(Buffer.alloc(2048, 7)))).toThrowError(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
  });

  it('rejects a bundle without policy.wasm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-nowasm-'));
    writeFileSync(join(dir, '.manifest'), JSON.stringify({ revision: 'x' }));
    writeFileSync(join(dir, 'data.json'), '{}');
    expect(() => readBundle(dir)).toThrowError(expect.objectContaining({ code: 'MG_BUNDLE_NO_WASM' }));
  });

  it('rejects a missing bundle file with its own code', async () => {
    await expect(createEngine({ global: join(tmpdir(), 'no-such-bundle.tar.gz') })).rejects.toMatchObject({ code: 'MG_BUNDLE_NOT_FOUND' });
  });

  it('rejects a policy.wasm that is not WebAssembly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-badwasm-'));
    writeFileSync(join(dir, 'policy.wasm'), 'garbage');
    await expect(createEngine({ global: dir })).rejects.toMatchObject({ code: 'MG_POLICY_WASM_INVALID' });
  });

  it('reads a bundle from a directory the same as from its tar.gz', () => {
    const files = untarGzip(readFileSync(bundlePath('global')), 'global');
    const dir = mkdtempSync(join(tmpdir(), 'mg-dir-'));
    for (const [p, b] of files) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), b);
    }
    const a = readBundle(bundlePath('global'));
    const b = readBundle(dir);
    expect(b.revision).toBe(a.revision);
    expect(Buffer.from(b.wasm).equals(Buffer.from(a.wasm))).toBe(true);
    expect(b.entrypoints).toEqual(a.entrypoints);
  });

  it('merges data.json documents by directory and refuses prototype keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-data-'));
    copyFileSync(join(FIXTURES, 'bundles', 'wrong-shape', 'global.tar.gz'), join(dir, 'x.tar.gz'));
    const files = untarGzip(readFileSync(join(dir, 'x.tar.gz')), 'x');
    const root = join(dir, 'b');
    for (const [p, bytes] of files) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), bytes);
    }
    mkdirSync(join(root, 'meshgate', 'limits'), { recursive: true });
    writeFileSync(join(root, 'meshgate', 'limits', 'data.json'), JSON.stringify({ retention_days: 2555 }));
    expect(readBundle(root).data).toEqual({ meshgate: { limits: { retention_days: 2555 } } });
    mkdirSync(join(root, '__proto__'), { recursive: true });
    writeFileSync(join(root, '__proto__', 'data.json'), JSON.stringify({ polluted: true }));
    expect(() => readBundle(root)).toThrowError(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('fail closed: evaluation', () => {
  it('a policy result of the wrong shape is an error decision, never an allow', async () => {
    const engine = await createEngine({ global: fixtureBundle('wrong-shape') });
    expect(() => engine.evaluateCompliance('global', 'meshgate/terraform', { resource: {} })).toThrowError(
      expect.objectContaining({ code: 'MG_POLICY_RESULT_SHAPE' }),
    );
    const d = engine.decide({ kind: 'terraform', subject: 'p', units: [unit(bucket(compliant))], auditInput: {} });
    expect(d.allowed).toBe(false);
    expect(d.outcome).toBe('error');
    expect(d.errors.map((e) => e.code)).toEqual(['MG_POLICY_RESULT_SHAPE']);
  });

  it('a policy that aborts at run time fails closed and the engine serves the next decision', async () => {
    const engine = await createEngine({ global: fixtureBundle('conflict') });
    const bad = engine.decide({ kind: 'terraform', subject: 'p', units: [unit({ address: 'x', a: true, b: true })], auditInput: {} });
    expect(bad.allowed).toBe(false);
    expect(bad.outcome).toBe('error');
    expect(bad.errors[0]?.code).toMatch(/^MG_POLICY_(TRAP|RUNTIME)$/);
    const good = engine.decide({ kind: 'terraform', subject: 'p', units: [unit({ address: 'x', a: true })], auditInput: {} });
    expect(good.outcome).toBe('denied');
    expect(good.findings.map((f) => f.rule)).toEqual(['a', 'conflict']);
  });

  it('a built-in the WASM target lacks fails closed with a message naming it', async () => {
    const engine = await createEngine({ global: fixtureBundle('builtin') });
    let caught: unknown;
    try {
      engine.evaluateCompliance('global', 'meshgate/terraform', { resource: { version: '1.2.0' } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MeshgateError);
    expect((caught as MeshgateError).code).toBe('MG_POLICY_BUILTIN_MISSING');
    expect((caught as MeshgateError).message).toContain('semver.compare');
  });

  it('a missing entrypoint is a coded error from the runtime and "no opinion" from a layer', async () => {
    const b = readBundle(bundlePath('global'));
    const rt = await PolicyRuntime.load(b.wasm, b.data, { name: 'global' });
    expect(() => rt.evaluate('meshgate/nope', {})).toThrowError(expect.objectContaining({ code: 'MG_POLICY_ENTRYPOINT_MISSING' }));
    const engine = await createEngine({ global: bundlePath('global') });
    expect(() => engine.evaluateRaw('nosuchlayer', 'meshgate/terraform', {})).toThrowError(expect.objectContaining({ code: 'MG_LAYER_UNKNOWN' }));
  });

  it('inputs with a cycle or a BigInt are coded errors and error decisions', async () => {
    const engine = await createEngine({ global: bundlePath('global') });
    const cyclic: Record<string, unknown> = { type: 'aws_s3_bucket' };
    cyclic['self'] = cyclic;
    expect(() => engine.evaluateRaw('global', 'meshgate/terraform', { resource: cyclic })).toThrowError(expect.objectContaining({ code: 'MG_INPUT_UNSERIALISABLE' }));
    expect(() => engine.evaluateRaw('global', 'meshgate/terraform', { resource: { size: 10n } })).toThrowError(
      expect.objectContaining({ code: 'MG_INPUT_UNSERIALISABLE', message: expect.stringContaining('BigInt') }),
    );
    const d = engine.decide({ kind: 'terraform', subject: 'p', units: [unit(cyclic)], auditInput: {} });
    expect(d.allowed).toBe(false);
    expect(d.errors[0]?.code).toBe('MG_INPUT_UNSERIALISABLE');
  });

  it('falsy inputs (false, 0, "", null) reach the policy as themselves', async () => {
    const engine = await createEngine({ global: fixtureBundle('conflict') });
    for (const v of [false, 0, '', null]) {
      const r = engine.evaluateRaw('global', 'meshgate/terraform', v) as Record<string, unknown>;
      expect(r['echo']).toBe(v);
    }
  });

  it('a memory limit reached is a coded error and the engine recovers', async () => {
    const engine = await createEngine({ global: bundlePath('global'), memoryMaxPages: 40 });
    const huge = { resource: { type: 'aws_s3_bucket', blob: 'x'.repeat(4 * 1024 * 1024) } };
    expect(() => engine.evaluateRaw('global', 'meshgate/terraform', huge)).toThrowError(expect.objectContaining({ code: 'MG_POLICY_MEMORY' }));
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: bucket() });
    expect(r?.deny.length).toBe(2);
  });
});
