/**
 * Waivers: a recorded, approved and expiring exception for one rule on matching subjects. A waivers file
 * is a YAML list of `{id?, rule, layer?, match: {contract_id?, resource?, file?}, reason, approved_by,
 * expires}`; its scope is the layer it is configured for (`global` or a domain). Parsing and matching
 * are pure; reading the file is the config module's job.
 */
import { MeshgateError, type Location } from '../errors.js';
import { globMatch } from './glob.js';
import type { LayerFinding } from './merge.js';
import { parseLocated, noPositions, type ValuePath } from './source.js';
import { compileSchema, problemsError, validateOrThrow } from './validate.js';

/** Which subjects a waiver or override covers; every given key must match (globs for resource and file). */
export interface SubjectMatch {
  /** Contract id (glob, `.` separated). */
  contract_id?: string;
  /** Terraform resource address (glob, `.` separated: `module.*.aws_s3_bucket.**`). */
  resource?: string;
  /** Source file (glob, `/` separated: `contracts/**\/*.yaml`). */
  file?: string;
}

/** A waiver as written in a waivers file. */
export interface WaiverEntry {
  /** Optional stable id (default `<scope>#<n>`, 1-based position in the file). */
  id?: string;
  /** The rule id it waives. */
  rule: string;
  /** The layer whose findings it waives (default: the file's scope). */
  layer?: string;
  /** Which subjects (at least one key). */
  match: SubjectMatch;
  /** Why. */
  reason: string;
  /** Who approved it. */
  approved_by: string;
  /** Last day it applies (`YYYY-MM-DD`, through the end of that day UTC) or an exact ISO 8601 date-time. */
  expires: string;
}

/** A waiver with its scope (the waivers file's layer) and where it was written. */
export interface Waiver extends Required<Pick<WaiverEntry, 'id'>>, Omit<WaiverEntry, 'id'> {
  /** The waivers file it came from: `global` or a domain name. */
  scope: string;
  /** The instant (ms since epoch) from which it no longer applies. */
  expiresAt: number;
  /** Where it was written, when known. */
  location?: Location;
}

const MATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    contract_id: { type: 'string', minLength: 1 },
    resource: { type: 'string', minLength: 1 },
    file: { type: 'string', minLength: 1 },
  },
} as const;

/** JSON Schema of one waiver entry. */
export const WAIVER_ENTRY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'match', 'reason', 'approved_by', 'expires'],
  properties: {
    id: { type: 'string', minLength: 1 },
    rule: { type: 'string', minLength: 1 },
    layer: { type: 'string', pattern: '^[a-z][a-z0-9_-]*$' },
    match: MATCH_SCHEMA,
    reason: { type: 'string', minLength: 1, pattern: '\\S' },
    approved_by: { type: 'string', minLength: 1, pattern: '\\S' },
    expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$' },
  },
} as const;

/** JSON Schema of a subject match (shared with config overrides). */
export const SUBJECT_MATCH_SCHEMA = MATCH_SCHEMA;

const validateFile = compileSchema<WaiverEntry[]>({ type: 'array', items: WAIVER_ENTRY_SCHEMA });

/**
 * The instant an expiry stops applying: a date `YYYY-MM-DD` applies through the end of that day (UTC);
 * a date-time (`YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`) is exact. Strict: returns NaN for anything else,
 * including impossible dates and times that a lenient parser would roll over (2025-02-30, 24:00, 12:61).
 * The one date parser of waivers, overrides and config.
 */
export function expiryInstant(expires: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|([+-])(\d{2}):(\d{2})))?$/.exec(expires);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = Date.UTC(y, mo - 1, d);
  const back = new Date(day);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  if (m[4] === undefined) return Date.UTC(y, mo - 1, d + 1);
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  if (h > 23 || mi > 59 || s > 59) return NaN;
  let offset = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return NaN;
    offset = (m[9] === '+' ? 1 : -1) * (oh * 60 + om) * 60_000;
  }
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  return day + ((h * 60 + mi) * 60 + s) * 1000 + ms - offset;
}

/**
 * Validates waiver entries (already parsed) for scope `scope` and returns them with ids, expiry instants
 * and locations. Throws MG_WAIVER_INVALID with the line of the offending entry.
 */
export function toWaivers(value: unknown, scope: string, locate: (p: ValuePath) => Location = noPositions()): Waiver[] {
  validateOrThrow(validateFile, value, locate, 'MG_WAIVER_INVALID', `waivers (${scope})`);
  const ids = new Set<string>();
  return value.map((entry, i) => {
    const id = entry.id ?? `${scope}#${i + 1}`;
    const expiresAt = expiryInstant(entry.expires);
    if (Number.isNaN(expiresAt)) {
      throw problemsError('MG_WAIVER_INVALID', `waivers (${scope})`, [{ path: `${i}.expires`, message: `not a real date: ${entry.expires}`, location: locate([i, 'expires']) }]);
    }
    if (ids.has(id)) {
      throw problemsError('MG_WAIVER_INVALID', `waivers (${scope})`, [{ path: `${i}.id`, message: `duplicate waiver id ${JSON.stringify(id)}`, location: locate([i, entry.id === undefined ? 'rule' : 'id']) }]);
    }
    ids.add(id);
    const w: Waiver = { ...entry, id, scope, expiresAt, location: locate([i]) };
    return w;
  });
}

/** Parses a waivers file's text (a YAML list) for scope `scope`. Throws MG_WAIVER_INVALID with file:line:col. */
export function parseWaivers(text: string, scope: string, file?: string): Waiver[] {
  const src = parseLocated(text, file, 'MG_WAIVER_INVALID');
  if (src.value === null || src.value === undefined) return [];
  return toWaivers(src.value, scope, src.locate);
}

/** True when every key of `m` matches the finding (contract id, resource address, file). */
export function matchesSubject(m: SubjectMatch, f: LayerFinding): boolean {
  if (m.contract_id !== undefined) {
    const id = f.match?.contract_id;
    if (id === undefined || !globMatch(m.contract_id, id, '.')) return false;
  }
  if (m.resource !== undefined) {
    const r = f.finding.resource ?? f.resource;
    if (r === undefined || !globMatch(m.resource, r, '.')) return false;
  }
  if (m.file !== undefined) {
    const file = f.match?.file ?? f.location?.file;
    if (file === undefined || !globMatch(m.file, file.replace(/\\/g, '/'), '/')) return false;
  }
  return true;
}

/** Throws when `w` is not a well-formed waiver (for waivers built in code rather than parsed). */
export function assertWaiver(w: Waiver): void {
  if (!w.id || !w.rule || !w.scope || Number.isNaN(w.expiresAt)) {
    throw new MeshgateError('MG_WAIVER_INVALID', `malformed waiver ${JSON.stringify(w.id ?? w.rule)}`);
  }
}
