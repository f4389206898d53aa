/**
 * Importer of the source document's own contract shapes: the `data_product:` map schema (Customer360),
 * the `schema.fields` list (customer_profile), the streaming product with an Avro `schema_definition`,
 * and the JSON `data_product_contract` with JSON Schema, `quality_sla` and `governance_rules`.
 */
import { applyConstraintWords, asNumber, asString, asStrings, Builder, newField, portKind, put, readCommonFieldKeys } from '../builder.js';
import type { ContractField, ContractFormat, DataContract, GovernanceRule, OutputPort, QualityRule } from '../model.js';
import { readAvro, readJsonSchema } from '../schemas.js';
import { isTreeObject } from '../tree.js';
import type { RawPath, TreeValue } from '../tree.js';
import { makeSlo, retentionDays } from '../values.js';

const SLO_KEYS = ['service_level_objectives', 'service_levels', 'service_level', 'slos', 'slo', 'sla', 'quality_sla'];

/** Imports a seed-shaped contract whose top-level keys live at `base`. */
export function importSeed(b: Builder, base: RawPath, format: ContractFormat): DataContract {
  const c: DataContract = { source_format: format, output_ports: [], fields: [], slos: [], quality: [], governance: [], tags: [] };
  const at = (k: string): RawPath => [...base, k];
  const scalar = (canon: keyof DataContract, keys: string[]): void => {
    for (const k of keys) {
      const v = b.str(at(k));
      if (v !== undefined) {
        (c as unknown as Record<string, unknown>)[canon] = v;
        b.mark(canon, at(k));
        return;
      }
    }
  };
  b.mark('', base);
  scalar('id', ['id', 'data_product_id', 'data_product', 'name']);
  scalar('name', ['name', 'data_product', 'title']);
  scalar('version', ['version', 'schema_version', 'contract_version']);
  scalar('domain', ['domain']);
  scalar('owner', ['owner', 'owner_email', 'owners']);
  if (c.owner === undefined && b.arr(at('owners'))) {
    const first = asString(b.arr(at('owners'))?.[0]);
    if (first !== undefined) {
      c.owner = first;
      b.mark('owner', [...at('owners'), 0]);
    }
  }
  scalar('status', ['status', 'lifecycle_status']);
  scalar('description', ['description']);

  readPorts(b, base, c);
  c.fields = readFields(b, base);
  readSlos(b, base, c);
  readQuality(b, base, c);
  readGovernance(b, base, c);
  readRetention(b, base, c);
  readEncryption(b, base, c);
  const tags = b.get(at('tags')) !== undefined ? at('tags') : [...base, 'discovery_metadata', 'tags'];
  c.tags = asStrings(b.get(tags));
  if (c.tags.length) b.mark('tags', tags);
  return c;
}

function readPorts(b: Builder, base: RawPath, c: DataContract): void {
  const add = (raw: RawPath, name: string | undefined, format: string | undefined, location: string | undefined, type: string | undefined, formatKey?: string, locKey?: string): void => {
    const i = c.output_ports.length;
    const port: OutputPort = { kind: portKind(type, format, location) };
    put(port, 'name', name);
    put(port, 'format', format?.toLowerCase());
    put(port, 'location', location);
    put(port, 'type', type);
    c.output_ports.push(port);
    b.mark(`output_ports.${i}`, raw);
    if (formatKey !== undefined) b.markIf(`output_ports.${i}.format`, [...raw, formatKey]);
    if (locKey !== undefined) b.markIf(`output_ports.${i}.location`, [...raw, locKey]);
  };
  const list = b.arr([...base, 'output_ports']);
  list?.forEach((_, i) => {
    const p: RawPath = [...base, 'output_ports', i];
    add(p, b.str([...p, 'name']), b.str([...p, 'format']), b.str([...p, 'location']), b.str([...p, 'type']), 'format', 'location');
  });
  const out = b.obj([...base, 'output']);
  if (out) {
    const p: RawPath = [...base, 'output'];
    add(p, b.str([...p, 'name']), b.str([...p, 'format']), b.str([...p, 'location']), b.str([...p, 'type']), 'format', 'location');
  }
  const serving = b.obj([...base, 'serving_infrastructure']);
  if (serving) {
    const p: RawPath = [...base, 'serving_infrastructure'];
    const mode = b.str([...p, 'mode']);
    add(p, b.str([...p, 'topic_name']) ?? mode, b.str([...p, 'serialization_format']) ?? b.str([...p, 'format']), b.str([...p, 'topic_name']) ?? b.str([...p, 'location']), mode, b.get([...p, 'serialization_format']) !== undefined ? 'serialization_format' : 'format', b.get([...p, 'topic_name']) !== undefined ? 'topic_name' : 'location');
  }
  const phys = b.str([...base, 'physical_location']);
  if (phys !== undefined) {
    const fk = ['output_format', 'format', 'storage_format'].find((k) => b.str([...base, k]) !== undefined);
    add([...base, 'physical_location'], undefined, fk === undefined ? undefined : b.str([...base, fk]), phys, undefined);
    if (fk !== undefined) b.mark(`output_ports.${c.output_ports.length - 1}.format`, [...base, fk]);
    b.mark(`output_ports.${c.output_ports.length - 1}.location`, [...base, 'physical_location']);
  }
}

function readFields(b: Builder, base: RawPath): ContractField[] {
  if (b.get([...base, 'schema_definition']) !== undefined) return readAvro(b, [...base, 'schema_definition'], 'fields');
  const schema: RawPath = [...base, 'schema'];
  if (b.arr([...schema, 'fields'])) return readFieldList(b, [...schema, 'fields'], 'fields');
  if (b.obj([...schema, 'properties'])) return readJsonSchema(b, schema, 'fields');
  if (b.arr(schema)) return readFieldList(b, schema, 'fields');
  if (b.obj(schema)) return readFieldMap(b, schema, 'fields');
  if (b.arr([...base, 'fields'])) return readFieldList(b, [...base, 'fields'], 'fields');
  return [];
}

function readFieldAttrs(b: Builder, f: ContractField, p: RawPath, canon: string, depth: number): void {
  const o = b.obj(p);
  if (!o) {
    const t = b.str(p);
    if (t !== undefined) {
      f.type = t;
      b.mark(`${canon}.type`, p);
    }
    return;
  }
  const type = asString(o['type']);
  if (type !== undefined) {
    f.type = type;
    b.mark(`${canon}.type`, [...p, 'type']);
  }
  const cons = o['constraints'];
  if (Array.isArray(cons) || typeof cons === 'string') {
    applyConstraintWords(f, asStrings(cons));
    b.mark(`${canon}.constraints`, [...p, 'constraints']);
  } else if (isTreeObject(cons)) {
    const words = Object.keys(cons).filter((k) => cons[k] === true);
    applyConstraintWords(f, words);
    b.mark(`${canon}.constraints`, [...p, 'constraints']);
  }
  for (const k of ['required', 'unique', 'nullable'] as const) {
    const v = o[k];
    if (typeof v === 'boolean') {
      if (k === 'nullable') f.nullable = v;
      else f[k] = v;
      b.mark(`${canon}.${k}`, [...p, k]);
    }
  }
  if (o['required'] === true && o['nullable'] === undefined) f.nullable = false;
  if (o['primary_key'] === true) applyConstraintWords(f, ['primary_key']);
  readCommonFieldKeys(b, f, p, canon);
  if (isTreeObject(o['fields'])) f.fields = readFieldMap(b, [...p, 'fields'], `${canon}.fields`, depth + 1);
  else if (Array.isArray(o['fields'])) f.fields = readFieldList(b, [...p, 'fields'], `${canon}.fields`, depth + 1);
}

function readFieldList(b: Builder, raw: RawPath, canon: string, depth = 0): ContractField[] {
  const out: ContractField[] = [];
  if (depth > 50) return out;
  (b.arr(raw) ?? []).forEach((_, i) => {
    const p: RawPath = [...raw, i];
    const name = b.str([...p, 'name']) ?? b.str([...p, 'column']);
    if (name === undefined) return;
    const c = `${canon}.${out.length}`;
    const f = newField(name);
    b.mark(c, p);
    b.mark(`${c}.name`, [...p, 'name']);
    readFieldAttrs(b, f, p, c, depth);
    out.push(f);
  });
  return out;
}

function readFieldMap(b: Builder, raw: RawPath, canon: string, depth = 0): ContractField[] {
  const o = b.obj(raw);
  const out: ContractField[] = [];
  if (!o || depth > 50) return out;
  for (const name of Object.keys(o)) {
    const p: RawPath = [...raw, name];
    const c = `${canon}.${out.length}`;
    const f = newField(name);
    b.mark(c, p);
    b.mark(`${c}.name`, p);
    readFieldAttrs(b, f, p, c, depth);
    out.push(f);
  }
  return out;
}

function readSlos(b: Builder, base: RawPath, c: DataContract): void {
  for (const key of SLO_KEYS) {
    const raw: RawPath = [...base, key];
    const o = b.obj(raw);
    if (!o) continue;
    for (const name of Object.keys(o)) {
      const p: RawPath = [...raw, name];
      const v = o[name];
      const i = c.slos.length;
      if (isTreeObject(v)) {
        const desc = asString(v['objective']) ?? asString(v['description']) ?? asString(v['measurement']);
        let slo;
        if (v['threshold_seconds'] !== undefined) slo = makeSlo(name, asNumber(v['threshold_seconds']) ?? v['threshold_seconds'], desc, 'seconds');
        else if (v['threshold_percentage'] !== undefined) slo = makeSlo(name, asNumber(v['threshold_percentage']) ?? v['threshold_percentage'], desc, 'percent');
        else slo = makeSlo(name, v['threshold'] ?? v['percentage'] ?? v['value'] ?? v['period'] ?? null, desc);
        c.slos.push(slo);
        const tk = ['threshold_seconds', 'threshold_percentage', 'threshold', 'percentage', 'value', 'period'].find((k) => v[k] !== undefined);
        b.mark(`slos.${i}`, tk === undefined ? p : [...p, tk]);
        const rule = asString(v['validation_rule']) ?? asString(v['rule']);
        if (rule !== undefined || asString(v['column']) !== undefined) {
          const q: QualityRule = { name };
          put(q, 'rule', rule);
          put(q, 'column', asString(v['column']));
          const th = v['threshold_percentage'] ?? v['threshold'];
          if (typeof th === 'string' || typeof th === 'number') q.threshold = th;
          b.mark(`quality.${c.quality.length}`, p);
          c.quality.push(q);
        }
      } else {
        c.slos.push(makeSlo(name, v ?? null));
        b.mark(`slos.${i}`, p);
      }
    }
  }
}

function readQuality(b: Builder, base: RawPath, c: DataContract): void {
  const list = b.arr([...base, 'quality']) ?? b.arr([...base, 'quality_rules']);
  const key = b.arr([...base, 'quality']) ? 'quality' : 'quality_rules';
  list?.forEach((item, i) => {
    if (!isTreeObject(item)) return;
    const name = asString(item['metric']) ?? asString(item['name']) ?? asString(item['rule']) ?? `quality_${i}`;
    const q: QualityRule = { name };
    const th = item['threshold'];
    if (typeof th === 'string' || typeof th === 'number') q.threshold = th;
    put(q, 'rule', asString(item['rule']));
    put(q, 'column', asString(item['column']));
    put(q, 'description', asString(item['description']));
    b.mark(`quality.${c.quality.length}`, [...base, key, i]);
    c.quality.push(q);
  });
}

function readGovernance(b: Builder, base: RawPath, c: DataContract): void {
  (b.arr([...base, 'governance_rules']) ?? []).forEach((item, i) => {
    if (!isTreeObject(item)) return;
    const g: GovernanceRule = {};
    put(g, 'id', asString(item['rule_id']) ?? asString(item['id']));
    put(g, 'description', asString(item['description']));
    put(g, 'condition', asString(item['condition']));
    put(g, 'action', asString(item['action'])?.toUpperCase());
    put(g, 'algorithm', asString(item['algorithm']));
    b.mark(`governance.${c.governance.length}`, [...base, 'governance_rules', i]);
    c.governance.push(g);
  });
}

function readRetention(b: Builder, base: RawPath, c: DataContract): void {
  for (const key of ['retention_days', 'retention', 'retention_period', 'data_retention']) {
    const p: RawPath = [...base, key];
    const v = b.get(p);
    if (v === undefined || v === null) continue;
    let raw: TreeValue = v;
    let unit: string | undefined;
    if (isTreeObject(v)) {
      raw = v['days'] ?? v['period'] ?? v['value'] ?? v['duration'] ?? null;
      unit = v['days'] !== undefined ? 'd' : asString(v['unit']);
    }
    if (key === 'retention_days' && typeof raw !== 'object') unit = 'd';
    if (typeof raw === 'string' || typeof raw === 'number') c.retention = raw;
    const days = retentionDays(raw, unit);
    if (days !== undefined) c.retention_days = Math.round(days);
    b.mark('retention', p);
    b.mark('retention_days', p);
    return;
  }
  const slo = c.slos.find((s) => /retention/i.test(s.name) && s.seconds !== undefined);
  if (slo?.seconds !== undefined) c.retention_days = Math.round(slo.seconds / 86_400);
}

function readEncryption(b: Builder, base: RawPath, c: DataContract): void {
  for (const key of ['encryption_protocol', 'encryption']) {
    const p: RawPath = [...base, key];
    const v = b.get(p);
    if (v === undefined || v === null) continue;
    const s = isTreeObject(v) ? (asString(v['protocol']) ?? asString(v['algorithm']) ?? asString(v['at_rest']) ?? (v['enabled'] === true ? 'enabled' : undefined)) : v === false ? undefined : asString(v);
    if (s !== undefined) {
      c.encryption = s;
      b.mark('encryption', p);
      return;
    }
  }
  const g = c.governance.findIndex((r) => r.action === 'ENCRYPT');
  const rule = c.governance[g];
  if (rule) {
    c.encryption = rule.algorithm ?? 'ENCRYPT';
    const loc = b.locations[`governance.${g}`];
    if (loc) b.locations['encryption'] = loc;
  }
}
