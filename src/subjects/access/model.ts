/**
 * The access request model: what a caller (a query proxy, a service) asks — may this user perform this
 * action on this data product? — and its JSON Schema, validated with ajv for clear, path-bearing errors.
 * A hand-written structural check mirrors the schema so the hot path does not run ajv on valid requests;
 * ajv runs only to explain a request the quick check rejects (and decides then).
 */
import { isObject, isStringArray } from '../../is-object.js';
import type { ErrorObject } from 'ajv';
import { validateAccessRequest, type StandaloneValidator } from '../../generated/validators.js';

/** The requesting user. Only these fields reach policies; put anything else in `attributes`. */
export interface AccessUser {
  /** User id (required). */
  id: string;
  /** Department (`marketing`, `finance`...). */
  department?: string;
  /** Roles (`analyst`, `pii_reader`...). */
  roles?: string[];
  /** Clearance level (`internal`, `confidential`, `restricted`...). */
  clearance?: string;
  /** Other attributes (`pii_training: true`, `cost_center`...). */
  attributes?: Record<string, unknown>;
}

/** The data product asked for. Registered contracts fill in domain, classification and PII columns. */
export interface AccessDataProduct {
  /** Product id (the contract id). */
  id: string;
  /** Owning domain. */
  domain?: string;
  /** Classification (`public`, `internal`, `confidential`, `restricted`, `pii`). */
  classification?: string;
  /** PII columns, when the caller knows them (a registered contract overrides). */
  pii_columns?: string[];
  /** Other product attributes, passed to policies as given. */
  [k: string]: unknown;
}

/**
 * An access request. `dataProduct` and `data_product` (the seed's Rego spelling) are aliases; give one.
 */
export interface AccessRequestInput {
  /** Who asks. */
  user: AccessUser;
  /** What they want to do (`read`, `query`, `export`...). */
  action: string;
  /** The data product. */
  dataProduct?: AccessDataProduct;
  /** Alias of {@link AccessRequestInput.dataProduct}. */
  data_product?: AccessDataProduct;
  /** Columns requested (none: the whole product). */
  columns?: string[];
  /** Declared purpose of use. */
  purpose?: string;
}

const stringList = { type: 'array', items: { type: 'string' }, maxItems: 10_000 } as const;

const productSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1 },
    domain: { type: 'string' },
    classification: { type: 'string' },
    pii_columns: stringList,
  },
} as const;

/** JSON Schema of {@link AccessRequestInput}. */
export const ACCESS_REQUEST_SCHEMA = {
  type: 'object',
  required: ['user', 'action'],
  additionalProperties: false,
  properties: {
    user: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', minLength: 1 },
        department: { type: 'string' },
        roles: stringList,
        clearance: { type: 'string' },
        attributes: { type: 'object' },
      },
    },
    action: { type: 'string', minLength: 1 },
    dataProduct: productSchema,
    data_product: productSchema,
    columns: stringList,
    purpose: { type: 'string' },
  },
  oneOf: [
    { required: ['dataProduct'], not: { required: ['data_product'] } },
    { required: ['data_product'], not: { required: ['dataProduct'] } },
  ],
} as const;

/** {@link ACCESS_REQUEST_SCHEMA}'s validator, generated at build time (scripts/gen-validators.mjs). */
function ajvValidator(): StandaloneValidator {
  return validateAccessRequest;
}

/** One validation problem: the JSON path (`/user/id`) and what is wrong. */
export interface RequestIssue {
  /** JSON pointer of the offending value (`/` for the request itself). */
  path: string;
  /** What is wrong. */
  message: string;
}

function describe(e: ErrorObject): RequestIssue {
  const base = e.instancePath || '';
  if (e.keyword === 'required') return { path: `${base}/${String(e.params['missingProperty'])}`, message: 'is required' };
  if (e.keyword === 'additionalProperties') return { path: `${base}/${String(e.params['additionalProperty'])}`, message: 'is not a known request field' };
  if (e.keyword === 'oneOf' && base === '') return { path: '/dataProduct', message: 'give exactly one of dataProduct or data_product' };
  return { path: base || '/', message: e.message ?? 'is invalid' };
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = isObject;
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optList = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length <= 10_000 && isStringArray(v));
const TOP_KEYS = new Set(['user', 'action', 'dataProduct', 'data_product', 'columns', 'purpose']);

function quickProduct(p: unknown): boolean {
  return isObj(p) && isStr(p['id']) && p['id'] !== '' && optStr(p['domain']) && optStr(p['classification']) && optList(p['pii_columns']);
}

/** The structural check of the hot path: true exactly when the schema accepts the request (mirrors it). */
export function quickValid(r: unknown): r is AccessRequestInput {
  if (!isObj(r)) return false;
  for (const k in r) if (!TOP_KEYS.has(k)) return false;
  const u = r['user'];
  if (!isObj(u) || !isStr(u['id']) || u['id'] === '') return false;
  if (!optStr(u['department']) || !optStr(u['clearance']) || !optList(u['roles'])) return false;
  if (u['attributes'] !== undefined && !isObj(u['attributes'])) return false;
  if (!isStr(r['action']) || r['action'] === '') return false;
  const a = r['dataProduct'];
  const b = r['data_product'];
  if ((a === undefined) === (b === undefined)) return false;
  if (!quickProduct(a ?? b)) return false;
  return optList(r['columns']) && optStr(r['purpose']);
}

/**
 * Validates a request with ajv and lists every problem with its JSON path (empty: valid). Used when
 * `quickValid` rejects a request, to explain why.
 */
export function validateRequest(r: unknown): RequestIssue[] {
  const v = ajvValidator();
  if (v(r)) return [];
  // the oneOf's branches repeat "dataProduct is required" / "data_product is required": its own error says it once
  const issues = (v.errors ?? []).filter(
    (e) => e.keyword !== 'not' && !(e.keyword === 'required' && e.schemaPath.startsWith('#/oneOf/')) && !(e.keyword === 'oneOf' && e.instancePath === '' && hasOneProduct(r)),
  );
  const seen = new Set<string>();
  const out: RequestIssue[] = [];
  for (const e of issues.length > 0 ? issues : (v.errors ?? [])) {
    const d = describe(e);
    const key = `${d.path} ${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function hasOneProduct(r: unknown): boolean {
  return isObj(r) && (r['dataProduct'] === undefined) !== (r['data_product'] === undefined);
}
