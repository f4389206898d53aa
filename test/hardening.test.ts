/**
 * Hostile inputs: every broken, hostile or oversized contract, plan and access request ends in a coded
 * MeshgateError or a Decision — never an untyped exception, never an allow it should not be, and never a
 * polluted Object.prototype. Big inputs (100 MB, depth 10 000, alias bombs) are generated at test time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { parsePlan } from '../src/subjects/terraform/check.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

let engine: Engine;
let tmp: string;
beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } });
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-hostile-'));
});
afterAll(async () => {
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const PLAN_FILE = join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-sse.plan.json');
const CONTRACT_FILE = join(FIXTURES, 'contracts', 'customer-profile.yaml');
const planText = (): string => readFileSync(PLAN_FILE, 'utf8');
const contractText = (): string => readFileSync(CONTRACT_FILE, 'utf8');

/** Runs `fn` and returns the MeshgateError code it threw; fails the test on an untyped error or no error. */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MeshgateError) return e.code;
    throw new Error(`untyped error escaped: ${String(e)}`, { cause: e });
  }
  return 'NO_ERROR';
}

/** The parts of a decision that must not depend on how or when it was produced. */
function essence(d: Decision): unknown {
  return { allowed: d.allowed, outcome: d.outcome, findings: d.findings.map((f) => ({ ...f, location: undefined })), errors: d.errors, layers: d.layers };
}

function utf16le(text: string, bom: boolean): Uint8Array {
  const body = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}
function utf16be(text: string, bom: boolean): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return bom ? Buffer.concat([Buffer.from([0xfe, 0xff]), be]) : be;
}

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0xff, 0xfe, 0x00, 0x80]);
const INVALID_UTF8 = (text: string): Uint8Array => {
  const b = Buffer.from(text, 'utf8');
  const at = b.indexOf(Buffer.from('"1.7.5"')) + 2;
  return Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), b.subarray(at)]);
};

describe('hostile Terraform plans', () => {
  it('malformed JSON is MG_PLAN_JSON_SYNTAX with a line and column', async () => {
    const text = '{\n  "format_version": "1.2",\n  "resource_changes": [ }\n}';
    let err: unknown;
    try {
      await engine.checkPlan(text, { file: 'bad.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshgateError);
    expect((err as MeshgateError).code).toBe('MG_PLAN_JSON_SYNTAX');
    expect((err as MeshgateError).location?.file).toBe('bad.json');
    expect((err as MeshgateError).location?.line).toBeGreaterThanOrEqual(3);
  });

  it('a plan truncated at any of 40 points is MG_PLAN_JSON_SYNTAX (or not a plan), never a decision', async () => {
    const text = planText();
    const codes = new Set<string>();
    for (let k = 1; k < 40; k++) codes.add(await codeOf(() => engine.checkPlan(text.slice(0, Math.floor((text.length * k) / 40)))));
    expect([...codes].sort()).toEqual(['MG_PLAN_JSON_SYNTAX']);
  });

  it('NaN and Infinity literals are JSON syntax errors', async () => {
    expect(await codeOf(() => engine.checkPlan('{"format_version":"1.2","resource_changes":[],"x":NaN}'))).toBe('MG_PLAN_JSON_SYNTAX');
    expect(await codeOf(() => engine.checkPlan('{"format_version":"1.2","resource_changes":[],"x":Infinity}'))).toBe('MG_PLAN_JSON_SYNTAX');
  });

  it('UTF-16 LE and BE with a BOM are decoded and decide like UTF-8', async () => {
    const text = planText();
    const base = essence(await engine.checkPlan(text));
    expect((base as { allowed: boolean }).allowed).toBe(false);
    expect(essence(await engine.checkPlan(utf16le(text, true)))).toEqual(base);
    expect(essence(await engine.checkPlan(utf16be(text, true)))).toEqual(base);
    expect(parsePlan(utf16be(text, true)).notes).toContain('utf-16be');
  });

  it('UTF-16 LE and BE without a BOM are MG_PLAN_ENCODING', async () => {
    expect(await codeOf(() => engine.checkPlan(utf16le(planText(), false)))).toBe('MG_PLAN_ENCODING');
    expect(await codeOf(() => engine.checkPlan(utf16be(planText(), false)))).toBe('MG_PLAN_ENCODING');
  });

  it('invalid UTF-8 and binary files are MG_PLAN_ENCODING', async () => {
    expect(await codeOf(() => engine.checkPlan(INVALID_UTF8(planText())))).toBe('MG_PLAN_ENCODING');
    expect(await codeOf(() => engine.checkPlan(PNG))).toBe('MG_PLAN_ENCODING');
    expect(await codeOf(() => engine.checkPlan(new Uint8Array(4096)))).toBe('MG_PLAN_ENCODING');
  });

  it('empty and blank files are MG_PLAN_EMPTY', async () => {
    expect(await codeOf(() => engine.checkPlan(new Uint8Array(0)))).toBe('MG_PLAN_EMPTY');
    expect(await codeOf(() => engine.checkPlan(' \n\t\r\n'))).toBe('MG_PLAN_EMPTY');
    expect(await codeOf(() => engine.checkPlan(Uint8Array.from([0xef, 0xbb, 0xbf])))).toBe('MG_PLAN_EMPTY');
  });

  it('JSON that is not a plan object is MG_PLAN_NOT_A_PLAN', async () => {
    for (const t of ['[]', 'null', '42', '"plan"', '{}', '{"format_version": 1}']) {
      expect(await codeOf(() => engine.checkPlan(t))).toBe('MG_PLAN_NOT_A_PLAN');
    }
    expect(await codeOf(() => engine.checkPlan(null as unknown as string))).toMatch(/^MG_PLAN_/);
    expect(await codeOf(() => engine.checkPlan(42 as unknown as string))).toMatch(/^MG_PLAN_/);
  });

  it('nesting depth 10 000 in plan text is MG_PLAN_TOO_DEEP', async () => {
    const deep = `{"format_version":"1.2","resource_changes":[],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(await codeOf(() => engine.checkPlan(deep))).toBe('MG_PLAN_TOO_DEEP');
    expect(await codeOf(() => engine.checkPlan(Buffer.from(deep)))).toBe('MG_PLAN_TOO_DEEP');
  });

  it('deep (100 000 levels) and cyclic values in a plan object never crash: only known attributes reach policies', async () => {
    const base = essence(await engine.checkPlan(planText()));
    const plan = JSON.parse(planText()) as { resource_changes: Array<{ change: Record<string, Record<string, unknown>> }> };
    let nest: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) nest = { n: nest };
    const cyc: Record<string, unknown> = {};
    cyc['me'] = cyc;
    const change = plan.resource_changes[0]!.change;
    Object.assign(change['after']!, { deep: nest, cyc });
    change['after_unknown'] = { deep: nest, cyc };
    change['after_sensitive'] = { deep: nest, cyc };
    const d = await engine.checkPlan(plan as unknown as Record<string, unknown>);
    expect(essence(d)).toEqual(base);
    const top = JSON.parse(planText()) as Record<string, unknown>;
    top['self'] = top;
    expect(essence(await engine.checkPlan(top))).toEqual(base);
  });

  it('__proto__, constructor and prototype keys are plain data and Object.prototype stays untouched', async () => {
    const text = planText().replace(
      '"DataClassification": "PII",',
      '"DataClassification": "PII", "__proto__": {"polluted": "yes", "DataClassification": "public"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"},',
    );
    expect(text).not.toBe(planText());
    const d = await engine.checkPlan(text);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(d.allowed).toBe(false);
    expect(d.findings.map((f) => f.rule)).toContain('pii_bucket_encryption');
  });

  it('duplicate keys: the last value wins, as in Go (terraform-json, opa eval)', async () => {
    // the PII tag first, then a harmless one: Go and JSON.parse keep the last
    const text = planText().replaceAll('"DataClassification": "PII",', '"DataClassification": "PII", "DataClassification": "internal",');
    const d = await engine.checkPlan(text);
    expect(d.findings.map((f) => f.rule)).not.toContain('pii_bucket_encryption');
    const back = planText().replaceAll('"DataClassification": "PII",', '"DataClassification": "internal", "DataClassification": "PII",');
    expect((await engine.checkPlan(back)).findings.map((f) => f.rule)).toContain('pii_bucket_encryption');
  });

  it('huge numbers and non-finite values in an object plan decide without crashing', async () => {
    const text = planText().replace('"force_destroy": false', '"force_destroy": false, "big": 1e400, "small": -1e400, "int": 123456789012345678901234567890');
    const d1 = await engine.checkPlan(text);
    expect(d1.outcome).toBe('denied');
    const obj = JSON.parse(planText()) as { planned_values: { root_module: { child_modules: Array<{ resources: Array<{ values: Record<string, unknown> }> }> } } };
    Object.assign(obj.planned_values.root_module.child_modules[0]!.resources[0]!.values, { nan: NaN, inf: Infinity, big: Number.MAX_VALUE, neg: -0 });
    const d2 = await engine.checkPlan(obj as unknown as Record<string, unknown>);
    expect(essence(d2)).toEqual(essence(await engine.checkPlan(planText())));
  });

  it('a 100 MB plan decides (no crash) and a lower maxBytes refuses it with MG_PLAN_TOO_LARGE', async () => {
    const plan = JSON.parse(planText()) as Record<string, unknown>;
    plan['padding'] = 'x'.repeat(100 * 1024 * 1024);
    const file = join(tmp, 'huge.plan.json');
    writeFileSync(file, JSON.stringify(plan));
    delete plan['padding'];
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(100 * 1024 * 1024);
    const d = await engine.checkPlan(bytes, { file });
    expect(d.allowed).toBe(false);
    expect(d.findings.map((f) => f.rule)).toContain('pii_bucket_encryption');
    expect(await codeOf(() => parsePlan(bytes, { maxBytes: 50 * 1024 * 1024 }))).toBe('MG_PLAN_TOO_LARGE');
    rmSync(file);
  });
});

const SEED_YAML = `domain: finance
data_product: ledger
version: 1.0.0
owner: finance@company.com
schema:
  fields:
    - name: id
      type: string
`;

describe('hostile data contracts', () => {
  it('malformed YAML is MG_CONTRACT_SYNTAX with a line', async () => {
    let err: unknown;
    try {
      await engine.checkContract('domain: a\ndata_product: [unclosed\n  version: 1\n', { file: 'c.yaml' });
    } catch (e) {
      err = e;
    }
    expect((err as MeshgateError).code).toBe('MG_CONTRACT_SYNTAX');
    expect((err as MeshgateError).location?.file).toBe('c.yaml');
    expect((err as MeshgateError).location?.line).toBeGreaterThan(0);
  });

  it('malformed and truncated JSON contracts are MG_CONTRACT_SYNTAX', async () => {
    const json = readFileSync(join(FIXTURES, 'contracts', 'sales-processed-orders.json'), 'utf8');
    const codes = new Set<string>();
    for (let k = 1; k < 20; k++) codes.add(await codeOf(() => engine.checkContract(json.slice(0, Math.floor((json.length * k) / 20)))));
    expect([...codes].sort()).toEqual(['MG_CONTRACT_SYNTAX']);
    expect(await codeOf(() => engine.checkContract('{"data_product_contract": {"id": "x" "name": 1}}'))).toBe('MG_CONTRACT_SYNTAX');
  });

  it('a YAML document truncated anywhere is a coded error or a decision, never a crash', async () => {
    const text = contractText();
    for (let k = 1; k < 30; k++) {
      const cut = text.slice(0, Math.floor((text.length * k) / 30));
      try {
        const d = await engine.checkContract(cut);
        expect(['allowed', 'denied', 'error']).toContain(d.outcome);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshgateError);
        expect((e as MeshgateError).code).toMatch(/^MG_CONTRACT_/);
      }
    }
  });

  it('UTF-16 LE and BE with a BOM are decoded and decide like UTF-8', async () => {
    const base = essence(await engine.checkContract(contractText()));
    expect(essence(await engine.checkContract(utf16le(contractText(), true)))).toEqual(base);
    expect(essence(await engine.checkContract(utf16be(contractText(), true)))).toEqual(base);
    expect(essence(await engine.checkContract(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(contractText())])))).toEqual(base);
  });

  it('UTF-16 LE and BE without a BOM, invalid UTF-8 and binary files are MG_CONTRACT_ENCODING', async () => {
    expect(await codeOf(() => engine.checkContract(utf16le(contractText(), false)))).toBe('MG_CONTRACT_ENCODING');
    expect(await codeOf(() => engine.checkContract(utf16be(contractText(), false)))).toBe('MG_CONTRACT_ENCODING');
    expect(await codeOf(() => engine.checkContract(Buffer.concat([Buffer.from(SEED_YAML), Buffer.from([0xc3, 0x28])])))).toBe('MG_CONTRACT_ENCODING');
    expect(await codeOf(() => engine.checkContract(PNG))).toBe('MG_CONTRACT_ENCODING');
    expect(await codeOf(() => engine.checkContract(new Uint8Array(1024)))).toBe('MG_CONTRACT_ENCODING');
    expect(await codeOf(() => engine.checkContract(`${SEED_YAML}\u0000`))).toBe('MG_CONTRACT_ENCODING');
  });

  it('empty files are MG_CONTRACT_FORMAT_UNKNOWN (an empty document is not a contract)', async () => {
    expect(await codeOf(() => engine.checkContract(''))).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
    expect(await codeOf(() => engine.checkContract(new Uint8Array(0)))).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
    expect(await codeOf(() => engine.checkContract('\n# only a comment\n'))).toBe('MG_CONTRACT_FORMAT_UNKNOWN');
    expect(await codeOf(() => engine.checkContract(null as unknown as string))).toBe('MG_CONTRACT_INPUT');
  });

  it('a YAML alias bomb is MG_CONTRACT_ALIAS_LIMIT', async () => {
    const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
    const bomb = `${SEED_YAML}${lines.join('\n')}\n`;
    const file = join(tmp, 'bomb.yaml');
    writeFileSync(file, bomb);
    expect(await codeOf(() => engine.checkContract(readFileSync(file), { file }))).toBe('MG_CONTRACT_ALIAS_LIMIT');
  });

  it('a 100 MB contract file is MG_CONTRACT_TOO_LARGE (as bytes and as text)', async () => {
    const file = join(tmp, 'huge.yaml');
    writeFileSync(file, `${SEED_YAML}padding: "${'x'.repeat(100 * 1024 * 1024)}"\n`);
    const bytes = readFileSync(file);
    expect(await codeOf(() => engine.checkContract(bytes, { file }))).toBe('MG_CONTRACT_TOO_LARGE');
    expect(await codeOf(() => engine.checkContract(bytes.toString('utf8'), { file }))).toBe('MG_CONTRACT_TOO_LARGE');
    rmSync(file);
  });

  it('nesting depth 10 000 is MG_CONTRACT_DEPTH in JSON, YAML flow, YAML block and as an object', async () => {
    expect(await codeOf(() => engine.checkContract(`{"data_product": "x", "n": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`))).toBe('MG_CONTRACT_DEPTH');
    expect(await codeOf(() => engine.checkContract(`${SEED_YAML}n: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`))).toBe('MG_CONTRACT_DEPTH');
    // block style costs indentation: depth 2 000 is already 2 M characters (10 000 would hit MG_CONTRACT_TOO_LARGE first)
    const block = Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(await codeOf(() => engine.checkContract(`${SEED_YAML}${block} 1\n`))).toBe('MG_CONTRACT_DEPTH');
    let nest: unknown = 1;
    for (let i = 0; i < 10_000; i++) nest = { n: nest };
    expect(await codeOf(() => engine.checkContract({ data_product: 'x', n: nest as Record<string, unknown> }))).toBe('MG_CONTRACT_DEPTH');
  });

  it('__proto__, constructor and prototype keys never reach Object.prototype', async () => {
    const yaml = `${SEED_YAML}__proto__:\n  polluted: yes\nconstructor:\n  prototype:\n    polluted: yes\nprototype:\n  polluted: yes\n    `;
    const d1 = await engine.checkContract(yaml);
    expect(['allowed', 'denied']).toContain(d1.outcome);
    const json = `{"data_product_contract": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}}`;
    await codeOf(() => engine.checkContract(json));
    const obj = JSON.parse(`{"domain":"finance","data_product":"ledger","version":"1.0.0","__proto__":{"polluted":true},"schema":{"fields":[{"name":"__proto__","type":"string","constructor":{"prototype":{"polluted":true}}}]}}`) as Record<string, unknown>;
    const d3 = await engine.checkContract(obj);
    expect(['allowed', 'denied']).toContain(d3.outcome);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('duplicate keys are MG_CONTRACT_SYNTAX in YAML and JSON', async () => {
    expect(await codeOf(() => engine.checkContract(`${SEED_YAML}owner: someone-else@company.com\n`))).toBe('MG_CONTRACT_SYNTAX');
    expect(await codeOf(() => engine.checkContract('{"data_product_contract": {"id": "a", "id": "b"}}'))).toBe('MG_CONTRACT_SYNTAX');
  });

  it('NaN, Infinity and huge numbers are accepted as data and decide deterministically', async () => {
    const yaml = `${SEED_YAML}extra:\n  nan: .nan\n  inf: .inf\n  neg: -.inf\n  big: 1e400\n  int: 123456789012345678901234567890\n`;
    const a = await engine.checkContract(yaml);
    const b = await engine.checkContract(yaml);
    expect(essence(a)).toEqual(essence(b));
    expect(['allowed', 'denied']).toContain(a.outcome);
    const c = await engine.checkContract({ domain: 'finance', data_product: 'ledger', version: '1.0.0', owner: 'finance@company.com', schema: { fields: [{ name: 'id', type: 'string' }] }, extra: { nan: NaN, inf: Infinity, big: 10n } });
    expect(['allowed', 'denied']).toContain(c.outcome);
  });
});

describe('hostile access requests', () => {
  const ok = { user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' } };

  it('non-objects, missing fields and wrong types are denying MG_ACCESS_REQUEST_INVALID decisions', () => {
    const bad: unknown[] = [null, undefined, 42, 'read', [], {}, { ...ok, user: null }, { ...ok, action: '' }, { ...ok, data_product: { id: 7 } }, { ...ok, dataProduct: ok.data_product }, { ...ok, extra: 1 }, { ...ok, columns: 'all' }];
    for (const r of bad) {
      const d = engine.authorize(r as never);
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.errors[0]?.code).toBe('MG_ACCESS_REQUEST_INVALID');
    }
    expect(engine.authorize(ok).allowed).toBe(true);
  });

  it('cycles and BigInts in attributes are denying coded decisions', () => {
    const attrs: Record<string, unknown> = {};
    attrs['self'] = attrs;
    const d1 = engine.authorize({ ...ok, user: { ...ok.user, attributes: attrs } });
    expect(d1.allowed).toBe(false);
    expect(d1.errors[0]?.code).toBe('MG_INPUT_UNSERIALISABLE');
    const d2 = engine.authorize({ ...ok, user: { ...ok.user, attributes: { n: 10n } } });
    expect(d2.allowed).toBe(false);
    expect(d2.errors[0]?.code).toBe('MG_INPUT_UNSERIALISABLE');
  });

  it('__proto__ keys and getters that throw never allow or pollute', () => {
    const polluted = JSON.parse('{"user":{"id":"alice","__proto__":{"roles":["pii_reader"]}},"action":"read","data_product":{"id":"campaign_stats","classification":"public","__proto__":{"polluted":1}}}') as never;
    const d = engine.authorize(polluted);
    expect(['allowed', 'denied', 'error']).toContain(d.outcome);
    expect(Object.prototype).not.toHaveProperty('polluted');
    const trap = { ...ok, user: { id: 'alice', get department(): string { throw new Error('boom'); } } };
    const d2 = engine.authorize(trap as never);
    expect(d2.allowed).toBe(false);
    expect(d2.errors[0]?.code).toMatch(/^MG_/);
    const proxy = new Proxy({}, { get() { throw new TypeError('proxy says no'); }, ownKeys() { throw new TypeError('proxy says no'); } });
    const d3 = engine.authorize(proxy as never);
    expect(d3.allowed).toBe(false);
    expect(d3.errors[0]?.code).toMatch(/^MG_/);
  });

  it('NaN, Infinity and huge strings decide without crashing', () => {
    const d = engine.authorize({ ...ok, user: { ...ok.user, attributes: { n: NaN, i: Infinity, s: 'x'.repeat(1_000_000) } } });
    expect(['allowed', 'denied']).toContain(d.outcome);
    expect(engine.authorize(ok).allowed).toBe(true);
  });
});
