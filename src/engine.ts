/**
 * createEngine(): loads the layer bundles (global + domains), wires subjects, layering and audit, and
 * exposes the public API. Every policy failure becomes a denying error Decision; nothing fails open.
 */
import { MeshgateError, describeThrown, isMeshgateError } from './errors.js';
import { readBundle, type Bundle } from './policy/bundle.js';
import { bundlePaths } from './policy/defaults.js';
import { LazyPolicyRuntime, layerRuntime, loadNow, type LayerRuntime } from './policy/lazy-runtime.js';
import { checkAccessResult, checkComplianceResult } from './policy/abi.js';
import { DEFAULT_LAYERING, isFailing, mergeFindings, type LayerFinding, type LayeringPolicy } from './layering/merge.js';
import type { AccessResult, ComplianceRequest, ComplianceResult, EngineCore } from './core.js';
import { ENTRYPOINTS, abiViewEntrypoint, type Decision, type DecisionError, type Entrypoint, type Enforcement, type Obligations } from './types.js';
import type { AuditSink, AuditTrail } from './audit/index.js';
import { checkContract, type ContractCheckOptions } from './subjects/contract/check.js';
import { checkContractChange } from './subjects/contract/diff.js';
import { checkPlan, type PlanCheckOptions } from './subjects/terraform/check.js';
import { AccessService, type AccessRequestInput } from './subjects/access/service.js';

/** Where a layer's bundle comes from: a path (.tar.gz or folder), bytes, or a bundle already read. */
export type BundleSource = string | Uint8Array | Bundle;

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** The global layer's bundle. Omit both `global` and `domains` to use the policies shipped in the package. */
  global?: BundleSource;
  /** Domain layer bundles by domain name (lower-case). */
  domains?: Record<string, BundleSource>;
  /** Enforcement overrides and waivers (see the layering module); default: deny→hard, warn→advisory, no waivers. */
  layering?: LayeringPolicy;
  /** Audit sinks; every decision emits one event to each. */
  audit?: AuditSink[];
  /** What a failing sink does: `drop` (count and go on, default) or `fail` (the decision becomes a denying error). */
  onSinkFailure?: 'drop' | 'fail';
  /** Extra input fields to mask in audit events (names or dot paths). */
  maskFields?: string[];
  /** WebAssembly memory limit per layer, in 64 KiB pages (default 8192 = 512 MiB). */
  memoryMaxPages?: number;
  /** Extra options passed to subject modules (domain mapping for plans, contracts for access enrichment, cache size). */
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
  domainMapping?: { byModule?: Record<string, string>; byAddress?: Record<string, string>; default?: string };
  /** Access: size of the decision cache (0 disables; default 10 000). */
  cacheSize?: number;
  /** Terraform: also pass the plan JSON as given at `input.raw` of the `meshgate/terraform_plan` unit (for conftest-style adapters). */
  rawPlan?: boolean;
}

/** One layer's bundle server (see {@link EngineOptions.bundleService}); `layer` defaults to `global`. */
export type BundleServiceOptions = Omit<import('./policy/http-source.js').BundlePollingOptions, 'layer' | 'verification'> & { layer?: string };

/** One loaded layer. */
interface Layer {
  readonly name: string;
  readonly bundle: Bundle;
  readonly runtime: LayerRuntime;
  /** What to evaluate for each ABI entrypoint: its generated view (`meshgate_abi/<x>`) when the bundle has one. */
  readonly target: ReadonlyMap<Entrypoint, string>;
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

/** Event emitted when a layer's bundle is swapped. */
export interface BundleSwapEvent {
  /** The layer. */
  layer: string;
  /** Revision before. */
  from: string;
  /** Revision after. */
  to: string;
}

const now = (): number => performance.now();
const ns = (ms: number): number => Math.round(ms * 1e6);

function emptyObligations(): Obligations {
  return { mask: [], row_filters: [] };
}

async function loadLayer(name: string, source: BundleSource, memoryMaxPages: number | undefined, verification?: EngineOptions['verification']): Promise<Layer> {
  const read = typeof source === 'string' || source instanceof Uint8Array ? readBundle(source) : source;
  const bundle = verification ? await (await import('./policy/signing.js')).verifiedBundle(read, verification) : read;
  // compiled when a decision first needs the layer; the global one starts compiling off-thread at once
  const runtime = await layerRuntime(bundle, memoryMaxPages === undefined ? { name, prefetch: name === 'global' } : { name, memoryMaxPages, prefetch: name === 'global' });
  return { name, bundle, runtime, target: viewTargets(runtime) };
}

/**
 * The engine: holds the loaded layers and answers checks. Create it with {@link createEngine}.
 * Layers can be swapped atomically at run time ({@link Engine.swapBundle}); a decision in flight finishes
 * on the layers it started with.
 */
export class Engine implements EngineCore {
  private layerMap: ReadonlyMap<string, Layer>;
  private readonly listeners = new Set<(e: BundleSwapEvent) => void>();
  private readonly swapHooks = new Set<() => void>();
  private closed = false;

  /** @internal use {@link createEngine}. */
  constructor(
    layers: Layer[],
    private readonly options: EngineOptions,
    private readonly trail: AuditTrail | undefined,
  ) {
    this.layerMap = new Map(layers.map((l) => [l.name, l]));
  }

  /** Layer names: `global` first, then domains. */
  get layers(): readonly string[] {
    return [...this.layerMap.keys()];
  }

  /** The layering policy in force. */
  get layering(): LayeringPolicy {
    return this.options.layering ?? DEFAULT_LAYERING;
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
   * A new unique decision id, in UUID form: a random 80-bit prefix drawn once per engine and a 48-bit
   * sequence (cheaper than a random UUID per decision on the hot path, and just as unique).
   */
  newDecisionId(): string {
    this.seq++;
    return `${this.idPrefix}${this.seq.toString(16).padStart(12, '0')}`;
  }
  private seq = 0;
  private readonly idPrefix = ((): string => {
    const r = globalThis.crypto.randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
    return r.slice(0, 24);
  })();

  /**
   * Low-level: evaluates one entrypoint of one layer and returns the raw JSON result (`undefined` when
   * the layer lacks the entrypoint or the policy leaves it undefined). Throws MeshgateError on failure.
   */
  evaluateRaw(layer: string, entrypoint: Entrypoint, input: unknown): unknown {
    const l = this.layerMap.get(layer);
    if (!l) throw new MeshgateError('MG_LAYER_UNKNOWN', `no layer named ${layer} (configured: ${this.layers.join(', ')})`);
    if (!l.runtime.has(entrypoint)) return undefined;
    return l.runtime.evaluate(entrypoint, input);
  }

  /** Evaluates the ABI keys of an entrypoint (through its generated view when the bundle has one). */
  private evaluateView(layer: string, entrypoint: Entrypoint, input: unknown): unknown {
    const l = this.layerMap.get(layer);
    if (!l) throw new MeshgateError('MG_LAYER_UNKNOWN', `no layer named ${layer} (configured: ${this.layers.join(', ')})`);
    const target = l.target.get(entrypoint);
    return target === undefined ? undefined : l.runtime.evaluate(target, input);
  }

  /** Low-level alias of {@link evaluateRaw} matching DESIGN.md's `engine.evaluate(layer, entrypoint, input)`. */
  evaluate(layer: string, entrypoint: Entrypoint, input: unknown): unknown {
    return this.evaluateRaw(layer, entrypoint, input);
  }

  /** Evaluates and validates a compliance entrypoint. */
  evaluateCompliance(layer: string, entrypoint: Entrypoint, input: unknown): ComplianceResult | undefined {
    return checkComplianceResult(this.evaluateView(layer, entrypoint, input), entrypoint, layer);
  }

  /** Evaluates and validates the access entrypoint. */
  evaluateAccess(layer: string, input: unknown): AccessResult | undefined {
    return checkAccessResult(this.evaluateView(layer, 'meshgate/access', input), layer);
  }

  /** Runs a compliance check over its units in global + each unit's domain layer. Never throws for policy errors. */
  runCompliance(request: ComplianceRequest): Decision {
    const t0 = now();
    const layerMap = this.layerMap; // snapshot: a swap during this call does not affect it
    const raw: LayerFinding[] = [];
    const errors: DecisionError[] = [];
    const used = new Set<string>(['global']);
    let evalMs = 0;
    for (const unit of request.units) {
      const layerNames = ['global'];
      if (unit.domain && unit.domain !== 'global' && layerMap.has(unit.domain)) layerNames.push(unit.domain);
      for (const layerName of layerNames) {
        const layer = layerMap.get(layerName);
        if (!layer) continue;
        used.add(layerName);
        const target = layer.target.get(unit.entrypoint);
        if (target === undefined) continue;
        const te = now();
        try {
          const result = checkComplianceResult(layer.runtime.evaluate(target, unit.input(layerName)), unit.entrypoint, layerName);
          if (!result) continue;
          for (const level of ['deny', 'warn'] as const) {
            for (const finding of result[level]) {
              const item: LayerFinding = { layer: layerName, level, finding };
              const resource = finding.resource ?? unit.resource;
              if (resource !== undefined) item.resource = resource;
              const loc = unit.locate?.(finding);
              if (loc) item.location = loc;
              if (unit.match) item.match = unit.match;
              if (unit.domain) item.domain = unit.domain;
              raw.push(item);
            }
          }
        } catch (e) {
          const err = isMeshgateError(e) ? e : new MeshgateError('MG_POLICY_RUNTIME', describeThrown(e), { cause: e });
          const de: DecisionError = { code: err.code, message: err.message, layer: layerName };
          if (unit.resource) de.message = `${unit.resource}: ${de.message}`;
          errors.push(de);
        } finally {
          evalMs += now() - te;
        }
      }
    }
    const findings = mergeFindings(raw, this.layering);
    const failing = findings.some((f) => isFailing(f));
    const outcome = errors.length > 0 ? 'error' : failing ? 'denied' : 'allowed';
    const decision: Decision = {
      decision_id: this.newDecisionId(),
      kind: request.kind,
      subject: request.subject,
      allowed: outcome === 'allowed',
      outcome,
      findings,
      obligations: emptyObligations(),
      errors,
      layers: [...layerMap.keys()].filter((n) => used.has(n)),
      bundles: Object.fromEntries([...layerMap.values()].filter((l) => used.has(l.name)).map((l) => [l.name, { revision: l.bundle.revision }])),
      metrics: { timer_rego_eval_ns: ns(evalMs), timer_meshgate_decide_ns: 0 },
    };
    if (request.file !== undefined) decision.file = request.file;
    if (request.domain !== undefined) decision.domain = request.domain;
    decision.metrics.timer_meshgate_decide_ns = ns(now() - t0);
    this.audit(decision, request.auditInput, request.maskPaths);
    return decision;
  }

  /**
   * Records a decision in the audit trail. With `onSinkFailure: 'fail'`, a sink failure turns the decision
   * into a denying error decision (mutated in place); it never turns a deny into an allow.
   */
  audit(decision: Decision, input: unknown, maskPaths?: string[]): void {
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
    const fresh = await loadLayer(layer, source, this.options.memoryMaxPages, this.options.verification);
    await loadNow(fresh.runtime); // a module that does not load fails the swap, not the next decision
    const next = new Map(this.layerMap);
    next.set(layer, fresh);
    this.layerMap = next;
    const event: BundleSwapEvent = { layer, from: old.bundle.revision, to: fresh.bundle.revision };
    for (const h of this.swapHooks) h();
    for (const fn of this.listeners) fn(event);
    return event;
  }

  /** Subscribes to bundle swaps; returns an unsubscribe function. */
  onSwap(fn: (e: BundleSwapEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** @internal subject modules register cache invalidation here. */
  onSwapInternal(fn: () => void): void {
    this.swapHooks.add(fn);
  }

  /** Checks a data contract (YAML/JSON text, bytes or an object) against global and its domain's rules. Throws MeshgateError for unreadable input. */
  async checkContract(source: string | Uint8Array | Record<string, unknown>, options: ContractCheckOptions = {}): Promise<Decision> {
    await this.globalCompiled();
    return checkContract(this, source, options);
  }

  /** Checks a new contract version against the old one (breaking changes, version bump) as policy. */
  async checkContractChange(
    oldSource: string | Uint8Array | Record<string, unknown>,
    newSource: string | Uint8Array | Record<string, unknown>,
    options: { oldFile?: string; newFile?: string; domain?: string } = {},
  ): Promise<Decision> {
    await this.globalCompiled();
    return checkContractChange(this, oldSource, newSource, options);
  }

  /** Checks a Terraform plan (`terraform show -json` text, bytes or object): each resource in global + its domain. */
  async checkPlan(source: string | Uint8Array | Record<string, unknown>, options: PlanCheckOptions = {}): Promise<Decision> {
    await this.globalCompiled();
    const mapping = this.subjectOptions.domainMapping;
    const opts = this.subjectOptions.rawPlan === true && options.rawPlan === undefined ? { ...options, rawPlan: true } : options;
    return checkPlan(this, source, mapping && !opts.domainMapping ? { ...opts, domainMapping: mapping } : opts);
  }

  /** Waits for the global layer's module, compiling off the main thread since start-up (not compiled twice). */
  private async globalCompiled(): Promise<void> {
    const rt = this.layerMap.get('global')?.runtime;
    if (rt instanceof LazyPolicyRuntime) await rt.prefetch();
  }

  /** The access service (created on first use). */
  private get accessService(): AccessService {
    this.access ??= new AccessService(this, { cacheSize: this.subjectOptions.cacheSize ?? 10_000 });
    return this.access;
  }
  private access: AccessService | undefined;

  /** Decides an access request synchronously (the hot path). Default deny; never throws for policy errors. */
  authorize(request: AccessRequestInput): Decision {
    return this.accessService.authorize(request);
  }

  /** Decides a batch of access requests; identical answers to calling {@link authorize} on each. */
  authorizeMany(requests: readonly AccessRequestInput[]): Decision[] {
    return this.accessService.authorizeMany(requests);
  }

  /** Registers a data contract so access requests for its product are enriched (domain, classification, PII columns). */
  registerContract(source: string | Uint8Array | Record<string, unknown>, options: { file?: string } = {}): void {
    this.accessService.registerContract(source, options);
  }

  /** Throws MG_DECISION_DENIED (with the failing findings in details) when a decision is not allowed. */
  assertAllowed(decision: Decision, failOn: Enforcement = 'soft'): void {
    if (decision.outcome === 'error') {
      throw new MeshgateError('MG_DECISION_ERROR', `${decision.kind} ${decision.subject}: evaluation failed: ${decision.errors.map((e) => e.message).join('; ')}`, {
        details: { decision_id: decision.decision_id },
      });
    }
    const failing = decision.kind === 'access' ? (decision.allowed ? [] : decision.findings) : decision.findings.filter((f) => isFailing(f, failOn));
    if (!decision.allowed || failing.length > 0) {
      const what = failing.map((f) => `[${f.layer}/${f.rule}] ${f.msg}`).join('; ') || decision.reason || 'denied';
      throw new MeshgateError('MG_DECISION_DENIED', `${decision.kind} ${decision.subject} denied: ${what}`, { details: { decision_id: decision.decision_id } });
    }
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

/** The version of meshgate recorded on audit events. */
export const MESHGATE_VERSION = '0.1.0';

/**
 * Loads the global and domain bundles and returns a ready {@link Engine}. Any broken, missing or
 * tampered bundle is a MeshgateError here (fail closed at start-up).
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (typeof options !== 'object' || options === null) throw new MeshgateError('MG_CONFIG_INVALID', 'createEngine takes an options object');
  if (options.global === undefined) {
    if (options.domains !== undefined) throw new MeshgateError('MG_CONFIG_INVALID', 'createEngine: `domains` given without a `global` bundle');
    options = { ...options, ...bundlePaths() };
  }
  const layers: Layer[] = [await loadLayer('global', options.global as BundleSource, options.memoryMaxPages, options.verification)];
  for (const [name, src] of Object.entries(options.domains ?? {})) {
    if (name === 'global' || !/^[a-z][a-z0-9_-]*$/.test(name)) {
      throw new MeshgateError('MG_CONFIG_INVALID', `invalid domain layer name ${JSON.stringify(name)}: lower-case letters, digits, - or _, and not "global"`);
    }
    layers.push(await loadLayer(name, src, options.memoryMaxPages, options.verification));
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
      const polling = { ...svc, layer: svc.layer ?? 'global' };
      engine.pollers.push(startBundlePolling(engine, options.verification ? { ...polling, verification: options.verification } : polling));
    }
  }
  return engine;
}
