/**
 * The access subject: validates a request (structural fast check; ajv explains failures), enriches it
 * from the registered contracts and builds the decision request for `meshgate/access` (global + the
 * owning domain; the layering module decides and combines). Pure: never throws for a bad request — it
 * becomes a request carrying its errors, which the layering module turns into a denying error decision.
 */
import { describeThrown } from '../../errors.js';
import { DEFAULT_VOCABULARY, type ClassificationVocabulary } from '../../layering/classification.js';
import type { DecisionRequest, DecisionUnit } from '../../layering/decide.js';
import { isSuspiciousName } from '../../layering/names.js';
import type { DecisionError } from '../../types.js';
import { enrich, enrichedJson, type EnrichedRequest } from './enrich.js';
import { quickValid, validateRequest, type AccessRequestInput, type RequestIssue } from './model.js';
import type { ContractRegistryMap } from './registry.js';

export type { AccessRequestInput } from './model.js';

/** A built access request: the decision request and, when valid, its canonical form (the cache key). */
export interface BuiltAccessRequest {
  /** What the layering module decides. */
  request: DecisionRequest;
  /** The canonical JSON of the enriched request (undefined for an invalid request). */
  canonical?: string;
}

function safeJson(v: unknown): unknown {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch (e) {
    return { unserialisable: describeThrown(e) };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function subjectOf(request: unknown): string {
  try {
    const r = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const user = (typeof r['user'] === 'object' && r['user'] !== null ? r['user'] : {}) as Record<string, unknown>;
    const p = (r['dataProduct'] ?? r['data_product'] ?? {}) as Record<string, unknown>;
    return `${str(user['id']) ?? '?'} -> ${str(typeof p === 'object' && p !== null ? p['id'] : undefined) ?? '?'}`;
  } catch {
    return '? -> ?'; // a hostile request (throwing getter, revoked proxy)
  }
}

function invalid(request: unknown, errors: DecisionError[]): BuiltAccessRequest {
  return { request: { kind: 'access', subject: subjectOf(request), units: [], errors, auditInput: { request: safeJson(request) } } };
}

/** Builds the decision request of one access request. Never throws. */
export function accessRequest(request: AccessRequestInput, contracts: ContractRegistryMap, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): BuiltAccessRequest {
  let valid: boolean;
  try {
    valid = quickValid(request);
  } catch {
    valid = false; // a getter or proxy that throws: let the validator explain, below
  }
  if (!valid) {
    let issues: RequestIssue[];
    try {
      issues = validateRequest(request);
    } catch (e) {
      issues = [{ path: '/', message: `cannot be validated: ${describeThrown(e)}` }];
    }
    if (issues.length > 0) return invalid(request, issues.map((i) => ({ code: 'MG_ACCESS_REQUEST_INVALID', message: `invalid access request at ${i.path}: ${i.message}` })));
  }
  const product = (request.dataProduct ?? request.data_product) as { id: string; domain?: string };
  if (isSuspiciousName(product.id)) {
    // a look-alike of a governed product id (Cyrillic letters, zero-width spaces) must not dodge its contract
    return invalid(request, [{ code: 'MG_ACCESS_REQUEST_INVALID', message: 'invalid access request at /dataProduct/id: the product id has invisible characters or mixes scripts' }]);
  }
  let enriched: EnrichedRequest;
  let canonical: string;
  try {
    const facts = contracts.facts(product.id);
    enriched = enrich(request, facts, vocabulary);
    // The enriched request has a fixed key order, so its JSON is canonical.
    canonical = enrichedJson(enriched);
    const rawDomain = facts?.domain ?? product.domain;
    const hasDomain = rawDomain !== undefined && rawDomain.trim() !== '';
    const notes = contracts.notes(product.id);
    // the canonical JSON doubles as the serialised policy input (once for every layer)
    const unit: DecisionUnit = { entrypoint: 'meshgate/access', input: { request: enriched }, inputJson: `{"request":${canonical}}` };
    if (hasDomain) unit.domains = [rawDomain];
    const out: DecisionRequest = { kind: 'access', subject: `${enriched.user.id} -> ${enriched.data_product.id}`, units: [unit], auditInput: { request: enriched } };
    if (hasDomain) out.domain = rawDomain;
    if (notes.length > 0) out.notes = [...notes];
    return { request: out, canonical };
  } catch (e) {
    return invalid(request, [{ code: 'MG_INPUT_UNSERIALISABLE', message: `access request cannot be given to a policy: ${describeThrown(e)}` }]);
  }
}
