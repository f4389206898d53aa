/**
 * An access request is serialised once: the subject hands its canonical JSON to the decision path, which
 * gives every layer that text with `layer`/`domain` appended (PolicyRuntime.evaluateJson) instead of
 * serialising the input again per layer. Through the real global and marketing bundles, the decision is
 * the one the object path gives, and the policy sees the same input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, type DecisionLayer, type DecisionSettings } from '../src/layering/decide.js';
import { DEFAULT_LAYERING } from '../src/layering/merge.js';
import { readBundle } from '../src/policy/bundle.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { accessRequest } from '../src/subjects/access/request.js';
import { ContractRegistryMap } from '../src/subjects/access/registry.js';
import type { AccessRequestInput } from '../src/subjects/access/model.js';
import type { Decision, Entrypoint } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const settings: DecisionSettings = { layering: DEFAULT_LAYERING, failOn: 'soft', knownDomains: new Set(['marketing']), unknownDomain: 'error' };

const seed = JSON.parse(readFileSync(join(FIXTURES, 'requests', 'seed-marketing-public.json'), 'utf8')) as AccessRequestInput;
const base = { user: seed.user, action: seed.action };
const product = { ...((seed.dataProduct ?? seed.data_product) as { id: string }) };
const REQUESTS: AccessRequestInput[] = [
  seed,
  { ...base, dataProduct: { ...product, domain: 'Marketing', classification: 'restricted', pii_columns: ['email'] }, columns: ['email', 'Name'] },
  { ...base, dataProduct: { ...product, domain: 'marketing' } },
  { ...base, action: 'write', purpose: 'naïve “quotes” \u2028 and \\ escapes', dataProduct: { ...product, domain: 'marketing' } },
];

/** A layer over a real runtime, counting the calls of each evaluation path. */
function layer(name: string, rt: PolicyRuntime, withJson: boolean, calls: { json: number; object: number; inputs: unknown[] }): DecisionLayer {
  const target = (ep: Entrypoint): string => (rt.has(`meshgate_abi/${ep.slice('meshgate/'.length)}`) ? `meshgate_abi/${ep.slice('meshgate/'.length)}` : ep);
  const l: DecisionLayer = {
    name,
    revision: 'r',
    has: (ep) => rt.has(ep) || rt.has(target(ep)),
    evaluate: (ep, input) => (calls.object++, calls.inputs.push(input), rt.evaluate(target(ep), input)),
  };
  if (withJson) l.evaluateJson = (ep, json) => (calls.json++, calls.inputs.push(JSON.parse(json)), rt.evaluateJson(target(ep), json));
  return l;
}

const comparable = (d: Decision): unknown => ({ ...d, decision_id: undefined, metrics: undefined });

describe('serialise once for every layer', () => {
  let global: PolicyRuntime;
  let marketing: PolicyRuntime;
  beforeAll(async () => {
    const g = readBundle(bundlePath('global'));
    const m = readBundle(bundlePath('marketing'));
    global = await PolicyRuntime.load(g.wasm, g.data);
    marketing = await PolicyRuntime.load(m.wasm, m.data);
  });

  it('the access unit carries its input as JSON text, exactly JSON.stringify of the input', () => {
    for (const r of REQUESTS) {
      const unit = accessRequest(r, new ContractRegistryMap()).request.units[0];
      expect(unit?.inputJson).toBe(JSON.stringify(unit?.input));
    }
  });

  it('every layer evaluates the shared text, and the decision and the policy inputs equal the object path', () => {
    for (const r of REQUESTS) {
      const built = accessRequest(r, new ContractRegistryMap());
      const viaJson = { json: 0, object: 0, inputs: [] as unknown[] };
      const viaObject = { json: 0, object: 0, inputs: [] as unknown[] };
      const a = decide(new Map([['global', layer('global', global, true, viaJson)], ['marketing', layer('marketing', marketing, true, viaJson)]]), built.request, settings, 'a');
      const b = decide(new Map([['global', layer('global', global, false, viaObject)], ['marketing', layer('marketing', marketing, false, viaObject)]]), built.request, settings, 'b');
      expect(a.outcome, JSON.stringify(a.errors)).not.toBe('error');
      expect(viaJson.object).toBe(0);
      expect(viaJson.json).toBe(a.layers.length);
      expect(viaJson.inputs).toEqual(viaObject.inputs);
      expect(comparable(a)).toEqual(comparable(b));
    }
  });

  it('evaluateJson answers like evaluate on the same value', () => {
    const input = { request: accessRequest(seed, new ContractRegistryMap()).request.units[0]?.input['request'], layer: 'global', domain: 'marketing' };
    expect(global.evaluateJson('meshgate/access', JSON.stringify(input))).toEqual(global.evaluate('meshgate/access', input));
  });
});
