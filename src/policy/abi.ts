/**
 * The policy ABI: JSON Schemas of what each entrypoint may return, checked with ajv before a result is
 * trusted, and the normalisation of the seed's bare-string findings to `{msg, rule}`. Anything else is a
 * MeshgateError (MG_POLICY_RESULT_SHAPE): the caller turns it into a denying decision.
 */
import { isObject, isStringArray } from '../is-object.js';
import type { Ajv, ValidateFunction, ErrorObject } from 'ajv';
import { newAjv } from '../ajv.js';
import { MeshgateError } from '../errors.js';
import type { AccessResult, ComplianceResult, Entrypoint, Obligations, RawFinding } from '../types.js';

const findingSchema = {
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      required: ['msg'],
      properties: {
        msg: { type: 'string' },
        rule: { type: 'string' },
        severity: { type: 'string' },
        path: { type: 'string' },
        remediation: { type: 'string' },
        resource: { type: 'string' },
      },
    },
  ],
} as const;

const complianceSchema = {
  type: 'object',
  properties: {
    deny: { type: 'array', items: findingSchema },
    warn: { type: 'array', items: findingSchema },
  },
} as const;

const accessSchema = {
  type: 'object',
  properties: {
    allow: { type: 'boolean' },
    allow_rules: { type: 'array', items: { type: 'string' } },
    deny: { type: 'array', items: findingSchema },
    obligations: {
      type: 'object',
      properties: {
        mask: { type: 'array', items: { type: 'string' } },
        row_filters: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;

// compiled on first use: the fast hand-written checks below accept every valid result, so ajv only runs
// (and is only compiled) to explain a result that is wrong
let ajv: Ajv | undefined;
let complianceValidator: ValidateFunction | undefined;
let accessValidator: ValidateFunction | undefined;
const validateCompliance = (v: unknown): boolean => (complianceValidator ??= (ajv ??= newAjv({ allErrors: true, strict: true })).compile(complianceSchema))(v);
const validateAccess = (v: unknown): boolean => (accessValidator ??= (ajv ??= newAjv({ allErrors: true, strict: true })).compile(accessSchema))(v);
const complianceErrors = (): ErrorObject[] | null | undefined => complianceValidator?.errors;
const accessErrors = (): ErrorObject[] | null | undefined => accessValidator?.errors;

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

function packageOf(entrypoint: Entrypoint): string {
  return entrypoint.replace(/\//g, '.');
}

/** Normalises one finding: a bare string becomes `{msg, rule: <package>}`. */
export function normaliseFinding(f: unknown, entrypoint: Entrypoint): RawFinding {
  if (typeof f === 'string') return { msg: f, rule: packageOf(entrypoint) };
  const o = f as Record<string, unknown>;
  const out: RawFinding = { msg: String(o['msg']), rule: typeof o['rule'] === 'string' && o['rule'] !== '' ? o['rule'] : packageOf(entrypoint) };
  for (const k of ['severity', 'path', 'remediation', 'resource'] as const) {
    const v = o[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

const FINDING_STRING_KEYS = ['msg', 'rule', 'severity', 'path', 'remediation', 'resource'] as const;

function isFindingArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const f: unknown = v[i];
    if (typeof f === 'string') continue;
    if (!isObject(f) || typeof f['msg'] !== 'string') return false;
    for (let j = 0; j < FINDING_STRING_KEYS.length; j++) {
      const x = f[FINDING_STRING_KEYS[j] as string];
      if (x !== undefined && typeof x !== 'string') return false;
    }
  }
  return true;
}

/** The compliance result schema checked by hand (held to the ajv schema by a property test). */
export function quickComplianceShape(result: unknown): boolean {
  if (!isObject(result)) return false;
  if (result['deny'] !== undefined && !isFindingArray(result['deny'])) return false;
  if (result['warn'] !== undefined && !isFindingArray(result['warn'])) return false;
  return true;
}

/** The ajv check of the compliance result schema (the reference {@link quickComplianceShape} must agree with). */
export function ajvComplianceShape(result: unknown): boolean {
  return validateCompliance(result) === true;
}

/** Validates and normalises a compliance result (`{deny, warn}`); `undefined` means "no opinion". */
export function checkComplianceResult(result: unknown, entrypoint: Entrypoint, layer: string): ComplianceResult | undefined {
  if (result === undefined) return undefined;
  if (!quickComplianceShape(result) && !validateCompliance(result)) {
    throw new MeshgateError(
      'MG_POLICY_RESULT_SHAPE',
      `layer ${layer}: ${entrypoint} returned a result that does not match the policy ABI ({deny: [Finding], warn: [Finding]}): ${describeErrors(complianceErrors())}`,
      { details: { layer, entrypoint } },
    );
  }
  const r = result as { deny?: unknown[]; warn?: unknown[] };
  return {
    deny: (r.deny ?? []).map((f) => normaliseFinding(f, entrypoint)),
    warn: (r.warn ?? []).map((f) => normaliseFinding(f, entrypoint)),
  };
}

/**
 * The access result schema checked by hand: the hot path's fast check. It accepts exactly what the ajv
 * schema accepts (a property test holds them together); when it says no, ajv explains why.
 */
export function quickAccessShape(result: unknown): boolean {
  if (!isObject(result)) return false;
  const { allow, allow_rules, deny, obligations } = result;
  if (allow !== undefined && typeof allow !== 'boolean') return false;
  if (allow_rules !== undefined && !isStringArray(allow_rules)) return false;
  if (deny !== undefined && !isFindingArray(deny)) return false;
  if (obligations !== undefined) {
    if (!isObject(obligations)) return false;
    if (obligations['mask'] !== undefined && !isStringArray(obligations['mask'])) return false;
    if (obligations['row_filters'] !== undefined && !isStringArray(obligations['row_filters'])) return false;
  }
  return true;
}

/** Validates and normalises an access result (`{allow, deny, obligations}`); `undefined` means "no opinion". */
export function checkAccessResult(result: unknown, layer: string): AccessResult | undefined {
  if (result === undefined) return undefined;
  if (!quickAccessShape(result) && !validateAccess(result)) {
    throw new MeshgateError(
      'MG_POLICY_RESULT_SHAPE',
      `layer ${layer}: meshgate/access returned a result that does not match the policy ABI ({allow: bool, deny: [Finding], obligations: {}}): ${describeErrors(accessErrors())}`,
      { details: { layer, entrypoint: 'meshgate/access' } },
    );
  }
  const r = result as { allow?: boolean; allow_rules?: string[]; deny?: unknown[]; obligations?: Record<string, unknown> };
  // The result is freshly parsed from the policy's output and owned here: its arrays are taken, not copied.
  const ob = r.obligations;
  const abi = { mask: (ob?.['mask'] as string[] | undefined) ?? [], row_filters: (ob?.['row_filters'] as string[] | undefined) ?? [] };
  // other keys are kept (own data properties, `__proto__` included) for the caller to refuse by name
  const obligations: Obligations = ob === undefined || onlyAbiObligationKeys(ob) ? abi : { ...ob, ...abi };
  const deny = r.deny;
  return {
    allow: r.allow === true,
    allow_rules: r.allow_rules ?? [],
    deny: deny === undefined || deny.length === 0 ? [] : deny.map((f) => normaliseFinding(f, 'meshgate/access')),
    obligations,
  };
}

/** True when an obligations object has no own key besides `mask` and `row_filters`. */
function onlyAbiObligationKeys(ob: Record<string, unknown>): boolean {
  for (const k in ob) if (k !== 'mask' && k !== 'row_filters') return false;
  return Object.getPrototypeOf(ob) === Object.prototype || Object.getPrototypeOf(ob) === null;
}

/** The ajv check of the access result schema (the reference {@link quickAccessShape} must agree with). */
export function ajvAccessShape(result: unknown): boolean {
  return validateAccess(result) === true;
}
