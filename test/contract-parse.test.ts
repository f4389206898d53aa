import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshgateError } from '../src/errors.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import { locatePath } from '../src/subjects/contract/locate.js';
import { makeSlo, parseIsoDuration, retentionDays } from '../src/subjects/contract/values.js';

const fixture = (name: string): string => readFileSync(`fixtures/contracts/${name}`, 'utf8');

function codeOf(fn: () => unknown): MeshgateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshgateError);
    return e as MeshgateError;
  }
  throw new Error('expected a MeshgateError');
}

describe('seed samples → canonical model', () => {
  it('Customer360 data_product map schema', () => {
    const { contract, format, locations } = parseContract(fixture('failing/customer360-unclassified.yaml'), { file: 'c360.yaml' });
    expect(format).toBe('seed-map');
    expect(contract).toMatchObject({ id: 'Customer360', domain: 'Marketing', owner: 'team-marketing@company.com', version: '1.0.0' });
    expect(contract.output_ports).toEqual([{ kind: 'storage', name: 'customer_snapshot_daily', format: 'delta', location: 's3://data-products/marketing/customer360/snapshots/' }]);
    expect(contract.fields.map((f) => [f.name, f.type])).toEqual([
      ['customer_id', 'string'], ['lifetime_value', 'decimal(10,2)'], ['last_purchase_date', 'date'], ['customer_segment', 'string'],
    ]);
    expect(contract.fields[0]).toMatchObject({ primary_key: true, required: true, nullable: false, unique: true });
    expect(contract.slos).toEqual([
      { name: 'freshness', raw: 'P1D', unit: 'seconds', seconds: 86_400, valid: true },
      { name: 'availability', raw: '99.95%', unit: 'percent', percent: 99.95, valid: true },
      { name: 'accuracy_threshold', raw: '98.5%', unit: 'percent', percent: 98.5, valid: true },
    ]);
    expect(locations['owner']).toEqual({ file: 'c360.yaml', line: 5, column: 1 });
    expect(locations['fields.1.type']).toEqual({ file: 'c360.yaml', line: 17, column: 5 });
    expect(locations['output_ports.0.format']).toEqual({ file: 'c360.yaml', line: 9, column: 5 });
  });

  it('customer_profile schema.fields list with semantic_type, business_rule and SLO objects', () => {
    const { contract, format } = parseContract(fixture('customer-profile.yaml'));
    expect(format).toBe('seed-fields');
    expect(contract).toMatchObject({ id: 'customer_profile', domain: 'customer', version: '2.1.0', owner: 'customer-engineering@company.com' });
    const uid = contract.fields[0];
    expect(uid).toMatchObject({ name: 'customer_uid', required: true, unique: true, nullable: false, semantic_type: 'global_identifier', pii: false });
    expect(contract.fields[2]?.business_rule).toBe('Calculated based on 24-month rolling revenue');
    expect(contract.fields[1]).toMatchObject({ name: 'first_engagement_date', type: 'date', required: false, nullable: true });
    expect(contract.slos).toMatchObject([
      { name: 'freshness', seconds: 86_400, description: 'Data is updated daily by 06:00 UTC.' },
      { name: 'availability', percent: 99.95 },
    ]);
    expect(contract.quality.map((q) => q.name)).toEqual(['row_count_anomaly', 'null_key_rate']);
    expect(contract.output_ports).toEqual([{ kind: 'storage', format: 'delta', location: 's3://data-products/customer/profile/v2.1/' }]);
    expect(contract.encryption).toBeUndefined();
  });

  it('streaming product with embedded Avro: enum, map, nullable union, positions inside the block scalar', () => {
    const { contract, format, locations } = parseContract(fixture('behavioral-events-stream.yaml'), { file: 's.yaml' });
    expect(format).toBe('seed-stream');
    expect(contract).toMatchObject({ id: 'customer.domain/behavioral-events/v1.2', name: 'customer_behavioral_events', domain: 'Customer360' });
    expect(contract.output_ports).toEqual([
      { kind: 'stream', name: 'prod.customer.domain.behavioral-events', format: 'avro', location: 'prod.customer.domain.behavioral-events', type: 'kafka_topic' },
    ]);
    const byName = Object.fromEntries(contract.fields.map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['event_id', 'customer_uid', 'event_type', 'event_timestamp', 'properties', 'processing_time']);
    expect(byName['event_type']).toMatchObject({ type: 'enum', enum: ['PAGE_VIEW', 'ADD_TO_CART', 'PURCHASE', 'SESSION_END'], required: true });
    expect(byName['event_timestamp']?.type).toBe('timestamp-millis');
    expect(byName['properties']).toMatchObject({ type: 'map<string>', required: false });
    expect(byName['processing_time']).toMatchObject({ type: 'long', nullable: true, required: false });
    expect(byName['customer_uid']?.semantic_type).toBe('global_customer_uuid');
    expect(locations['fields.1']).toEqual({ file: 's.yaml', line: 17, column: 7 });
    expect(contract.slos).toMatchObject([
      { name: 'freshness', seconds: 60, description: 'p95_end_to_end_latency' },
      { name: 'completeness', percent: 99.9 },
      { name: 'validity', percent: 99.99, operator: '>' },
    ]);
    expect(contract.tags).toEqual(['customer', 'clickstream', 'real-time']);
  });

  it('JSON data_product_contract: JSON Schema, quality_sla, governance ENCRYPT marks PII', () => {
    const { contract, format, locations } = parseContract(fixture('failing/sales-processed-orders-no-owner.json'), { file: 'o.json' });
    expect(format).toBe('seed-json');
    expect(contract).toMatchObject({ id: 'sales.domain/processed_orders/v1', domain: 'Sales', version: '1.2.0', encryption: 'AES256_GCM' });
    expect(contract.owner).toBeUndefined();
    const byName = Object.fromEntries(contract.fields.map((f) => [f.name, f]));
    expect(byName['customer_id']).toMatchObject({ pii: true, required: true, semantic_type: 'global_customer_uuid' });
    expect(byName['order_id']?.pii).toBe(false);
    expect(byName['order_amount_usd']?.constraints.minimum).toBe(0);
    expect(byName['order_status']?.enum).toEqual(['PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED']);
    expect(byName['order_ts']?.constraints.format).toBe('date-time');
    expect(contract.slos).toMatchObject([
      { name: 'freshness', unit: 'seconds', seconds: 3600 },
      { name: 'completeness', unit: 'percent', percent: 99.5 },
      { name: 'accuracy', unit: 'percent', percent: 100 },
    ]);
    expect(contract.governance).toEqual([{ id: 'GR-001', description: 'PII Data Handling', condition: "field.semantic_type == 'global_customer_uuid'", action: 'ENCRYPT', algorithm: 'AES256_GCM' }]);
    expect(locations['domain']).toEqual({ file: 'o.json', line: 4, column: 5 });
  });

  it('finance retention P7Y → 2555 days', () => {
    expect(parseContract(fixture('finance-ledger.yaml')).contract.retention_days).toBe(2555);
    expect(parseContract(fixture('failing/finance-ledger-5y-retention.yaml')).contract.retention_days).toBe(1825);
  });
});

describe('standard formats', () => {
  it('Data Contract Specification with nested fields, $ref and servicelevels', () => {
    const src = `dataContractSpecification: 1.1.0
id: orders
info: {title: Orders, version: 1.0.0, owner: checkout}
servers:
  prod: {type: s3, format: delta, location: "s3://x/"}
definitions:
  oid: {type: string, format: uuid}
models:
  orders:
    fields:
      order_id: {$ref: '#/definitions/oid', required: true, pii: false}
      email: {type: string, classification: restricted, pii: true}
      address:
        type: object
        fields:
          street: {type: string, maxLength: 80}
servicelevels:
  availability: {percentage: 99.9%}
  retention: {period: P1Y}
  freshness: {threshold: 25h}
`;
    const { contract, format, locations } = parseContract(src, { file: 'd.yaml' });
    expect(format).toBe('dcs');
    expect(contract).toMatchObject({ id: 'orders', name: 'Orders', version: '1.0.0', owner: 'checkout', retention_days: 365 });
    expect(contract.output_ports[0]).toMatchObject({ kind: 'storage', format: 'delta' });
    expect(contract.fields[0]).toMatchObject({ name: 'order_id', type: 'string', required: true, constraints: { format: 'uuid', other: [] } });
    expect(contract.fields[1]).toMatchObject({ name: 'email', pii: true, classification: 'restricted' });
    expect(contract.fields[2]?.fields[0]).toMatchObject({ name: 'street', constraints: { max_length: 80 } });
    expect(locations['fields.2.fields.0']).toEqual({ file: 'd.yaml', line: 16, column: 11 });
    expect(contract.slos).toMatchObject([{ name: 'availability', percent: 99.9 }, { name: 'freshness', seconds: 90_000 }]);
  });

  it('ODCS v3 schema objects with properties', () => {
    const src = `apiVersion: v3.0.2
kind: DataContract
id: c1
name: payments
version: 1.0.0
domain: finance
status: active
team: {name: payments-team}
servers: [{server: lake, type: databricks}]
schema:
  - name: tbl
    properties:
      - {name: txn_id, logicalType: string, primaryKey: true, classification: internal}
      - name: payer
        logicalType: object
        properties:
          - {name: email, logicalType: string, classification: pii, required: true}
slaProperties:
  - {property: retention, value: 7, unit: y}
  - {property: latency, value: 4, unit: d}
`;
    const { contract, format } = parseContract(src);
    expect(format).toBe('odcs-v3');
    expect(contract).toMatchObject({ id: 'c1', owner: 'payments-team', domain: 'finance', retention_days: 2555 });
    expect(contract.output_ports).toEqual([{ kind: 'storage', name: 'lake', type: 'databricks', format: 'delta' }]);
    expect(contract.fields[0]).toMatchObject({ name: 'txn_id', primary_key: true, required: true });
    expect(contract.fields[1]?.fields[0]).toMatchObject({ name: 'email', pii: true, required: true });
    expect(contract.slos).toMatchObject([{ name: 'latency', seconds: 4 * 86_400 }]);
  });

  it('ODCS v2.2 dataset tables with columns', () => {
    const src = `apiVersion: 2.2.2
kind: DataContract
uuid: u-1
datasetName: orders
version: 1.0.0
datasetDomain: sales
stakeholders: [{username: ann, role: owner}]
dataset:
  - table: orders
    columns:
      - {column: id, logicalType: string, isPrimaryKey: true}
      - {column: note, logicalType: string, isNullable: true}
`;
    const { contract, format } = parseContract(src);
    expect(format).toBe('odcs-v2');
    expect(contract).toMatchObject({ id: 'u-1', name: 'orders', domain: 'sales', owner: 'ann' });
    expect(contract.fields.map((f) => [f.name, f.required, f.nullable])).toEqual([['id', true, false], ['note', false, true]]);
  });

  it('accepts an already parsed object', () => {
    const { contract } = parseContract({ data_product: 'x', domain: 'd', owner: 'o', schema: { a: 'string' } });
    expect(contract.fields).toMatchObject([{ name: 'a', type: 'string' }]);
  });
});

describe('hostile and broken input', () => {
  it('malformed YAML → MG_CONTRACT_SYNTAX with line and column', () => {
    const e = codeOf(() => parseContract('data_product: x\nowner: [a, b\ndomain: y\n', { file: 'bad.yaml' }));
    expect(e.code).toBe('MG_CONTRACT_SYNTAX');
    expect(e.location?.file).toBe('bad.yaml');
    expect(e.location?.line).toBeGreaterThanOrEqual(2);
    expect(e.location?.column).toBeGreaterThanOrEqual(1);
  });

  it('malformed JSON → MG_CONTRACT_SYNTAX with line', () => {
    const e = codeOf(() => parseContract('{\n  "data_product_contract": {\n    "id": "x",,\n  }\n}', { file: 'bad.json' }));
    expect(e.code).toBe('MG_CONTRACT_SYNTAX');
    expect(e.location?.line).toBe(3);
  });

  it('malformed embedded Avro points into the block scalar', () => {
    const src = 'id: a\ndomain: d\nowner: o\nschema_definition: |\n  {"type": "record",\n   "fields": [ }\n';
    const e = codeOf(() => parseContract(src, { file: 'a.yaml' }));
    expect(e.code).toBe('MG_CONTRACT_SYNTAX');
    expect(e.location?.line).toBe(6);
  });

  it('duplicate keys are a syntax error', () => {
    expect(codeOf(() => parseContract('data_product: a\ndata_product: b\n')).code).toBe('MG_CONTRACT_SYNTAX');
  });

  it('rejects text over 10 MB', () => {
    const e = codeOf(() => parseContract(`data_product: x\n#${'a'.repeat(10 * 1024 * 1024)}`));
    expect(e.code).toBe('MG_CONTRACT_TOO_LARGE');
  });

  it('rejects alias bombs', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('data_product: bomb');
    const e = codeOf(() => parseContract(lines.join('\n')));
    expect(['MG_CONTRACT_ALIAS_LIMIT', 'MG_CONTRACT_TOO_LARGE']).toContain(e.code);
  });

  it('rejects nesting deeper than 200', () => {
    const deep = `data_product: x\nschema: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    expect(codeOf(() => parseContract(deep)).code).toBe('MG_CONTRACT_DEPTH');
    const obj: Record<string, unknown> = { data_product: 'x' };
    let cur = obj;
    for (let i = 0; i < 300; i++) cur = (cur['n'] = {}) as Record<string, unknown>;
    expect(codeOf(() => parseContract(obj)).code).toBe('MG_CONTRACT_DEPTH');
    const huge = codeOf(() => parseContract(`a: ${'['.repeat(100_000)}`, { file: 'deep.yaml' }));
    expect(huge.code).toBe('MG_CONTRACT_DEPTH');
    expect(huge.location?.file).toBe('deep.yaml');
  });

  it('hostile keys do not pollute prototypes', () => {
    const src = '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\ndata_product: x\nschema:\n  __proto__: {type: string}\n  constructor: {type: int}\n';
    const { contract } = parseContract(src);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(contract.fields.map((f) => f.name)).toEqual(['__proto__', 'constructor']);
    const json = '{"__proto__": {"polluted": 1}, "data_product": "y"}';
    parseContract(json);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('unknown format explains what was looked for', () => {
    const e = codeOf(() => parseContract('hello: world\nfoo: 1\n', { file: 'x.yaml' }));
    expect(e.code).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
    expect(e.message).toContain('dataContractSpecification');
    expect(e.message).toContain('kind: DataContract');
    expect(e.message).toContain('schema_definition');
    expect(e.message).toContain('hello, foo');
    expect(e.location).toEqual({ file: 'x.yaml', line: 1, column: 1 });
    expect(codeOf(() => parseContract('- a\n- b\n')).code).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
    expect(codeOf(() => parseContract('')).code).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
  });

  it('unsupported standard versions have their own code', () => {
    expect(codeOf(() => parseContract('dataContractSpecification: 2.0.0\nid: x\n')).code).toBe('MG_CONTRACT_VERSION_UNSUPPORTED');
    expect(codeOf(() => parseContract('apiVersion: v3.9.0\nkind: DataContract\nschema: []\n')).code).toBe('MG_CONTRACT_VERSION_UNSUPPORTED');
  });

  it('invalid UTF-8 bytes → MG_CONTRACT_ENCODING', () => {
    expect(codeOf(() => parseContract(new Uint8Array([0x64, 0xff, 0xfe]))).code).toBe('MG_CONTRACT_ENCODING');
    expect(parseContract(new TextEncoder().encode('data_product: z\n')).contract.id).toBe('z');
  });
});

describe('values and locations', () => {
  it('parses ISO-8601 durations, percentages and retention', () => {
    expect(parseIsoDuration('P1D')).toBe(86_400);
    expect(parseIsoDuration('PT1H30M')).toBe(5400);
    expect(parseIsoDuration('P7Y')).toBe(7 * 365 * 86_400);
    expect(parseIsoDuration('P')).toBeUndefined();
    expect(parseIsoDuration('PT')).toBeUndefined();
    expect(makeSlo('availability', '101%').valid).toBe(false);
    expect(makeSlo('freshness', 'every day').valid).toBe(false);
    expect(makeSlo('latency', '2022-05-12').valid).toBe(false);
    expect(makeSlo('owner_note', 'soon').valid).toBe(true);
    expect(makeSlo('frequency', 'daily')).toMatchObject({ unit: 'seconds', seconds: 86_400, valid: true });
    expect(makeSlo('availability', '99.5percent')).toMatchObject({ percent: 99.5, valid: true });
    expect(makeSlo('generalAvailability', '2022-05-12T09:30:10-08:00')).toMatchObject({ unit: 'text', valid: true });
    expect(retentionDays('P5Y')).toBe(1825);
    expect(retentionDays(3, 'years')).toBe(1095);
  });

  it('a missing path locates to its nearest parent', () => {
    const { locations } = parseContract(fixture('customer-profile.yaml'), { file: 'p.yaml' });
    expect(locatePath(locations, 'fields.1.classification')).toEqual({ file: 'p.yaml', line: 13, column: 7 });
    expect(locatePath(locations, 'owner')).toEqual({ file: 'p.yaml', line: 5, column: 1 });
    expect(locatePath(locations, 'encryption')).toEqual({ file: 'p.yaml', line: 2, column: 1 });
  });
});

describe('negative retention (found by the robustness property)', () => {
  it('a negative or non-finite retention is no retention: the contract parses without one, never an invalid model', () => {
    for (const retention of [-0.5000000000000001, -3, '-3', 'P-1D']) {
      const parsed = parseContract({ data_product_contract: { retention } }, { file: 'neg.json' });
      expect(parsed.contract.retention_days).toBeUndefined();
    }
    expect(retentionDays(-1)).toBeUndefined();
    expect(retentionDays(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(retentionDays(2555)).toBe(2555);
  });
});

describe('robustness (property)', () => {
  const onlyCoded = (src: string | Record<string, unknown>): void => {
    try {
      parseContract(src, { file: 'p' });
    } catch (e) {
      if (!(e instanceof MeshgateError)) throw e;
      expect(e.code).toMatch(/^MG_CONTRACT_[A-Z_]+$/);
      // The canonical model must always validate: an importer producing an invalid model is a bug.
      expect(e.code).not.toBe('MG_CONTRACT_INVALID');
    }
  };
  it('any text gives a contract or a coded MeshgateError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => onlyCoded(s)), { numRuns: 300 });
  });
  it('any JSON value under a seed shape gives a contract or a coded MeshgateError', () => {
    const keys = fc.constantFrom('data_product', 'domain', 'owner', 'version', 'schema', 'fields', 'output', 'output_ports', 'service_level_objectives', 'quality', 'governance_rules', 'retention', 'encryption', 'schema_definition', 'models', 'dataset', 'servers', 'slaProperties', 'info', 'type', 'name', 'constraints', 'enum');
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), fc.dictionary(keys, tie('v'), { maxKeys: 4 }), fc.array(tie('v'), { maxLength: 3 })),
    })).v;
    const roots = fc.oneof(
      fc.dictionary(keys, value, { maxKeys: 6 }).map((d) => ({ data_product: 'x', ...d })),
      fc.dictionary(keys, value, { maxKeys: 6 }).map((d) => ({ dataContractSpecification: '1.1.0', ...d })),
      fc.dictionary(keys, value, { maxKeys: 6 }).map((d) => ({ apiVersion: 'v3.0.0', kind: 'DataContract', ...d })),
      fc.dictionary(keys, value, { maxKeys: 6 }).map((d) => ({ apiVersion: '2.2.1', kind: 'DataContract', ...d })),
      fc.dictionary(keys, value, { maxKeys: 6 }).map((d) => ({ data_product_contract: d })),
    );
    fc.assert(fc.property(roots, (r) => { onlyCoded(r as Record<string, unknown>); onlyCoded(JSON.stringify(r)); }), { numRuns: 300 });
  });
});
