/**
 * meshgate — policy-as-code governance for data mesh platforms. Public API (re-exports only).
 */
export { createEngine, Engine, MESHGATE_VERSION } from './engine.js';
export type { EngineOptions, BundleSource, SubjectOptions, BundleSwapEvent } from './engine.js';
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
