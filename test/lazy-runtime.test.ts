/**
 * The lazy per-layer runtime (src/policy/lazy-runtime.ts) and the deferred yaml dependency of the opa-wasm
 * SDK (src/policy/opa-sdk.ts), through the real bundles.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { readBundle } from '../src/policy/bundle.js';
import { LazyPolicyRuntime, layerRuntime } from '../src/policy/lazy-runtime.js';
import { goSprintf } from '../src/policy/sprintf.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const financeContract = readFileSync(join(FIXTURES, 'contracts', 'finance-ledger.yaml'), 'utf8');
const bucket = { address: 'aws_s3_bucket.b', type: 'aws_s3_bucket', tags: { Domain: 'marketing' } };

describe('lazy per-layer compilation', () => {
  let engine: Engine;
  const calls: { name: string; data: unknown }[] = [];
  /** The layers this file's engine instantiated (recognised by their bundle's data: other runtimes in the process do not count). */
  const instantiated = (): string[] => {
    const own = new Set([...(engine as unknown as { layerMap: Map<string, { bundle: { data: unknown } }> }).layerMap.values()].map((l) => l.bundle.data));
    return calls.filter((c) => own.has(c.data)).map((c) => c.name);
  };
  beforeAll(async () => {
    const original = PolicyRuntime.instantiate.bind(PolicyRuntime);
    vi.spyOn(PolicyRuntime, 'instantiate').mockImplementation((module, data, options) => {
      calls.push({ name: options?.name ?? '?', data });
      return original(module, data, options);
    });
    engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') }, lazyLayers: true });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await engine.close();
  });

  it('with lazyLayers, creating the engine instantiates no layer; a finance contract loads global and finance, never marketing', async () => {
    expect(instantiated()).toEqual([]);
    const d = await engine.checkContract(financeContract, { file: 'finance-ledger.yaml' });
    expect(d.outcome).not.toBe('error');
    expect(d.layers).toEqual(['global', 'finance']);
    expect(instantiated().sort()).toEqual(['finance', 'global']);
  });

  it('answers as an eagerly loaded runtime does, for every entrypoint it declares', async () => {
    const bundle = readBundle(bundlePath('marketing'));
    const lazy = await layerRuntime(bundle, { name: 'marketing' });
    expect(lazy).toBeInstanceOf(LazyPolicyRuntime);
    const eager = await PolicyRuntime.load(bundle.wasm, bundle.data, { name: 'marketing' });
    expect(lazy.entrypoints).toEqual(eager.entrypoints);
    expect((lazy as LazyPolicyRuntime).loaded).toBe(false);
    const input = { resource: bucket, plan: {}, layer: 'marketing', domain: 'marketing' };
    for (const ep of eager.entrypoints) expect(lazy.evaluate(ep, input)).toEqual(eager.evaluate(ep, input));
    expect((lazy as LazyPolicyRuntime).loaded).toBe(true);
  });

  it('a module that does not match its manifest fails every evaluation closed with MG_BUNDLE_CORRUPT', () => {
    const bundle = readBundle(bundlePath('marketing'));
    const lazy = new LazyPolicyRuntime(bundle.wasm, bundle.data, ['meshgate/terraform', 'meshgate/made_up'], { name: 'marketing' });
    expect(lazy.has('meshgate/made_up')).toBe(true);
    for (let i = 0; i < 2; i++) expect(() => lazy.evaluate('meshgate/terraform', {})).toThrow(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
  });

  it('a policy.wasm that is not WebAssembly is refused when the layer is created (start-up fails closed)', async () => {
    const bundle = readBundle(bundlePath('marketing'));
    const broken = { ...bundle, wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]) };
    await expect(layerRuntime(broken, { name: 'marketing' })).rejects.toMatchObject({ code: 'MG_POLICY_WASM_INVALID' });
  });

  it('a prefetched module is compiled once and then evaluates', async () => {
    const bundle = readBundle(bundlePath('global'));
    const lazy = new LazyPolicyRuntime(bundle.wasm, bundle.data, bundle.entrypoints, { name: 'global' });
    await lazy.prefetch();
    expect(lazy.evaluate('meshgate/terraform', { resource: bucket, plan: {}, layer: 'global', domain: null })).toMatchObject({ deny: expect.any(Array) });
  });
});

describe('inputs that cannot be serialised', () => {
  it('an access request that cannot be serialised is a denying error decision, not a crash', async () => {
    const engine = await createEngine({ global: bundlePath('global'), domains: { marketing: bundlePath('marketing') }, subjects: { cacheSize: 0 } });
    const d = engine.authorize({ user: { id: 'u', attributes: { n: 10n } }, action: 'read', dataProduct: { id: 'p', domain: 'marketing' } });
    expect(d.allowed).toBe(false);
    expect(d.outcome).toBe('error');
    // refused once, when the request is built (it is canonicalised before any layer runs)
    expect(d.errors.map((e) => [e.layer, e.code])).toEqual([[undefined, 'MG_INPUT_UNSERIALISABLE']]);
    await engine.close();
  });
});

describe('the SDK YAML built-ins (yaml loaded on first call)', () => {
  it('yaml.unmarshal and yaml.marshal work through the deferred package', async () => {
    const engine = await createEngine({ global: join(FIXTURES, 'bundles', 'yaml-builtin', 'global.tar.gz') });
    const r = engine.evaluateCompliance('global', 'meshgate/terraform', { resource: { doc: 'env: prod\nteam: data\n' }, plan: {}, layer: 'global' });
    expect(r?.deny.map((f) => [f.rule, f.msg]).sort()).toEqual([
      ['yaml_marshal', 'k: v\n'],
      ['yaml_unmarshal', 'env prod'],
    ]);
    await engine.close();
    // the SDK's table is its own object, shared with other users of the SDK in the process: meshgate's
    // sprintf is looked up before it, never written into it
    const sdkMain = createRequire(import.meta.url).resolve('@open-policy-agent/opa-wasm');
    const table = createRequire(import.meta.url)(join(dirname(sdkMain), 'builtins', 'index.js')) as Record<string, unknown>;
    expect(typeof table['yaml.marshal']).toBe('function'); // loaded by the evaluation above
    expect(typeof table['sprintf']).toBe('function');
    expect(table['sprintf']).not.toBe(goSprintf);
  });
});
