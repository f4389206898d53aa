/**
 * The audit event: one per decision. Its core follows OPA's decision log format (`labels`, `decision_id`,
 * `bundles`, `path`, `input` or `input_sha256`, `result`, `timestamp`, `metrics`, `masked`) so existing
 * decision-log collectors accept it; meshgate adds `kind`, `subject`, `domain`, `layers`, `outcome` and
 * `waivers`. Building an event is pure: masking happens here, before anything reaches a sink. Masking is
 * by path: the input's masked paths are replaced, and masked values quoted in free-text messages (finding
 * `msg`, error `message`) are scrubbed; every structural field (`outcome`, `allowed`, rule ids, subject,
 * file, domain, layers, obligations, waivers) stays exactly as the engine produced it, so a requester who
 * sets a masked attribute to `"denied"`, a rule id or their own user id cannot rewrite their record.
 */
import type { Decision, DecisionError, Obligations, SubjectKind } from '../types.js';
import { canonicalJson } from './canonical.js';
import { MASKED, maskWithReport, type MaskResult } from './mask.js';
import { sha256Hex } from '../sha256.js';

/** What an event records: a decision on a subject, or (`bundle`) a bundle update the engine refused. */
export type AuditEventKind = SubjectKind | 'bundle';

/** Counts of the findings of a decision. */
export interface FindingCounts {
  /** Unwaived deny findings. */
  deny: number;
  /** Warn findings. */
  warn: number;
  /** Waived findings (of any level). */
  waived: number;
  /** All findings. */
  total: number;
}

/** A finding as summarised in the event (no free-form location text beyond file/line/column). */
export interface AuditFinding {
  /** `layer:rule`. */
  rule: string;
  /** `deny` or `warn`. */
  level: string;
  /** Effective enforcement. */
  enforcement: string;
  /** The message. */
  msg: string;
  /** Whether a waiver covers it. */
  waived: boolean;
  /** The resource (Terraform address), when any. */
  resource?: string;
}

/** The `result` of an event: what was decided, in summary. */
export interface AuditResult {
  /** The final answer. */
  allowed: boolean;
  /** `allowed`, `denied` or `error`. */
  outcome: Decision['outcome'];
  /** Access denial reason, when any. */
  reason?: string;
  /** Finding counts. */
  findings: FindingCounts;
  /** Distinct `layer:rule` ids of all findings, sorted. */
  rules: string[];
  /** The findings, summarised (at most 100; `findings.total` is exact). */
  details: AuditFinding[];
  /** Obligations (access), as decided. */
  obligations: Obligations;
  /** Rules that allowed an access request, `layer:rule`. */
  allowed_by?: string[];
  /** Errors that made the decision fail closed. */
  errors: Array<Pick<DecisionError, 'code' | 'message'> & { layer?: string }>;
}

/** A waiver applied to a finding of this decision. */
export interface AuditWaiver {
  /** Waiver id. */
  id: string;
  /** The waived `layer:rule`. */
  rule: string;
  /** Why. */
  reason: string;
  /** Who approved it. */
  approved_by: string;
  /** When it expires. */
  expires: string;
  /** Which waivers file granted it. */
  scope: string;
}

/** One audit event: what was decided, by which bundles, for which (masked) input, hash-chained to the previous event. */
export interface AuditEvent {
  /** OPA-style labels: `{app: 'meshgate', version, id?}`. */
  labels: { app: 'meshgate'; version: string; id?: string };
  /** The decision's id. */
  decision_id: string;
  /** When the event was built (ISO 8601, UTC). */
  timestamp: string;
  /** The policy path (`meshgate/contract`, `meshgate/terraform`, `meshgate/access`, `meshgate/contract_change`). */
  path: string;
  /** Subject kind, or `bundle` for a refused bundle update (docs/audit.md). */
  kind: AuditEventKind;
  /** The subject's id. */
  subject: string;
  /** The subject's file, when any. */
  file?: string;
  /** The domain layer applied, when any. */
  domain?: string;
  /** Layers evaluated in order. */
  layers: string[];
  /** Bundle revisions by layer. */
  bundles: Record<string, { revision: string }>;
  /** The masked input (absent when `input_sha256` is recorded instead). */
  input?: unknown;
  /** SHA-256 of the canonical JSON of the masked input, when inputs are hashed instead of logged. */
  input_sha256?: string;
  /** JSON pointers of masked values (OPA's `masked` field), e.g. `/input/request/user/email`. */
  masked?: string[];
  /** The decision in summary. */
  result: AuditResult;
  /** `allowed`, `denied` or `error` (duplicated at top level for collectors that index it). */
  outcome: Decision['outcome'];
  /** Waivers applied. */
  waivers: AuditWaiver[];
  /** Timings in nanoseconds. */
  metrics: Record<string, number>;
}

/** Options of {@link buildAuditEvent}. */
export interface BuildEventOptions {
  /** The meshgate version (goes to `labels.version`). */
  version: string;
  /** Field names or dot paths to mask in the input (see mask.ts). */
  maskPaths?: readonly string[];
  /** Record only `input_sha256` (hash of the masked input), never the input. */
  hashInput?: boolean;
  /** An instance id for `labels.id`. */
  instanceId?: string;
  /** The clock (tests). */
  now?: () => Date;
}

const MAX_DETAILS = 100;

/** The policy path recorded for a subject kind. */
export function pathForKind(kind: AuditEventKind): string {
  return `meshgate/${kind}`;
}

/** The fields every event starts with: labels, id, time, policy path and kind. */
function eventHead(id: string, kind: AuditEventKind, options: BuildEventOptions): Pick<AuditEvent, 'labels' | 'decision_id' | 'timestamp' | 'path' | 'kind'> {
  const labels: AuditEvent['labels'] = { app: 'meshgate', version: options.version };
  if (options.instanceId !== undefined) labels.id = options.instanceId;
  return { labels, decision_id: id, timestamp: (options.now ?? (() => new Date()))().toISOString(), path: pathForKind(kind), kind };
}

/** The masked input, or its hash when inputs are hashed, and the masked paths (OPA's `masked`). */
function inputFields(masking: MaskResult, options: BuildEventOptions): Pick<AuditEvent, 'input' | 'input_sha256' | 'masked'> {
  return {
    ...(options.hashInput ? { input_sha256: sha256Hex(canonicalJson(masking.value)) } : { input: masking.value }),
    ...(masking.count > 0 ? { masked: masking.masked.map((p) => `/input${p}`) } : {}),
  };
}

/** Builds the audit event of a finished decision. Does not modify the decision; the input is masked here. */
export function buildAuditEvent(decision: Decision, input: unknown, options: BuildEventOptions): AuditEvent {
  const masking = maskWithReport(input, options.maskPaths ?? []);
  const counts: FindingCounts = { deny: 0, warn: 0, waived: 0, total: decision.findings.length };
  const rules = new Set<string>();
  const details: AuditFinding[] = [];
  const waivers: AuditWaiver[] = [];
  for (const f of decision.findings) {
    const rule = `${f.layer}:${f.rule}`;
    rules.add(rule);
    if (f.waived) counts.waived++;
    else if (f.level === 'deny') counts.deny++;
    else counts.warn++;
    if (details.length < MAX_DETAILS) {
      const d: AuditFinding = { rule, level: f.level, enforcement: f.enforcement, msg: f.msg, waived: f.waived };
      if (f.resource !== undefined) d.resource = f.resource;
      details.push(d);
    }
    if (f.waived && f.waiver) {
      const w = f.waiver;
      waivers.push({ id: w.id, rule, reason: w.reason, approved_by: w.approved_by, expires: w.expires, scope: w.scope });
    }
  }
  const result: AuditResult = {
    allowed: decision.allowed,
    outcome: decision.outcome,
    findings: counts,
    rules: [...rules].sort(),
    details,
    obligations: copyJson(decision.obligations) as Obligations,
    errors: decision.errors.map((e) => (e.layer === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, layer: e.layer })),
  };
  if (decision.reason !== undefined) result.reason = decision.reason;
  if (decision.allowed_by !== undefined) result.allowed_by = [...decision.allowed_by];

  const bundles: Record<string, { revision: string }> = {};
  for (const [layer, b] of Object.entries(decision.bundles)) bundles[layer] = { revision: b.revision };

  const event: AuditEvent = {
    ...eventHead(decision.decision_id, decision.kind, options),
    subject: decision.subject,
    ...(decision.file === undefined ? {} : { file: decision.file }),
    ...(decision.domain === undefined ? {} : { domain: decision.domain }),
    layers: [...decision.layers],
    bundles,
    ...inputFields(masking, options),
    result,
    outcome: decision.outcome,
    waivers,
    metrics: { ...decision.metrics },
  };
  if (masking.secrets.length > 0) scrubEvent(event, masking.secrets);
  return event;
}

/** A bundle update the engine refused (its poller's download failed verification, budgets, rollback or load). */
export interface BundleRefusal {
  /** A fresh event id (the engine's decision id sequence). */
  id: string;
  /** The layer whose update was refused. */
  layer: string;
  /** Where the bundle came from (credentials and query are dropped here). */
  source: string;
  /** The revision still active in that layer. */
  activeRevision: string;
  /** Why. */
  error: Pick<DecisionError, 'code' | 'message'>;
}

/** `source` without user info, query or fragment (they may carry credentials), when it is a URL. */
function safeSource(source: string): string {
  try {
    const u = new URL(source);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return source;
  }
}

/**
 * Builds the event of a refused bundle update, in the same shape as a decision's: `kind` and `path`
 * `bundle`, `subject` the layer, `file` the source, `bundles` the revision that stays active, `outcome`
 * `error` with the refusal's code in `result.errors`, and `input` `{layer, source}` (masked or hashed like
 * any input). The source's credentials never reach the event, not even inside the error message.
 */
export function buildBundleEvent(refusal: BundleRefusal, options: BuildEventOptions): AuditEvent {
  const source = safeSource(refusal.source);
  const message = refusal.source === source ? refusal.error.message : refusal.error.message.split(refusal.source).join(source);
  const masking = maskWithReport({ layer: refusal.layer, source }, options.maskPaths ?? []);
  const event: AuditEvent = {
    ...eventHead(refusal.id, 'bundle', options),
    subject: refusal.layer,
    file: source,
    layers: [refusal.layer],
    bundles: { [refusal.layer]: { revision: refusal.activeRevision } },
    ...inputFields(masking, options),
    result: {
      allowed: false,
      outcome: 'error',
      findings: { deny: 0, warn: 0, waived: 0, total: 0 },
      rules: [],
      details: [],
      obligations: { mask: [], row_filters: [] },
      errors: [{ code: refusal.error.code, message, layer: refusal.layer }],
    },
    outcome: 'error',
    waivers: [],
    metrics: {},
  };
  if (masking.secrets.length > 0) scrubEvent(event, masking.secrets);
  return event;
}

/**
 * Replaces any occurrence of a masked value in the free-text messages of the event (finding messages and
 * error messages) by the mask, so a policy message quoting a PII value cannot leak it. Structural fields
 * are never touched: value substitution there would let the input rewrite the record.
 */
function scrubEvent(event: AuditEvent, secrets: readonly string[]): void {
  const scrub = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASKED);
    return out;
  };
  for (const d of event.result.details) d.msg = scrub(d.msg);
  for (const e of event.result.errors) e.message = scrub(e.message);
}

function copyJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = copyJson(x);
    return out;
  }
  return v;
}
