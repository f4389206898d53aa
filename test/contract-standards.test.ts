/**
 * Issue 19: contracts and plans written by today's tools, through the real compiled bundles. One block
 * per bullet of the first list; each failed on c57ef46.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const DIR = join(FIXTURES, 'contracts', 'standards');
const FAILING = join(FIXTURES, 'contracts', 'failing');
const read = (name: string): string => readFileSync(join(name.startsWith('dcs-three-pii') ? FAILING : DIR, name), 'utf8');
let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
});
afterAll(async () => {
  await engine.close();
});

const rules = (d: Decision, level: 'deny' | 'warn' = 'deny'): string[] => d.findings.filter((f) => f.level === level).map((f) => f.rule).sort();
const check = (text: string, file: string): Promise<Decision> => engine.checkContract(text, { file });

describe('ODCS v3.2 is accepted; newer v3 minors are accepted with a warning when compatible', () => {
  it('an ODCS v3.2.0 contract declaring its facts in standard fields passes every rule', async () => {
    const d = await check(read('odcs-v3.2-orders.odcs.yaml'), 'orders.odcs.yaml');
    expect(d.errors).toEqual([]);
    expect(d.findings).toEqual([]);
    expect(d.outcome).toBe('allowed');
  });

  it('v3.3.0 that validates against the v3.2.0 schema is read, with a contract_standard_version_newer warning at apiVersion', async () => {
    const text = read('odcs-v3.2-orders.odcs.yaml').replace('apiVersion: v3.2.0', 'apiVersion: v3.3.0');
    const d = await check(text, 'newer.yaml');
    expect(rules(d)).toEqual([]);
    const w = d.findings.find((f) => f.rule === 'contract_standard_version_newer');
    expect(w?.level).toBe('warn');
    expect(w?.msg).toMatch(/v3\.3\.0 is newer .* read as ODCS v3\.2\.0/);
    expect(w?.location).toMatchObject({ file: 'newer.yaml', line: 4 });
  });

  it('a newer minor that breaks the newest known schema is refused, saying why', async () => {
    const text = read('odcs-v3.2-orders.odcs.yaml').replace('apiVersion: v3.2.0', 'apiVersion: v3.9.0').replace('version: 1.0.0', 'version: [1]');
    await expect(check(text, 'bad.yaml')).rejects.toMatchObject({ code: 'MG_CONTRACT_VERSION_UNSUPPORTED', message: expect.stringMatching(/v3\.9\.0 .*not compatible.*\/version must be string/) });
  });

  it('a later patch (v3.2.1) is read as v3.2.0 without a warning', async () => {
    const d = await check(read('odcs-v3.2-orders.odcs.yaml').replace('apiVersion: v3.2.0', 'apiVersion: v3.2.1'), 'patch.yaml');
    expect(d.findings).toEqual([]);
  });

  it('a newer DCS minor (1.3.0) compatible with the 1.2.1 schema is read with a warning', async () => {
    const text = read('dcs-three-pii.datacontract.yaml').replace('dataContractSpecification: 1.1.0', 'dataContractSpecification: 1.3.0');
    const d = await check(text, 'dcs13.yaml');
    expect(d.findings.find((f) => f.rule === 'contract_standard_version_newer')?.msg).toMatch(/1\.3\.0 is newer .* read as DCS 1\.2\.1/);
  });

  it('a v4 contract is still refused', async () => {
    const text = read('odcs-v3.2-orders.odcs.yaml').replace('apiVersion: v3.2.0', 'apiVersion: v4.0.0');
    await expect(check(text, 'v4.yaml')).rejects.toMatchObject({ code: 'MG_CONTRACT_VERSION_UNSUPPORTED' });
  });

  it('violations of the published schema are located warnings (a misspelt key of a v3.2 server)', async () => {
    const text = read('odcs-v3.2-orders.odcs.yaml').replace('    format: delta', '    format: delta\n    fromat: delta');
    const d = await check(text, 'typo.yaml');
    const w = d.findings.filter((f) => f.rule === 'contract_schema_violation');
    expect(w.length).toBeGreaterThan(0);
    expect(w.some((f) => f.level === 'warn' && /ODCS v3\.2\.0/.test(f.msg) && f.location?.line !== undefined && f.location.line >= 18 && f.location.line <= 24)).toBe(true);
  });
});

describe('PII in ODCS customProperties is read (no silent false negative)', () => {
  it('a DCS file with 3 PII fields and its ODCS conversion get the same 3 contract_pii_encryption denials', async () => {
    const dcs = await check(read('dcs-three-pii.datacontract.yaml'), 'dcs.yaml');
    const odcs = await check(read('dcs-three-pii.odcs.yaml'), 'odcs.yaml');
    const names = (d: Decision): string[] =>
      d.findings.filter((f) => f.rule === 'contract_pii_encryption').map((f) => /Field "([^"]+)"/.exec(f.msg)?.[1] ?? '').sort();
    expect(names(dcs)).toEqual(['birth_date', 'email', 'phone']);
    expect(names(odcs)).toEqual(['birth_date', 'email', 'phone']);
    expect(rules(dcs)).toEqual(rules(odcs));
    // The same conversion written as v3.1.0 (accepted before): the customProperties marking alone decides.
    const v31 = await check(read('dcs-three-pii.odcs.yaml').replace('apiVersion: v3.2.0', 'apiVersion: v3.1.0'), 'odcs31.yaml');
    expect(names(v31)).toEqual(['birth_date', 'email', 'phone']);
  });

  it.each([
    ['customProperties pii: true', "customProperties:\n          - property: isPII\n            value: true"],
    ['tags [PII]', 'tags: [PII]'],
    ['classification: pii', 'classification: pii'],
  ])('%s marks a property as PII', async (_label, marking) => {
    const text = read('odcs-v3.2-orders.odcs.yaml').replace('        primaryKey: true', `        primaryKey: true\n        ${marking}`).replace(/customProperties:\n  - property: encryption\n    value: AES256_GCM\n/, '');
    const d = await check(text, 'mark.yaml');
    const pii = d.findings.filter((f) => f.rule === 'contract_pii_encryption').map((f) => /Field "([^"]+)"/.exec(f.msg)?.[1]);
    expect(pii.sort()).toEqual(['customer_email', 'order_id']);
  });

  it("a pii property given twice ('False' then 'True') is PII: any marking wins", async () => {
    const text = read('dcs-three-pii.odcs.yaml').replace("          - property: pii\n            value: 'True'\n      - name: phone", "          - property: PII\n            value: 'False'\n          - property: pii\n            value: 'True'\n      - name: phone");
    expect(text).toContain("value: 'False'");
    const d = await check(text, 'dup.yaml');
    expect(d.findings.filter((f) => f.rule === 'contract_pii_encryption')).toHaveLength(3);
  });

  it('encryption declared as "none" does not satisfy the PII rule', async () => {
    const text = read('dcs-three-pii.odcs.yaml').replace('schema:\n', 'customProperties:\n  - property: encryption\n    value: none\nschema:\n');
    expect(text).toContain('value: none');
    expect((await check(text, 'none.yaml')).findings.filter((f) => f.rule === 'contract_pii_encryption')).toHaveLength(3);
  });

  it("customProperties pii with value 'False' is not PII", async () => {
    const text = read('dcs-three-pii.odcs.yaml').replace(/value: 'True'/g, "value: 'False'");
    expect(rules(await check(text, 'no-pii.yaml'))).not.toContain('contract_pii_encryption');
  });
});

describe('standard fields satisfy the encryption and domain rules', () => {
  it('DCS: info.x-encryption satisfies contract_pii_encryption and info.x-domain contract_domain_required', async () => {
    const text = read('dcs-three-pii.datacontract.yaml').replace('  x-domain: customer', '  x-domain: customer\n  x-encryption: AES256_GCM');
    const d = await check(text, 'dcs.yaml');
    expect(d.findings).toEqual([]);
    expect(d.outcome).toBe('allowed');
    const withoutDomain = await check(text.replace('  x-domain: customer\n', ''), 'dcs.yaml');
    expect(rules(withoutDomain)).toEqual(['contract_domain_required']);
  });

  it('ODCS v3: root customProperties encryption satisfies contract_pii_encryption', async () => {
    const text = read('dcs-three-pii.odcs.yaml').replace('schema:\n', 'customProperties:\n  - property: encryption\n    value: AES256_GCM\nschema:\n');
    const d = await check(text, 'odcs.yaml');
    expect(d.findings).toEqual([]);
  });

  it('ODCS v3: a PII property naming its encrypted element (encryptedName) satisfies the rule for that property only', async () => {
    const text = read('dcs-three-pii.odcs.yaml').replace("      - name: email\n", "      - name: email\n        encryptedName: email_aes\n");
    const d = await check(text, 'odcs.yaml');
    const pii = d.findings.filter((f) => f.rule === 'contract_pii_encryption').map((f) => /Field "([^"]+)"/.exec(f.msg)?.[1]);
    expect(pii.sort()).toEqual(['birth_date', 'phone']);
  });

  it('ODCS v2: datasetDomain, stakeholders, slaProperties and customProperties satisfy the finance layer too', async () => {
    const d = await check(read('odcs-v2-postgres.yaml'), 'ledger.yaml');
    expect(d.domain).toBe('finance');
    expect(d.findings).toEqual([]);
  });
});

describe('owner is the current role holder', () => {
  it('ODCS v2 stakeholders: the holder without dateOut, not the first one listed', () => {
    expect(parseContract(read('odcs-v2-postgres.yaml')).contract.owner).toBe('current');
  });

  it('ODCS v3.0 team list: the latest dateIn among holders without dateOut', () => {
    const text = [
      'apiVersion: v3.0.2', 'kind: DataContract', 'id: t', 'version: 1.0.0', 'status: active', 'team:',
      '  - {username: ceastwood, role: dpo, dateIn: "2014-08-02", dateOut: "2014-10-01"}',
      '  - {username: jwayne, role: dpo, dateIn: "2014-10-01"}',
      '  - {username: bkid, role: dpo, dateIn: "2021-04-01"}',
      '  - {username: other, role: Data Engineer, dateIn: "2023-01-01"}',
    ].join('\n');
    expect(parseContract(text).contract.owner).toBe('bkid');
  });

  it('when every holder has left, the latest one is named and a located contract_owner_role_ended warning says so', async () => {
    const text = read('odcs-v2-postgres.yaml').replace('    dateIn: 2021-04-01\n', '    dateIn: 2021-04-01\n    dateOut: 2022-01-01\n');
    const d = await check(text, 'left.yaml');
    const w = d.findings.find((f) => f.rule === 'contract_owner_role_ended');
    expect(w?.level).toBe('warn');
    expect(w?.msg).toContain('current');
    expect(w?.msg).toContain('2022-01-01');
    expect(w?.location?.line).toBe(20); // the `- username: current` item
  });
});

describe('output ports: typed by server type first, format rule on storage ports only', () => {
  const v3 = (servers: string): string =>
    read('odcs-v3.2-orders.odcs.yaml').replace(/servers:\n(?: {2}.*\n|\s{4}.*\n)+?slaProperties:/, `servers:\n${servers}slaProperties:`);

  it('a REST API server with format json is not judged by the storage-format rule', async () => {
    const d = await check(v3('  - server: api\n    type: api\n    location: https://api.acme.com/orders\n    format: json\n'), 'api.yaml');
    expect(rules(d)).toEqual([]);
    expect(d.findings.filter((f) => f.rule.startsWith('contract_output_format'))).toEqual([]);
  });

  it('an azure server on https://…blob.core.windows.net is storage: parquet is denied, with the rule scope in the message', async () => {
    const d = await check(v3('  - server: blob\n    type: azure\n    location: https://acme.blob.core.windows.net/orders/*.parquet\n    format: parquet\n'), 'azure.yaml');
    const f = d.findings.find((x) => x.rule === 'contract_output_format');
    expect(f?.level).toBe('deny');
    expect(f?.msg).toMatch(/Storage output port blob uses format "parquet".*storage ports.*Database, stream and API ports are not subject/);
    expect(f?.location?.line).toBe(21);
  });

  it('an unknown server type with an Azure blob https location is storage too (location before "https means API")', () => {
    const c = parseContract(v3('  - server: blob\n    type: custom\n    location: https://acme.blob.core.windows.net/orders/\n')).contract;
    expect(c.output_ports[0]?.kind).toBe('storage');
  });

  it.each(['postgres', 'bigquery', 'snowflake'])('a %s server gets neither "no storage format" nor a format deny', async (type) => {
    const d = await check(v3(`  - server: db\n    type: ${type}\n    host: db.acme.com\n    database: sales\n`), `${type}.yaml`);
    expect(d.findings.filter((f) => f.rule.startsWith('contract_output_format'))).toEqual([]);
  });

  it('ODCS v2 top-level server/driver is an output port (no contract_output_port_missing), typed as a database', async () => {
    const d = await check(read('odcs-v2-postgres.yaml'), 'ledger.yaml');
    expect(rules(d, 'warn')).not.toContain('contract_output_port_missing');
    expect(parseContract(read('odcs-v2-postgres.yaml')).contract.output_ports).toEqual([
      { kind: 'database', name: 'db.acme.internal', type: 'postgres', location: 'db.acme.internal/ledger' },
    ]);
  });

  it('property-level quality rules are imported (ODCS v3 properties, ODCS v2 columns)', () => {
    expect(parseContract(read('odcs-v3.2-orders.odcs.yaml')).contract.quality).toEqual([{ name: 'nullValues', column: 'customer_email', threshold: 0 }]);
    expect(parseContract(read('odcs-v2-postgres.yaml')).contract.quality).toEqual([
      { name: 'NullCheck', description: 'entry ids are never null', column: 'entry_id' },
    ]);
  });
});

describe('PyYAML-style under-indented continuation', () => {
  it('says why (indentation of a quoted continuation) and where (the continuation line)', async () => {
    const text = [
      'dataContractSpecification: 1.1.0',
      'id: c',
      'info:',
      '  title: C',
      '  version: 1.0.0',
      '  description: "A description that PyYAML wraps',
      '  at the key\'s own indentation"',
      '  owner: me',
    ].join('\n');
    const err = await check(text, 'wrapped.yaml').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MeshgateError);
    const e = err as MeshgateError;
    expect(e.code).toBe('MG_CONTRACT_SYNTAX');
    expect(e.message).toMatch(/"description" \(line 6\) continues on line 7 indented by 2 spaces.*indented more than its key.*PyYAML accepts this/);
    expect(e.location).toEqual({ file: 'wrapped.yaml', line: 7, column: 3 });
  });

  it('a properly indented continuation still parses', () => {
    const text = 'dataContractSpecification: 1.1.0\nid: c\ninfo:\n  title: C\n  version: 1.0.0\n  description: "wrapped\n    properly"\n';
    expect(parseContract(text).contract.description).toBe('wrapped properly');
  });
});
