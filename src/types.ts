/**
 * The decision model shared by every subject (contracts, Terraform plans, access requests):
 * findings, obligations and the Decision itself. Pure: types and a few constants, no I/O.
 */
import type { ErrorCode, Location } from './errors.js';

export type { Location } from './errors.js';

/** What a rule said: `deny` fails the subject (subject to enforcement), `warn` reports. */
export type Level = 'deny' | 'warn';

/** How a finding is enforced: `advisory` reports only, `soft` fails unless overridden with a reason, `hard` always fails. */
export type Enforcement = 'advisory' | 'soft' | 'hard';

/** The kinds of subject meshgate decides on. */
export type SubjectKind = 'contract' | 'terraform' | 'access' | 'contract_change';

/** The policy entrypoints of the ABI: the packages a layer may define (the table in docs/authoring.md § 1, "The policy ABI"). */
export type Entrypoint =
  | 'meshgate/contract'
  | 'meshgate/terraform'
  | 'meshgate/terraform_plan'
  | 'meshgate/access'
  | 'meshgate/contract_change';

/** All entrypoints a layer bundle may expose. */
export const ENTRYPOINTS: readonly Entrypoint[] = [
  'meshgate/contract',
  'meshgate/terraform',
  'meshgate/terraform_plan',
  'meshgate/access',
  'meshgate/contract_change',
];

/** The generated ABI view of an entrypoint (`meshgate/terraform` → `meshgate_abi/terraform`), see `meshgate build`. */
export function abiViewEntrypoint(entrypoint: Entrypoint): string {
  return entrypoint.replace(/^meshgate\//, 'meshgate_abi/');
}

/** The entrypoints that have a generated batch view: one resource per unit, many units per evaluation. */
export const BATCHED_ENTRYPOINTS: readonly Entrypoint[] = ['meshgate/terraform'];

/**
 * The generated batch view of an entrypoint (`meshgate/terraform` → `meshgate_abi/terraform_batch/results`):
 * given `{units: [{resource, domain}], plan, layer}`, the ABI view's result for each unit, keyed by its index
 * (see `meshgate build`).
 */
export function batchViewEntrypoint(entrypoint: Entrypoint): string {
  return `${abiViewEntrypoint(entrypoint)}_batch/results`;
}

/** A finding as a policy returns it, after ABI validation and normalisation of bare strings. */
export interface RawFinding {
  /** Human-readable message. */
  msg: string;
  /** Rule id, such as `pii_bucket_encryption` (bare-string findings get the package name). */
  rule: string;
  /** Optional severity label from the policy (informational). */
  severity?: string;
  /** Optional path of the offending field inside the subject, dot or slash separated (`schema.fields.2.classification`). */
  path?: string;
  /** Optional remediation text. */
  remediation?: string;
  /** Optional resource (Terraform address) the finding is about. */
  resource?: string;
}

/** A waiver that applied to a finding (see the layering module). */
export interface AppliedWaiver {
  /** Waiver id (its index or explicit id in the waivers file). */
  id: string;
  /** Why the finding is waived. */
  reason: string;
  /** Who approved it. */
  approved_by: string;
  /** Expiry date (ISO 8601). */
  expires: string;
  /** Which waivers file (layer) granted it. */
  scope: string;
}

/** One merged finding in a Decision: which layer, which rule, how enforced, where. */
export interface Finding extends RawFinding {
  /** `deny` or `warn`. */
  level: Level;
  /** The effective enforcement after layering. */
  enforcement: Enforcement;
  /** The layer whose policy produced it (`global` or a domain name). */
  layer: string;
  /** True when a valid waiver covers it (it then does not fail the decision). */
  waived: boolean;
  /** The waiver that applied, when waived. */
  waiver?: AppliedWaiver;
  /** True when a soft failure was overridden with a recorded reason. */
  overridden?: boolean;
  /** The recorded override reason. */
  override_reason?: string;
  /** Where in the subject's file the finding points (the field, or its parent when missing). */
  location?: Location;
}

/** Obligations an access decision imposes on the caller (merged across layers). */
export interface Obligations {
  /** Columns whose values must be masked. */
  mask: string[];
  /** Row filters (SQL predicates) that must all apply. */
  row_filters: string[];
  /** Any other obligation keys returned by policies, merged by key (arrays are unioned). */
  [key: string]: unknown;
}

/** An error that made a decision fail closed. */
export interface DecisionError {
  /** The error code. */
  code: ErrorCode;
  /** The message. */
  message: string;
  /** The layer being evaluated, when the error came from a policy. */
  layer?: string;
  /** Where, when known. */
  location?: Location;
}

/** Why an access request was denied. */
export type DenialReason = 'forbidden' | 'not_permitted' | 'error';

/** A bundle's identity as recorded on each decision. */
export interface BundleInfo {
  /** The bundle's revision (from its .manifest). */
  revision: string;
}

/** Timing of a decision in nanoseconds (as OPA's decision log metrics). */
export interface DecisionMetrics {
  /** Total time to decide. */
  timer_meshgate_decide_ns: number;
  /** Time spent evaluating policies. */
  timer_rego_eval_ns: number;
  [key: string]: number;
}

/**
 * The result of every check: a denial is data, never an exception. `allowed` is false when any
 * unwaived hard (or non-overridden soft) finding exists, when an access request is not allowed, or when
 * evaluation failed (fail closed: `outcome: 'error'`).
 */
export interface Decision {
  /** Unique id (also the audit event's decision_id). */
  decision_id: string;
  /** Which kind of subject. */
  kind: SubjectKind;
  /** The subject's id: contract id, plan file, or `user -> product`. */
  subject: string;
  /** The subject's file, when it came from one. */
  file?: string;
  /** The subject's domain (canonical, known), when any. */
  domain?: string;
  /** The final answer. */
  allowed: boolean;
  /** `allowed`, `denied` or `error` (an error always denies). */
  outcome: 'allowed' | 'denied' | 'error';
  /** The threshold the decision was judged at (the engine's `failOn`): CLI, `assertAllowed` and audit read `allowed`, never re-judge. */
  fail_on: Enforcement;
  /** For access denials: `forbidden` (a deny rule fired), `not_permitted` (nothing allowed it) or `error`. */
  reason?: DenialReason;
  /** All findings of all layers, each naming its layer and rule. */
  findings: Finding[];
  /** For access: rules that allowed it, `layer:rule`. */
  allowed_by?: string[];
  /** Obligations (access only; empty otherwise). */
  obligations: Obligations;
  /** Errors that made the decision fail closed. */
  errors: DecisionError[];
  /** Layers evaluated, in order. */
  layers: string[];
  /** Bundle revisions used, by layer. */
  bundles: Record<string, BundleInfo>;
  /** Timings. */
  metrics: DecisionMetrics;
}

/** A validated compliance result of one layer (`{deny, warn}` of the ABI). */
export interface ComplianceResult {
  /** deny findings, normalised. */
  deny: RawFinding[];
  /** warn findings, normalised. */
  warn: RawFinding[];
}

/** A validated access result of one layer. */
export interface AccessResult {
  /** Whether this layer allows the request. */
  allow: boolean;
  /** Rules of this layer that allowed it (optional, for explanations). */
  allow_rules: string[];
  /** Deny findings of this layer. */
  deny: RawFinding[];
  /** Obligations of this layer. */
  obligations: Obligations;
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
