/**
 * Enrichment: what registered data contracts say about a product (owning domain, classification, PII
 * columns), and the canonical enriched request given to policies. Pure, no I/O.
 *
 * Precedence: the contract is the source of truth. When a product id has a registered contract, its
 * domain, derived classification and PII columns replace whatever the request says (a caller cannot
 * downgrade a product by sending `classification: "public"`); values the contract does not declare are
 * taken from the request. Product ids, domains and column names are canonicalised (NFKC, trim, case
 * fold) before they are compared or given to a policy; classifications go through the one vocabulary.
 * Requested columns cover PII columns case-insensitively, `*` covers every column and a parent path
 * (`address`) covers its children (`address.street`), so masks cannot be dodged by spelling.
 */
import { DEFAULT_VOCABULARY, normaliseClassification, PII, type ClassificationVocabulary } from '../../layering/classification.js';
import { setOwn } from '../../is-object.js';
import { canonicalName } from '../../layering/names.js';
import { jsonString } from '../../json-string.js';
import type { ContractField, DataContract } from '../contract/model.js';
import type { AccessDataProduct, AccessRequestInput } from './model.js';

/** What a contract says about its product. */
export interface ProductFacts {
  /** Owning domain, as the contract writes it (resolved by the layering module). */
  domain?: string;
  /** Product classification derived from the contract, lower-case. */
  classification?: string;
  /** PII columns (canonical dot paths for nested fields), sorted. */
  pii_columns: string[];
  /** The contract's version, when it states one. */
  version?: string;
}

/** Classification ranks, least to most sensitive; a product's classification is its most sensitive field's. */
const RANK: Record<string, number> = { public: 0, internal: 1, confidential: 2, restricted: 3 };
/** Classification ranks of the vocabulary (personal data counts as `confidential`). */
export function classificationRank(label: string, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): number | undefined {
  const c = normaliseClassification(label, vocabulary);
  return c === PII ? RANK['confidential'] : RANK[c];
}

function walkFields(fields: readonly ContractField[], prefix: string, pii: string[], classes: string[], vocabulary: ClassificationVocabulary): void {
  for (const f of fields) {
    const name = canonicalName(prefix === '' ? f.name : `${prefix}.${f.name}`);
    const cls = f.classification === undefined ? undefined : normaliseClassification(f.classification, vocabulary);
    const isPiiClass = cls === PII;
    if (cls !== undefined) classes.push(isPiiClass ? 'confidential' : cls);
    if (f.pii || isPiiClass) pii.push(name);
    if (f.fields.length > 0) walkFields(f.fields, name, pii, classes, vocabulary);
  }
}

/**
 * Derives product facts from a canonical contract: its domain; its PII columns (fields flagged `pii` or
 * classified as personal data, dot paths for nested fields); and its classification — a contract tag
 * `classification:<x>` when present, otherwise the most sensitive field classification (public <
 * internal < confidential < restricted; personal-data classes count as confidential; unknown labels are
 * ignored). Classification and PII are orthogonal: an `internal` product may still hold PII columns.
 */
export function factsFromContract(contract: DataContract, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): ProductFacts {
  const pii: string[] = [];
  const classes: string[] = [];
  walkFields(contract.fields, '', pii, classes, vocabulary);
  const facts: ProductFacts = { pii_columns: [...new Set(pii)].sort() };
  if (contract.domain !== undefined && contract.domain.trim() !== '') facts.domain = contract.domain.trim();
  if (contract.version !== undefined && contract.version.trim() !== '') facts.version = contract.version.trim();
  const tag = contract.tags.find((t) => /^\s*classification\s*[:=]./i.test(t));
  let best: string | undefined = tag === undefined ? undefined : normaliseClassification(tag.replace(/^\s*classification\s*[:=]/i, ''), vocabulary);
  if (best === undefined || best === '') {
    best = undefined;
    for (const c of classes) {
      const r = RANK[c];
      if (r !== undefined && (best === undefined || r > (RANK[best] ?? -1))) best = c;
    }
  }
  if (best !== undefined) facts.classification = best;
  return facts;
}

/** The enriched request as policies see it (`input.request`): every list present, sorted and de-duplicated. */
export interface EnrichedRequest {
  /** The user; `roles` sorted, `attributes` always present. */
  user: { id: string; department?: string; roles: string[]; clearance?: string; attributes: Record<string, unknown> };
  /** The action. */
  action: string;
  /** The product, enriched from its contract. */
  data_product: { id: string; domain?: string; classification?: string; pii_columns: string[]; [k: string]: unknown };
  /** Requested columns, sorted (empty: the whole product). */
  columns: string[];
  /** Purpose, when given. */
  purpose?: string;
}

/** The strings sorted and de-duplicated, as a new array (a list already strictly ascending is only copied). */
function sortedUnique(xs: readonly string[] | undefined): string[] {
  if (xs === undefined || xs.length === 0) return [];
  let ascending = true;
  for (let i = 1; i < xs.length && ascending; i++) ascending = (xs[i - 1] as string) < (xs[i] as string);
  return ascending ? xs.slice() : [...new Set(xs)].sort();
}

/** Returns a copy of a JSON-like value with object keys sorted (canonical form for hashing). */
export function sortKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(sortKeys);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(o);
  if (keys.length > 1) keys.sort();
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    setOwn(out, k, typeof x === 'object' && x !== null ? sortKeys(x) : x);
  }
  return out;
}

const KNOWN_PRODUCT_KEYS = new Set(['id', 'domain', 'classification', 'pii_columns']);

/**
 * The requested columns in canonical form, with every PII column they cover: the same name in any case,
 * everything for `*`, the children of a parent path. Sorted, de-duplicated.
 */
export function coveredColumns(requested: readonly string[] | undefined, piiColumns: readonly string[]): string[] {
  if (requested === undefined || requested.length === 0) return [];
  const out = new Set<string>();
  for (const r of requested) {
    const c = canonicalName(r);
    out.add(c);
    for (const p of piiColumns) if (c === '*' || p === c || p.startsWith(`${c}.`)) out.add(p);
  }
  return [...out].sort();
}

/**
 * Builds the canonical enriched request from a valid request and the product's contract facts (if any).
 * Key order is fixed, so `JSON.stringify` of the result is a canonical form (used as the cache key).
 */
export function enrich(req: AccessRequestInput, facts: ProductFacts | undefined, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): EnrichedRequest {
  const p = (req.dataProduct ?? req.data_product) as AccessDataProduct;
  const u = req.user;
  const user: EnrichedRequest['user'] = { id: u.id, roles: sortedUnique(u.roles), attributes: u.attributes === undefined ? {} : (sortKeys(u.attributes) as Record<string, unknown>) };
  if (u.department !== undefined) user.department = u.department;
  if (u.clearance !== undefined) user.clearance = u.clearance;
  const rawDomain = facts?.domain ?? p.domain;
  const domain = rawDomain === undefined ? undefined : canonicalName(rawDomain);
  const rawClass = facts?.classification ?? p.classification;
  const classification = rawClass === undefined ? undefined : normaliseClassification(rawClass, vocabulary);
  const piiColumns = facts ? facts.pii_columns : sortedUnique(p.pii_columns?.map(canonicalName));
  const product: EnrichedRequest['data_product'] = { id: canonicalName(p.id), pii_columns: piiColumns };
  if (domain !== undefined && domain !== '') product.domain = domain;
  if (classification !== undefined && classification !== '') product.classification = classification;
  let extra: string[] | undefined;
  for (const k in p) if (Object.prototype.hasOwnProperty.call(p, k) && !KNOWN_PRODUCT_KEYS.has(k) && p[k] !== undefined) (extra ??= []).push(k);
  if (extra !== undefined) for (const k of extra.sort()) setOwn(product, k, sortKeys(p[k]));
  const out: EnrichedRequest = { user, action: req.action, data_product: product, columns: coveredColumns(req.columns, piiColumns) };
  if (req.purpose !== undefined) out.purpose = req.purpose;
  return out;
}

/** The JSON of a list of strings, as `JSON.stringify` writes it. */
function jsonStrings(xs: readonly string[]): string {
  if (xs.length === 0) return '[]';
  let out = `[${jsonString(xs[0] as string)}`;
  for (let i = 1; i < xs.length; i++) out += `,${jsonString(xs[i] as string)}`;
  return `${out}]`;
}

/** The JSON of an object whose values are all strings, finite numbers, booleans or null; else `JSON.stringify`'s. */
function jsonFlatObject(o: Record<string, unknown>): string {
  let out = '';
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return JSON.stringify(o) as string;
    const v = o[k];
    let text: string;
    if (typeof v === 'string') text = jsonString(v);
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (v === null) text = 'null';
    else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
    else return JSON.stringify(o) as string; // nested, non-finite or not JSON: the general serialiser decides
    out += `${out === '' ? '' : ','}${jsonString(k)}:${text}`;
  }
  return `{${out}}`;
}

/**
 * `JSON.stringify(enriched)` written directly from the known shape (the hot path of access decisions: this
 * text is both the policy input and the cache key). Values outside the shape (nested attributes, extra
 * product keys) go through `JSON.stringify` itself; a property test holds the two equal.
 */
export function enrichedJson(e: EnrichedRequest): string {
  const u = e.user;
  let s = `{"user":{"id":${jsonString(u.id)},"roles":${jsonStrings(u.roles)},"attributes":${jsonFlatObject(u.attributes)}`;
  if (u.department !== undefined) s += `,"department":${jsonString(u.department)}`;
  if (u.clearance !== undefined) s += `,"clearance":${jsonString(u.clearance)}`;
  const p = e.data_product;
  s += `},"action":${jsonString(e.action)},"data_product":{`;
  // the product's keys in JSON.stringify's order (integer-like extra keys come first)
  let first = true;
  for (const k in p) {
    if (!Object.prototype.hasOwnProperty.call(p, k)) continue;
    const v = p[k];
    const text = typeof v === 'string' ? jsonString(v) : k === 'pii_columns' ? jsonStrings(p.pii_columns) : JSON.stringify(v);
    if (text === undefined) continue;
    s += `${first ? '' : ','}${jsonString(k)}:${text}`;
    first = false;
  }
  s += `},"columns":${jsonStrings(e.columns)}`;
  if (e.purpose !== undefined) s += `,"purpose":${jsonString(e.purpose)}`;
  return `${s}}`;
}
