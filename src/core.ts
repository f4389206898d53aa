/**
 * The contract between the engine and the subject modules (contract, terraform, access): what a subject
 * module may ask of the engine. Subject modules depend on this interface only, never on engine.ts.
 */
import type { Decision, Entrypoint, Location, RawFinding, SubjectKind, Obligations } from './types.js';

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

/** One unit of a compliance check: one entrypoint evaluated for one (sub)subject in global + its domain layer. */
export interface ComplianceUnit {
  /** The entrypoint to evaluate in each layer. */
  entrypoint: Entrypoint;
  /** The domain whose layer applies to this unit, besides global. */
  domain?: string;
  /** The resource address this unit is about (Terraform), copied onto its findings unless they name one. */
  resource?: string;
  /** Builds the policy input for a layer (the engine passes the layer name and domain). */
  input: (layer: string) => unknown;
  /** Maps a finding to a source location (by its path, resource, or the unit's own position). */
  locate?: (finding: RawFinding) => Location | undefined;
  /** Extra match keys for waivers (contract id, file). */
  match?: { contract_id?: string; file?: string };
}

/** A compliance check request: several units merged into one Decision. */
export interface ComplianceRequest {
  /** Subject kind. */
  kind: Exclude<SubjectKind, 'access'>;
  /** The subject's id (contract id or plan file). */
  subject: string;
  /** The file, when any. */
  file?: string;
  /** The subject's domain (for contracts), recorded on the decision. */
  domain?: string;
  /** Units to evaluate. */
  units: ComplianceUnit[];
  /** What the audit event records as input (masked by the audit module before it leaves the process). */
  auditInput: unknown;
  /** Field names or paths to mask in the audit input (PII). */
  maskPaths?: string[];
}

/** What subject modules may ask of the engine. */
export interface EngineCore {
  /** Names of the configured layers: `global` first, then domains. */
  readonly layers: readonly string[];
  /** True when the layer exists and its bundle exposes the entrypoint. */
  hasEntrypoint(layer: string, entrypoint: Entrypoint): boolean;
  /**
   * Evaluates one entrypoint of one layer, synchronously, and returns the raw (unvalidated) JSON result,
   * or `undefined` when the layer does not expose the entrypoint. Throws MeshgateError on any failure.
   */
  evaluateRaw(layer: string, entrypoint: Entrypoint, input: unknown): unknown;
  /** Evaluates and validates a compliance entrypoint (`{deny, warn}`); throws MeshgateError (fail closed). */
  evaluateCompliance(layer: string, entrypoint: Entrypoint, input: unknown): ComplianceResult | undefined;
  /** Evaluates and validates the access entrypoint; throws MeshgateError (fail closed). */
  evaluateAccess(layer: string, input: unknown): AccessResult | undefined;
  /** Runs a whole compliance check: layers, merge, enforcement, waivers, audit. Never throws for policy errors: they become an error Decision. */
  runCompliance(request: ComplianceRequest): Decision;
  /** Records a finished decision in the audit trail (used by subjects that build decisions themselves, like access). */
  audit(decision: Decision, input: unknown, maskPaths?: string[]): void;
  /** A new decision id. */
  newDecisionId(): string;
  /** Bundle revisions by layer, as recorded on decisions. */
  bundleInfo(): Decision['bundles'];
}
