/**
 * The generated ABI views (`meshgate_abi/<x>`, written by the build) must give exactly the ABI keys of the
 * package they view: the engine evaluates the view, so it must never differ from the full package.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../src/engine.js';
import { checkAccessResult, checkComplianceResult } from '../src/policy/abi.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import { preparePlan } from '../src/subjects/terraform/check.js';
import { readBundle } from '../src/policy/bundle.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const LAYERS = ['global', 'finance', 'marketing'];
const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

describe('generated ABI views', () => {
  it('every built layer carries a view for each of its entrypoints', () => {
    for (const layer of LAYERS) {
      const b = readBundle(bundlePath(layer));
      for (const ep of b.entrypoints.filter((e) => /^meshgate\/[a-z_]+$/.test(e))) expect(b.entrypoints).toContain(ep.replace('meshgate/', 'meshgate_abi/'));
    }
  });

  it('the engine (through the views) answers exactly as the full packages on every fixture', async () => {
    const engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
    let compared = 0;
    const contracts = files(join(FIXTURES, 'contracts')).map((f) => parseContract(readFileSync(f, 'utf8'), { file: f }).contract);
    const resources = files(join(FIXTURES, 'plans')).flatMap((f) => preparePlan(readFileSync(f, 'utf8'), { file: f }).judged.map((j) => j.input));
    const requests = [
      { user: { id: 'a', department: 'marketing' }, action: 'read', data_product: { id: 'p', domain: 'marketing', classification: 'public' } },
      { user: { id: 'b', department: 'finance', roles: ['analyst'] }, action: 'read', data_product: { id: 'l', domain: 'finance', classification: 'internal' } },
      { user: { id: 'c', department: 'finance', roles: ['analyst'] }, action: 'export', data_product: { id: 'l', domain: 'finance', classification: 'pii', pii_columns: ['email'] }, columns: ['email'] },
    ];
    for (const layer of LAYERS) {
      for (const contract of contracts) {
        const input = { contract, layer, domain: layer === 'global' ? null : layer };
        expect(engine.evaluateCompliance(layer, 'meshgate/contract', input)).toEqual(checkComplianceResult(engine.evaluateRaw(layer, 'meshgate/contract', input), 'meshgate/contract', layer));
        compared++;
      }
      for (const resource of resources) {
        const input = { resource, plan: {}, layer, domain: layer === 'global' ? null : layer };
        expect(engine.evaluateCompliance(layer, 'meshgate/terraform', input)).toEqual(checkComplianceResult(engine.evaluateRaw(layer, 'meshgate/terraform', input), 'meshgate/terraform', layer));
        compared++;
      }
      for (const request of requests) {
        const input = { request, layer, domain: request.data_product.domain };
        expect(engine.evaluateAccess(layer, input)).toEqual(checkAccessResult(engine.evaluateRaw(layer, 'meshgate/access', input), layer));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });
});
