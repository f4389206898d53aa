/**
 * Conformance over the public contracts in ../shared/corpus/contracts (never copied into the repo):
 * 1. the import agrees with an independent reading of each file — a small reader written here from the
 *    mapping table in docs/contracts.md, sharing no code with the importers — on owner, domain, version,
 *    field count and PII fields;
 * 2. the published ODCS v3 and DCS 1.x examples pass every built-in rule once they declare the facts the
 *    rules need in standard fields (and the declarations keep them valid against the published schema).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import type { ContractField } from '../src/subjects/contract/model.js';
import { bundlePath, CORPUS, skipCorpus } from './helpers/paths.js';

const DIR = join(CORPUS, 'contracts');
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
const truthy = (v: unknown): boolean => v === true || v === 1 || (typeof v === 'string' && ['true', 'yes', '1'].includes(v.trim().toLowerCase()));
const PII_WORDS = ['pii', 'personal', 'personal_data', 'personal-data', 'personaldata', 'sensitive_personal', 'spi', 'phi', 'pii:true', 'pii=true', 'gdpr:personal'];
const isPiiWord = (v: unknown): boolean => typeof v === 'string' && PII_WORDS.includes(v.trim().toLowerCase());
const key = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** ODCS customProperties as a name → value map (first wins). */
function props(o: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const p of list(isObj(o) ? o['customProperties'] : undefined)) if (isObj(p) && typeof p['property'] === 'string' && !m.has(key(p['property']))) m.set(key(p['property']), p['value']);
  return m;
}

/** What the test expects the import to read. */
interface Reading {
  owner?: string | undefined;
  domain?: string | undefined;
  version?: string | undefined;
  fields: number;
  pii: string[];
}

function piiMarked(o: Obj): boolean {
  const cp = props(o);
  return (
    truthy(o['pii']) ||
    ['pii', 'ispii', 'containspii', 'personaldata', 'ispersonaldata'].some((k) => cp.has(k) && truthy(cp.get(k))) ||
    isPiiWord(o['classification']) ||
    list(o['tags']).some(isPiiWord)
  );
}

/** The current owner-role holder of a member list (no dateOut, latest dateIn; else the latest dateIn). */
function holder(members: unknown[]): string | undefined {
  const owners = members.filter((m): m is Obj => isObj(m) && /owner|dpo|product/i.test(String(m['role'] ?? '')) && text(m['username'] ?? m['name']) !== undefined);
  const since = (m: Obj): string => String(m['dateIn'] ?? '').slice(0, 10);
  const byLatest = (a: Obj, b: Obj): number => (since(b) > since(a) ? 1 : since(b) < since(a) ? -1 : 0);
  const current = owners.filter((m) => m['dateOut'] === undefined || m['dateOut'] === null).sort(byLatest);
  const pick = current[0] ?? [...owners].sort(byLatest)[0];
  return pick === undefined ? undefined : text(pick['username'] ?? pick['name']);
}

function readOdcs(doc: Obj, v3: boolean): Reading {
  const cp = props(doc);
  const r: Reading = { fields: 0, pii: [] };
  r.version = text(doc['version']);
  r.domain = text(doc['domain']) ?? text(doc['datasetDomain']) ?? text(cp.get('domain')) ?? text(cp.get('datadomain'));
  const team = doc['team'];
  r.owner =
    text(doc['owner']) ?? text(cp.get('owner')) ?? text(cp.get('dataowner')) ?? text(cp.get('productowner')) ?? (isObj(team) ? text(team['name']) : undefined) ??
    holder(Array.isArray(team) ? team : isObj(team) ? list(team['members']) : []) ??
    holder(Array.isArray(doc['stakeholders']) ? doc['stakeholders'] : list(isObj(doc['stakeholders']) ? doc['stakeholders']['members'] : undefined)) ??
    text(doc['productDl']);
  const visit = (items: unknown[], prefix: string, nameKey: string, childKeys: string[][]): void => {
    for (const p of items) {
      if (!isObj(p)) continue;
      const name = text(p[nameKey]) ?? text(p['name']);
      if (name === undefined) continue;
      r.fields++;
      if (piiMarked(p)) r.pii.push(prefix + name);
      for (const path of childKeys) {
        let cur: unknown = p;
        for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
        if (Array.isArray(cur)) {
          visit(cur, '', nameKey, childKeys);
          break;
        }
      }
    }
  };
  if (v3) {
    const objs = list(doc['schema']);
    for (const o of objs) if (isObj(o)) visit(list(o['properties']), objs.length > 1 ? `${String(o['name'])}.` : '', 'name', [['properties'], ['items', 'properties']]);
  } else {
    const tables = Array.isArray(doc['dataset']) ? doc['dataset'] : list(isObj(doc['dataset']) ? doc['dataset']['tables'] : undefined);
    for (const t of tables) if (isObj(t)) visit(list(t['columns']), tables.length > 1 ? `${String(t['table'])}.` : '', 'column', []);
  }
  return r;
}

function readDcs(doc: Obj): Reading {
  const info = isObj(doc['info']) ? doc['info'] : {};
  const r: Reading = { fields: 0, pii: [] };
  r.version = text(info['version']);
  r.owner = text(info['owner']);
  r.domain = text(info['x-domain']) ?? text(doc['x-domain']) ?? text(info['domain']) ?? text(doc['domain']);
  const defs = isObj(doc['definitions']) ? doc['definitions'] : {};
  const visit = (fields: unknown, prefix: string): void => {
    if (!isObj(fields)) return;
    for (const [name, f] of Object.entries(fields)) {
      r.fields++;
      if (!isObj(f)) continue;
      const ref = typeof f['$ref'] === 'string' ? /^#\/definitions\/(.+)$/.exec(f['$ref'])?.[1] : undefined;
      const def = ref === undefined ? undefined : ref.split('/').reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : undefined), defs);
      if (piiMarked(f) || (isObj(def) && piiMarked(def))) r.pii.push(prefix + name);
      if (isObj(f['fields'])) visit(f['fields'], '');
      else if (isObj(f['items']) && isObj(f['items']['fields'])) visit(f['items']['fields'], '');
    }
  };
  const models = isObj(doc['models']) ? doc['models'] : {};
  const names = Object.keys(models);
  for (const m of names) {
    const model = models[m];
    if (isObj(model)) visit(model['fields'], names.length > 1 ? `${m}.` : '');
  }
  return r;
}

function imported(fields: ContractField[]): { count: number; pii: string[] } {
  let count = 0;
  const pii: string[] = [];
  const visit = (fs: ContractField[]): void => {
    for (const f of fs) {
      count++;
      if (f.pii) pii.push(f.name);
      visit(f.fields);
    }
  };
  visit(fields);
  return { count, pii };
}

const corpusFiles = (): string[] => (existsSync(DIR) ? readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort() : []);

describe.skipIf(skipCorpus('contract conformance'))('conformance: the import agrees with an independent reading', () => {
  it('owner, domain, version, field count and PII fields of every ODCS/DCS corpus contract', () => {
    let compared = 0;
    for (const f of corpusFiles()) {
      const source = readFileSync(join(DIR, f), 'utf8');
      let parsed;
      try {
        parsed = parseContract(source, { file: f });
      } catch (e) {
        expect(e, f).toBeInstanceOf(MeshgateError);
        continue;
      }
      const { contract, format } = parsed;
      if (format !== 'dcs' && format !== 'odcs-v2' && format !== 'odcs-v3') continue;
      const doc = parseYaml(source) as Obj;
      const want = format === 'dcs' ? readDcs(doc) : readOdcs(doc, format === 'odcs-v3');
      const got = imported(contract.fields);
      expect({ owner: contract.owner, domain: contract.domain, version: contract.version, fields: got.count, pii: got.pii.sort() }, f).toEqual({
        owner: want.owner,
        domain: want.domain,
        version: want.version,
        fields: want.fields,
        pii: want.pii.sort(),
      });
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(30);
  });
});

/** Declares the facts the built-in rules need, in standard fields (docs/contracts.md), where missing. */
function declareFacts(doc: Obj, format: string, missing: Set<string>): string[] {
  const added: string[] = [];
  const cps = (): unknown[] => {
    if (!Array.isArray(doc['customProperties'])) doc['customProperties'] = [];
    return doc['customProperties'] as unknown[];
  };
  if (format === 'dcs') {
    const info = (isObj(doc['info']) ? doc['info'] : (doc['info'] = {})) as Obj;
    if (missing.has('contract_domain_required')) (info['x-domain'] = 'sales'), added.push('info.x-domain');
    if (missing.has('contract_owner_required')) (info['owner'] = 'sales-data'), added.push('info.owner');
    if (missing.has('contract_pii_encryption')) (info['x-encryption'] = 'AES256_GCM'), added.push('info.x-encryption');
    if (missing.has('contract_slo_required')) (doc['servicelevels'] = { availability: { percentage: '99.9%' } }), added.push('servicelevels');
    if (missing.has('contract_output_format'))
      for (const s of Object.values(isObj(doc['servers']) ? doc['servers'] : {})) if (isObj(s) && typeof s['format'] === 'string') (s['format'] = 'delta'), added.push('servers.*.format: delta');
  } else {
    if (missing.has('contract_domain_required')) (doc[format === 'odcs-v3' ? 'domain' : 'datasetDomain'] = 'sales'), added.push(format === 'odcs-v3' ? 'domain' : 'datasetDomain');
    if (missing.has('contract_owner_required')) {
      if (format === 'odcs-v2') (doc['stakeholders'] = [...list(doc['stakeholders']), { username: 'sales-data', role: 'owner', dateIn: '2024-01-01' }]), added.push('stakeholders[role: owner]');
      else if (Array.isArray(doc['team'])) doc['team'].push({ username: 'sales-data', role: 'owner' }), added.push('team[role: owner]');
      else if (isObj(doc['team'])) (doc['team']['name'] = 'sales-data'), added.push('team.name');
      else (doc['team'] = String(doc['apiVersion']).startsWith('v3.0') ? [{ username: 'sales-data', role: 'owner' }] : { name: 'sales-data' }), added.push('team');
    }
    if (missing.has('contract_pii_encryption')) cps().push({ property: 'encryption', value: 'AES256_GCM' }), added.push('customProperties encryption');
    if (missing.has('contract_slo_required')) (doc['slaProperties'] = [{ property: 'latency', value: 4, unit: 'h' }]), added.push('slaProperties');
    if (missing.has('contract_output_format')) for (const s of list(doc['servers'])) if (isObj(s) && typeof s['format'] === 'string') (s['format'] = 'delta'), added.push('servers[].format: delta');
  }
  return added;
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global') });
});
afterAll(async () => {
  await engine.close();
});

describe.skipIf(skipCorpus('published examples'))('published ODCS v3 and DCS 1.x examples pass every built-in rule once they declare the facts', () => {
  it('each bitol-io / datacontract-specification example: as-is, or with the listed standard fields added', async () => {
    const report: Record<string, string> = {};
    const examples = corpusFiles().filter((f) => /^(bitol-io__open-data-contract-standard|datacontract__datacontract-specification)__/.test(f));
    expect(examples.length).toBeGreaterThan(15);
    for (const f of examples) {
      const source = readFileSync(join(DIR, f), 'utf8');
      let format: string;
      try {
        format = parseContract(source, { file: f }).format;
      } catch (e) {
        expect(e instanceof MeshgateError && e.code, f).toBe('MG_CONTRACT_SYNTAX');
        report[f] = 'unreadable (YAML error)';
        continue;
      }
      if (format === 'odcs-v2' || (format === 'dcs' && /^0\./.test(String((parseYaml(source) as Obj)['dataContractSpecification'])))) continue;
      const before = await engine.checkContract(source, { file: f });
      const missing = new Set(before.findings.filter((x) => x.level === 'deny').map((x) => x.rule));
      if (missing.size === 0) {
        report[f] = 'passes as-is';
        continue;
      }
      const doc = parseYaml(source) as Obj;
      const added = declareFacts(doc, format, missing);
      const after = await engine.checkContract(doc, { file: f });
      expect(after.findings.filter((x) => x.level === 'deny'), `${f} after adding ${added.join(', ')}`).toEqual([]);
      // The declarations are standard fields: they add no violation of the published schema.
      const violations = (d: typeof before): number => d.findings.filter((x) => x.rule === 'contract_schema_violation').length;
      expect(violations(after), f).toBeLessThanOrEqual(violations(before));
      report[f] = `needs ${added.join(', ')}`;
    }
    console.log('published examples:\n' + Object.entries(report).map(([f, r]) => `  ${f}: ${r}`).join('\n'));
  });
});
