/**
 * Schema evolution between two versions of a contract: `diffContracts` lists each change with a default
 * classification (compatible / breaking) and the locations in both files; `checkContractChange` lets the
 * `meshgate/contract_change` policies decide (a breaking change without a major version bump is denied).
 */
import type { DecisionRequest } from '../../layering/decide.js';
import type { Location } from '../../errors.js';
import type { RawFinding } from '../../types.js';
import { contractDomain } from './check.js';
import { locatePath } from './locate.js';
import type { ContractField, FieldConstraints, LocationMap } from './model.js';
import { parseContract } from './parse.js';
import type { ContractSource } from './parse.js';

/** Kinds of schema change. */
export type ChangeKind =
  | 'field_added_optional'
  | 'field_added_required'
  | 'field_removed'
  | 'field_renamed'
  | 'type_changed'
  | 'enum_narrowed'
  | 'enum_widened'
  | 'constraint_tightened'
  | 'constraint_relaxed'
  | 'made_required'
  | 'made_optional'
  | 'made_non_nullable'
  | 'made_nullable';

/** Kinds breaking consumers by default (the policy may add its own). */
export const BREAKING_KINDS: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'field_added_required', 'field_removed', 'field_renamed', 'type_changed', 'enum_narrowed', 'constraint_tightened', 'made_required', 'made_non_nullable',
]);

/** One schema change. */
export interface ContractChange {
  /** What changed. */
  kind: ChangeKind;
  /** The field, as a dot path of names (`line_items.sku`); for renames, the new name. */
  field: string;
  /** Default classification. */
  classification: 'compatible' | 'breaking';
  /** Human-readable description. */
  message: string;
  /** Where the field is in the old contract. */
  old?: Location;
  /** Where the field is in the new contract. */
  new?: Location;
}

/** The result of {@link diffContracts}. */
export interface ContractDiff {
  /** All changes, in field order. */
  changes: ContractChange[];
  /** Version of the old contract. */
  oldVersion?: string;
  /** Version of the new contract. */
  newVersion?: string;
  /** True unless a breaking change comes without a major version bump. */
  versionBumpOk: boolean;
}

/** Options of {@link diffContracts}. */
export interface DiffOptions {
  /** File of the old contract. */
  oldFile?: string;
  /** File of the new contract. */
  newFile?: string;
}

interface Side {
  fields: ContractField[];
  locations: LocationMap;
  canon: string;
}

const normType = (t: string | undefined): string => (t ?? '').toLowerCase().replace(/\s+/g, '');

function loc(side: Side, i: number, attr?: string): Location | undefined {
  const base = `${side.canon}.${i}`;
  return locatePath(side.locations, attr === undefined ? base : `${base}.${attr}`);
}

function change(kind: ChangeKind, field: string, message: string, oldLoc: Location | undefined, newLoc: Location | undefined): ContractChange {
  const c: ContractChange = { kind, field, classification: BREAKING_KINDS.has(kind) ? 'breaking' : 'compatible', message };
  if (oldLoc) c.old = oldLoc;
  if (newLoc) c.new = newLoc;
  return c;
}

type Bound = 'minimum' | 'exclusive_minimum' | 'min_length' | 'maximum' | 'exclusive_maximum' | 'max_length';
const LOWER: readonly Bound[] = ['minimum', 'exclusive_minimum', 'min_length'];
const UPPER: readonly Bound[] = ['maximum', 'exclusive_maximum', 'max_length'];

function compareConstraints(a: FieldConstraints, b: FieldConstraints): { tightened: string[]; relaxed: string[] } {
  const tightened: string[] = [];
  const relaxed: string[] = [];
  for (const k of LOWER) {
    const x = a[k];
    const y = b[k];
    if (y !== undefined && (x === undefined || y > x)) tightened.push(`${k} ${x ?? 'none'} → ${y}`);
    else if (x !== undefined && (y === undefined || y < x)) relaxed.push(`${k} ${x} → ${y ?? 'none'}`);
  }
  for (const k of UPPER) {
    const x = a[k];
    const y = b[k];
    if (y !== undefined && (x === undefined || y < x)) tightened.push(`${k} ${x ?? 'none'} → ${y}`);
    else if (x !== undefined && (y === undefined || y > x)) relaxed.push(`${k} ${x} → ${y ?? 'none'}`);
  }
  for (const k of ['pattern', 'format'] as const) {
    const x = a[k];
    const y = b[k];
    if (y !== undefined && x !== y) tightened.push(`${k} ${x ?? 'none'} → ${y}`);
    else if (x !== undefined && y === undefined) relaxed.push(`${k} ${x} removed`);
  }
  return { tightened, relaxed };
}

function diffField(prefix: string, o: ContractField, n: ContractField, os: Side, oi: number, ns: Side, ni: number, out: ContractChange[]): void {
  const name = prefix + n.name;
  const L = (attr?: string): [Location | undefined, Location | undefined] => [loc(os, oi, attr), loc(ns, ni, attr)];
  if (normType(o.type) !== normType(n.type)) out.push(change('type_changed', name, `field ${name}: type ${o.type ?? 'none'} → ${n.type ?? 'none'}`, ...L('type')));
  if (!o.required && n.required) out.push(change('made_required', name, `field ${name} became required`, ...L('required')));
  if (o.required && !n.required) out.push(change('made_optional', name, `field ${name} became optional`, ...L('required')));
  const requiredChanged = o.required !== n.required;
  if (o.nullable && !n.nullable && !requiredChanged) out.push(change('made_non_nullable', name, `field ${name} no longer accepts null`, ...L('nullable')));
  if (!o.nullable && n.nullable && !requiredChanged) out.push(change('made_nullable', name, `field ${name} now accepts null`, ...L('nullable')));
  if (o.enum !== undefined || n.enum !== undefined) {
    const before = new Set(o.enum ?? []);
    const after = new Set(n.enum ?? []);
    const dropped = o.enum === undefined ? [] : [...before].filter((v) => !after.has(v));
    if (n.enum !== undefined && (o.enum === undefined || dropped.length > 0)) {
      const what = o.enum === undefined ? `restricted to ${[...after].join(', ')}` : `no longer allows ${dropped.join(', ')}`;
      out.push(change('enum_narrowed', name, `field ${name}: enum ${what}`, ...L('enum')));
    } else if (n.enum === undefined || [...after].some((v) => !before.has(v))) {
      out.push(change('enum_widened', name, `field ${name}: enum allows more values`, ...L('enum')));
    }
  }
  const cons = compareConstraints(o.constraints, n.constraints);
  if (!o.unique && n.unique) cons.tightened.push('unique');
  if (o.unique && !n.unique) cons.relaxed.push('no longer unique');
  if (cons.tightened.length) out.push(change('constraint_tightened', name, `field ${name}: constraint tightened (${cons.tightened.join('; ')})`, ...L('constraints')));
  if (cons.relaxed.length) out.push(change('constraint_relaxed', name, `field ${name}: constraint relaxed (${cons.relaxed.join('; ')})`, ...L('constraints')));
  diffFields(`${name}.`, { fields: o.fields, locations: os.locations, canon: `${os.canon}.${oi}.fields` }, { fields: n.fields, locations: ns.locations, canon: `${ns.canon}.${ni}.fields` }, out);
}

function diffFields(prefix: string, os: Side, ns: Side, out: ContractChange[]): void {
  const oldIdx = new Map(os.fields.map((f, i) => [f.name, i]));
  const newIdx = new Map(ns.fields.map((f, i) => [f.name, i]));
  const removed = os.fields.map((f, i) => ({ f, i })).filter(({ f }) => !newIdx.has(f.name));
  const added = ns.fields.map((f, i) => ({ f, i })).filter(({ f }) => !oldIdx.has(f.name));
  // Rename heuristic: a removed and an added field of the same (known) type at the same level.
  const renamed = new Set<number>();
  for (const r of [...removed]) {
    const k = added.findIndex((a) => !renamed.has(a.i) && a.f.type !== undefined && normType(a.f.type) === normType(r.f.type));
    const a = added[k];
    if (!a) continue;
    renamed.add(a.i);
    removed.splice(removed.indexOf(r), 1);
    out.push(change('field_renamed', prefix + a.f.name, `field ${prefix}${r.f.name} renamed to ${prefix}${a.f.name}`, loc(os, r.i), loc(ns, a.i)));
  }
  for (const r of removed) out.push(change('field_removed', prefix + r.f.name, `field ${prefix}${r.f.name} removed`, loc(os, r.i), undefined));
  for (const a of added) {
    if (renamed.has(a.i)) continue;
    const kind: ChangeKind = a.f.required ? 'field_added_required' : 'field_added_optional';
    out.push(change(kind, prefix + a.f.name, `${a.f.required ? 'required' : 'optional'} field ${prefix}${a.f.name} added`, undefined, loc(ns, a.i)));
  }
  ns.fields.forEach((n, ni) => {
    const oi = oldIdx.get(n.name);
    const o = oi === undefined ? undefined : os.fields[oi];
    if (o && oi !== undefined) diffField(prefix, o, n, os, oi, ns, ni, out);
  });
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** True when `newer`'s major version is greater than `older`'s (both semantic versions). */
export function isMajorBump(older: string | undefined, newer: string | undefined): boolean {
  const a = older === undefined ? null : SEMVER.exec(older.trim());
  const b = newer === undefined ? null : SEMVER.exec(newer.trim());
  return a !== null && b !== null && Number(b[1]) > Number(a[1]);
}

/** Compares two versions of a contract (text, bytes or objects, any supported format). */
export function diffContracts(oldSrc: ContractSource, newSrc: ContractSource, options: DiffOptions = {}): ContractDiff {
  const a = parseContract(oldSrc, options.oldFile === undefined ? {} : { file: options.oldFile });
  const b = parseContract(newSrc, options.newFile === undefined ? {} : { file: options.newFile });
  const changes: ContractChange[] = [];
  diffFields('', { fields: a.contract.fields, locations: a.locations, canon: 'fields' }, { fields: b.contract.fields, locations: b.locations, canon: 'fields' }, changes);
  const breaking = changes.some((c) => c.classification === 'breaking');
  const result: ContractDiff = { changes, versionBumpOk: !breaking || isMajorBump(a.contract.version, b.contract.version) };
  if (a.contract.version !== undefined) result.oldVersion = a.contract.version;
  if (b.contract.version !== undefined) result.newVersion = b.contract.version;
  return result;
}

/** Options of {@link checkContractChange}. */
export interface CheckChangeOptions extends DiffOptions {
  /** The domain whose layer applies; defaults to the new contract's domain, lower-cased. */
  domain?: string;
}

/**
 * Evaluates the changes between two contract versions against the `meshgate/contract_change` policies
 * of the global and the domain layer. Findings point at the changed field in the new file (or the old
 * file for removals).
 */
export function contractChangeRequest(oldSrc: ContractSource, newSrc: ContractSource, options: CheckChangeOptions = {}): DecisionRequest {
  const newParsed = parseContract(newSrc, options.newFile === undefined ? {} : { file: options.newFile });
  const diff = diffContracts(oldSrc, newSrc, options);
  const domain = contractDomain(newParsed.contract, options.domain);
  const file = options.newFile;
  const locate = (f: RawFinding): Location | undefined => {
    const m = f.path === undefined ? null : /^changes[./](\d+)/.exec(f.path);
    const ch = m?.[1] === undefined ? undefined : diff.changes[Number(m[1])];
    if (ch) return ch.new ?? ch.old;
    return locatePath(newParsed.locations, f.path === undefined ? undefined : f.path);
  };
  const input = {
    changes: diff.changes.map((c) => ({ kind: c.kind, field: c.field, classification: c.classification, message: c.message })),
    old_version: diff.oldVersion ?? null,
    new_version: diff.newVersion ?? null,
  };
  const match: { contract_id?: string; file?: string } = {};
  if (newParsed.contract.id !== undefined) match.contract_id = newParsed.contract.id;
  if (file !== undefined) match.file = file;
  return {
    kind: 'contract_change',
    subject: newParsed.contract.id ?? newParsed.contract.name ?? file ?? 'contract',
    ...(file === undefined ? {} : { file }),
    ...(domain === undefined ? {} : { domain }),
    units: [{ entrypoint: 'meshgate/contract_change', input, locate, match, ...(domain === undefined ? {} : { domains: [domain] }) }],
    auditInput: { old_version: diff.oldVersion ?? null, new_version: diff.newVersion ?? null, changes: diff.changes },
  };
}
