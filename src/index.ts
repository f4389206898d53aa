/**
 * meshgate — policy-as-code governance for data mesh platforms. Public API (re-exports only): the API of
 * the design (createEngine and the Engine's checks, sinks, errors, the Decision types) plus what users
 * demonstrably need (config loading, policy builds, the shipped policies, contract folders, audit
 * verification) and every type used in those signatures.
 */
export { createEngine } from './engine.js';
export type { Engine, EngineOptions, BundleSource, SubjectOptions, BundleServiceOptions } from './engine.js';
export { MeshgateError, isMeshgateError } from './errors.js';
export type { ErrorCode, Location, MeshgateErrorOptions } from './errors.js';
export type {
  Decision,
  Finding,
  RawFinding,
  Level,
  Enforcement,
  SubjectKind,
  Entrypoint,
  Obligations,
  DecisionError,
  DenialReason,
  AppliedWaiver,
  BundleInfo,
  DecisionMetrics,
  BundleSwapEvent,
  AccessResult,
  ComplianceResult,
} from './types.js';
export type { DecisionRequest, DecisionUnit, SubjectNote, UnknownDomainPolicy } from './layering/decide.js';
export { readBundle } from './policy/bundle.js';
export type { Bundle, BundleManifest, BundleLimits } from './policy/bundle.js';
export { DEFAULT_BUNDLE_LIMITS } from './policy/bundle-limits.js';
export { DEFAULT_DEADLINES, type PolicyDeadlines } from './policy/wasm.js';
export { buildPolicies, findOpa } from './policy/build.js';
export type { BuildOptions, BuildManifest, BuiltLayer } from './policy/build.js';
export { verifyBundle, SIGNING_ALGORITHMS } from './policy/signing.js';
export type { VerificationOptions, VerifiedSignature, BundleKey, SigningAlgorithm, SignableBundle } from './policy/signing.js';
export { startBundlePolling } from './policy/http-source.js';
export type { BundlePoller, BundlePollingOptions, BundleTarget, HttpBundleSwapEvent, PollOutcome } from './policy/http-source.js';
export { defaultPolicyDir } from './policy/defaults.js';
export { memorySink, callbackSink, jsonlSink, httpSink, verifyAuditLog, verifyAuditLogs, verifyAuditStream, CHECKPOINT_ALGORITHMS, GENESIS_HASH } from './audit/index.js';
export type { LogSetReport, LogProblem, LogProblemKind, LogFileReport, VerifyLogsOptions, Checkpoint, CheckpointSigning, CheckpointAlgorithm, CheckpointReason, CheckpointKey, CheckpointSighting, JsonlSink } from './audit/index.js';
export type { AuditSink, AuditEvent, AuditEventKind, AuditResult, AuditWaiver, AuditFinding, FindingCounts, VerifyReport, TamperKind, JsonlSinkOptions, JsonlRecovery, HttpSinkOptions } from './audit/index.js';
export type { LayeringPolicy, LayerFinding } from './layering/merge.js';
export { createLayeringPolicy, waiverReport } from './layering/policy.js';
export type { ConfiguredLayeringPolicy, LayeringConfig, LayeringPolicyOptions, Override, WaiverReport, WaiverReportItem, Clock } from './layering/policy.js';
export type { Waiver, WaiverEntry, SubjectMatch } from './layering/waivers.js';
export type { ValuePath } from './layering/source.js';
export { loadConfig, resolveConfig, toEngineOptions, createEngineFromConfig } from './config.js';
export type { MeshgateConfig, LoadedConfig, EngineSettings, AuditConfig, ConfiguredEngineOptions, ToEngineOptions, ResolveOptions } from './config.js';
export type { ClassificationVocabulary } from './layering/classification.js';
export type { CheckContractOptions } from './subjects/contract/check.js';
export type { CheckPlanOptions } from './subjects/terraform/check.js';
export type { DomainMapping } from './subjects/terraform/domain.js';
export { loadContractsFromDir, type ContractRegistry } from './subjects/access/load.js';
export type { AccessDataProduct, AccessRequestInput, AccessUser } from './subjects/access/model.js';
