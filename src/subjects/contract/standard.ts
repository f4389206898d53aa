/**
 * Which version of a published standard (ODCS, DCS) a contract declares, and its validation against that
 * version's published JSON Schema (vendored as data under `./schemas/`, with the standards' licences).
 * Schema violations and a newer-than-known minor version become import warnings; a newer minor version
 * whose document does not validate against the newest known schema of its major version is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { publishedSchemaAjv } from '../../ajv.js';
import { requireWithCodeCache } from '../../code-cache.js';
import { MeshgateError } from '../../errors.js';
import { setOwn } from '../../is-object.js';
import type { Location } from '../../errors.js';
import type { ContractFormat, ImportWarning } from './model.js';
import { isTreeObject } from './tree.js';
import type { RawPath, SourceTree, TreeValue } from './tree.js';

/** A vendored published schema: the version it describes and the document. */
export interface VendoredSchema {
  /** Standard and version, e.g. `ODCS v3.2.0`. */
  label: string;
  /** The key naming the version in a document (`apiVersion`, `dataContractSpecification`). */
  versionKey: string;
  /** The version value that document declares to that schema (used when validating a newer minor). */
  versionValue: string;
  /** JSON Schema draft: ODCS uses 2019-09, DCS draft-07. */
  draft: '2019-09' | '07';
  /** The schema file, relative to the schemas folder. */
  file: string;
}

const V = (label: string, versionKey: string, versionValue: string, draft: VendoredSchema['draft'], file: string): VendoredSchema => ({ label, versionKey, versionValue, draft, file });

/** Supported major.minor lines → the vendored schema that validates them (the newest patch of the line). */
export const SCHEMAS: Readonly<Record<string, VendoredSchema>> = {
  'odcs 2.2': V('ODCS v2.2.2', 'apiVersion', 'v2.2.2', '2019-09', 'odcs/odcs-json-schema-v2.2.2.json'),
  'odcs 3.0': V('ODCS v3.0.2', 'apiVersion', 'v3.0.2', '2019-09', 'odcs/odcs-json-schema-v3.0.2.json'),
  'odcs 3.1': V('ODCS v3.1.0', 'apiVersion', 'v3.1.0', '2019-09', 'odcs/odcs-json-schema-v3.1.0.json'),
  'odcs 3.2': V('ODCS v3.2.0', 'apiVersion', 'v3.2.0', '2019-09', 'odcs/odcs-json-schema-v3.2.0.json'),
  'dcs 0.9': V('DCS 0.9.3', 'dataContractSpecification', '0.9.3', '07', 'dcs/datacontract-0.9.3.schema.json'),
  'dcs 1.0': V('DCS 1.1.0', 'dataContractSpecification', '1.1.0', '07', 'dcs/datacontract-1.1.0.schema.json'),
  'dcs 1.1': V('DCS 1.1.0', 'dataContractSpecification', '1.1.0', '07', 'dcs/datacontract-1.1.0.schema.json'),
  'dcs 1.2': V('DCS 1.2.1', 'dataContractSpecification', '1.2.1', '07', 'dcs/datacontract-1.2.1.schema.json'),
};

/** The newest known minor line of each supported major version (newer minors validate against it). */
const NEWEST: Readonly<Record<string, string>> = { 'odcs 3': 'odcs 3.2', 'odcs 2': 'odcs 2.2', 'dcs 1': 'dcs 1.2', 'dcs 0': 'dcs 0.9' };

/** The standard version a document declares and the schema it is checked against. */
export interface StandardVersion {
  /** `odcs` or `dcs`. */
  standard: 'odcs' | 'dcs';
  /** The version as written (`v3.2.0`, `1.1.0`); empty when the document declares none. */
  declared: string;
  /** The key of the vendored schema used. */
  schemaKey: string;
  /** True when the declared minor version is newer than the newest known one of its major version. */
  newer: boolean;
}

/** Reads the declared standard version of an ODCS/DCS document; undefined for the seed's shapes. */
export function standardVersion(root: TreeValue, format: ContractFormat): StandardVersion | undefined {
  if (!isTreeObject(root)) return undefined;
  const standard = format === 'dcs' ? 'dcs' : format === 'odcs-v2' || format === 'odcs-v3' ? 'odcs' : undefined;
  if (standard === undefined) return undefined;
  const raw = standard === 'dcs' ? root['dataContractSpecification'] : (root['apiVersion'] ?? root['standardVersion']);
  const declared = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  const m = /^v?(\d+)\.(\d+)/.exec(declared);
  const major = m?.[1] ?? (format === 'odcs-v3' ? '3' : format === 'odcs-v2' ? '2' : '1');
  const key = m ? `${standard} ${major}.${Number(m[2])}` : (NEWEST[`${standard} ${major}`] ?? '');
  if (SCHEMAS[key] !== undefined) return { standard, declared, schemaKey: key, newer: false };
  const newest = NEWEST[`${standard} ${major}`];
  if (newest === undefined) return undefined;
  return { standard, declared, schemaKey: newest, newer: true };
}

/**
 * The folder of the vendored schemas: `./schemas` beside this module in the source tree, or
 * `src/subjects/contract/schemas` found walking up from the bundled module (dist/ in the package).
 * Read on first use only, so loading meshgate costs nothing for them.
 */
function schemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'schemas'), join(dir, 'src', 'subjects', 'contract', 'schemas')]) {
      if (existsSync(join(candidate, 'odcs', 'LICENSE'))) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new MeshgateError('MG_CONTRACT_SCHEMA_MISSING', 'the vendored ODCS/DCS JSON Schemas (src/subjects/contract/schemas) were not found beside the meshgate package');
}

function loadSchema(file: string): object {
  const path = join(schemasDir(), file);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as object;
  } catch (e) {
    throw new MeshgateError('MG_CONTRACT_SCHEMA_MISSING', `cannot read the vendored schema ${path}`, { cause: e, location: { file: path } });
  }
}
const validators = new Map<string, ValidateFunction>();

/** Where the build puts a vendored schema's standalone validator, relative to the package's `dist/`. */
export function standaloneFile(schemaFile: string): string {
  return join('standard', schemaFile.replace(/\.json$/, '.cjs'));
}

/**
 * The ajv standalone validator of a vendored schema generated at build time
 * (scripts/gen-standard-validators.mjs, into `dist/standard/`), found from the bundled module (`dist/` or
 * `dist/cli/`) and compiled with its V8 code cache when the build made one (src/code-cache.ts); undefined
 * when there is none (the sources under test): the schema is then compiled.
 */
function generatedValidator(schemaFile: string): ValidateFunction | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 2; i++) {
    if (basename(dir) === 'dist') {
      const file = join(dir, standaloneFile(schemaFile));
      return existsSync(file) ? (requireWithCodeCache(file) as ValidateFunction) : undefined;
    }
    dir = dirname(dir);
  }
  return undefined;
}

function validatorFor(key: string): ValidateFunction {
  const hit = validators.get(key);
  if (hit) return hit;
  const s = SCHEMAS[key];
  if (s === undefined) throw new MeshgateError('MG_CONTRACT_SCHEMA', `no vendored schema for ${key}`);
  // Generated at build time when meshgate is built (compiling a published schema costs ~150 ms);
  // else compiled here. Unoptimised code compiles about a third faster; one document per compile makes
  // optimisation moot.
  const fn = generatedValidator(s.file) ?? publishedSchemaAjv(s.draft === '2019-09' ? '2019-09' : '07').compile(loadSchema(s.file));
  validators.set(key, fn);
  return fn;
}

/** A JSON pointer (`/schema/0/properties/1`) as a raw path. */
function pointerPath(pointer: string): RawPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the document' : e.instancePath;
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    return `${where}: unknown key "${String(p['additionalProperty'] ?? p['unevaluatedProperty'])}"`;
  }
  if (e.keyword === 'enum') return `${where} ${e.message ?? ''}: ${JSON.stringify(p['allowedValues'])}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** The most useful errors of a run: drop the combinator noise (`anyOf`/`oneOf`/`if` wrappers) when specific errors exist. */
function pick(errors: readonly ErrorObject[]): ErrorObject[] {
  let specific = errors.filter((e) => !['anyOf', 'oneOf', 'if', 'allOf', 'not'].includes(e.keyword));
  // A failed branch leaves its keys "unevaluated": report the branch's own error, not every key as unknown.
  const broken = specific.filter((e) => e.keyword !== 'unevaluatedProperties').map((e) => e.instancePath);
  specific = specific.filter((e) => e.keyword !== 'unevaluatedProperties' || !broken.some((p) => p === e.instancePath || p.startsWith(`${e.instancePath}/`)));
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of specific.length ? specific : errors) {
    const k = `${e.instancePath}|${describe(e)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/**
 * A copy with ordinary prototypes (ajv's deep equality calls `valueOf` on objects, which the tree's
 * prototype-free objects lack). Keys are defined, never assigned, so `__proto__` stays plain data.
 */
function plain(v: TreeValue, depth: number): unknown {
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (!isTreeObject(v)) return v;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) setOwn(o, k, plain(v[k] ?? null, depth + 1));
  return o;
}

/** True when `declared` is a later patch of the same minor line as `known` (`v3.2.1` after `v3.2.0`). */
function newerPatch(declared: string, known: string): boolean {
  const d = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(declared);
  const k = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(known);
  return d !== null && k !== null && d[1] === k[1] && d[2] === k[2] && Number(d[3]) > Number(k[3]);
}

/** Most schema violations reported per contract (the count of the rest is added to the last one). */
export const MAX_SCHEMA_WARNINGS = 10;

/** An import warning with the raw path it is about. */
export interface LocatedWarning extends ImportWarning {
  /** Where in the source it is about. */
  raw: RawPath;
}

/**
 * Validates an ODCS/DCS document against the published schema of its declared version. Returns the
 * import warnings (a newer minor version, each schema violation). Throws `MG_CONTRACT_VERSION_UNSUPPORTED`
 * when a newer minor version does not validate against the newest known schema of its major version.
 */
export function checkStandard(tree: SourceTree, version: StandardVersion, location: Location): LocatedWarning[] {
  const s = SCHEMAS[version.schemaKey];
  if (s === undefined || !isTreeObject(tree.root)) return [];
  const doc = plain(tree.root, 0) as Record<string, unknown>;
  // Validate a newer minor (or a newer patch of a known minor) as the newest known version of its line:
  // every other key must still conform.
  if (version.newer || newerPatch(version.declared, s.versionValue)) setOwn(doc, s.versionKey, s.versionValue);
  const validate = validatorFor(version.schemaKey);
  const ok = validate(doc);
  const errors = ok ? [] : pick(validate.errors ?? []);
  const name = version.standard === 'odcs' ? 'ODCS' : 'Data Contract Specification';
  if (version.newer) {
    if (errors.length > 0) {
      const list = errors.slice(0, 5).map(describe).join('; ');
      throw new MeshgateError(
        'MG_CONTRACT_VERSION_UNSUPPORTED',
        `${name} ${version.declared} is newer than the newest supported version (${s.label}) and is not compatible with its schema: ${list}`,
        { location, details: { declared: version.declared, validated_as: s.label } },
      );
    }
    return [
      {
        rule: 'contract_standard_version_newer',
        message: `${name} ${version.declared} is newer than the newest supported version; it was read as ${s.label}, whose schema it satisfies. Keys new in ${version.declared} are not read.`,
        raw: [s.versionKey],
      },
    ];
  }
  const out: LocatedWarning[] = errors.slice(0, MAX_SCHEMA_WARNINGS).map((e) => ({
    rule: 'contract_schema_violation',
    message: `Does not conform to the published ${s.label} JSON Schema: ${describe(e)}.`,
    raw: pointerPath(e.instancePath),
  }));
  const last = out[out.length - 1];
  if (last && errors.length > MAX_SCHEMA_WARNINGS) last.message += ` (${errors.length - MAX_SCHEMA_WARNINGS} more violations not listed)`;
  return out;
}
