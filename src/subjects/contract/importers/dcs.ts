/**
 * Importer of the Data Contract Specification 0.9.x–1.2.x (`dataContractSpecification:`): `info`,
 * `servers`, `models` with `fields` (nested `fields`, `items`, `$ref` to `definitions`), `servicelevels`.
 */
import { asBool, asString, asStrings, Builder, newField, portKind, put, readCommonFieldKeys, readKeyFlags } from '../builder.js';
import type { ContractField, DataContract, OutputPort, QualityRule } from '../model.js';
import { isTreeObject } from '../tree.js';
import type { RawPath, TreeObject } from '../tree.js';
import { makeSlo, retentionDays } from '../values.js';

/** Imports a DCS document. */
export function importDcs(b: Builder): DataContract {
  const c: DataContract = { source_format: 'dcs', output_ports: [], fields: [], slos: [], quality: [], governance: [], tags: [] };
  b.mark('', []);
  const set = (canon: 'id' | 'name' | 'version' | 'domain' | 'owner' | 'status' | 'description', raw: RawPath): boolean => {
    const v = b.str(raw);
    if (v === undefined) return false;
    c[canon] = v;
    b.mark(canon, raw);
    return true;
  };
  set('id', ['id']);
  set('name', ['info', 'title']);
  set('version', ['info', 'version']);
  // DCS has no domain or encryption field: read its `x-` extension keys (in `info`, or at the top level).
  for (const raw of [['info', 'x-domain'], ['x-domain'], ['info', 'domain'], ['domain']]) if (set('domain', raw)) break;
  set('owner', ['info', 'owner']);
  for (const raw of [['info', 'x-encryption'], ['x-encryption']]) {
    const v = b.str(raw);
    if (v === undefined) continue;
    c.encryption = v;
    b.mark('encryption', raw);
    break;
  }
  set('status', ['info', 'status']);
  set('description', ['info', 'description']);

  const servers = b.obj(['servers']);
  for (const name of Object.keys(servers ?? {})) {
    const p: RawPath = ['servers', name];
    const type = b.str([...p, 'type']);
    const format = b.str([...p, 'format']) ?? (type === 'databricks' ? 'delta' : undefined);
    const location = b.str([...p, 'location']) ?? b.str([...p, 'path']) ?? b.str([...p, 'topic']) ?? b.str([...p, 'host']);
    const port: OutputPort = { name, kind: portKind(type, format, location) };
    put(port, 'type', type);
    put(port, 'format', format?.toLowerCase());
    put(port, 'location', location);
    const i = c.output_ports.length;
    b.mark(`output_ports.${i}`, p);
    b.markIf(`output_ports.${i}.format`, [...p, 'format']);
    c.output_ports.push(port);
  }

  const models = b.obj(['models']) ?? {};
  const names = Object.keys(models);
  for (const m of names) {
    const fields = readFields(b, ['models', m, 'fields'], 'fields', names.length > 1 ? `${m}.` : '', 0, c.fields.length);
    c.fields.push(...fields);
    readQualityList(b, ['models', m, 'quality'], c, m);
  }

  const sl = b.obj(['servicelevels']);
  for (const name of Object.keys(sl ?? {})) {
    const p: RawPath = ['servicelevels', name];
    const v = b.obj(p);
    if (!v) continue;
    if (name === 'retention') {
      const period = v['period'];
      if (typeof period === 'string' || typeof period === 'number') {
        c.retention = period;
        const d = retentionDays(period);
        if (d !== undefined) c.retention_days = Math.round(d);
        b.mark('retention', [...p, 'period']);
        b.mark('retention_days', [...p, 'period']);
      }
      if (asBool(v['unlimited']) === true) {
        c.retention = 'unlimited';
        c.retention_days = 36_500;
        b.mark('retention_days', p);
      }
      continue;
    }
    const key = ['percentage', 'threshold', 'interval', 'recoveryTime', 'responseTime'].find((k) => v[k] !== undefined);
    if (key === undefined) continue;
    b.mark(`slos.${c.slos.length}`, [...p, key]);
    c.slos.push(makeSlo(name, v[key], asString(v['description'])));
  }
  c.tags = asStrings(b.get(['tags']));
  return c;
}

function resolveRef(b: Builder, o: TreeObject): { obj: TreeObject; path: RawPath } | undefined {
  const ref = asString(o['$ref']);
  const m = ref === undefined ? null : /^#\/definitions\/(.+)$/.exec(ref);
  if (!m || m[1] === undefined) return undefined;
  const path: RawPath = ['definitions', ...m[1].split('/')];
  const def = b.obj(path);
  return def ? { obj: def, path } : undefined;
}

function readFields(b: Builder, raw: RawPath, canon: string, prefix: string, depth: number, offset = 0): ContractField[] {
  const o = b.obj(raw);
  const out: ContractField[] = [];
  if (!o || depth > 50) return out;
  for (const name of Object.keys(o)) {
    const p: RawPath = [...raw, name];
    const v = o[name];
    const c = `${canon}.${offset + out.length}`;
    const f = newField(prefix + name);
    b.mark(c, p);
    b.mark(`${c}.name`, p);
    if (isTreeObject(v)) {
      const def = resolveRef(b, v);
      if (def) readAttrs(b, f, def.path, c, def.obj, depth);
      readAttrs(b, f, p, c, v, depth);
    }
    out.push(f);
  }
  return out;
}

function readAttrs(b: Builder, f: ContractField, p: RawPath, c: string, v: TreeObject, depth: number): void {
  const type = asString(v['type']);
  if (type !== undefined) {
    f.type = type;
    b.mark(`${c}.type`, [...p, 'type']);
  }
  readKeyFlags(b, f, p, c, v, ['primaryKey', 'primary']);
  readCommonFieldKeys(b, f, p, c);
  if (isTreeObject(v['fields'])) f.fields = readFields(b, [...p, 'fields'], `${c}.fields`, '', depth + 1);
  else if (isTreeObject(v['items']) && isTreeObject(v['items']['fields'])) f.fields = readFields(b, [...p, 'items', 'fields'], `${c}.fields`, '', depth + 1);
}

function readQualityList(b: Builder, raw: RawPath, c: DataContract, model: string): void {
  const list = b.arr(raw);
  list?.forEach((item, i) => {
    if (!isTreeObject(item)) return;
    const q: QualityRule = { name: asString(item['name']) ?? asString(item['metric']) ?? asString(item['type']) ?? `quality_${i}` };
    put(q, 'description', asString(item['description']));
    put(q, 'rule', asString(item['query']) ?? asString(item['rule']));
    q.column = model;
    const th = item['mustBe'] ?? item['mustBeGreaterThan'] ?? item['mustBeLessThan'] ?? item['threshold'];
    if (typeof th === 'string' || typeof th === 'number') q.threshold = th;
    b.mark(`quality.${c.quality.length}`, [...raw, i]);
    c.quality.push(q);
  });
}
