/**
 * The one decision path: given the loaded layers, a subject's request
 * (plain data: kind, subject, domain, units), the layering policy and the threshold, it resolves each
 * unit's layers (global + its known domains; unknown or look-alike domains are an error or a finding,
 * never a silent skip), evaluates them through the policy runtime, validates every result against the
 * ABI, merges findings (compliance) or combines verdicts (access), applies the threshold and builds the
 * Decision. Nothing fails open: every policy failure becomes a denying error decision. No I/O.
 */
import { monotonicMs } from '../monotonic.js';
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import { deepFreeze } from '../freeze.js';
import { jsonString } from '../json-string.js';
import { checkAccessResult, checkComplianceResult } from '../policy/abi.js';
import type { AccessResult, Decision, DecisionError, Enforcement, Entrypoint, Level, Location, Obligations, RawFinding, SubjectKind } from '../types.js';
import { combine, emptyObligations, unknownObligationKinds, type LayerAccessResult } from './combine.js';
import { isFailing, mergeFindings, type LayerFinding, type LayeringPolicy } from './merge.js';
import { domainLayerOf, resolveDomain, type DomainResolution } from './names.js';
import { batchResults, type BatchResults } from './batch.js';

/** One loaded layer as the decision path sees it (the engine puts the policy runtime behind it). */
export interface DecisionLayer {
  /** Layer name: `global` or a domain. */
  readonly name: string;
  /** Its bundle's revision. */
  readonly revision: string;
  /** True when the layer exposes the entrypoint. */
  has(entrypoint: Entrypoint): boolean;
  /** Evaluates the entrypoint's ABI keys and returns the raw JSON result. Throws MeshgateError on failure. */
  evaluate(entrypoint: Entrypoint, input: unknown): unknown;
  /** {@link evaluate} on an input given as JSON text (serialised once for every layer); optional. */
  evaluateJson?(entrypoint: Entrypoint, json: string): unknown;
  /**
   * {@link evaluateJson} returning a value the decision path only reads: deeply frozen, possibly shared
   * between calls with the same result (parsed once). Optional; used for access decisions.
   */
  evaluateJsonShared?(entrypoint: Entrypoint, json: string): unknown;
  /** True when the layer has the entrypoint's generated batch view (see batch.ts); optional. */
  hasBatch?(entrypoint: Entrypoint): boolean;
  /** Evaluates the entrypoint's batch view on its input as JSON text (see batch.ts); optional. */
  evaluateBatch?(entrypoint: Entrypoint, json: string): unknown;
}

/** One unit of a request: one entrypoint evaluated for one (sub)subject in global + its domains' layers. */
export interface DecisionUnit {
  /** The entrypoint. */
  entrypoint: Entrypoint;
  /** The layer-independent policy input; the decision path adds `layer` and `domain`. */
  input: Readonly<Record<string, unknown>>;
  /**
   * `JSON.stringify(input)`, when the subject has it already (and `input` has no `layer` or `domain`
   * key): each layer's input is then this text with `layer` and `domain` appended, not a new
   * serialisation of the whole input per layer.
   */
  inputJson?: string;
  /**
   * The domains whose layers apply besides global, as the subject named them (resolved here). The first
   * is the unit's own domain; more than one (say a config mapping and a `Domain` tag that disagree) means
   * every one of them applies (the stricter union).
   */
  domains?: readonly string[];
  /** The resource address this unit is about (Terraform), copied onto its findings unless they name one. */
  resource?: string;
  /** Maps a finding to a source location (a pure function of the subject's own data). */
  locate?: (finding: RawFinding) => Location | undefined;
  /** Extra match keys for waivers (contract id, file). */
  match?: { contract_id?: string; file?: string };
}

/** A finding the subject itself raises (a duplicate contract's downgrade, say); it is reported by layer `global`. */
export interface SubjectNote {
  /** deny or warn. */
  level: Level;
  /** The finding. */
  finding: RawFinding;
}

/** A subject's request for a decision: plain data, built by the subject modules. */
export interface DecisionRequest {
  /** Subject kind. */
  kind: SubjectKind;
  /** The subject's id (contract id, plan file, `user -> product`). */
  subject: string;
  /** The file, when any. */
  file?: string;
  /** The subject's own domain (contracts, access), resolved here and recorded on the decision. */
  domain?: string;
  /** Units to evaluate. */
  units: DecisionUnit[];
  /** Findings the subject raises itself. */
  notes?: SubjectNote[];
  /** Errors found while building the request (an invalid access request): nothing is evaluated. */
  errors?: DecisionError[];
  /** What the audit event records as input. */
  auditInput: unknown;
  /** Field names or paths to mask in the audit input (PII). */
  maskPaths?: string[];
}

/** What an unknown domain name does: `error` (a denying error decision, default) or `warn` (global only, with a warn finding). */
export type UnknownDomainPolicy = 'error' | 'warn';

/** The engine settings a decision depends on. */
export interface DecisionSettings {
  /** Enforcement, overrides and waivers. */
  layering: LayeringPolicy;
  /** The threshold: a finding at or above it (unwaived, not overridden) denies. Recorded on the decision. */
  failOn: Enforcement;
  /** Known domains (canonical names): the loaded domain layers plus the configured ones. */
  knownDomains: ReadonlySet<string>;
  /** What an unknown domain does. */
  unknownDomain: UnknownDomainPolicy;
}

const now = monotonicMs;
const ns = (ms: number): number => Math.round(ms * 1e6);

function asError(e: unknown): MeshgateError {
  return isMeshgateError(e) ? e : new MeshgateError('MG_POLICY_RUNTIME', describeThrown(e), { cause: e });
}

/** The message of an unknown domain (never quoting invisible characters raw). */
function unknownDomainMessage(r: Extract<DomainResolution, { ok: false }>): string {
  return `domain ${JSON.stringify(r.name).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)} ${r.why}${r.closest === undefined ? '' : ` (closest known domain: ${r.closest})`}`;
}

/**
 * Checked access results of frozen (shared, immutable) policy results: the same result object is checked
 * once. The check does not depend on the layer (only its error messages do, and errors are not kept).
 */
const checkedShared = new WeakMap<object, { r: AccessResult | undefined; extra: string[] | undefined }>();

/** {@link checkAccessResult} and the obligation kinds outside the ABI, remembered for a frozen result. */
function checkedAccess(result: unknown, layerName: string): { r: AccessResult | undefined; extra: string[] | undefined } {
  const shared = typeof result === 'object' && result !== null && Object.isFrozen(result);
  if (shared) {
    const hit = checkedShared.get(result);
    if (hit !== undefined) return hit;
  }
  const r = checkAccessResult(result, layerName);
  const out = { r, extra: r === undefined ? undefined : unknownObligationKinds(r.obligations) };
  if (shared) checkedShared.set(result, deepFreeze(out)); // shared from now on: read-only
  return out;
}

/**
 * One evaluation of a unit in a layer (its raw result; throws what the layer throws). Kept apart from
 * {@link decide}, like {@link collectFindings}: the per-evaluation path stays small, so the JIT optimises
 * it early in a large plan.
 */
function evaluateUnit(layer: DecisionLayer, unit: DecisionUnit, layerName: string, unitDomain: string | undefined, withDomain: boolean, isAccess: boolean): unknown {
  const json = unit.inputJson;
  if (json !== undefined && (layer.evaluateJson !== undefined || layer.evaluateJsonShared !== undefined) && json.endsWith('}')) {
    // the same JSON as serialising { ...input, layer, domain } (same keys, same order)
    const text = `${json.length > 2 ? `${json.slice(0, -1)},` : '{'}"layer":${jsonString(layerName)}${withDomain ? `,"domain":${unitDomain === undefined ? 'null' : jsonString(unitDomain)}` : ''}}`;
    // an access result is only read (checked into new objects): it may be a shared, frozen one
    if (isAccess && layer.evaluateJsonShared !== undefined) return layer.evaluateJsonShared(unit.entrypoint, text);
    if (layer.evaluateJson !== undefined) return layer.evaluateJson(unit.entrypoint, text);
  }
  return layer.evaluate(unit.entrypoint, withDomain ? { ...unit.input, layer: layerName, domain: unitDomain ?? null } : { ...unit.input, layer: layerName });
}

/** Appends one level's findings of a unit's result in a layer to `raw`, in order. */
function collectFindings(raw: LayerFinding[], unit: DecisionUnit, layerName: string, unitDomain: string | undefined, level: Level, findings: readonly RawFinding[]): void {
  for (let i = 0; i < findings.length; i++) {
    const finding = findings[i] as RawFinding;
    const item: LayerFinding = { layer: layerName, level, finding };
    const resource = finding.resource ?? unit.resource;
    if (resource !== undefined) item.resource = resource;
    const loc = unit.locate?.(finding);
    if (loc) item.location = loc;
    if (unit.match) item.match = unit.match;
    if (unitDomain !== undefined) item.domain = unitDomain;
    raw.push(item);
  }
}

/**
 * Makes a decision. Never throws for policy errors, unknown domains or bad results: they become a denying
 * error decision. `decisionId` is the engine's next id.
 */
export function decide(layers: ReadonlyMap<string, DecisionLayer>, request: DecisionRequest, settings: DecisionSettings, decisionId: string): Decision {
  const t0 = now();
  const errors: DecisionError[] = request.errors ? request.errors.map((e) => ({ ...e })) : [];
  const notes: LayerFinding[] = [];
  // most requests name one domain, resolved once: the maps are made only when a second name or a problem shows up
  let lastRaw: string | undefined;
  let lastResolved: string | undefined;
  let resolved: Map<string, string | undefined> | undefined;
  let seenProblems: Set<string> | undefined;
  /** Where a domain note points: the unit's `domain` field (or its resource), else the file. */
  const whereDomain = (unit: DecisionUnit | undefined): Location | undefined =>
    unit?.locate?.({ msg: '', rule: '', path: 'domain', ...(unit.resource === undefined ? {} : { resource: unit.resource }) }) ?? (request.file === undefined ? undefined : { file: request.file });
  /** The canonical domain, or undefined (after recording the problem) when it is not known. */
  const resolve = (raw: string | undefined, unit: DecisionUnit | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    if (raw === lastRaw) return lastResolved;
    if (resolved?.has(raw)) return resolved.get(raw);
    const r = resolveDomain(raw, settings.knownDomains);
    const out = domainLayerOf(r);
    if (lastRaw !== undefined) (resolved ??= new Map()).set(lastRaw, lastResolved);
    lastRaw = raw;
    lastResolved = out;
    if (!r.ok) {
      const msg = unknownDomainMessage(r);
      seenProblems ??= new Set();
      if (!seenProblems.has(msg)) {
        seenProblems.add(msg);
        if (settings.unknownDomain === 'error') errors.push({ code: 'MG_DOMAIN_UNKNOWN', message: `${msg}: its rules cannot be applied` });
        else {
          const note: LayerFinding = { layer: 'global', level: 'warn', finding: { msg: `${msg}: only the global layer applied`, rule: 'domain_unknown' } };
          const loc = whereDomain(unit);
          if (loc) note.location = loc;
          notes.push(note);
        }
      }
    }
    return out;
  };

  const domain = resolve(request.domain, request.units[0]);
  const used = new Set<string>(['global']);
  const raw: LayerFinding[] = [];
  const access: LayerAccessResult[] = [];
  let evalMs = 0;
  const isAccess = request.kind === 'access';
  if (!request.errors || request.errors.length === 0) {
    // many small units (a plan's resources): evaluated in batches first, where the layers can (batch.ts)
    let batched: BatchResults | undefined;
    if (!isAccess) {
      const tb = now();
      batched = batchResults(layers, request.units, settings.knownDomains);
      evalMs += now() - tb;
    }
    // indexed loops on this per-unit path: an iterator allocates a result per turn in code not yet
    // optimised, which most of a CLI run is
    const units = request.units;
    for (let index = 0; index < units.length; index++) {
      const unit = units[index] as DecisionUnit;
      const pre = batched?.get(index);
      const own: string[] = [];
      const unitDomains = unit.domains;
      if (unitDomains !== undefined) {
        for (let j = 0; j < unitDomains.length; j++) {
          const c = resolve(unitDomains[j] as string, unit);
          if (c !== undefined && !own.includes(c)) own.push(c);
        }
      }
      if (own.length > 1) {
        const note: LayerFinding = {
          layer: 'global',
          level: 'warn',
          finding: { msg: `${unit.resource ?? request.subject} is claimed by domains ${own.join(' and ')}: the rules of every one of them apply`, rule: 'domain_conflict', ...(unit.resource === undefined ? {} : { resource: unit.resource }) },
        };
        const loc = whereDomain(unit);
        if (loc) note.location = loc;
        notes.push(note);
      }
      const names = ['global'];
      for (let j = 0; j < own.length; j++) if (layers.has(own[j] as string)) names.push(own[j] as string);
      for (let j = 0; j < names.length; j++) {
        const layerName = names[j] as string;
        const layer = layers.get(layerName);
        if (!layer) continue;
        used.add(layerName);
        if (!layer.has(unit.entrypoint)) continue;
        const unitDomain = layerName === 'global' ? own[0] : layerName;
        const withDomain = !(isAccess && unitDomain === undefined);
        try {
          let result: unknown;
          if (pre !== undefined && pre.has(layerName)) result = pre.get(layerName); // timed with its batch
          else {
            const te = now();
            try {
              result = evaluateUnit(layer, unit, layerName, unitDomain, withDomain, isAccess);
            } finally {
              evalMs += now() - te;
            }
          }
          if (isAccess) {
            const { r, extra } = checkedAccess(result, layerName);
            if (extra !== undefined && extra.length > 0) {
              throw new MeshgateError('MG_POLICY_OBLIGATION_UNKNOWN', `layer ${layerName}: obligation kind(s) ${extra.map((k) => JSON.stringify(k)).join(', ')} are not defined by the policy ABI (mask, row_filters)`, {
                details: { layer: layerName },
              });
            }
            access.push({ layer: layerName, result: r });
            continue;
          }
          const r = checkComplianceResult(result, unit.entrypoint, layerName);
          if (!r) continue;
          collectFindings(raw, unit, layerName, unitDomain, 'deny', r.deny);
          collectFindings(raw, unit, layerName, unitDomain, 'warn', r.warn);
        } catch (e) {
          const err = asError(e);
          errors.push({ code: err.code, message: unit.resource ? `${unit.resource}: ${err.message}` : err.message, layer: layerName });
        }
      }
    }
  }
  for (const n of request.notes ?? []) notes.push({ layer: 'global', level: n.level, finding: n.finding });

  const failed = errors.length > 0;
  let allowed: boolean;
  let findings = notes.length === 0 && raw.length === 0 ? [] : mergeFindings(notes.length === 0 ? raw : raw.length === 0 ? notes : [...notes, ...raw], settings.layering);
  let obligations: Obligations = emptyObligations();
  let reason: Decision['reason'];
  let allowedBy: string[] | undefined;
  if (isAccess) {
    const verdict = combine(access);
    if (verdict.findings.length > 0) findings = findings.length === 0 ? verdict.findings : [...verdict.findings, ...findings];
    allowedBy = verdict.allowed_by;
    allowed = verdict.allowed && !findings.some((f) => isFailing(f, settings.failOn));
    if (allowed && !failed) obligations = verdict.obligations;
    reason = failed ? 'error' : verdict.reason ?? (allowed ? undefined : 'forbidden');
  } else {
    allowed = !findings.some((f) => isFailing(f, settings.failOn));
  }
  const outcome = failed ? 'error' : allowed ? 'allowed' : 'denied';
  const layerNames: string[] = [];
  const bundles: Decision['bundles'] = {};
  for (const [n, layer] of layers) {
    if (!used.has(n)) continue;
    layerNames.push(n);
    bundles[n] = { revision: layer.revision };
  }
  const decision: Decision = {
    decision_id: decisionId,
    kind: request.kind,
    subject: request.subject,
    allowed: outcome === 'allowed',
    outcome,
    fail_on: settings.failOn,
    findings,
    obligations,
    errors,
    layers: request.errors && request.errors.length > 0 ? [] : layerNames,
    bundles: request.errors && request.errors.length > 0 ? {} : bundles,
    metrics: { timer_rego_eval_ns: ns(evalMs), timer_meshgate_decide_ns: 0 },
  };
  if (isAccess) {
    decision.allowed_by = allowedBy ?? [];
    if (reason !== undefined) decision.reason = reason;
  }
  if (request.file !== undefined) decision.file = request.file;
  if (domain !== undefined) decision.domain = domain;
  decision.metrics.timer_meshgate_decide_ns = ns(now() - t0);
  return decision;
}
