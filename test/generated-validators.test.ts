/**
 * The ajv standalone validators generated at build time (scripts/gen-validators.mjs): the committed file
 * is what the generator produces from today's schemas, and each validator accepts and rejects exactly what
 * ajv compiling the same schema at run time does, with the same errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv, type Options } from 'ajv';
import { validateAccessRequest, validateConfig, validateContractModel, type StandaloneValidator } from '../src/generated/validators.js';
import { ACCESS_REQUEST_SCHEMA } from '../src/subjects/access/model.js';
import { CONTRACT_FIELD_SCHEMA, CONTRACT_SCHEMA } from '../src/subjects/contract/model.js';
import { CONFIG_SCHEMA } from '../src/config.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import { validateRequest } from '../src/subjects/access/model.js';
import { ROOT } from './helpers/paths.js';

interface Generator {
  generate(): Promise<{ js: string; dts: string }>;
}

function runtimeAjv(schema: object, options: Options, refs: object[] = []): StandaloneValidator {
  const ajv = new Ajv({ allErrors: true, strict: true, ...options });
  for (const r of refs) ajv.addSchema(r);
  return ajv.compile(schema) as StandaloneValidator;
}

/** Both validators on `value`: same verdict and same errors. */
function agree(generated: StandaloneValidator, reference: StandaloneValidator, value: unknown): boolean {
  const ok = generated(value);
  expect(ok).toBe(reference(value));
  expect(generated.errors ?? null).toEqual(reference.errors ?? null);
  return ok;
}

describe('generated ajv standalone validators', () => {
  it('the committed src/generated files are what the generator writes from the current schemas', async () => {
    const gen = (await import(join(ROOT, 'scripts', 'gen-validators.mjs'))) as Generator;
    const { js, dts } = await gen.generate();
    expect(readFileSync(join(ROOT, 'src', 'generated', 'validators.js'), 'utf8')).toBe(js);
    expect(readFileSync(join(ROOT, 'src', 'generated', 'validators.d.ts'), 'utf8')).toBe(dts);
  });

  it('the access request validator agrees with ajv compiling ACCESS_REQUEST_SCHEMA at run time', () => {
    const ref = runtimeAjv(ACCESS_REQUEST_SCHEMA, { strictRequired: false });
    const valid = { user: { id: 'u1', roles: ['analyst'] }, action: 'read', dataProduct: { id: 'p', domain: 'finance' }, columns: ['a'] };
    expect(agree(validateAccessRequest, ref, valid)).toBe(true);
    const invalid: unknown[] = [
      null,
      [],
      'read',
      {},
      { user: { id: '' }, action: 'read', dataProduct: { id: 'p' } },
      { user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, data_product: { id: 'p' } },
      { user: { id: 'u' }, action: 'read' },
      { user: { id: 'u', roles: 'admin' }, action: 'read', dataProduct: { id: 'p' } },
      { user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, extra: 1 },
      { user: { id: 'u' }, action: '', dataProduct: { id: 'p', pii_columns: [1] } },
    ];
    for (const r of invalid) expect(agree(validateAccessRequest, ref, r)).toBe(false);
    // the service's explanation comes from the generated validator
    expect(validateRequest({ user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, extra: 1 })).toEqual([{ path: '/extra', message: 'is not a known request field' }]);
  });

  it('the contract model validator agrees with ajv compiling CONTRACT_SCHEMA at run time', () => {
    const ref = runtimeAjv(CONTRACT_SCHEMA, { allowUnionTypes: true }, [CONTRACT_FIELD_SCHEMA]);
    const model = parseContract(readFileSync(join(ROOT, 'fixtures', 'contracts', 'finance-ledger.yaml'), 'utf8')).contract as unknown as Record<string, unknown>;
    expect(agree(validateContractModel, ref, model)).toBe(true);
    for (const broken of [{}, { ...model, fields: 'x' }, { ...model, source_format: 42 }, { ...model, unknown_key: true }]) expect(agree(validateContractModel, ref, broken)).toBe(false);
  });

  it('the config validator agrees with ajv compiling CONFIG_SCHEMA at run time', () => {
    const ref = runtimeAjv(CONFIG_SCHEMA, {});
    expect(agree(validateConfig, ref, { global: 'policies/dist/global.tar.gz' })).toBe(true);
    expect(agree(validateConfig, ref, {})).toBe(true); // nothing required: the shipped global rules apply (extends: meshgate)
    for (const bad of [{ extends: 3 }, { global: '' }, { global: 'g', nope: 1 }, { global: 'g', domains: { finance: 3 } }]) expect(agree(validateConfig, ref, bad)).toBe(false);
  });
});
