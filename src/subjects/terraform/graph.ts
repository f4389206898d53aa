/**
 * The resource graph of a plan: links each `aws_s3_bucket` with the separate resources AWS provider v4+
 * uses for its settings (encryption, logging, versioning, public access block, lifecycle, object lock),
 * through configuration references (module-aware, following input variables through module call
 * arguments) with a fallback on the bucket name/id. Pure.
 */
import type { PlanResource } from './model.js';
import { isObject } from './parse.js';
import { nonEmpty } from './values.js';

/** The split S3 resource types and the bucket setting each one carries. */
export const S3_SPLIT_TYPES = {
  aws_s3_bucket_server_side_encryption_configuration: 'encryption',
  aws_s3_bucket_logging: 'logging',
  aws_s3_bucket_versioning: 'versioning',
  aws_s3_bucket_public_access_block: 'public_access_block',
  aws_s3_bucket_lifecycle_configuration: 'lifecycle',
  aws_s3_bucket_object_lock_configuration: 'object_lock',
} as const;

/** A bucket setting carried by a split resource. */
export type S3Setting = (typeof S3_SPLIT_TYPES)[keyof typeof S3_SPLIT_TYPES];

/** The split resources linked to one bucket, by setting. */
export type BucketLinks = Partial<Record<S3Setting, PlanResource>>;

/** How each split resource was linked (for explanations and tests). */
export interface LinkReport {
  /** Split resource address → bucket address. */
  linked: Map<string, string>;
  /** Split resources that could not be linked to a bucket in this plan. */
  unlinked: string[];
}

const REF_RE = /^aws_s3_bucket\.([A-Za-z0-9_-]+)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?/;

/** Parses a `[0]` / `["k"]` key. */
function parseKey(k: string | undefined): string | number | undefined {
  if (k === undefined) return undefined;
  if (k.startsWith('"')) {
    try {
      const v: unknown = JSON.parse(k);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return Number(k);
}

function isSplitType(t: string): t is keyof typeof S3_SPLIT_TYPES {
  return Object.hasOwn(S3_SPLIT_TYPES, t);
}

/** A bucket reference: the bucket's config name, its instance key, and the module instance it lives in. */
interface BucketRef {
  name: string;
  key: string | number | undefined;
  module: string;
}

const LAST_MODULE_RE = /(?:^|\.)module\.[A-Za-z0-9_-]+(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?$/;

/** The module instance that calls `module` (`module.a.module.b["k"]` → `module.a`; the root calls `module.a`). */
function parentModule(module: string): string | undefined {
  const m = LAST_MODULE_RE.exec(module);
  return m ? module.slice(0, m.index) : undefined;
}

/**
 * The bucket references of a resource's `bucket` expression (`aws_s3_bucket.x.id`,
 * `aws_s3_bucket.x[0].bucket`), following input variables (`var.bucket_id`) up through the arguments of
 * the module calls that instantiate the resource's module.
 */
function bucketRefs(r: PlanResource): BucketRef[] {
  const out: BucketRef[] = [];
  const follow = (expr: unknown, module: string | undefined, level: number): void => {
    if (module === undefined || level > 16 || !isObject(expr) || !Array.isArray(expr['references'])) return;
    const refs = expr['references'];
    for (let i = 0; i < refs.length; i++) {
      const ref: unknown = refs[i];
      if (typeof ref !== 'string') continue;
      const m = REF_RE.exec(ref);
      if (m?.[1] !== undefined) out.push({ name: m[1], key: parseKey(m[2]), module });
      const v = /^var\.([A-Za-z0-9_-]+)$/.exec(ref);
      const args = r.config?.moduleCalls?.[level];
      if (v?.[1] !== undefined && args !== undefined && Object.hasOwn(args, v[1])) follow(args[v[1]], parentModule(module), level + 1);
    }
  };
  follow(r.config?.expressions['bucket'], r.module, 0);
  return out;
}

/** Links split S3 resources to their buckets. Deleted resources are neither linked nor linked to. */
export function linkBuckets(resources: readonly PlanResource[]): { links: Map<PlanResource, BucketLinks>; report: LinkReport } {
  const links = new Map<PlanResource, BucketLinks>();
  const report: LinkReport = { linked: new Map(), unlinked: [] };
  const byConfigKey = new Map<string, PlanResource[]>();
  const byName = new Map<string, PlanResource | null>();
  const addName = (name: string | undefined, b: PlanResource): void => {
    if (name === undefined) return;
    byName.set(name, byName.has(name) && byName.get(name) !== b ? null : b);
  };
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i] as PlanResource;
    if (r.mode !== 'managed' || r.type !== 'aws_s3_bucket' || r.deleted) continue;
    // Keyed by module instance: references inside a module resolve within the same instance.
    const key = `${r.module}|${r.name}`;
    const list = byConfigKey.get(key);
    if (list) list.push(r);
    else byConfigKey.set(key, [r]);
    addName(nonEmpty(r.after?.['bucket']), r);
    addName(nonEmpty(r.after?.['id']), r);
  }
  for (let i = 0; i < resources.length; i++) {
    const s = resources[i] as PlanResource;
    if (s.mode !== 'managed' || s.deleted || !isSplitType(s.type)) continue;
    let target: PlanResource | undefined;
    const refs = bucketRefs(s);
    for (let j = 0; j < refs.length; j++) {
      const ref = refs[j] as BucketRef;
      const candidates = byConfigKey.get(`${ref.module}|${ref.name}`);
      if (!candidates || candidates.length === 0) continue;
      if (ref.key !== undefined) target = candidates.find((b) => b.index === ref.key && b.module === ref.module);
      else {
        const local = candidates.filter((b) => b.module === ref.module);
        target =
          local.length === 1 ? local[0] : local.find((b) => s.index !== undefined && b.index === s.index) ?? byKnownName(s, local);
      }
      if (target) break;
    }
    if (!target) {
      const name = nonEmpty(s.after?.['bucket']);
      const hit = name === undefined ? undefined : byName.get(name);
      if (hit) target = hit;
    }
    if (!target) {
      report.unlinked.push(s.address);
      continue;
    }
    const entry = links.get(target) ?? {};
    entry[S3_SPLIT_TYPES[s.type]] = s;
    links.set(target, entry);
    report.linked.set(s.address, target.address);
  }
  return { links, report };
}

function byKnownName(s: PlanResource, candidates: PlanResource[]): PlanResource | undefined {
  const name = nonEmpty(s.after?.['bucket']);
  if (name === undefined) return undefined;
  return candidates.find((b) => b.after?.['bucket'] === name || b.after?.['id'] === name);
}
