/**
 * Issue 19, Terraform: an inline `logging` block whose target is unknown until apply is judged like the
 * split `aws_s3_bucket_logging` resource, and split resources reach their bucket through module input
 * variables. Through the real global bundle; both failed on c57ef46.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { preparePlan } from '../src/subjects/terraform/check.js';
import type { Decision } from '../src/types.js';
import { bundlePath } from './helpers/paths.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global') });
});
afterAll(async () => {
  await engine.close();
});

const TAGS = { Domain: 'sales', DataProduct: 'orders', CostCenter: '1000', ManagedBy: 'terraform' };
const PII = { ...TAGS, DataClassification: 'PII' };
const SSE = [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms', kms_master_key_id: null }] }] }];
const PROVIDER = 'registry.terraform.io/hashicorp/aws';

interface Res {
  address: string;
  type: string;
  name: string;
  module?: string;
  after: Record<string, unknown>;
  unknown?: Record<string, unknown>;
}

function change(r: Res): Record<string, unknown> {
  return {
    address: r.address,
    ...(r.module === undefined ? {} : { module_address: r.module }),
    mode: 'managed',
    type: r.type,
    name: r.name,
    provider_name: PROVIDER,
    change: { actions: ['create'], before: null, after: r.after, after_unknown: r.unknown ?? {}, before_sensitive: false, after_sensitive: {} },
  };
}

function plan(resources: Res[], configuration: Record<string, unknown>): string {
  return JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes: resources.map(change), configuration });
}

const cfg = (address: string, expressions: Record<string, unknown>): Record<string, unknown> => {
  const [type, name] = address.split('.');
  return { address, mode: 'managed', type, name, provider_config_key: 'aws', expressions };
};
const ref = (...refs: string[]): { references: string[] } => ({ references: refs });

const logsBucket: Res = { address: 'aws_s3_bucket.logs', type: 'aws_s3_bucket', name: 'logs', after: { bucket_prefix: 'logs-', tags: TAGS, tags_all: TAGS }, unknown: { bucket: true, id: true } };
const loggingDenials = (d: Decision) => d.findings.filter((f) => f.level === 'deny' && f.rule === 'pii_bucket_access_logging');

describe('inline logging with a target unknown until apply', () => {
  const data = (targetRefs: string[]): string =>
    plan(
      [
        { address: 'aws_s3_bucket.data', type: 'aws_s3_bucket', name: 'data', after: { bucket: 'acme-data', tags: PII, tags_all: PII, server_side_encryption_configuration: SSE, logging: [{ target_prefix: 'data/' }] }, unknown: { logging: [{ target_bucket: true }] } },
        logsBucket,
      ],
      {
        root_module: {
          resources: [
            cfg('aws_s3_bucket.data', { bucket: { constant_value: 'acme-data' }, logging: [{ target_bucket: ref(...targetRefs), target_prefix: { constant_value: 'data/' } }] }),
            cfg('aws_s3_bucket.logs', { bucket_prefix: { constant_value: 'logs-' } }),
          ],
        },
      },
    );

  it('targeting a bucket of the plan (aws_s3_bucket.logs.id) passes, like the split aws_s3_bucket_logging form', async () => {
    const d = await engine.checkPlan(data(['aws_s3_bucket.logs.id', 'aws_s3_bucket.logs']), { file: 'inline.json' });
    expect(d.errors).toEqual([]);
    expect(loggingDenials(d)).toEqual([]);
    expect(d.outcome).toBe('allowed');
  });

  it('the split form of the same plan passes too (the behaviour the inline form must match)', async () => {
    const text = plan(
      [
        { address: 'aws_s3_bucket.data', type: 'aws_s3_bucket', name: 'data', after: { bucket: 'acme-data', tags: PII, tags_all: PII, server_side_encryption_configuration: SSE } },
        logsBucket,
        { address: 'aws_s3_bucket_logging.data', type: 'aws_s3_bucket_logging', name: 'data', after: { bucket: 'acme-data', target_prefix: 'data/' }, unknown: { target_bucket: true } },
      ],
      {
        root_module: {
          resources: [
            cfg('aws_s3_bucket.data', { bucket: { constant_value: 'acme-data' } }),
            cfg('aws_s3_bucket.logs', { bucket_prefix: { constant_value: 'logs-' } }),
            cfg('aws_s3_bucket_logging.data', { bucket: ref('aws_s3_bucket.data.id', 'aws_s3_bucket.data'), target_bucket: ref('aws_s3_bucket.logs.id', 'aws_s3_bucket.logs') }),
          ],
        },
      },
    );
    expect(loggingDenials(await engine.checkPlan(text, { file: 'split.json' }))).toEqual([]);
  });

  it('a target that cannot be resolved is "unknown until apply", never "logging off"', async () => {
    const d = await engine.checkPlan(data(['var.log_bucket']), { file: 'inline.json' });
    const f = loggingDenials(d);
    expect(f).toHaveLength(1);
    expect(f[0]?.msg).toMatch(/logging target is unknown until apply/);
  });
});

describe('split resources linked through module call arguments', () => {
  const text = (withArgument: boolean): string =>
    plan(
      [
        { address: 'aws_s3_bucket.data', type: 'aws_s3_bucket', name: 'data', after: { bucket_prefix: 'data-', tags: PII, tags_all: PII, server_side_encryption_configuration: SSE }, unknown: { bucket: true, id: true } },
        {
          address: 'module.audit.aws_s3_bucket_logging.this',
          module: 'module.audit',
          type: 'aws_s3_bucket_logging',
          name: 'this',
          after: { target_bucket: 'central-audit-logs', target_prefix: 'data/' },
          unknown: { bucket: true },
        },
      ],
      {
        root_module: {
          resources: [cfg('aws_s3_bucket.data', { bucket_prefix: { constant_value: 'data-' } })],
          module_calls: {
            audit: {
              source: './modules/audit',
              expressions: withArgument ? { bucket_id: ref('aws_s3_bucket.data.id', 'aws_s3_bucket.data') } : {},
              module: {
                resources: [cfg('aws_s3_bucket_logging.this', { bucket: ref('var.bucket_id'), target_bucket: { constant_value: 'central-audit-logs' } })],
                variables: { bucket_id: {} },
              },
            },
          },
        },
      },
    );

  it('module.audit.aws_s3_bucket_logging.this with bucket = var.bucket_id (= aws_s3_bucket.data.id) logs the root bucket', async () => {
    const d = await engine.checkPlan(text(true), { file: 'module.json' });
    expect(d.errors).toEqual([]);
    expect(loggingDenials(d)).toEqual([]);
    expect(d.outcome).toBe('allowed');
  });

  it('without the module argument nothing links the two, and the PII bucket is denied for logging', async () => {
    const d = await engine.checkPlan(text(false), { file: 'module.json' });
    expect(loggingDenials(d).map((f) => f.resource)).toEqual(['aws_s3_bucket.data']);
  });
});

describe('partially unknown inline blocks', () => {
  it('versioning { enabled = <unknown> } is unknown until apply, not "versioning off"', () => {
    const text = plan([{ address: 'aws_s3_bucket.v', type: 'aws_s3_bucket', name: 'v', after: { bucket: 'v', tags: TAGS, versioning: [{ mfa_delete: false }] }, unknown: { versioning: [{ enabled: true }] } }], {
      root_module: { resources: [cfg('aws_s3_bucket.v', { bucket: { constant_value: 'v' }, versioning: [{ enabled: ref('var.versioned') }] })] },
    });
    const input = preparePlan(JSON.parse(text) as Record<string, unknown>).judged[0]?.input;
    expect(input?.versioning).toEqual({ enabled: false, source: 'inline', unknown: true });
    expect(input?.unknown).toContain('versioning');
  });
});
