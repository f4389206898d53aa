import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { diffContracts } from '../src/subjects/contract/diff.js';
import { bundlePath } from './helpers/paths.js';

type F = Record<string, unknown>;
const contract = (version: string, fields: F[]): Record<string, unknown> => ({
  data_product: 'orders', domain: 'sales', owner: 'o@x', version, schema: { fields }, service_level_objectives: { freshness: 'P1D' },
});
const base: F[] = [
  { name: 'id', type: 'string', constraints: ['required', 'unique'] },
  { name: 'status', type: 'string', enum: ['NEW', 'PAID', 'SHIPPED'] },
  { name: 'amount', type: 'number', minimum: 0, maxLength: 10 },
  { name: 'note', type: 'string' },
  { name: 'customer', type: 'object', fields: [{ name: 'email', type: 'string' }, { name: 'age', type: 'int' }] },
];
const withField = (name: string, patch: F | null, fields: F[] = base): F[] =>
  fields.flatMap((f) => (f['name'] === name ? (patch === null ? [] : [{ ...f, ...patch }]) : [f]));
const kinds = (oldF: F[], newF: F[], ov = '1.0.0', nv = '1.1.0') =>
  diffContracts(contract(ov, oldF), contract(nv, newF)).changes.map((c) => [c.kind, c.field, c.classification]);

describe('diffContracts: every change kind', () => {
  it('no change', () => {
    const d = diffContracts(contract('1.0.0', base), contract('1.0.0', base));
    expect(d).toEqual({ changes: [], oldVersion: '1.0.0', newVersion: '1.0.0', versionBumpOk: true });
  });
  it('add optional: compatible; add required: breaking', () => {
    expect(kinds(base, [...base, { name: 'memo', type: 'string' }])).toEqual([['field_added_optional', 'memo', 'compatible']]);
    expect(kinds(base, [...base, { name: 'memo', type: 'int', constraints: ['required'] }])).toEqual([['field_added_required', 'memo', 'breaking']]);
  });
  it('remove: breaking', () => {
    expect(kinds(base, withField('note', null))).toEqual([['field_removed', 'note', 'breaking']]);
  });
  it('rename (same type removed and added): breaking', () => {
    expect(kinds(base, withField('note', { name: 'remark' }))).toEqual([['field_renamed', 'remark', 'breaking']]);
  });
  it('change type: breaking', () => {
    expect(kinds(base, withField('note', { type: 'int' }))).toEqual([['type_changed', 'note', 'breaking']]);
  });
  it('narrow an enum: breaking; widen: compatible', () => {
    expect(kinds(base, withField('status', { enum: ['NEW', 'PAID'] }))).toEqual([['enum_narrowed', 'status', 'breaking']]);
    expect(kinds(base, withField('status', { enum: ['NEW', 'PAID', 'SHIPPED', 'RETURNED'] }))).toEqual([['enum_widened', 'status', 'compatible']]);
    expect(kinds(base, withField('note', { enum: ['a'] }))).toEqual([['enum_narrowed', 'note', 'breaking']]);
  });
  it('tighten a constraint: breaking; relax: compatible', () => {
    expect(kinds(base, withField('amount', { minimum: 1 }))).toEqual([['constraint_tightened', 'amount', 'breaking']]);
    expect(kinds(base, withField('amount', { maxLength: 5 }))).toEqual([['constraint_tightened', 'amount', 'breaking']]);
    expect(kinds(base, withField('note', { pattern: '^[a-z]+$' }))).toEqual([['constraint_tightened', 'note', 'breaking']]);
    expect(kinds(base, withField('note', { constraints: ['unique'] }))).toEqual([['constraint_tightened', 'note', 'breaking']]);
    expect(kinds(base, withField('amount', { minimum: -5 }))).toEqual([['constraint_relaxed', 'amount', 'compatible']]);
  });
  it('optional → required: breaking; required → optional: compatible', () => {
    expect(kinds(base, withField('note', { constraints: ['required'] }))).toEqual([['made_required', 'note', 'breaking']]);
    expect(kinds(withField('note', { constraints: ['required'] }), base)).toEqual([['made_optional', 'note', 'compatible']]);
  });
  it('nullable → non-null: breaking', () => {
    expect(kinds(base, withField('note', { nullable: false }))).toEqual([['made_non_nullable', 'note', 'breaking']]);
    expect(kinds(withField('note', { nullable: false }), base)).toEqual([['made_nullable', 'note', 'compatible']]);
  });
  it('nested fields: remove, type change and add inside a record', () => {
    const nested = withField('customer', { fields: [{ name: 'age', type: 'long' }, { name: 'phone', type: 'int', constraints: ['required'] }] });
    expect(kinds(base, nested)).toEqual([
      ['field_removed', 'customer.email', 'breaking'],
      ['field_added_required', 'customer.phone', 'breaking'],
      ['type_changed', 'customer.age', 'breaking'],
    ]);
  });
  it('nested changes inside the Avro schema of the seed streaming product, with locations in both files', () => {
    const avro = (fields: string) => `id: ev\ndomain: d\nowner: o\nversion: 1.0.0\nschema_definition: |\n  {"type": "record", "name": "E", "fields": [\n    {"name": "id", "type": "string"},\n    {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "I", "fields": [\n${fields}\n    ]}}}\n  ]}\n`;
    const oldSrc = avro('      {"name": "sku", "type": "string"},\n      {"name": "qty", "type": "int"}');
    const newSrc = avro('      {"name": "sku", "type": "string"}').replace('version: 1.0.0', 'version: 1.1.0');
    const d = diffContracts(oldSrc, newSrc, { oldFile: 'old.yaml', newFile: 'new.yaml' });
    expect(d.changes).toEqual([
      { kind: 'field_removed', field: 'items.qty', classification: 'breaking', message: 'field items.qty removed', old: { file: 'old.yaml', line: 10, column: 7 } },
    ]);
    expect(d.versionBumpOk).toBe(false);
  });
  it('locations point at the changed field in old and new file', () => {
    const oldSrc = 'data_product: p\nversion: 1.0.0\nschema:\n  a: {type: string}\n  b: {type: string}\n';
    const newSrc = 'data_product: p\nversion: 2.0.0\nschema:\n  b: {type: string}\n  a: {type: int}\n';
    const d = diffContracts(oldSrc, newSrc, { oldFile: 'o.yaml', newFile: 'n.yaml' });
    expect(d.changes).toEqual([
      { kind: 'type_changed', field: 'a', classification: 'breaking', message: 'field a: type string → int', old: { file: 'o.yaml', line: 4, column: 7 }, new: { file: 'n.yaml', line: 5, column: 7 } },
    ]);
    expect(d.versionBumpOk).toBe(true);
  });
  it('the version bump rule', () => {
    expect(diffContracts(contract('1.0.0', base), contract('1.1.0', withField('note', null))).versionBumpOk).toBe(false);
    expect(diffContracts(contract('1.0.0', base), contract('2.0.0', withField('note', null))).versionBumpOk).toBe(true);
    expect(diffContracts(contract('1.0.0', base), contract('1.1.0', [...base, { name: 'x', type: 'int' }])).versionBumpOk).toBe(true);
  });
});

describe('checkContractChange: breaking-change rules evaluated as policy (real bundles)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('a breaking change without a major bump is denied, pointing at the field', async () => {
    const oldSrc = 'data_product: p\ndomain: sales\nowner: o\nversion: 1.0.0\nschema:\n  a: {type: string}\n  b: {type: string}\n';
    const newSrc = 'data_product: p\ndomain: sales\nowner: o\nversion: 1.1.0\nschema:\n  a: {type: int}\n  b: {type: string}\n';
    const d = await engine.checkContractChange(oldSrc, newSrc, { oldFile: 'o.yaml', newFile: 'n.yaml' });
    expect(d.kind).toBe('contract_change');
    expect(d.allowed).toBe(false);
    const deny = d.findings.filter((f) => f.level === 'deny');
    expect(deny.map((f) => [f.rule, f.layer, f.location?.file, f.location?.line])).toEqual([['contract_breaking_change_major_bump', 'global', 'n.yaml', 6]]);
  });

  it('with a major bump it passes with a warning', async () => {
    const d = await engine.checkContractChange(contract('1.0.0', base), contract('2.0.0', withField('note', null)));
    expect(d.allowed).toBe(true);
    expect(d.findings.map((f) => [f.rule, f.level])).toEqual([['contract_breaking_change', 'warn']]);
  });

  it('compatible changes with a minor bump pass without findings', async () => {
    const d = await engine.checkContractChange(contract('1.0.0', base), contract('1.1.0', [...base, { name: 'x', type: 'int' }]));
    expect(d.allowed).toBe(true);
    expect(d.findings).toEqual([]);
  });

  it('a removed field is located in the old file; a lower version is denied', async () => {
    const oldSrc = 'data_product: p\nversion: 2.0.0\nschema:\n  a: {type: string}\n  b: {type: int}\n';
    const newSrc = 'data_product: p\nversion: 1.9.0\nschema:\n  a: {type: string}\n';
    const d = await engine.checkContractChange(oldSrc, newSrc, { oldFile: 'o.yaml', newFile: 'n.yaml' });
    const byRule = Object.fromEntries(d.findings.map((f) => [f.rule, f.location]));
    expect(byRule['contract_breaking_change_major_bump']).toEqual({ file: 'o.yaml', line: 5, column: 3 });
    expect(byRule['contract_version_decreased']).toEqual({ file: 'n.yaml', line: 2, column: 1 });
  });
});
