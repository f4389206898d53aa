/**
 * Differential test: every contract fixture, normalised, through the WASM bundles and through `opa eval`
 * on the same Rego sources, per layer, must give the same deny/warn findings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import { abiView, opaEvalMany } from './helpers/opa-eval.js';
import { bundlePath, FIXTURES, HAVE_OPA, IN_CI, ROOT } from './helpers/paths.js';

const skip = !HAVE_OPA && !IN_CI;
if (skip) console.log('contract-differential: skipped because .cache/bin/opa is absent (run `npm run build:opa`); CI never skips this test');

const sortDeep = (v: unknown): string => {
  const doc = v as Record<string, unknown[]> | undefined;
  if (!doc) return 'undefined';
  return JSON.stringify(Object.fromEntries(Object.entries(doc).map(([k, list]) => [k, (list ?? []).map((x) => JSON.stringify(x)).sort()])));
};

describe.skipIf(skip)('contract rules: WASM engine vs opa eval', () => {
  it('agree on every fixture in every layer', async () => {
    const engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
    const dir = join(FIXTURES, 'contracts');
    const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'failing')).map((f) => join(dir, 'failing', f))].filter((f) => /\.(ya?ml|json)$/.test(f));
    const contracts = files.map((f) => parseContract(readFileSync(f, 'utf8'), { file: f }).contract);
    const mismatches: string[] = [];
    let findings = 0;
    for (const [layer, src] of [['global', 'policies/global'], ['finance', 'policies/domains/finance'], ['marketing', 'policies/domains/marketing']] as const) {
      const inputs = contracts.map((contract) => ({ contract, layer, domain: contract.domain?.toLowerCase() ?? null }));
      const fromOpa = opaEvalMany([join(ROOT, src)], 'meshgate.contract', inputs);
      inputs.forEach((input, i) => {
        const wasm = abiView(engine.evaluateRaw(layer, 'meshgate/contract', input), ['deny', 'warn']);
        const opa = abiView(fromOpa[i], ['deny', 'warn']);
        findings += ((wasm?.['deny'] as unknown[] | undefined) ?? []).length;
        if (sortDeep(wasm) !== sortDeep(opa)) mismatches.push(`${layer} ${files[i]}: wasm=${JSON.stringify(wasm)} opa=${JSON.stringify(opa)}`);
      });
    }
    expect(mismatches).toEqual([]);
    expect(findings).toBeGreaterThanOrEqual(9);
    await engine.close();
  });
});
