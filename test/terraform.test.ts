import { skipCorpus } from './helpers/paths.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { isMeshgateError } from '../src/errors.js';
import { parsePlan, preparePlan } from '../src/subjects/terraform/check.js';
import type { Decision } from '../src/types.js';
// @ts-expect-error -- plain ESM script without type declarations
import { generatePlan } from '../bench/gen-plan.mjs';

const root = process.cwd();
const corpus = resolve(root, '../shared/corpus');
type Engine = Awaited<ReturnType<typeof createEngine>>;
let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({ global: 'policies/dist/global.tar.gz', domains: { finance: 'policies/dist/finance.tar.gz' } });
});
afterAll(async () => {
  await engine.close();
});

const BUCKET = 'module.customer_profile.aws_s3_bucket.data_product_bucket';
const denies = (d: Decision) => d.findings.filter((f) => f.level === 'deny');

function lineOf(file: string, address: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const rcStart = lines.findIndex((l) => l.includes('"resource_changes"'));
  const i = lines.findIndex((l, n) => n > rcStart && l.includes(`"address": "${address}"`));
  return i; // the entry's `{` is on the line before its address (1-based: i)
}

describe('fixtures: data_product_foundation plans', () => {
  it('a compliant PII bucket with split SSE/logging/versioning resources has no deny', async () => {
    const file = 'fixtures/plans/data-product-foundation.plan.json';
    const d = await engine.checkPlan(readFileSync(file, 'utf8'), { file });
    expect(d.outcome).toBe('allowed');
    expect(denies(d)).toEqual([]);
    expect(d.errors).toEqual([]);
  });

  for (const [name, rule] of [
    ['pii-bucket-without-sse', 'pii_bucket_encryption'],
    ['pii-bucket-without-logging', 'pii_bucket_access_logging'],
    ['pii-bucket-without-tags', 'mandatory_tags'],
  ] as const) {
    it(`${name} is denied by ${rule} with address, layer and line`, async () => {
      const file = `fixtures/plans/failing/${name}.plan.json`;
      const d = await engine.checkPlan(readFileSync(file, 'utf8'), { file });
      expect(d.allowed).toBe(false);
      const f = denies(d).find((x) => x.rule === rule);
      expect(f, JSON.stringify(d.findings)).toBeDefined();
      expect(f?.resource).toBe(BUCKET);
      expect(f?.layer).toBe('global');
      expect(f?.location).toEqual({ file, line: lineOf(file, BUCKET), column: 5 });
      expect(denies(d).every((x) => x.resource === BUCKET)).toBe(true);
    });
  }

  it('a finance bucket without 7-year retention is denied by the finance layer only for finance resources', async () => {
    const plan = JSON.parse(readFileSync('fixtures/plans/data-product-foundation.plan.json', 'utf8')) as { resource_changes: { type: string; change: { after: { tags: Record<string, string> } } }[] };
    for (const rc of plan.resource_changes) if (rc.type === 'aws_s3_bucket') rc.change.after.tags = { ...rc.change.after.tags, Domain: 'Finance' };
    const d = await engine.checkPlan(JSON.stringify(plan), { file: 'finance.json' });
    const f = denies(d).find((x) => x.rule === 'finance_retention_7y');
    expect(f?.layer).toBe('finance');
    expect(f?.resource).toBe(BUCKET);
    expect(d.allowed).toBe(false);
  });
});

describe('parser: awkward but real forms, and coded errors', () => {
  const text = readFileSync('fixtures/plans/data-product-foundation.plan.json', 'utf8');
  const first = parsePlan(text).positions?.[0];
  it('keeps positions of resource_changes entries', () => {
    expect(first).toEqual({ line: lineOf('fixtures/plans/data-product-foundation.plan.json', BUCKET), column: 5 });
  });
  it('accepts a UTF-8 BOM, UTF-16 LE/BE with BOM and setup-terraform wrapper lines', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    const cases: [string | Uint8Array, string][] = [
      ['\ufeff' + text, 'utf-8-bom'],
      [new Uint8Array(le), 'utf-16le'],
      [new Uint8Array(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), 'utf-16be'],
      [`[command]/home/runner/work/_temp/abc/terraform-bin show -json plan.out\n${text}\n::debug::Terraform exited with code 0.\n::debug::stderr: \n`, 'wrapper'],
    ];
    for (const [src, note] of cases) {
      const p = parsePlan(src);
      expect(p.notes).toContain(note);
      expect(p.positions?.[0]?.line).toBe((first?.line ?? 0) + (note === 'wrapper' ? 1 : 0));
    }
  });
  const code = (src: string | Record<string, unknown>) => {
    try {
      parsePlan(src, { file: 'x.json' });
      return 'no error';
    } catch (e) {
      return isMeshgateError(e) ? `${e.code}${e.location?.line === undefined ? '' : `@${e.location.line}`}` : 'not a MeshgateError';
    }
  };
  it('names each broken input', () => {
    expect(code('{"format_version":"1.0","values":{"root_module":{}}}')).toBe('MG_PLAN_IS_STATE');
    expect(code('{"version":4,"serial":3,"lineage":"x","resources":[]}')).toBe('MG_PLAN_IS_STATE');
    expect(code({ mock: { plan: { format_version: '1.2', resource_changes: [] } } })).toBe('MG_PLAN_WRAPPED');
    expect(code('{\n "format_version": "1.2",\n "resource_changes": [\n')).toMatch(/^MG_PLAN_JSON_SYNTAX@\d+$/);
    expect(code('{\n "format_version": "1.2",\n oops\n}')).toBe('MG_PLAN_JSON_SYNTAX@3');
    expect(code('{"hello": "world"}')).toBe('MG_PLAN_NOT_A_PLAN');
    expect(code('[1,2]')).toBe('MG_PLAN_NOT_A_PLAN');
    expect(code('{"format_version":"2.0","resource_changes":[]}')).toBe('MG_PLAN_FORMAT_UNSUPPORTED');
    expect(code('['.repeat(1000) + ']'.repeat(1000))).toBe('MG_PLAN_TOO_DEEP@1');
    expect(() => parsePlan('{}', { maxBytes: 1 })).toThrow(expect.objectContaining({ code: 'MG_PLAN_TOO_LARGE' }));
  });
  it('accepts HCP Terraform redacted JSON (plan_format_version, no planned_values)', () => {
    const p = preparePlan(JSON.stringify({ plan_format_version: '1.2', resource_changes: [{ address: 'aws_s3_bucket.a', mode: 'managed', type: 'aws_s3_bucket', name: 'a', change: { actions: ['create'], after: { bucket: 'a' }, after_unknown: {} } }] }));
    expect(p.plan.redacted).toBe(true);
    expect(p.judged.map((j) => j.resource.address)).toEqual(['aws_s3_bucket.a']);
  });
  it('does not let __proto__ keys pollute prototypes', () => {
    const src = '{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.a","mode":"managed","type":"aws_s3_bucket","name":"a","change":{"actions":["create"],"after":{"bucket":"a","tags":{"__proto__":{"polluted":1},"Domain":"x"}},"after_unknown":{}}}]}';
    const p = preparePlan(src);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(p.judged[0]?.input.tags ?? {}, '__proto__')).toBe(true);
  });
  it('marks unknown values and never treats deleted resources or data sources as judged', () => {
    const src = { format_version: '1.2', resource_changes: [
      { address: 'aws_s3_bucket.u', mode: 'managed', type: 'aws_s3_bucket', name: 'u', change: { actions: ['create'], after: { bucket: 'u', tags: { DataClassification: 'PII' } }, after_unknown: { server_side_encryption_configuration: true, logging: true } } },
      { address: 'aws_s3_bucket.gone', mode: 'managed', type: 'aws_s3_bucket', name: 'gone', change: { actions: ['delete'], before: { bucket: 'g', tags: { DataClassification: 'PII' } }, after: null } },
      { address: 'data.aws_s3_bucket.d', mode: 'data', type: 'aws_s3_bucket', name: 'd', change: { actions: ['read'], after: {} } },
    ] };
    const p = preparePlan(src);
    expect(p.judged.map((j) => j.resource.address)).toEqual(['aws_s3_bucket.u']);
    expect(p.judged[0]?.input.unknown).toEqual(expect.arrayContaining(['encryption', 'logging']));
    expect(p.entries.find((e) => e.address === 'aws_s3_bucket.gone')?.action).toBe('delete');
  });
  it('unknown encryption gives an "unknown until apply" deny; deleting a PII bucket warns at plan level', async () => {
    const d = await engine.checkPlan({ format_version: '1.2', resource_changes: [
      { address: 'aws_s3_bucket.u', mode: 'managed', type: 'aws_s3_bucket', name: 'u', change: { actions: ['create'], after: { bucket: 'u', tags: { DataClassification: 'PII', Domain: 'x', DataProduct: 'p', CostCenter: '1', ManagedBy: 't', } }, after_unknown: { server_side_encryption_configuration: true } } },
      { address: 'aws_s3_bucket.gone', mode: 'managed', type: 'aws_s3_bucket', name: 'gone', change: { actions: ['delete'], before: { bucket: 'g', tags: { DataClassification: 'PII' } }, after: null } },
    ] });
    const enc = denies(d).find((f) => f.rule === 'pii_bucket_encryption');
    expect(enc?.msg).toContain('unknown until apply');
    expect(d.findings.find((f) => f.rule === 'pii_bucket_deletion')?.resource).toBe('aws_s3_bucket.gone');
    expect(d.findings.some((f) => f.resource === 'aws_s3_bucket.gone' && f.level === 'deny')).toBe(false);
  });
  it('maps domains by tag, module path and explicit mapping', () => {
    const src = { format_version: '1.2', resource_changes: [
      { address: 'module.ledger.aws_s3_bucket.a', module_address: 'module.ledger', mode: 'managed', type: 'aws_s3_bucket', name: 'a', change: { actions: ['create'], after: { tags: {} }, after_unknown: {} } },
      { address: 'aws_s3_bucket.b', mode: 'managed', type: 'aws_s3_bucket', name: 'b', change: { actions: ['create'], after: { tags: { Domain: 'Marketing' } }, after_unknown: {} } },
      { address: 'aws_s3_bucket.c', mode: 'managed', type: 'aws_s3_bucket', name: 'c', change: { actions: ['create'], after: {}, after_unknown: {} } },
    ] };
    const p = preparePlan(src, { domainMapping: { byModule: { 'module.ledger': 'finance' }, byAddress: { 'aws_s3_bucket.c': 'sales' } } });
    expect(p.judged.map((j) => j.domains)).toEqual([['finance'], ['marketing'], ['sales']]);
  });
});

describe.skipIf(skipCorpus('terraform corpus'))('corpus', () => {
  it('every plan in tfplan gives a Decision or a coded error; linked encryption gives no encryption finding', async () => {
    const dir = join(corpus, 'tfplan');
    const linkedEncryption: string[] = [];
    const perRule = new Map<string, number>();
    for (const f of readdirSync(dir).sort()) {
      const src = readFileSync(join(dir, f));
      let d: Decision;
      try {
        d = await engine.checkPlan(src, { file: f });
      } catch (e) {
        expect(isMeshgateError(e), `${f}: ${String(e)}`).toBe(true);
        console.log(`${f}: coded error ${(e as { code: string }).code}`);
        continue;
      }
      expect(d.errors, f).toEqual([]);
      const p = preparePlan(src, { file: f });
      console.log(`${f}: ${p.plan.resources.length} resources, ${p.judged.length} judged, ${d.findings.length} findings`);
      for (const x of d.findings) perRule.set(`${x.layer}:${x.rule}`, (perRule.get(`${x.layer}:${x.rule}`) ?? 0) + 1);
      const withSse = p.judged.filter((j) => j.input.type === 'aws_s3_bucket' && j.input.encryption?.source?.includes('server_side_encryption_configuration'));
      if (withSse.length > 0) {
        linkedEncryption.push(f);
        const addrs = new Set(withSse.map((j) => j.resource.address));
        expect(d.findings.filter((x) => addrs.has(x.resource ?? '') && /encryption|sse/.test(x.rule)), f).toEqual([]);
      }
    }
    console.log('findings per rule:', Object.fromEntries(perRule));
    console.log('plans whose buckets have linked encryption resources:', linkedEncryption);
    expect(linkedEncryption).toContain('aquasecurity__trivy__plan.json');
  });

  const expected: Record<string, string> = {
    // Named as a plan but state-shaped: format_version + values, no planned_values/resource_changes.
    'bridgecrewio__checkov__resources_plan_corrupted-tfplan.json': 'MG_PLAN_IS_STATE',
    // Windows-produced minified UTF-8: a real plan, evaluated.
    'bridgecrewio__checkov__resources_plan_encodings_tfplan_win_utf8.json': 'evaluated',
    // Stray closing braces / trailing comma: JSON syntax error at line 676.
    'hashicorp__terraform-json__testdata_invalid_plan.json': 'MG_PLAN_JSON_SYNTAX@676',
    // HCP/TFC redacted JSON plan with import + generated config: a real plan, evaluated.
    'opentofu__opentofu__testdata_plan-import-config-gen_plan-redacted.json': 'evaluated',
  };
  it('every edge case is evaluated or gives a coded error naming its problem', async () => {
    const dir = join(corpus, 'tfplan-edge-cases');
    for (const f of readdirSync(dir).sort()) {
      let got: string;
      try {
        const d = await engine.checkPlan(readFileSync(join(dir, f)), { file: f });
        expect(d.errors).toEqual([]);
        got = 'evaluated';
      } catch (e) {
        expect(isMeshgateError(e)).toBe(true);
        const me = e as { code: string; location?: { line?: number } };
        got = me.code + (me.code === 'MG_PLAN_JSON_SYNTAX' ? `@${me.location?.line}` : '');
      }
      console.log(`${f}: ${got}`);
      expect(got, f).toBe(expected[f]);
    }
  });
});

describe('large plans', () => {
  it('a 10 000-resource synthetic plan evaluates correctly', async () => {
    const { plan, expected } = generatePlan(10000) as { plan: { resource_changes: unknown[] }; expected: { piiWithoutLogging: string[]; financeWithoutRetention: string[] } };
    const text = JSON.stringify(plan, null, 1);
    const t0 = performance.now();
    const d = await engine.checkPlan(text, { file: 'synthetic.json' });
    const ms = performance.now() - t0;
    console.log(`10 000 resources (${(text.length / 1e6).toFixed(1)} MB): ${ms.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
    expect(plan.resource_changes).toHaveLength(10000);
    expect(d.errors).toEqual([]);
    const logging = new Set(denies(d).filter((f) => f.rule === 'pii_bucket_access_logging').map((f) => f.resource));
    expect(logging).toEqual(new Set(expected.piiWithoutLogging));
    const retention = new Set(denies(d).filter((f) => f.rule === 'finance_retention_7y').map((f) => f.resource));
    expect(retention).toEqual(new Set(expected.financeWithoutRetention));
    expect(denies(d).filter((f) => f.rule === 'pii_bucket_encryption')).toEqual([]);
  }, 120_000);
});
