/**
 * Linear-time policies (issue 17), measured deterministically: the runtime counts the metered steps (calls
 * and loop iterations inside the WebAssembly) of an evaluation, so the growth of the work with the input is
 * checked without any timing. Ten times the input must cost about ten times the steps; the quadratic
 * `col in input.request.columns` mask rule cost a hundred times.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../src/policy/bundle.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { createEngine } from '../src/engine.js';
import { bundlePath } from './helpers/paths.js';

const cols = (n: number, prefix = 'col'): string[] => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);

function accessInput(n: number): Record<string, unknown> {
  return {
    layer: 'global',
    domain: 'marketing',
    request: {
      user: { id: 'u', department: 'marketing', roles: ['campaign_manager'], attributes: { pii_training: true } },
      action: 'read',
      data_product: { id: 'dp', domain: 'marketing', classification: 'internal', pii_columns: cols(n) },
      // every PII column requested (in reverse order) plus as many non-PII ones
      columns: [...cols(n).reverse(), ...cols(n, 'other')],
    },
  };
}

function contractInput(n: number): Record<string, unknown> {
  return {
    layer: 'global',
    domain: 'marketing',
    contract: { id: 'wide', domain: 'marketing', owner: 'o', version: '1.0.0', slos: [{ name: 's', valid: true }], output_ports: [], fields: cols(n, 'f').map((name) => ({ name, type: 'string', pii: true, fields: [] })) },
  };
}

describe('policy work grows linearly with the input', () => {
  let rt: PolicyRuntime;
  beforeAll(async () => {
    const b = readBundle(bundlePath('global'));
    rt = await PolicyRuntime.load(b.wasm, b.data, { name: 'global' });
  });

  const steps = (entrypoint: string, input: unknown): { steps: number; result: unknown } => {
    const result = rt.evaluate(entrypoint, input);
    const s = rt.lastSteps;
    expect(s).toBeTypeOf('number');
    return { steps: s as number, result };
  };

  it('access: masking N requested PII columns among 2N requested ones costs O(N), not O(N²)', () => {
    const small = steps('meshgate/access', accessInput(1_000));
    const large = steps('meshgate/access', accessInput(10_000));
    const mask = (r: unknown): string[] => ((r as { obligations: { mask: string[] } }).obligations.mask);
    expect(mask(small.result)).toHaveLength(1_000);
    expect(mask(large.result)).toHaveLength(10_000);
    expect(new Set(mask(large.result))).toEqual(new Set(cols(10_000)));
    const ratio = large.steps / small.steps;
    console.log(`steps ${small.steps} → ${large.steps}: ×${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(20);
  });

  it('access: PII columns that were not requested stay unmasked; no columns named masks them all', () => {
    const input = accessInput(3);
    (input['request'] as { columns: string[] }).columns = ['col_1', 'x'];
    expect((rt.evaluate('meshgate/access', input) as { obligations: { mask: string[] } }).obligations.mask).toEqual(['col_1']);
    (input['request'] as { columns: string[] }).columns = [];
    expect([...(rt.evaluate('meshgate/access', input) as { obligations: { mask: string[] } }).obligations.mask].sort()).toEqual(['col_0', 'col_1', 'col_2']);
  });

  it('contracts: N PII fields without encryption cost O(N) steps and give N findings with their paths', () => {
    const small = steps('meshgate/contract', contractInput(1_000));
    const large = steps('meshgate/contract', contractInput(10_000));
    const pii = (r: unknown): Array<{ rule: string; path: string }> => (r as { deny: Array<{ rule: string; path: string }> }).deny.filter((f) => f.rule === 'contract_pii_encryption');
    expect(pii(large.result)).toHaveLength(10_000);
    expect(pii(large.result).map((f) => f.path)).toContain('fields.9999');
    const ratio = large.steps / small.steps;
    console.log(`steps ${small.steps} → ${large.steps}: ×${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(20);
  });

  it('a nested PII field keeps its canonical path (fields.i.fields.j) without sprintf', () => {
    const input = contractInput(1);
    (input['contract'] as { fields: unknown[] }).fields = [{ name: 'outer', type: 'struct', pii: false, fields: [{ name: 'a', pii: false, fields: [] }, { name: 'inner', type: 'string', pii: true, fields: [] }] }];
    const deny = (rt.evaluate('meshgate/contract', input) as { deny: Array<{ rule: string; path: string; msg: string }> }).deny.filter((f) => f.rule === 'contract_pii_encryption');
    expect(deny).toEqual([expect.objectContaining({ path: 'fields.0.fields.1', msg: 'Field "inner" holds PII but the contract declares no encryption protocol (and the field names no encrypted element).' })]);
  });
});

describe('duplicate keys in a large YAML contract, found without the quadratic scan', () => {
  it('a 2 000-field contract decides; the same with one key repeated is MG_CONTRACT_SYNTAX at that line', async () => {
    const engine = await createEngine({ subjects: { cacheSize: 0 } });
    const lines = ['data_product: wide', 'domain: Marketing', 'owner: o@x.com', 'version: 1.0.0', 'schema:'];
    for (let i = 0; i < 2_000; i++) lines.push(`  f_${i}:`, '    type: string', '    classification: internal', '    pii: true');
    const d = await engine.checkContract(`${lines.join('\n')}\n`);
    expect(d.outcome).toBe('denied');
    expect(d.findings.filter((f) => f.rule.endsWith('contract_pii_encryption'))).toHaveLength(2_000);
    const err = await engine.checkContract(`${lines.join('\n')}\n  f_17:\n    type: string\n`).then(
      () => undefined,
      (e: unknown) => e as { code?: string; location?: { line?: number } },
    );
    expect(err?.code).toBe('MG_CONTRACT_SYNTAX');
    expect(err?.location?.line).toBe(lines.length + 1);
    await engine.close();
  }, 60_000);
});
