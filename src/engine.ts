/**
 * createEngine(): loads the layer bundles (global + domains) and swaps them at run time, and wires
 * subject → decision → audit: subjects build plain requests, the layering module's one decision path
 * decides ({@link decide}), the audit trail records. Every policy failure becomes a denying error
 * Decision; nothing fails open.
 */
import { monotonicMs } from './monotonic.js';
import { MeshgateError, describeThrown, isMeshgateError } from './errors.js';
import { type Bundle } from './policy/bundle.js';
import { loadBundle } from './policy/load.js';
import { bundlePaths } from './policy/defaults.js';
import type { PolicyDeadlines } from './policy/wasm.js';
import { layerRuntime, loadNow, type LayerRuntime } from './policy/lazy-runtime.js';
import { checkAccessResult, checkComplianceResult } from './policy/abi.js';
import { DEFAULT_LAYERING, type LayeringPolicy } from './layering/merge.js';
import { decide, type DecisionLayer, type DecisionRequest, type DecisionSettings, type UnknownDomainPolicy } from './layering/decide.js';
import { canonicalName } from './layering/names.js';
import { DEFAULT_VOCABULARY, vocabularyWith, type ClassificationVocabulary } from './layering/classification.js';
import {
  ENTRYPOINTS,
  abiViewEntrypoint,
  BATCHED_ENTRYPOINTS,
  batchViewEntrypoint,
  type AccessResult,
  type BundleSwapEvent,
  type ComplianceResult,
  type Decision,
  type Entrypoint,
  type Enforcement,
} from './types.js';
import type { AuditSink, AuditTrail } from './audit/index.js';
import { contractRequest, type ContractCheckOptions } from './subjects/contract/check.js';
import { contractChangeRequest } from './subjects/contract/diff.js';
import { planRequest, type PlanCheckOptions } from './subjects/terraform/check.js';
import type { DomainMapping } from './subjects/terraform/domain.js';
import { accessRequest, type AccessRequestInput } from './subjects/access/request.js';
import { ContractRegistryMap } from './subjects/access/registry.js';
import { LruCache } from './subjects/access/cache.js';

export type { BundleSwapEvent } from './types.js';

/** Where a layer's bundle comes from: a path (.tar.gz or folder), bytes, or a bundle already read. */
export type BundleSource = string | Uint8Array | Bundle;

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /**
   * The global layer's bundle. Omitted: the global bundle shipped in the package, under the given `domains`
   * (a domain team's rules layered on the shipped global rules); omit both to use every shipped layer.
   */
  global?: BundleSource;
  /** Domain layer bundles by domain name (lower-case). */
  domains?: Record<string, BundleSource>;
  /** Enforcement overrides and waivers (see the layering module); default: deny→hard, warn→advisory, no waivers. */
  layering?: LayeringPolicy;
  /**
   * The threshold (default `soft`): a finding whose enforcement is at or above it (unwaived, not
   * overridden) denies. Recorded on every Decision as `fail_on`; the CLI, `assertAllowed` and the audit
   * event all read the Decision's `allowed`.
   */
  failOn?: Enforcement;
  /**
   * Domains known besides the loaded domain bundles, the config's mapping and the global bundle's registry
   * (`data.meshgate_config.domains.known`); compared canonically.
   */
  knownDomains?: readonly string[];
  /** What a domain name that is not known does: `error` (a denying MG_DOMAIN_UNKNOWN decision, default) or `warn` (global only, with a warn finding). */
  unknownDomain?: UnknownDomainPolicy;
  /** Audit sinks; every decision emits one event to each. */
  audit?: AuditSink[];
  /** What a failing sink does: `drop` (count and go on, default) or `fail` (the decision becomes a denying error). */
  onSinkFailure?: 'drop' | 'fail';
  /** Extra input fields to mask in audit events (names or dot paths). */
  maskFields?: string[];
  /** WebAssembly memory limit per layer, in 64 KiB pages (default 8192 = 512 MiB). */
  memoryMaxPages?: number;
  /**
   * Wall-clock limits of policy evaluations, bundle loads and swaps (default: access 1 s, checks and loads 60 s);
   * a cut evaluation is a denying MG_POLICY_DEADLINE decision. `false` runs policies unmetered and unbounded.
   */
  deadlines?: PolicyDeadlines | false;
  /**
   * Compile each layer's WebAssembly only when a decision first needs it. Default false: every layer is
   * compiled, instantiated and warmed up in {@link createEngine}, so a broken bundle or one that cannot
   * finish on `{}` fails at start-up. The CLI turns it on (one short run pays only for the layers it uses;
   * a broken layer still fails closed, as an error decision).
   */
  lazyLayers?: boolean;
  /** Extra options passed to subject modules (domain mapping for plans, cache size). */
  subjects?: SubjectOptions;
  /** Bundle signature verification: with a key, every bundle loaded or swapped in must be signed by it (fail closed). */
  verification?: import('./policy/signing.js').VerificationOptions;
  /**
   * Live bundle updates: poll an OPA-compatible bundle server per layer (ETag, backoff, last good bundle kept,
   * atomic swap). `verification` applies to every download. Polling stops on {@link Engine.close}.
   */
  bundleService?: BundleServiceOptions | BundleServiceOptions[];
}

/** Options for subject modules. */
export interface SubjectOptions {
  /** Terraform: maps resources to domains besides the `Domain` tag. */
  domainMapping?: DomainMapping;
  /** Access: size of the decision cache (0 disables; default 10 000). */
  cacheSize?: number;
  /** Terraform: also pass the plan JSON as given at `input.raw` of the `meshgate/terraform_plan` unit (for conftest-style adapters). */
  rawPlan?: boolean;
}

/** One layer's bundle server (see {@link EngineOptions.bundleService}); `layer` defaults to `global`. */
export type BundleServiceOptions = Omit<import('./policy/http-source.js').BundlePollingOptions, 'layer' | 'verification'> & { layer?: string };

/** One loaded layer: its bundle, its runtime, and the view the decision path evaluates. */
interface Layer extends DecisionLayer {
  readonly bundle: Bundle;
  readonly runtime: LayerRuntime;
}

/** Picks, for each ABI entrypoint the runtime has, the generated ABI view when present (see `meshgate build`). */
function viewTargets(runtime: LayerRuntime): Map<Entrypoint, string> {
  const out = new Map<Entrypoint, string>();
  for (const ep of ENTRYPOINTS) {
    if (!runtime.has(ep)) continue;
    const view = abiViewEntrypoint(ep);
    out.set(ep, runtime.has(view) ? view : ep);
  }
  return out;
}

async function loadLayer(name: string, source: BundleSource, opts: Pick<EngineOptions, 'memoryMaxPages' | 'deadlines' | 'lazyLayers'>, verification?: EngineOptions['verification']): Promise<Layer> {
  // raw files within budgets, verified over their bytes, and only then parsed (see policy/load.ts)
  const bundle = await loadBundle(source, { verification });
  const { memoryMaxPages, deadlines } = opts;
  // compiled when a decision first needs the layer (synchronously: an asynchronous compile started here
  // would not overlap the parsing of the input, see docs/benchmarks.md)
  const runtime = await layerRuntime(bundle, { name, ...(memoryMaxPages === undefined ? {} : { memoryMaxPages }), ...(deadlines === undefined ? {} : { deadlines }) });
  if (opts.lazyLayers !== true) await loadNow(runtime); // eager: compiled, instantiated and warmed up now (fail closed at start-up)
  const target = viewTargets(runtime);
  // batch views only beside the ABI view they batch (a bundle built by plain `opa build` has neither)
  const batch = new Map<Entrypoint, string>();
  for (const ep of BATCHED_ENTRYPOINTS) if (target.get(ep) === abiViewEntrypoint(ep) && runtime.has(batchViewEntrypoint(ep))) batch.set(ep, batchViewEntrypoint(ep));
  return {
    name,
    bundle,
    runtime,
    revision: bundle.revision,
    has: (ep) => target.has(ep),
    evaluate: (ep, input) => {
      const t = target.get(ep);
      return t === undefined ? undefined : runtime.evaluate(t, input);
    },
    evaluateJson: (ep, json) => {
      const t = target.get(ep);
      return t === undefined ? undefined : runtime.evaluateJson(t, json);
    },
    evaluateJsonShared: (ep, json) => {
      const t = target.get(ep);
      return t === undefined ? undefined : runtime.evaluateJsonShared(t, json);
    },
    hasBatch: (ep) => batch.has(ep),
    evaluateBatch: (ep, json) => {
      const t = batch.get(ep);
      return t === undefined ? undefined : runtime.evaluateJson(t, json);
    },
  };
}

/** `data.meshgate_config.<section>.<key>` of a bundle when it is a list, else undefined. */
function configList(bundle: Bundle, section: string, key: string): unknown[] | undefined {
  const cfg = bundle.data['meshgate_config'];
  const sec = typeof cfg === 'object' && cfg !== null ? (cfg as Record<string, unknown>)[section] : undefined;
  const v = typeof sec === 'object' && sec !== null ? (sec as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v : undefined;
}

/** The classification vocabulary of a global bundle: defaults plus `data.meshgate_config.classification.pii_synonyms`. */
function vocabularyOf(bundle: Bundle): ClassificationVocabulary {
  const syn = configList(bundle, 'classification', 'pii_synonyms');
  return syn ? vocabularyWith(syn) : DEFAULT_VOCABULARY;
}

const now = monotonicMs;
const ns = (ms: number): number => Math.round(ms * 1e6);

const FAIL_ON: readonly Enforcement[] = ['advisory', 'soft', 'hard'];

/** A copy of a decision deep enough that mutating it (as a failing audit sink does) leaves the original intact. */
function copyDecision(d: Decision): Decision {
  const obligations = Object.assign(Object.create(null) as Decision['obligations'], d.obligations);
  obligations.mask = [...d.obligations.mask];
  obligations.row_filters = [...d.obligations.row_filters];
  const out: Decision = {
    ...d,
    findings: d.findings.map((f) => ({ ...f })),
    obligations,
    errors: d.errors.map((e) => ({ ...e })),
    layers: [...d.layers],
    bundles: { ...d.bundles },
    metrics: { ...d.metrics },
  };
  if (d.allowed_by) out.allowed_by = [...d.allowed_by];
  return out;
}

/**
 * The engine: holds the loaded layers, and wires subject → decision → audit. Create it with
 * {@link createEngine}. Layers can be swapped atomically at run time ({@link Engine.swapBundle}); a
 * decision in flight finishes on the layers it started with.
 */
export class Engine {
  private layerMap: ReadonlyMap<string, Layer>;
  private readonly listeners = new Set<(e: BundleSwapEvent) => void>();
  private closed = false;
  private settings: DecisionSettings;
  private vocabulary: ClassificationVocabulary;
  private readonly contracts: ContractRegistryMap;
  private readonly cache: LruCache<string, Decision>;
  private revKey: string | undefined;

  /** @internal use {@link createEngine}. */
  constructor(
    layers: Layer[],
    private readonly options: EngineOptions,
    private readonly trail: AuditTrail | undefined,
  ) {
    this.layerMap = new Map(layers.map((l) => [l.name, l]));
    const failOn = options.failOn ?? 'soft';
    if (!FAIL_ON.includes(failOn)) throw new MeshgateError('MG_CONFIG_INVALID', `failOn must be one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(failOn)}`);
    this.settings = {
      layering: options.layering ?? DEFAULT_LAYERING,
      failOn,
      knownDomains: this.knownDomains(),
      unknownDomain: options.unknownDomain ?? 'error',
    };
    this.vocabulary = vocabularyOf((this.layerMap.get('global') as Layer).bundle);
    this.contracts = new ContractRegistryMap(this.vocabulary);
    this.cache = new LruCache(Math.max(0, Math.floor(options.subjects?.cacheSize ?? 10_000)));
  }

  private knownDomains(): Set<string> {
    const out = new Set<string>();
    for (const n of this.layerMap.keys()) if (n !== 'global') out.add(n);
    // the governance board's registry of domains (global bundle data), for domains without rules of their own
    for (const d of configList((this.layerMap.get('global') as Layer).bundle, 'domains', 'known') ?? []) if (typeof d === 'string') out.add(canonicalName(d));
    for (const d of this.options.knownDomains ?? []) out.add(canonicalName(d));
    const m = this.options.subjects?.domainMapping;
    for (const d of [...Object.values(m?.byModule ?? {}), ...Object.values(m?.byAddress ?? {}), ...(m?.default === undefined ? [] : [m.default])]) out.add(canonicalName(d));
    return out;
  }

  /** Layer names: `global` first, then domains. */
  get layers(): readonly string[] {
    return [...this.layerMap.keys()];
  }

  /** The layering policy in force. */
  get layering(): LayeringPolicy {
    return this.settings.layering;
  }

  /** The threshold decisions are judged at (recorded on each as `fail_on`). */
  get failOn(): Enforcement {
    return this.settings.failOn;
  }

  /** Known domain names (canonical): the loaded domain layers plus the configured ones. */
  get domains(): readonly string[] {
    return [...this.settings.knownDomains].sort();
  }

  /** Options for subject modules. */
  get subjectOptions(): SubjectOptions {
    return this.options.subjects ?? {};
  }

  /** True when the layer exists and exposes the entrypoint. */
  hasEntrypoint(layer: string, entrypoint: Entrypoint): boolean {
    return this.layerMap.get(layer)?.runtime.has(entrypoint) ?? false;
  }

  /** Bundle revisions by layer. */
  bundleInfo(): Decision['bundles'] {
    const out: Decision['bundles'] = {};
    for (const l of this.layerMap.values()) out[l.name] = { revision: l.bundle.revision };
    return out;
  }

  /**
   * A new unique decision id, in UUID (version 4) form: a random 74-bit prefix drawn once per engine and a
   * 48-bit sequence (cheaper than a random UUID per decision on the hot path, and just as unique). The prefix
   * comes from `Math.random` (seeded by V8 from the system's entropy in every process): an id must be
   * unique, not secret (it authorises nothing, and the sequence is readable anyway), and the first use of
   * Web Crypto costs about 5 ms of every CLI start.
   */
  private newDecisionId(): string {
    this.seq++;
    return `${this.idPrefix}${this.seq.toString(16).padStart(12, '0')}`;
  }
  private seq = 0;
  private readonly idPrefix = ((): string => {
    let h = '';
    while (h.length < 18) h += Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
    const variant = '89ab'[Math.floor(Math.random() * 4)]!;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-${variant}${h.slice(15, 18)}-`; // xxxxxxxx-xxxx-4xxx-yxxx-
  })();

  private layer(name: string): Layer {
    const l = this.layerMap.get(name);
    if (!l) throw new MeshgateError('MG_LAYER_UNKNOWN', `no layer named ${name} (configured: ${this.layers.join(', ')})`);
    return l;
  }

  /**
   * Low-level: evaluates one entrypoint of one
   * layer and returns the raw JSON result (`undefined` when the layer lacks it). Throws MeshgateError.
   * Bypasses layering, threshold and audit: for tests and tooling, never for decisions.
   */
  evaluate(layer: string, entrypoint: Entrypoint, input: unknown): unknown {
    const l = this.layer(layer);
    return l.runtime.has(entrypoint) ? l.runtime.evaluate(entrypoint, input) : undefined;
  }

  /** Alias of {@link evaluate}. */
  evaluateRaw(layer: string, entrypoint: Entrypoint, input: unknown): unknown {
    return this.evaluate(layer, entrypoint, input);
  }

  /** Low-level: evaluates and validates a compliance entrypoint of one layer (through its ABI view). Throws MeshgateError. */
  evaluateCompliance(layer: string, entrypoint: Entrypoint, input: unknown): ComplianceResult | undefined {
    return checkComplianceResult(this.layer(layer).evaluate(entrypoint, input), entrypoint, layer);
  }

  /** Low-level: evaluates and validates the access entrypoint of one layer (through its ABI view). Throws MeshgateError. */
  evaluateAccess(layer: string, input: unknown): AccessResult | undefined {
    return checkAccessResult(this.layer(layer).evaluate('meshgate/access', input), layer);
  }

  /**
   * Decides a request built by a subject module (the one decision path), then records the audit event.
   * Never throws for policy errors: they become an error Decision.
   */
  decide(request: DecisionRequest): Decision {
    const decision = decide(this.layerMap, request, this.settings, this.newDecisionId());
    this.audit(decision, request.auditInput, request.maskPaths);
    return decision;
  }

  /**
   * Records a decision in the audit trail. With `onSinkFailure: 'fail'`, a sink failure turns the decision
   * into a denying error decision (mutated in place); it never turns a deny into an allow.
   */
  private audit(decision: Decision, input: unknown, maskPaths?: string[]): void {
    if (!this.trail) return;
    try {
      this.trail.record(decision, input, maskPaths); // the trail applies the engine's maskFields itself
    } catch (e) {
      const err = isMeshgateError(e) ? e : new MeshgateError('MG_AUDIT_SINK_FAILED', describeThrown(e), { cause: e });
      decision.allowed = false;
      decision.outcome = 'error';
      if (decision.kind === 'access') decision.reason = 'error';
      decision.errors.push({ code: err.code, message: err.message });
    }
  }

  /**
   * Replaces a layer's bundle atomically. The new bundle is loaded and warmed up before the swap; on any
   * error the old bundle stays and the error is thrown. Returns the swap event.
   */
  async swapBundle(layer: string, source: BundleSource): Promise<BundleSwapEvent> {
    const old = this.layerMap.get(layer);
    if (!old) throw new MeshgateError('MG_LAYER_UNKNOWN', `no layer named ${layer} to swap`);
    const fresh = await loadLayer(layer, source, { ...this.options, lazyLayers: false }, this.options.verification); // a module that does not load fails the swap, not the next decision
    const next = new Map(this.layerMap);
    next.set(layer, fresh);
    this.layerMap = next;
    if (layer === 'global') {
      this.vocabulary = vocabularyOf(fresh.bundle);
      this.settings = { ...this.settings, knownDomains: this.knownDomains() };
    }
    this.clearCache();
    const event: BundleSwapEvent = { layer, from: old.bundle.revision, to: fresh.bundle.revision };
    for (const fn of this.listeners) fn(event);
    return event;
  }

  /**
   * @internal Records in the audit trail a bundle update its poller refused (kind `bundle`, outcome
   * `error`, the refusal's code); the layer keeps its active bundle. A download that never arrived
   * (MG_BUNDLE_FETCH_FAILED: HTTP status, network, timeout) refused no bundle and is not recorded.
   */
  auditBundleRefusal(layer: string, source: string, error: MeshgateError): void {
    if (!this.trail || error.code === 'MG_BUNDLE_FETCH_FAILED') return;
    const active = this.layerMap.get(layer)?.bundle.revision ?? '';
    this.trail.recordBundleRefusal({ id: this.newDecisionId(), layer, source, activeRevision: active, error: { code: error.code, message: error.message } });
  }

  /** Subscribes to bundle swaps; returns an unsubscribe function. */
  onSwap(fn: (e: BundleSwapEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Checks a data contract (YAML/JSON text, bytes or an object) against global and its domain's rules. Throws MeshgateError for unreadable input. */
  async checkContract(source: string | Uint8Array | Record<string, unknown>, options: ContractCheckOptions = {}): Promise<Decision> {
    return this.decide(contractRequest(source, options, this.vocabulary));
  }

  /** Checks a new contract version against the old one (breaking changes, version bump) as policy. */
  async checkContractChange(
    oldSource: string | Uint8Array | Record<string, unknown>,
    newSource: string | Uint8Array | Record<string, unknown>,
    options: { oldFile?: string; newFile?: string; domain?: string } = {},
  ): Promise<Decision> {
    return this.decide(contractChangeRequest(oldSource, newSource, options));
  }

  /** Checks a Terraform plan (`terraform show -json` text, bytes or object): each resource in global + its domains. */
  async checkPlan(source: string | Uint8Array | Record<string, unknown>, options: PlanCheckOptions = {}): Promise<Decision> {
    const mapping = this.subjectOptions.domainMapping;
    const base = options.vocabulary === undefined ? { ...options, vocabulary: this.vocabulary } : options;
    const opts = this.subjectOptions.rawPlan === true && base.rawPlan === undefined ? { ...base, rawPlan: true } : base;
    return this.decide(planRequest(source, mapping && !opts.domainMapping ? { ...opts, domainMapping: mapping } : opts));
  }

  /** Number of cached access decisions (for diagnostics and tests). */
  get cacheEntries(): number {
    return this.cache.size;
  }

  private clearCache(): void {
    this.cache.clear();
    this.revKey = undefined;
  }

  /** Decides an access request synchronously (the hot path). Default deny; never throws for bad requests or policy errors. */
  authorize(request: AccessRequestInput): Decision {
    const built = accessRequest(request, this.contracts, this.vocabulary);
    if (built.canonical === undefined || this.cache.capacity === 0) return this.decide(built.request);
    const t0 = now();
    this.revKey ??= [...this.layerMap.values()].map((l) => `${l.name}=${l.bundle.revision}`).join(',');
    const key = `${this.revKey}\n${built.canonical}`;
    const hit = this.cache.get(key);
    if (hit) {
      const d = copyDecision(hit);
      d.decision_id = this.newDecisionId();
      d.metrics = { timer_rego_eval_ns: 0, timer_meshgate_decide_ns: ns(now() - t0), cache_hit: 1 };
      this.audit(d, built.request.auditInput);
      return d;
    }
    const decision = this.decide(built.request);
    if (decision.outcome !== 'error') this.cache.set(key, copyDecision(decision));
    return decision;
  }

  /** Decides a batch of access requests; identical answers to calling {@link authorize} on each. */
  authorizeMany(requests: readonly AccessRequestInput[]): Decision[] {
    const out: Decision[] = new Array<Decision>(requests.length);
    for (let i = 0; i < requests.length; i++) out[i] = this.authorize(requests[i] as AccessRequestInput);
    return out;
  }

  /**
   * Registers a data contract so access requests for its product (any spelling of its id) are enriched
   * with its domain, classification and PII columns. Throws MeshgateError for an unreadable contract, one
   * without an id, or a second contract for the same product without an explicitly higher version
   * (MG_CONTRACT_DUPLICATE, naming both files). Empties the decision cache.
   */
  registerContract(source: string | Uint8Array | Record<string, unknown>, options: { file?: string } = {}): void {
    this.contracts.register(source, options);
    this.clearCache();
  }

  /**
   * Throws when a decision is not allowed: MG_DECISION_ERROR when evaluation failed, MG_DECISION_DENIED
   * (naming the failing findings, or the denial reason) otherwise. Reads `allowed` as decided at the
   * engine's threshold; it never re-judges.
   */
  assertAllowed(decision: Decision): void {
    if (decision.allowed) return;
    if (decision.outcome === 'error') {
      throw new MeshgateError('MG_DECISION_ERROR', `${decision.kind} ${decision.subject}: evaluation failed: ${decision.errors.map((e) => e.message).join('; ')}`, {
        details: { decision_id: decision.decision_id },
      });
    }
    const failing = decision.findings.filter((f) => !f.waived && !(f.enforcement === 'soft' && f.overridden) && (decision.kind === 'access' ? f.level === 'deny' : true) && rank(f.enforcement) >= rank(decision.fail_on));
    const what = failing.map((f) => `[${f.layer}/${f.rule}] ${f.msg}`).join('; ') || (decision.reason === 'not_permitted' ? 'no rule permits it' : decision.reason ?? 'denied');
    throw new MeshgateError('MG_DECISION_DENIED', `${decision.kind} ${decision.subject} denied: ${what}`, { details: { decision_id: decision.decision_id } });
  }

  /** @internal stop functions of the bundle pollers started by createEngine. */
  readonly pollers: Array<{ stop(): void }> = [];

  /** Stops bundle polling, flushes and closes the audit sinks. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pollers) p.stop();
    await this.trail?.close();
  }

  /** Flushes the audit sinks without closing them. */
  async flush(): Promise<void> {
    await this.trail?.flush();
  }
}

const rank = (e: Enforcement): number => FAIL_ON.indexOf(e);

/** The version of meshgate recorded on audit events. */
export const MESHGATE_VERSION = '0.1.0';

/**
 * Loads the global and domain bundles and returns a ready {@link Engine}. Any broken, missing or
 * tampered bundle is a MeshgateError here (fail closed at start-up).
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (typeof options !== 'object' || options === null) throw new MeshgateError('MG_CONFIG_INVALID', 'createEngine takes an options object');
  if (options.global === undefined) {
    // domains without a global layer are layered on the shipped global bundle; nothing at all: every shipped layer
    options = options.domains === undefined ? { ...options, ...bundlePaths() } : { ...options, global: bundlePaths().global };
  }
  const layers: Layer[] = [await loadLayer('global', options.global as BundleSource, options, options.verification)];
  for (const [name, src] of Object.entries(options.domains ?? {})) {
    if (name === 'global' || !/^[a-z][a-z0-9_-]*$/.test(name)) {
      throw new MeshgateError('MG_CONFIG_INVALID', `invalid domain layer name ${JSON.stringify(name)}: lower-case letters, digits, - or _, and not "global"`);
    }
    layers.push(await loadLayer(name, src, options, options.verification));
  }
  let trail: AuditTrail | undefined;
  if (options.audit && options.audit.length > 0) {
    const { AuditTrail: Trail } = await import('./audit/index.js');
    trail = new Trail({ sinks: options.audit, onSinkFailure: options.onSinkFailure ?? 'drop', version: MESHGATE_VERSION, maskFields: options.maskFields ?? [] });
  }
  const engine = new Engine(layers, options, trail);
  const services = options.bundleService === undefined ? [] : Array.isArray(options.bundleService) ? options.bundleService : [options.bundleService];
  if (services.length > 0) {
    const { startBundlePolling } = await import('./policy/http-source.js');
    for (const svc of services) {
      const layer = svc.layer ?? 'global';
      const onError = (e: MeshgateError): void => {
        engine.auditBundleRefusal(layer, svc.url, e);
        svc.onError?.(e);
      };
      const polling = { ...svc, layer, onError };
      engine.pollers.push(startBundlePolling(engine, options.verification ? { ...polling, verification: options.verification } : polling));
    }
  }
  return engine;
}
