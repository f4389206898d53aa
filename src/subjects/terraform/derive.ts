/**
 * Derives the seed's `input.resource` shape from a normalised resource and its linked split resources:
 * `{type, address, name, module, tags, encryption, logging, versioning, retention_days, unknown, ...}`.
 * A value unknown until apply is never reported as missing: its name goes into `unknown`. Sensitive
 * values are replaced by a marker and never copied. Pure.
 */
import type { BucketLinks } from './graph.js';
import type { PlanResource } from './model.js';
import { isObject } from './parse.js';
import { assignOwn, setOwn } from '../../is-object.js';
import { SENSITIVE, at, first, marked, nonEmpty, num, type ValuePath } from './values.js';

export { SENSITIVE } from './values.js';

/** The `input.resource` a policy sees for one Terraform resource. */
export interface ResourceInput {
  /** Resource type (`aws_s3_bucket`). */
  type: string;
  /** Full address. */
  address: string;
  /** Name in its module. */
  name: string;
  /** Module instance address (`''` at the root). */
  module: string;
  /** `managed` or `data`. */
  mode: string;
  /** Summarised action (`create`, `update`, `replace`, `no-op`, ...). */
  action: string;
  /** The domain the resource maps to, when any. */
  domain?: string;
  /** Effective tags: provider default_tags, then tags_all, then tags. Unknown values are null. */
  tags: Record<string, unknown>;
  /** Names of settings whose value is unknown until apply (`tags`, `tags.X`, `encryption`, `logging`, ...). */
  unknown: string[];
  /** Names of settings whose values are sensitive (never printed). */
  sensitive: string[];
  /** Whether the resource type carries tags at all. */
  taggable: boolean;
  /** S3: the bucket name when known. */
  bucket?: string | null;
  /** S3: server-side encryption. */
  encryption?: { enabled: boolean; algorithm: string | null; kms_key?: boolean; source?: string; unknown?: boolean };
  /** S3: access logging; `target_bucket` is absent (never null: Rego's `not null` is false) when logging is off. */
  logging?: { target_bucket?: string; target_prefix?: string | null; source?: string; unknown?: boolean };
  /** S3: versioning. */
  versioning?: { enabled: boolean; source?: string; unknown?: boolean };
  /** S3: public access block. */
  public_access_block?: { configured: boolean; block_public_acls?: boolean; block_public_policy?: boolean; ignore_public_acls?: boolean; restrict_public_buckets?: boolean };
  /** S3: object lock default retention in days (years × 365), when set. */
  object_lock_days?: number | null;
  /** S3: shortest enabled lifecycle expiration in days, when any. */
  lifecycle_expiration_days?: number | null;
  /** S3: retention guaranteed by object lock or lifecycle expiration (the larger), null when none. */
  retention_days?: number | null;
  /** S3: addresses of the split resources linked to this bucket. */
  linked?: string[];
}

/** True when configuration sets the attribute (so an unknown value is really unknown, not just computed). */
function configured(r: PlanResource, attr: string): boolean {
  if (!r.config) return true;
  return Object.hasOwn(r.config.expressions, attr);
}

/** Unknown at `path` and actually set in configuration (provider-computed, unconfigured values are "not set"). */
function unknownSet(r: PlanResource, path: ValuePath): boolean {
  return marked(r.afterUnknown, path) && (typeof path[0] !== 'string' || configured(r, path[0]));
}

/**
 * The address a reference expression points at (`aws_s3_bucket.logs.id` → `aws_s3_bucket.logs`); `attr`
 * is an attribute or a path into a nested block (`['logging', 0, 'target_bucket']`).
 */
function referencedAddress(r: PlanResource, attr: string | ValuePath): string | undefined {
  const expr = typeof attr === 'string' ? r.config?.expressions[attr] : at(r.config?.expressions, attr);
  if (!isObject(expr) || !Array.isArray(expr['references'])) return undefined;
  for (const ref of expr['references']) {
    if (typeof ref !== 'string' || ref.startsWith('var.') || ref.startsWith('local.') || ref.startsWith('each.') || ref.startsWith('count.')) continue;
    const m = /^((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(ref);
    if (m?.[1] !== undefined) return (r.modulePath === '' ? '' : `${r.module}.`) + m[1];
  }
  return undefined;
}

/** The mirror's entry for attribute `attr` (`tags`, `tags_all`): `true` when the whole attribute is marked. */
function mirrorOf(mirror: unknown, attr: string): unknown {
  if (mirror === true) return true;
  return isObject(mirror) && Object.hasOwn(mirror, attr) ? mirror[attr] : undefined;
}

/** {@link marked}(mirror, [attr, key]) given `mirrorOf(mirror, attr)`, without building a path per key. */
function keyMarked(attrMirror: unknown, key: string): boolean {
  if (attrMirror === true) return true;
  return isObject(attrMirror) && Object.hasOwn(attrMirror, key) && attrMirror[key] === true;
}

function readTags(r: PlanResource, unknown: string[], sensitive: string[]): { tags: Record<string, unknown>; taggable: boolean } {
  const values = r.after ?? r.before ?? {};
  // later sources win, keys keep their first position (as Object.fromEntries of the concatenated entries)
  const tags: Record<string, unknown> = {};
  if (r.defaultTags) assignOwn(tags, r.defaultTags);
  const unknownTags = mirrorOf(r.afterUnknown, 'tags');
  const taggable = Object.hasOwn(values, 'tags') || Object.hasOwn(values, 'tags_all') || unknownTags === true;
  const all = values['tags_all'];
  if (isObject(all)) assignOwn(tags, all);
  const own = values['tags'];
  if (isObject(own)) assignOwn(tags, own);
  if (r.after === null) return { tags, taggable };
  const tagsIsObject = isObject(values['tags']);
  if (unknownTags === true && !tagsIsObject) unknown.push('tags');
  const unknownAll = mirrorOf(r.afterUnknown, 'tags_all');
  const sensitiveTags = mirrorOf(r.afterSensitive, 'tags');
  const sensitiveAll = mirrorOf(r.afterSensitive, 'tags_all');
  const keys = Object.keys(tags);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (keyMarked(unknownTags, k) || (keyMarked(unknownAll, k) && !tagsIsObject)) {
      tags[k] = null;
      unknown.push(`tags.${k}`);
    }
    if (keyMarked(sensitiveTags, k) || keyMarked(sensitiveAll, k)) {
      tags[k] = SENSITIVE;
      sensitive.push(`tags.${k}`);
    }
  }
  return { tags, taggable };
}

function sseFrom(r: PlanResource, base: ValuePath, source: string): NonNullable<ResourceInput['encryption']> | undefined {
  const prefix: ValuePath = base.length === 0 ? [] : [...base, 0];
  const rulePath: ValuePath = [...prefix, 'rule', 0, 'apply_server_side_encryption_by_default', 0];
  const byDefault = at(r.after ?? {}, rulePath);
  const alg = nonEmpty(at(byDefault, ['sse_algorithm']));
  if (alg !== undefined) {
    const kms = nonEmpty(at(byDefault, ['kms_master_key_id'])) !== undefined || marked(r.afterUnknown, [...rulePath, 'kms_master_key_id']);
    return { enabled: true, algorithm: alg, kms_key: kms, source };
  }
  if (unknownSet(r, [...rulePath, 'sse_algorithm'])) return { enabled: false, algorithm: null, source, unknown: true };
  return undefined;
}

function deriveS3(r: PlanResource, links: BucketLinks, out: ResourceInput): void {
  const after = r.after ?? {};
  const unknown = out.unknown;
  out.bucket = nonEmpty(after['bucket']) ?? null;
  out.linked = Object.values(links).map((l) => l.address);
  // Encryption: the split resource wins over the (provider-computed) inline block.
  const sse = links.encryption;
  const enc = (sse ? sseFrom(sse, [], sse.address) : undefined) ?? sseFrom(r, ['server_side_encryption_configuration'], 'inline');
  out.encryption = enc ?? { enabled: false, algorithm: null };
  if (enc?.unknown) unknown.push('encryption');
  // Logging.
  const lg = links.logging;
  if (lg) {
    const tb = nonEmpty(lg.after?.['target_bucket']);
    const ref = tb === undefined && marked(lg.afterUnknown, ['target_bucket']) ? referencedAddress(lg, 'target_bucket') : undefined;
    if (tb !== undefined || ref !== undefined) out.logging = { target_bucket: (tb ?? ref) as string, target_prefix: nonEmpty(lg.after?.['target_prefix']) ?? null, source: lg.address };
    else if (marked(lg.afterUnknown, ['target_bucket'])) out.logging = { source: lg.address, unknown: true };
    else out.logging = { source: lg.address };
  } else {
    const tb = nonEmpty(at(first(after['logging']), ['target_bucket']));
    const prefix = nonEmpty(at(first(after['logging']), ['target_prefix'])) ?? null;
    // An inline block whose target is unknown until apply is judged like the split resource: the
    // referenced bucket when configuration names one, else unknown (never "logging off").
    const tbUnknown = tb === undefined && unknownSet(r, ['logging', 0, 'target_bucket']);
    const ref = tbUnknown ? referencedAddress(r, ['logging', 0, 'target_bucket']) : undefined;
    if (tb !== undefined || ref !== undefined) out.logging = { target_bucket: (tb ?? ref) as string, target_prefix: prefix, source: 'inline' };
    else if (tbUnknown) out.logging = { source: 'inline', unknown: true };
    else out.logging = {};
  }
  if (out.logging.unknown) unknown.push('logging');
  // Versioning.
  const vr = links.versioning;
  if (vr) {
    const status = at(first(vr.after?.['versioning_configuration']), ['status']);
    const unk = status === undefined && marked(vr.afterUnknown, ['versioning_configuration']);
    out.versioning = unk ? { enabled: false, source: vr.address, unknown: true } : { enabled: status === 'Enabled', source: vr.address };
  } else {
    const en = at(first(after['versioning']), ['enabled']);
    out.versioning = en === undefined && unknownSet(r, ['versioning', 0, 'enabled']) ? { enabled: false, source: 'inline', unknown: true } : { enabled: en === true };
  }
  if (out.versioning.unknown) unknown.push('versioning');
  // Public access block.
  const pab = links.public_access_block;
  out.public_access_block = pab
    ? {
        configured: true,
        block_public_acls: pab.after?.['block_public_acls'] === true,
        block_public_policy: pab.after?.['block_public_policy'] === true,
        ignore_public_acls: pab.after?.['ignore_public_acls'] === true,
        restrict_public_buckets: pab.after?.['restrict_public_buckets'] === true,
      }
    : { configured: false };
  // Retention: object lock default retention, lifecycle expiration.
  let retentionUnknown = false;
  const ol = links.object_lock;
  const olRule = ol
    ? first(at(first(ol.after?.['rule']), ['default_retention']))
    : first(at(first(at(first(after['object_lock_configuration']), ['rule'])), ['default_retention']));
  const days = num(at(olRule, ['days']));
  const years = num(at(olRule, ['years']));
  out.object_lock_days = days ?? (years === undefined ? null : years * 365);
  if (ol && out.object_lock_days === null && marked(ol.afterUnknown, ['rule'])) retentionUnknown = true;
  const lc = links.lifecycle;
  let minExp: number | undefined;
  const rules = lc ? lc.after?.['rule'] : after['lifecycle_rule'];
  if (Array.isArray(rules)) {
    rules.forEach((rule, i) => {
      const enabled = lc ? at(rule, ['status']) === 'Enabled' : at(rule, ['enabled']) === true;
      if (!enabled) return;
      const d = num(at(first(at(rule, ['expiration'])), ['days']));
      if (d !== undefined && d > 0) minExp = minExp === undefined ? d : Math.min(minExp, d);
      else if (lc && marked(lc.afterUnknown, ['rule', i, 'expiration'])) retentionUnknown = true;
    });
  } else if (lc && marked(lc.afterUnknown, ['rule'])) retentionUnknown = true;
  out.lifecycle_expiration_days = minExp ?? null;
  const candidates = [out.object_lock_days, out.lifecycle_expiration_days].filter((x): x is number => typeof x === 'number');
  out.retention_days = candidates.length === 0 ? null : Math.max(...candidates);
  if (retentionUnknown && out.retention_days === null) unknown.push('retention');
}

/** Derives the policy view of one resource (its S3 links, when a bucket). */
export function deriveResource(r: PlanResource, links: BucketLinks | undefined): ResourceInput {
  const unknown: string[] = [];
  const sensitive: string[] = [];
  const { tags, taggable } = readTags(r, unknown, sensitive);
  const out: ResourceInput = {
    type: r.type,
    address: r.address,
    name: r.name,
    module: r.module,
    mode: r.mode,
    action: r.action,
    tags,
    unknown,
    sensitive,
    taggable,
  };
  if (r.type === 'aws_s3_bucket' && r.mode === 'managed') deriveS3(r, links ?? {}, out);
  return out;
}
