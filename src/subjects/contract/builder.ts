/**
 * Small helpers shared by the importers: typed reads from a located tree and recording where each
 * canonical value came from.
 */
import type { Location } from '../../errors.js';
import type { ContractField, DataContract, LocationMap } from './model.js';
import { customProperties, findProperty, PII_PROPERTY_NAMES } from './extensions.js';
import { isTreeObject } from './tree.js';
import type { RawPath, SourceTree, TreeObject, TreeValue } from './tree.js';

/** Reads a located tree and records canonical path → source location. */
export class Builder {
  /** Canonical path → location. */
  readonly locations: LocationMap = Object.create(null) as LocationMap;

  /** @param tree the parsed source. */
  constructor(readonly tree: SourceTree) {}

  /** The value at a raw path, or undefined. */
  get(path: RawPath): TreeValue | undefined {
    let cur: TreeValue | undefined = this.tree.root;
    for (const seg of path) {
      if (cur === null || cur === undefined) return undefined;
      if (Array.isArray(cur)) {
        if (typeof seg !== 'number') return undefined;
        cur = cur[seg];
      } else if (isTreeObject(cur)) {
        if (typeof seg !== 'string' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
        cur = cur[seg];
      } else return undefined;
    }
    return cur;
  }

  /** A string (numbers and booleans are converted), or undefined for anything else or empty text. */
  str(path: RawPath): string | undefined {
    return asString(this.get(path));
  }

  /** A number (numeric strings are converted), or undefined. */
  num(path: RawPath): number | undefined {
    return asNumber(this.get(path));
  }

  /** An object, or undefined. */
  obj(path: RawPath): TreeObject | undefined {
    const v = this.get(path);
    return isTreeObject(v) ? v : undefined;
  }

  /** An array, or undefined. */
  arr(path: RawPath): TreeValue[] | undefined {
    const v = this.get(path);
    return Array.isArray(v) ? v : undefined;
  }

  /** Records where a canonical path came from (the raw path's location, or its nearest ancestor's). */
  mark(canon: string, raw: RawPath): void {
    const loc: Location | undefined = this.tree.locate(raw) ?? this.tree.nearest(raw);
    if (loc) this.locations[canon] = loc;
  }

  /** Records `canon` only when the raw path exists in the source. */
  markIf(canon: string, raw: RawPath): void {
    if (this.get(raw) !== undefined) this.mark(canon, raw);
  }
}

/** Adds an import warning to a contract, located at `raw` in the source (reported by the policy as a warning). */
export function addImportWarning(b: Builder, c: DataContract, rule: string, message: string, raw: RawPath): void {
  const list = (c.import_warnings ??= []);
  b.mark(`import_warnings.${list.length}`, raw);
  list.push({ rule, message });
}

/** A string for strings, numbers and booleans; undefined otherwise or when empty. */
export function asString(v: TreeValue | undefined): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A finite number for numbers and numeric strings; undefined otherwise. */
export function asNumber(v: TreeValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** A boolean for booleans and `true`/`false`/`yes`/`no` strings; undefined otherwise. */
export function asBool(v: TreeValue | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'yes') return true;
    if (t === 'false' || t === 'no') return false;
  }
  return undefined;
}

/** A list of strings from an array of scalars (or a single scalar, or a comma-less string). */
export function asStrings(v: TreeValue | undefined): string[] {
  if (Array.isArray(v)) return v.map(asString).filter((s): s is string => s !== undefined);
  const s = asString(v);
  return s === undefined ? [] : [s];
}

/** Assigns `value` to `obj[key]` only when it is defined (for exactOptionalPropertyTypes). */
export function put<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value;
}

/** A field with every flag at its default (optional, not unique, nullable). */
export function newField(name: string): ContractField {
  return { name, required: false, unique: false, nullable: true, primary_key: false, pii: false, constraints: { other: [] }, tags: [], fields: [] };
}

/**
 * Reads a field's `required` (which also sets `nullable` to its negation), `unique` and primary-key flags
 * (the first of `primaryKeys` that is true makes the field a required, non-null primary key).
 */
export function readKeyFlags(b: Builder, f: ContractField, raw: RawPath, canon: string, v: TreeObject, primaryKeys: readonly string[]): void {
  const req = asBool(v['required']);
  if (req !== undefined) {
    f.required = req;
    f.nullable = !req;
    b.mark(`${canon}.required`, [...raw, 'required']);
  }
  if (asBool(v['unique']) === true) f.unique = true;
  if (primaryKeys.some((k) => asBool(v[k]) === true)) {
    f.primary_key = true;
    f.required = true;
    f.nullable = false;
  }
}

/** Reads the common per-field keys many formats share (classification, pii, tags, semantic type, constraints). */
export function readCommonFieldKeys(b: Builder, f: ContractField, raw: RawPath, canon: string): void {
  const o = b.obj(raw);
  if (!o) return;
  const cls = asString(o['classification']) ?? asString(o['data_classification']) ?? asString(o['privacy_tier']);
  if (cls !== undefined) {
    f.classification = cls;
    b.mark(`${canon}.classification`, [...raw, o['classification'] !== undefined ? 'classification' : o['data_classification'] !== undefined ? 'data_classification' : 'privacy_tier']);
  }
  const pii = asBool(o['pii']) ?? asBool(o['isPii']) ?? asBool(o['personal_data']);
  if (pii === true) f.pii = true;
  if (o['pii'] !== undefined) b.mark(`${canon}.pii`, [...raw, 'pii']);
  // ODCS has no PII field: tools write it as a custom property (datacontract-cli: `{property: pii, value: 'True'}`).
  const cp = findProperty(customProperties(b, raw), PII_PROPERTY_NAMES, (v) => asBool(v) === true || v === 1 || v === '1');
  if (cp !== undefined) {
    f.pii = true;
    b.mark(`${canon}.pii`, cp.path);
  }
  // ODCS `encryptedName` (v3) / `encryptedColumnName` (v2): the element holding the encrypted value.
  const enc = o['encryptedName'] !== undefined ? 'encryptedName' : 'encryptedColumnName';
  const encName = asString(o[enc]);
  if (encName !== undefined) {
    f.encrypted_name = encName;
    b.mark(`${canon}.encrypted_name`, [...raw, enc]);
  }
  const sem = asString(o['semantic_type']) ?? asString(o['semantic']) ?? asString(o['semanticType']);
  if (sem !== undefined) {
    f.semantic_type = sem;
    b.mark(`${canon}.semantic_type`, [...raw, o['semantic_type'] !== undefined ? 'semantic_type' : o['semantic'] !== undefined ? 'semantic' : 'semanticType']);
  }
  put(f, 'description', asString(o['description']) ?? asString(o['doc']));
  put(f, 'business_rule', asString(o['business_rule']));
  const tags = asStrings(o['tags']);
  if (tags.length) f.tags = tags;
  const en = o['enum'];
  if (Array.isArray(en)) {
    // ODCS v3.2 writes enumerations as `{value, label, description}` objects.
    f.enum = asStrings(en.map((e) => (isTreeObject(e) ? (e['value'] ?? null) : e)));
    b.mark(`${canon}.enum`, [...raw, 'enum']);
  }
  readNumericConstraints(b, f, o, raw, canon);
}

const NUMERIC: readonly [string, keyof ContractField['constraints']][] = [
  ['minimum', 'minimum'], ['maximum', 'maximum'], ['exclusiveMinimum', 'exclusive_minimum'], ['exclusiveMaximum', 'exclusive_maximum'],
  ['exclusive_minimum', 'exclusive_minimum'], ['exclusive_maximum', 'exclusive_maximum'],
  ['minLength', 'min_length'], ['maxLength', 'max_length'], ['min_length', 'min_length'], ['max_length', 'max_length'],
];

/** Reads numeric/string constraints (`minimum`, `maxLength`, `pattern`, `format`) from an object. */
export function readNumericConstraints(b: Builder, f: ContractField, o: TreeObject, raw: RawPath, canon: string): void {
  for (const [src, dst] of NUMERIC) {
    const n = asNumber(o[src]);
    if (n !== undefined && dst !== 'other' && dst !== 'pattern' && dst !== 'format') {
      f.constraints[dst] = n;
      b.mark(`${canon}.constraints.${dst}`, [...raw, src]);
    }
  }
  const pattern = asString(o['pattern']);
  if (pattern !== undefined) {
    f.constraints.pattern = pattern;
    b.mark(`${canon}.constraints.pattern`, [...raw, 'pattern']);
  }
  const format = asString(o['format']);
  if (format !== undefined) {
    f.constraints.format = format;
    b.mark(`${canon}.constraints.format`, [...raw, 'format']);
  }
}

/** Applies constraint words (`required`, `unique`, `not_null`, `primary_key`) to a field. */
export function applyConstraintWords(f: ContractField, words: readonly string[]): void {
  for (const w of words) {
    const k = w.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (k === 'required') {
      f.required = true;
      f.nullable = false;
    }
    else if (k === 'unique') f.unique = true;
    else if (k === 'not_null' || k === 'notnull' || k === 'non_null') {
      f.nullable = false;
      f.required = true;
    } else if (k === 'primary_key' || k === 'pk' || k === 'primarykey') {
      f.primary_key = true;
      f.unique = true;
      f.required = true;
      f.nullable = false;
      f.constraints.other.push('primary_key');
    } else f.constraints.other.push(w);
  }
}

/** What an output port serves: files/tables in storage, a database, a stream, an API, or unknown. */
export type PortKind = 'storage' | 'database' | 'stream' | 'api' | 'unknown';

const STREAM_TYPES = /^(kafka|kinesis|pubsub|pulsar|eventhubs?|solace|rabbitmq|sqs|sns|nats|redpanda|confluent|mqtt|amqp)$/;
const API_TYPES = /^(api|https?|rest|graphql|grpc|openapi|odata)$/;
const STORAGE_TYPES = /^(s3|gcs|azure|adls|adls2|abfss?|blob|sftp|ftp|local|file|hdfs|minio|oss|onelake|databricks|glue|lakehouse|iceberg|delta)$/;
const DATABASE_TYPES =
  /^(postgres|postgresql|mysql|mariadb|oracle|sqlserver|mssql|db2|bigquery|snowflake|redshift|synapse|trino|presto|starburst|clickhouse|duckdb|vertica|hive|impala|denodo|dremio|informix|cloudsql|zen|athena|teradata|sybase|cassandra|mongodb|dynamodb|sqlite|spanner|singlestore|hana|exasol|elasticsearch|opensearch|fabric)$/;
const FILE_FORMATS = /^(delta|iceberg|hudi|parquet|orc|csv|tsv|avro|json|jsonl|ndjson|xml|text|xlsx?)$/;

/**
 * Types an output port from its server `type` first (database, stream, object store, API), then its
 * location (`kafka://`, `s3://`, `jdbc:`, an Azure/S3/GCS storage host over https, any other `https://`),
 * then a file format. `custom` and unknown types fall through to the location.
 */
export function portKind(type: string | undefined, format: string | undefined, location: string | undefined): PortKind {
  // The type as a whole and word by word (`kafka_topic`, `s3-bucket`, `Event Hubs`).
  const t = (type ?? '').trim().toLowerCase();
  const words = [t.replace(/[^a-z0-9]+/g, ''), ...t.split(/[^a-z0-9]+/)].filter((w) => w !== '');
  if (words.some((w) => STREAM_TYPES.test(w))) return 'stream';
  if (words.some((w) => API_TYPES.test(w))) return 'api';
  if (words.some((w) => STORAGE_TYPES.test(w))) return 'storage';
  if (words.some((w) => DATABASE_TYPES.test(w))) return 'database';
  const loc = (location ?? '').trim().toLowerCase();
  if (/^(kafka|pulsar|kinesis|pubsub|amqps?|mqtt|nats):/.test(loc)) return 'stream';
  if (/^(s3a?|gs|gcs|abfss?|wasbs?|adl|hdfs|file|sftp|ftp|dbfs|oss):/.test(loc)) return 'storage';
  if (/^https?:\/\/[^/]*(\.blob\.core\.windows\.net|\.dfs\.core\.windows\.net|\.s3[.-][^/]*amazonaws\.com|s3\.amazonaws\.com|storage\.googleapis\.com|\.r2\.cloudflarestorage\.com)(:\d+)?(\/|$)/.test(loc)) return 'storage';
  if (/^(jdbc|odbc|postgres(ql)?|mysql|sqlserver|oracle|snowflake|bigquery|redshift|mongodb(\+srv)?|clickhouse):/.test(loc)) return 'database';
  if (/^https?:/.test(loc)) return 'api';
  const f = (format ?? '').trim().toLowerCase();
  if (FILE_FORMATS.test(f)) return 'storage';
  if (loc.startsWith('/') || /^[a-z]:\\/.test(loc)) return 'storage';
  return 'unknown';
}
