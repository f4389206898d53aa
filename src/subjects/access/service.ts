/**
 * The access service behind `engine.authorize` / `authorizeMany` / `registerContract`: validates a
 * request (structural fast check; ajv explains failures), enriches it from registered contracts,
 * answers from a bounded LRU cache or evaluates the global layer and the owning domain's layer, combines
 * them (a deny always wins) and records one audit event per decision. Synchronous; never throws for bad
 * requests or policy errors — those become denying error decisions (fail closed).
 */
import { MeshgateError, describeThrown, isMeshgateError } from '../../errors.js';
import type { EngineCore } from '../../core.js';
import type { Decision, DecisionError, Obligations } from '../../types.js';
import { parseContract } from '../contract/parse.js';
import { LruCache } from './cache.js';
import { combine, type LayerAccessResult } from './decide.js';
import { enrich, factsFromContract, type EnrichedRequest, type ProductFacts } from './enrich.js';
import { quickValid, validateRequest, type AccessRequestInput, type RequestIssue } from './model.js';

export type { AccessRequestInput } from './model.js';

/** What the service needs of the engine: the core plus a hook to empty its cache on bundle swaps. */
export type AccessCore = EngineCore & { onSwapInternal(fn: () => void): void };

/** Options of {@link AccessService}. */
export interface AccessServiceOptions {
  /** Maximum cached decisions (0 disables the cache). */
  cacheSize: number;
}

const now = (): number => performance.now();
const ns = (ms: number): number => Math.round(ms * 1e6);

function copyObligations(o: Obligations): Obligations {
  const out: Obligations = { mask: [], row_filters: [] };
  for (const k of Object.keys(o)) {
    const v = o[k];
    out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return out;
}

/** A copy of a decision deep enough that mutating it (as a failing audit sink does) leaves the original intact. */
function copyDecision(d: Decision): Decision {
  const out: Decision = {
    ...d,
    findings: d.findings.map((f) => ({ ...f })),
    obligations: copyObligations(d.obligations),
    errors: d.errors.map((e) => ({ ...e })),
    layers: [...d.layers],
    bundles: { ...d.bundles },
    metrics: { ...d.metrics },
  };
  if (d.allowed_by) out.allowed_by = [...d.allowed_by];
  return out;
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

/** Decides access requests for an engine. Create one per engine (the engine does). */
export class AccessService {
  private readonly contracts = new Map<string, ProductFacts>();
  private readonly cache: LruCache<string, Decision>;
  private readonly layerNames: ReadonlySet<string>;
  private revKey: string | undefined;
  private bundles: Decision['bundles'] | undefined;

  /** @param core the engine (it passes itself). */
  constructor(
    private readonly core: AccessCore,
    options: AccessServiceOptions,
  ) {
    this.cache = new LruCache(Math.max(0, Math.floor(options.cacheSize)));
    this.layerNames = new Set(core.layers);
    core.onSwapInternal(() => this.clearCache());
  }

  /** Number of cached decisions (for diagnostics and tests). */
  get cacheEntries(): number {
    return this.cache.size;
  }

  /** Empties the decision cache (called on every bundle swap and contract registration). */
  clearCache(): void {
    this.cache.clear();
    this.revKey = undefined;
    this.bundles = undefined;
  }

  /** Decides one request. Synchronous; never throws for bad requests or policy errors. */
  authorize(request: AccessRequestInput): Decision {
    const t0 = now();
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
      if (issues.length > 0) {
        return this.errorDecision(
          request,
          issues.map((i) => ({ code: 'MG_ACCESS_REQUEST_INVALID', message: `invalid access request at ${i.path}: ${i.message}` })),
          t0,
        );
      }
    }
    const product = (request.dataProduct ?? request.data_product) as { id: string };
    let enriched: EnrichedRequest;
    let key: string | undefined;
    try {
      enriched = enrich(request, this.contracts.get(product.id));
      if (this.revKey === undefined) {
        this.bundles = this.core.bundleInfo();
        this.revKey = Object.keys(this.bundles).map((k) => `${k}=${this.bundles?.[k]?.revision ?? ''}`).join(',');
      }
      // The enriched request has a fixed key order, so its JSON is canonical: it is the cache key.
      if (this.cache.capacity > 0) key = `${this.revKey}\n${JSON.stringify(enriched)}`;
    } catch (e) {
      return this.errorDecision(request, [{ code: 'MG_INPUT_UNSERIALISABLE', message: `access request cannot be given to a policy: ${describeThrown(e)}` }], t0);
    }
    const auditInput = { request: enriched };
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (hit) {
      const d = copyDecision(hit);
      d.decision_id = this.core.newDecisionId();
      d.metrics = { timer_rego_eval_ns: 0, timer_meshgate_decide_ns: ns(now() - t0), cache_hit: 1 };
      this.core.audit(d, auditInput);
      return d;
    }
    const decision = this.evaluate(enriched, t0);
    if (key !== undefined && decision.outcome !== 'error') this.cache.set(key, copyDecision(decision));
    this.core.audit(decision, auditInput);
    return decision;
  }

  /** Decides a batch; identical answers to calling {@link authorize} on each request in order. */
  authorizeMany(requests: readonly AccessRequestInput[]): Decision[] {
    const out: Decision[] = new Array<Decision>(requests.length);
    for (let i = 0; i < requests.length; i++) out[i] = this.authorize(requests[i] as AccessRequestInput);
    return out;
  }

  /**
   * Registers a data contract (text, bytes or object, any supported format): requests for its product id
   * are enriched with its domain, classification and PII columns. Throws MeshgateError for unreadable
   * contracts or contracts without an id. Empties the decision cache.
   */
  registerContract(source: string | Uint8Array | Record<string, unknown>, options: { file?: string } = {}): void {
    const { contract } = parseContract(source, options.file === undefined ? {} : { file: options.file });
    const id = contract.id ?? contract.name;
    if (id === undefined || id === '') {
      throw new MeshgateError('MG_ACCESS_CONTRACT_NO_ID', 'a contract registered for access enrichment needs an id or a name', options.file === undefined ? {} : { location: { file: options.file } });
    }
    this.contracts.set(id, factsFromContract(contract));
    this.clearCache();
  }

  /** What a registered contract says about a product (undefined when none is registered). */
  productFacts(id: string): ProductFacts | undefined {
    const f = this.contracts.get(id);
    return f ? { ...f, pii_columns: [...f.pii_columns] } : undefined;
  }

  private evaluate(enriched: EnrichedRequest, t0: number): Decision {
    const domain = enriched.data_product.domain;
    const layers = domain !== undefined && domain !== 'global' && this.layerNames.has(domain) ? ['global', domain] : ['global'];
    const results: LayerAccessResult[] = [];
    const errors: DecisionError[] = [];
    let evalMs = 0;
    for (const layer of layers) {
      const input = domain === undefined ? { request: enriched, layer } : { request: enriched, layer, domain };
      const te = now();
      try {
        results.push({ layer, result: this.core.evaluateAccess(layer, input) });
      } catch (e) {
        const err = isMeshgateError(e) ? e : new MeshgateError('MG_POLICY_RUNTIME', describeThrown(e), { cause: e });
        errors.push({ code: err.code, message: err.message, layer });
      } finally {
        evalMs += now() - te;
      }
    }
    const verdict = combine(results);
    const bundles: Decision['bundles'] = {};
    for (const l of layers) {
      const b = this.bundles?.[l];
      if (b) bundles[l] = { revision: b.revision };
    }
    const failed = errors.length > 0;
    const decision: Decision = {
      decision_id: this.core.newDecisionId(),
      kind: 'access',
      subject: `${enriched.user.id} -> ${enriched.data_product.id}`,
      allowed: verdict.allowed && !failed,
      outcome: failed ? 'error' : verdict.allowed ? 'allowed' : 'denied',
      findings: verdict.findings,
      allowed_by: verdict.allowed_by,
      obligations: failed ? { mask: [], row_filters: [] } : verdict.obligations,
      errors,
      layers,
      bundles,
      metrics: { timer_rego_eval_ns: ns(evalMs), timer_meshgate_decide_ns: 0 },
    };
    if (failed) decision.reason = 'error';
    else if (verdict.reason !== undefined) decision.reason = verdict.reason;
    if (domain !== undefined) decision.domain = domain;
    decision.metrics.timer_meshgate_decide_ns = ns(now() - t0);
    return decision;
  }

  private errorDecision(request: unknown, errors: DecisionError[], t0: number): Decision {
    let subject = '? -> ?';
    try {
      const r = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
      const user = (typeof r['user'] === 'object' && r['user'] !== null ? r['user'] : {}) as Record<string, unknown>;
      const p = (r['dataProduct'] ?? r['data_product'] ?? {}) as Record<string, unknown>;
      subject = `${str(user['id']) ?? '?'} -> ${str(typeof p === 'object' && p !== null ? p['id'] : undefined) ?? '?'}`;
    } catch {
      // a hostile request (throwing getter, revoked proxy): keep the placeholder subject
    }
    const decision: Decision = {
      decision_id: this.core.newDecisionId(),
      kind: 'access',
      subject,
      allowed: false,
      outcome: 'error',
      reason: 'error',
      findings: [],
      allowed_by: [],
      obligations: { mask: [], row_filters: [] },
      errors,
      layers: [],
      bundles: {},
      metrics: { timer_rego_eval_ns: 0, timer_meshgate_decide_ns: ns(now() - t0) },
    };
    this.core.audit(decision, { request: safeJson(request) });
    return decision;
  }
}
