/**
 * The normalised model of a Terraform plan: one record per resource instance, whatever the plan's
 * format_version, with its change, configuration and position joined. Pure types.
 */
import type { TextPosition } from './scan.js';

/** What the plan does to a resource instance (`replace` for delete+create in either order). */
export type PlanAction = 'create' | 'update' | 'delete' | 'replace' | 'no-op' | 'read' | 'forget' | 'unknown';

/** A resource's configuration block, as found under `configuration` (module-aware). */
export interface ConfigResource {
  /** Attribute expressions: `{constant_value}` / `{references}` / nested blocks. */
  expressions: Record<string, unknown>;
  /** The provider configuration key (`aws`, `module.x:aws`, `aws.west`). */
  providerConfigKey?: string;
  /** Argument expressions of the module calls that instantiate this resource's module, innermost first. */
  moduleCalls?: Record<string, unknown>[];
}

/** One resource instance of the plan, joined from resource_changes, planned_values and configuration. */
export interface PlanResource {
  /** Full address, e.g. `module.lake["a"].aws_s3_bucket.this[0]`. */
  address: string;
  /** `managed` or `data`. */
  mode: 'managed' | 'data';
  /** Resource type, e.g. `aws_s3_bucket`. */
  type: string;
  /** Resource name in its module. */
  name: string;
  /** Module instance address (`''` at the root). */
  module: string;
  /** Module path without instance keys (`module.a.module.b`), used to join configuration. */
  modulePath: string;
  /** count/for_each key, when any. */
  index?: string | number;
  /** Provider name. */
  provider?: string;
  /** Raw change actions. */
  actions: string[];
  /** Summarised action. */
  action: PlanAction;
  /** Values before the change (null on create). */
  before: Record<string, unknown> | null;
  /** Values after the change (null on delete). */
  after: Record<string, unknown> | null;
  /** Mirror of `after` with `true` where the value is unknown until apply. */
  afterUnknown: unknown;
  /** Mirror of `after` with `true` where the value is sensitive (never printed). */
  afterSensitive: unknown;
  /** Configuration block, when found. */
  config?: ConfigResource;
  /** Provider `default_tags` that apply to this resource. */
  defaultTags?: Record<string, unknown>;
  /** Where its resource_changes entry starts in the plan file. */
  position?: TextPosition;
  /** True when the plan destroys it without re-creating it. */
  deleted: boolean;
  /** True when resource_drift reports a change made outside Terraform. */
  drifted: boolean;
}

/** A drift record (a change made outside Terraform since the last apply). */
export interface DriftRecord {
  /** Resource address. */
  address: string;
  /** Resource type. */
  type: string;
  /** Drift actions. */
  actions: string[];
}

/** A normalised plan. */
export interface NormalisedPlan {
  /** `format_version` (or `plan_format_version` of an HCP redacted plan). */
  formatVersion: string;
  /** Terraform/OpenTofu version, when stated. */
  terraformVersion?: string;
  /** True for HCP Terraform's redacted JSON plan. */
  redacted: boolean;
  /** Every resource instance (managed and data, deleted ones too), in resource_changes order. */
  resources: PlanResource[];
  /** Drift records. */
  drift: DriftRecord[];
  /** The file, when known. */
  file?: string;
}
