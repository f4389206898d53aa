/**
 * Access results parsed once per distinct result (PolicyRuntime.evaluateJsonShared): the shared value is
 * the same as a fresh evaluation, deeply frozen, and never reaches a caller's Decision (decisions stay
 * the caller's own to change). Also: an attribute named `__proto__` stays an attribute on its way to the
 * policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../src/policy/bundle.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { createEngine, type Engine } from '../src/engine.js';
import { accessRequest } from '../src/subjects/access/request.js';
import { ContractRegistryMap } from '../src/subjects/access/registry.js';
import { bundlePath } from './helpers/paths.js';

const input = (roles: string[], columns: string[]): string =>
  JSON.stringify({
    request: { user: { id: 'u', roles, attributes: {}, department: 'marketing' }, action: 'read', data_product: { id: 'p', pii_columns: ['email', 'phone'], domain: 'marketing', classification: 'public' }, columns },
    layer: 'global',
    domain: 'marketing',
  });

function isDeepFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(isDeepFrozen);
}

describe('shared access results', () => {
  let rt: PolicyRuntime;
  let engine: Engine;
  beforeAll(async () => {
    const b = readBundle(bundlePath('global'));
    rt = await PolicyRuntime.load(b.wasm, b.data, { name: 'global' });
    engine = await createEngine({ global: bundlePath('global'), domains: { marketing: bundlePath('marketing') }, subjects: { cacheSize: 0 } });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('equals a fresh evaluation, is deeply frozen, and is one object per distinct result', () => {
    const a = input(['analyst'], ['email']);
    const shared = rt.evaluateJsonShared('meshgate/access', a);
    expect(shared).toEqual(rt.evaluateJson('meshgate/access', a));
    expect(isDeepFrozen(shared)).toBe(true);
    expect(() => {
      (shared as { obligations: { mask: string[] } }).obligations.mask.push('x');
    }).toThrow(TypeError);
    // another input with the same result: the same object; a different result: another one
    expect(rt.evaluateJsonShared('meshgate/access', input(['analyst', 'x'], ['email']))).toBe(shared);
    const other = rt.evaluateJsonShared('meshgate/access', input(['pii_reader'], ['email']));
    expect(other).not.toBe(shared);
    expect(other).toEqual(rt.evaluateJson('meshgate/access', input(['pii_reader'], ['email'])));
  });

  it('decisions are the caller’s own: changing one changes neither the next decision nor the shared result', () => {
    const request = { user: { id: 'u', department: 'marketing', roles: ['analyst'], attributes: { pii_training: true } }, action: 'read', dataProduct: { id: 'p', domain: 'marketing', classification: 'public', pii_columns: ['email'] }, columns: ['email'] };
    const first = engine.authorize(request);
    expect(first.allowed).toBe(true);
    expect(first.obligations.mask).toEqual(['email']);
    expect(Object.isFrozen(first.obligations.mask)).toBe(false);
    first.obligations.mask.push('tampered');
    first.allowed_by?.push('tampered');
    const second = engine.authorize(request);
    expect(second.obligations.mask).toEqual(['email']);
    expect(second.allowed_by).not.toContain('tampered');
  });

  it('an attribute named __proto__ (as JSON.parse makes it) is kept as an attribute, not turned into a prototype', () => {
    const request = JSON.parse('{"user":{"id":"u","attributes":{"__proto__":{"pii_training":true},"team":"a"}},"action":"read","dataProduct":{"id":"p"}}') as Parameters<typeof accessRequest>[0];
    const built = accessRequest(request, new ContractRegistryMap());
    expect(built.canonical).toContain('"attributes":{"__proto__":{"pii_training":true},"team":"a"}');
  });
});
