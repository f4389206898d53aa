/**
 * Importer of the Open Data Contract Standard: v2.2.x (`dataset` tables with `columns`) and v3.0–3.1
 * (`schema` objects with `properties`), including `servers`, `team`/`stakeholders`, `slaProperties`.
 */
import { addImportWarning, asBool, asNumber, asString, asStrings, Builder, newField, portKind, put, readCommonFieldKeys, readKeyFlags } from '../builder.js';
import { customProperties, DOMAIN_PROPERTY_NAMES, ENCRYPTION_PROPERTY_NAMES, firstProperty, OWNER_PROPERTY_NAMES } from '../extensions.js';
import type { ContractField, DataContract, OutputPort, QualityRule } from '../model.js';
import { currentHolder } from '../roles.js';
import { isTreeObject } from '../tree.js';
import type { RawPath, TreeValue } from '../tree.js';
import { makeSlo, retentionDays } from '../values.js';

/** Imports an ODCS document (`v2` or `v3`). */
export function importOdcs(b: Builder, major: 2 | 3): DataContract {
  const c: DataContract = { source_format: major === 3 ? 'odcs-v3' : 'odcs-v2', output_ports: [], fields: [], slos: [], quality: [], governance: [], tags: [] };
  b.mark('', []);
  const set = (canon: 'id' | 'name' | 'version' | 'domain' | 'owner' | 'status' | 'description', keys: RawPath[]): void => {
    for (const raw of keys) {
      const v = b.str(raw);
      if (v !== undefined) {
        c[canon] = v;
        b.mark(canon, raw);
        return;
      }
    }
  };
  set('id', [['id'], ['uuid']]);
  set('name', [['name'], ['dataProduct'], ['datasetName'], ['quantumName']]);
  set('version', [['version']]);
  set('domain', [['domain'], ['datasetDomain']]);
  set('status', [['status']]);
  set('description', [['description', 'purpose'], ['description']]);
  // Facts the standard has no field for, from its extension mechanism: root `customProperties`.
  const props = customProperties(b, []);
  const fromProps = (canon: 'domain' | 'owner' | 'encryption', names: readonly string[]): void => {
    if (c[canon] !== undefined) return;
    const hit = firstProperty(props, names);
    const v = hit === undefined ? undefined : asString(hit.value);
    if (hit !== undefined && v !== undefined) {
      c[canon] = v;
      b.mark(canon, hit.path);
    }
  };
  fromProps('domain', DOMAIN_PROPERTY_NAMES);
  fromProps('encryption', ENCRYPTION_PROPERTY_NAMES);
  set('owner', [['owner']]);
  fromProps('owner', OWNER_PROPERTY_NAMES);
  set('owner', [['team', 'name']]);
  if (c.owner === undefined) {
    for (const key of ['team', 'stakeholders']) {
      const listPath: RawPath = b.arr([key]) ? [key] : [key, 'members'];
      const holder = currentHolder(b.arr(listPath) ?? [], /owner|dpo|product/i);
      if (holder === undefined) continue;
      c.owner = holder.name;
      b.mark('owner', [...listPath, holder.index]);
      if (holder.left !== undefined) {
        addImportWarning(b, c, 'contract_owner_role_ended', `No current holder of an owner role: the latest one, ${holder.name}, left on ${holder.left}.`, [...listPath, holder.index]);
      }
      break;
    }
  }
  set('owner', [['productDl']]);

  // ODCS v2 names its one server at the top level: `server` (host), `driver`, `database`, `type`.
  if (major === 2 && (b.str(['server']) !== undefined || b.str(['driver']) !== undefined)) {
    const type = v2ServerType(b.str(['driver']), b.str(['server']));
    const location = [b.str(['server']), b.str(['database'])].filter((x) => x !== undefined).join('/');
    const port: OutputPort = { kind: portKind(type, undefined, location === '' ? undefined : location) };
    put(port, 'name', b.str(['server']));
    put(port, 'type', type);
    put(port, 'location', location === '' ? undefined : location);
    b.mark(`output_ports.${c.output_ports.length}`, b.str(['server']) !== undefined ? ['server'] : ['driver']);
    c.output_ports.push(port);
  }
  (b.arr(['servers']) ?? []).forEach((s, i) => {
    if (!isTreeObject(s)) return;
    const p: RawPath = ['servers', i];
    const type = asString(s['type']);
    const format = asString(s['format']) ?? (type === 'databricks' ? 'delta' : undefined);
    const location = asString(s['location']) ?? asString(s['path']) ?? asString(s['topic']) ?? asString(s['host']);
    const port: OutputPort = { kind: portKind(type, format, location) };
    put(port, 'name', asString(s['server']));
    put(port, 'type', type);
    put(port, 'format', format?.toLowerCase());
    put(port, 'location', location);
    b.mark(`output_ports.${c.output_ports.length}`, p);
    b.markIf(`output_ports.${c.output_ports.length}.format`, [...p, 'format']);
    c.output_ports.push(port);
  });

  if (major === 3) {
    const objs = b.arr(['schema']) ?? [];
    objs.forEach((o, i) => {
      if (!isTreeObject(o)) return;
      const prefix = objs.length > 1 ? `${asString(o['name']) ?? i}.` : '';
      c.fields.push(...readProps(b, c, ['schema', i, 'properties'], 'fields', prefix, 0, c.fields.length));
      readQuality(b, ['schema', i, 'quality'], c, asString(o['name']));
    });
  } else {
    const ds = b.arr(['dataset']) ? ['dataset'] : ['dataset', 'tables'];
    const tables = b.arr(ds) ?? [];
    tables.forEach((t, i) => {
      if (!isTreeObject(t)) return;
      const prefix = tables.length > 1 ? `${asString(t['table']) ?? i}.` : '';
      c.fields.push(...readColumns(b, c, [...ds, i, 'columns'], prefix, c.fields.length));
      readQuality(b, [...ds, i, 'quality'], c, asString(t['table']));
    });
  }

  (b.arr(['slaProperties']) ?? []).forEach((s, i) => {
    if (!isTreeObject(s)) return;
    const name = asString(s['property']);
    if (name === undefined) return;
    const p: RawPath = ['slaProperties', i];
    const value: TreeValue | undefined = s['value'];
    const unit = asString(s['unit']) ?? asString(s['valueExt']);
    if (/retention/i.test(name)) {
      if (typeof value === 'string' || typeof value === 'number') c.retention = unit === undefined ? value : `${value} ${unit}`;
      const d = retentionDays(value, unit);
      if (d !== undefined) c.retention_days = Math.round(d);
      b.mark('retention', p);
      b.mark('retention_days', p);
      return;
    }
    const n = asNumber(value);
    const raw = n !== undefined && unit !== undefined ? `${n}${unit}` : (value ?? null);
    b.mark(`slos.${c.slos.length}`, p);
    c.slos.push(makeSlo(name, raw));
  });
  c.tags = asStrings(b.get(['tags']));
  return c;
}

function readProps(b: Builder, contract: DataContract, raw: RawPath, canon: string, prefix: string, depth: number, offset = 0): ContractField[] {
  const out: ContractField[] = [];
  if (depth > 50) return out;
  (b.arr(raw) ?? []).forEach((v, i) => {
    if (!isTreeObject(v)) return;
    const name = asString(v['name']);
    if (name === undefined) return;
    const p: RawPath = [...raw, i];
    const c = `${canon}.${offset + out.length}`;
    const f = newField(prefix + name);
    b.mark(c, p);
    b.mark(`${c}.name`, [...p, 'name']);
    const type = asString(v['logicalType']) ?? asString(v['physicalType']);
    if (type !== undefined) {
      f.type = type;
      b.mark(`${c}.type`, [...p, v['logicalType'] !== undefined ? 'logicalType' : 'physicalType']);
    }
    readKeyFlags(b, f, p, c, v, ['primaryKey']);
    readCommonFieldKeys(b, f, p, c);
    readQuality(b, [...p, 'quality'], contract, prefix + name);
    const opts = b.obj([...p, 'logicalTypeOptions']);
    if (opts) readCommonFieldKeys(b, f, [...p, 'logicalTypeOptions'], c);
    if (b.arr([...p, 'properties'])) f.fields = readProps(b, contract, [...p, 'properties'], `${c}.fields`, '', depth + 1);
    else if (b.arr([...p, 'items', 'properties'])) f.fields = readProps(b, contract, [...p, 'items', 'properties'], `${c}.fields`, '', depth + 1);
    out.push(f);
  });
  return out;
}

function readColumns(b: Builder, contract: DataContract, raw: RawPath, prefix: string, offset: number): ContractField[] {
  const out: ContractField[] = [];
  (b.arr(raw) ?? []).forEach((v, i) => {
    if (!isTreeObject(v)) return;
    const name = asString(v['column']) ?? asString(v['name']);
    if (name === undefined) return;
    const p: RawPath = [...raw, i];
    const c = `fields.${offset + out.length}`;
    const f = newField(prefix + name);
    b.mark(c, p);
    b.mark(`${c}.name`, [...p, v['column'] !== undefined ? 'column' : 'name']);
    const type = asString(v['logicalType']) ?? asString(v['physicalType']);
    if (type !== undefined) {
      f.type = type;
      b.mark(`${c}.type`, [...p, v['logicalType'] !== undefined ? 'logicalType' : 'physicalType']);
    }
    const nullable = asBool(v['isNullable']) ?? asBool(v['nullable']);
    if (nullable !== undefined) {
      f.nullable = nullable;
      f.required = !nullable;
      b.mark(`${c}.nullable`, [...p, v['isNullable'] !== undefined ? 'isNullable' : 'nullable']);
    }
    if (asBool(v['isUnique']) === true || asBool(v['unique']) === true) f.unique = true;
    if (asBool(v['isPrimaryKey']) === true || asBool(v['isPrimary']) === true || asBool(v['primary']) === true) {
      f.primary_key = true;
      f.required = true;
      f.nullable = false;
    }
    readCommonFieldKeys(b, f, p, c);
    readQuality(b, [...p, 'quality'], contract, prefix + name);
    out.push(f);
  });
  return out;
}

/** The server type an ODCS v2 JDBC driver class or host names (`org.postgresql.Driver` → `postgres`). */
function v2ServerType(driver: string | undefined, server: string | undefined): string | undefined {
  const d = `${driver ?? ''} ${server ?? ''}`.toLowerCase();
  const known: [RegExp, string][] = [
    [/postgres/, 'postgres'], [/mysql|mariadb/, 'mysql'], [/oracle/, 'oracle'], [/sqlserver|jtds/, 'sqlserver'], [/snowflake/, 'snowflake'],
    [/redshift/, 'redshift'], [/bigquery/, 'bigquery'], [/databricks|spark/, 'databricks'], [/db2/, 'db2'], [/trino|presto/, 'trino'], [/clickhouse/, 'clickhouse'],
  ];
  for (const [re, t] of known) if (re.test(d)) return t;
  return driver;
}

function readQuality(b: Builder, raw: RawPath, c: DataContract, column: string | undefined): void {
  (b.arr(raw) ?? []).forEach((q, i) => {
    if (!isTreeObject(q)) return;
    const rule: QualityRule = { name: asString(q['name']) ?? asString(q['metric']) ?? asString(q['rule']) ?? asString(q['templateName']) ?? asString(q['type']) ?? `quality_${i}` };
    put(rule, 'description', asString(q['description']));
    put(rule, 'rule', asString(q['query']) ?? asString(q['rule']));
    put(rule, 'column', column);
    const th = q['mustBe'] ?? q['mustBeGreaterThan'] ?? q['mustBeLessThan'] ?? q['threshold'];
    if (typeof th === 'string' || typeof th === 'number') rule.threshold = th;
    b.mark(`quality.${c.quality.length}`, [...raw, i]);
    c.quality.push(rule);
  });
}
