/**
 * meshgate — policy-as-code governance for data mesh platforms. Public API (re-exports only).
 */
export { createEngine, Engine, MESHGATE_VERSION } from './engine.js';
export type { EngineOptions, BundleSource, SubjectOptions, BundleSwapEvent, BundleServiceOptions } from './engine.js';
export { MeshgateError, isMeshgateError, formatLocation } from './errors.js';
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
} from './types.js';
export { ENTRYPOINTS } from './types.js';
export type { EngineCore, ComplianceRequest, ComplianceUnit, ComplianceResult, AccessResult } from './core.js';
export { readBundle, readBundleBytes } from './policy/bundle.js';
export type { Bundle, BundleManifest } from './policy/bundle.js';
export { buildPolicies, findOpa, discoverLayers } from './policy/build.js';
export type { BuildOptions, BuildManifest, BuiltLayer } from './policy/build.js';
export { isFailing, mergeFindings, DEFAULT_LAYERING } from './layering/merge.js';
export type { LayeringPolicy, LayerFinding } from './layering/merge.js';
export { defaultPolicyDir, bundlePaths } from './policy/defaults.js';
export { AuditTrail, memorySink, callbackSink, jsonlSink, httpSink, verifyAuditLog, verifyChainText, buildAuditEvent, maskInput, canonicalJson, MASKED, GENESIS_HASH } from './audit/index.js';
export type { AuditSink, AuditEvent, AuditResult, AuditWaiver, AuditTrailOptions, VerifyReport, TamperKind, JsonlSinkOptions, HttpSinkOptions } from './audit/index.js';
export { createLayeringPolicy, waiverReport } from './layering/policy.js';
export type { ConfiguredLayeringPolicy, LayeringConfig, LayeringPolicyOptions, Override, WaiverReport, WaiverReportItem, Clock } from './layering/policy.js';
export { parseWaivers } from './layering/waivers.js';
export type { Waiver, WaiverEntry, SubjectMatch } from './layering/waivers.js';
export { globMatch } from './layering/glob.js';
export { loadConfig, resolveConfig, toEngineOptions, createEngineFromConfig, CONFIG_SCHEMA } from './config.js';
export type { MeshgateConfig, LoadedConfig, EngineSettings, AuditConfig, DomainMappingConfig, ConfiguredEngineOptions, ToEngineOptions, ResolveOptions } from './config.js';
export { parseContract } from './subjects/contract/parse.js';
export type { ContractSource, ParseContractOptions } from './subjects/contract/parse.js';
export { checkContract } from './subjects/contract/check.js';
export type { CheckContractOptions } from './subjects/contract/check.js';
export { diffContracts, checkContractChange, BREAKING_KINDS } from './subjects/contract/diff.js';
export type { ContractDiff, ContractChange, ChangeKind, DiffOptions, CheckChangeOptions } from './subjects/contract/diff.js';
export { CONTRACT_SCHEMA, CONTRACT_FORMATS } from './subjects/contract/model.js';
export type { DataContract, ContractField, ContractFormat, FieldConstraints, OutputPort, Slo, QualityRule, GovernanceRule, LocationMap, ParsedContract } from './subjects/contract/model.js';
export { signBundle, signBundleFiles, verifyBundle, verifiedBundle, SIGNING_ALGORITHMS, SIGNATURES_FILE } from './policy/signing.js';
export type { SigningOptions, VerificationOptions, VerifiedSignature, SigningAlgorithm, BundleKey, SignableBundle } from './policy/signing.js';
export { packBundle } from './policy/tar-writer.js';
export { startBundlePolling, nextDelaySeconds } from './policy/http-source.js';
export type { BundlePoller, BundlePollingOptions, HttpBundleSwapEvent, PollOutcome } from './policy/http-source.js';
export { loadContractsFromDir, type ContractRegistry } from './subjects/access/load.js';
export { ACCESS_REQUEST_SCHEMA, validateRequest, type AccessDataProduct, type AccessRequestInput, type AccessUser, type RequestIssue } from './subjects/access/model.js';
export type { AuditFinding, FindingCounts, BuildEventOptions, JsonlRecovery } from './audit/index.js';
export type { HashFn } from './audit/chain.js';
export type { BundleLimits } from './policy/bundle.js';
export { DEFAULT_BUNDLE_LIMITS } from './policy/bundle-limits.js';
export type { PolicyDeadlines } from './policy/wasm.js';
export { DEFAULT_DEADLINES } from './policy/wasm.js';
export { loadBundle, type LoadBundleOptions } from './policy/load.js';
export type { PackOptions } from './policy/tar-writer.js';
export type { CheckPlanOptions, DomainMapping } from './subjects/terraform/check.js';
export type { ValuePath } from './layering/source.js';
