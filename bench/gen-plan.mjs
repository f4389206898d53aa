#!/usr/bin/env node
/**
 * Synthetic Terraform plan generator (`terraform show -json` format 1.2) for tests and benchmarks:
 * N resource instances spread over data-product modules (for_each keyed), each product an S3 bucket with
 * split resources (SSE, logging, versioning, lifecycle), plus Glue databases, unknown values and several
 * domains. Every 10th product is PII without logging (a deny), every 7th finance product lacks retention.
 *
 *   node bench/gen-plan.mjs 10000 > /tmp/p.json
 *   import { generatePlan } from './bench/gen-plan.mjs'
 */
import { pathToFileURL } from 'node:url';

const DOMAINS = ['customer', 'finance', 'marketing', 'sales'];
const AWS = 'registry.terraform.io/hashicorp/aws';

/** Generates a plan object with about `n` resource instances. Deterministic. */
export function generatePlan(n = 1000) {
  const rc = [];
  const expected = { denies: 0, piiWithoutLogging: [], financeWithoutRetention: [] };
  const change = (address, type, name, key, after, afterUnknown) => ({
    address,
    module_address: `module.dp["${key}"]`,
    mode: 'managed',
    type,
    name,
    index: undefined,
    provider_name: AWS,
    change: { actions: ['create'], before: null, after, after_unknown: afterUnknown, before_sensitive: false, after_sensitive: {} },
  });
  for (let i = 0; rc.length < n; i++) {
    const domain = DOMAINS[i % DOMAINS.length];
    const key = `${domain}-p${i}`;
    const m = `module.dp["${key}"]`;
    const pii = i % 2 === 0;
    const noLogging = pii && i % 10 === 0;
    const tags = { Domain: domain, DataProduct: `p${i}`, CostCenter: String(3000 + (i % 50)), ManagedBy: 'terraform', DataClassification: pii ? 'PII' : 'internal' };
    const bucketName = `acme-${key}`;
    rc.push(change(`${m}.aws_s3_bucket.this`, 'aws_s3_bucket', 'this', key, { bucket: bucketName, force_destroy: false, tags, tags_all: tags }, { arn: true, id: true, logging: true, server_side_encryption_configuration: true, versioning: true, tags: {}, tags_all: {} }));
    rc.push(change(`${m}.aws_s3_bucket_server_side_encryption_configuration.this`, 'aws_s3_bucket_server_side_encryption_configuration', 'this', key,
      { rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: i % 3 === 0 ? 'aws:kms' : 'AES256', kms_master_key_id: null }] }] },
      // Unknown `bucket` (a reference to the bucket's id) and, for kms, an unknown key id.
      { bucket: true, id: true, rule: [{ apply_server_side_encryption_by_default: [i % 3 === 0 ? { kms_master_key_id: true } : {}] }] }));
    if (!noLogging) rc.push(change(`${m}.aws_s3_bucket_logging.this`, 'aws_s3_bucket_logging', 'this', key, { target_bucket: 'company-global-audit-logs', target_prefix: `${key}/` }, { bucket: true, id: true }));
    else expected.piiWithoutLogging.push(`${m}.aws_s3_bucket.this`);
    rc.push(change(`${m}.aws_s3_bucket_versioning.this`, 'aws_s3_bucket_versioning', 'this', key, { versioning_configuration: [{ status: 'Enabled' }] }, { bucket: true, id: true }));
    const retention = domain === 'finance' && i % 7 !== 1 ? 2555 : domain === 'finance' ? 365 : 90;
    if (domain === 'finance' && retention < 2555) expected.financeWithoutRetention.push(`${m}.aws_s3_bucket.this`);
    rc.push(change(`${m}.aws_s3_bucket_lifecycle_configuration.this`, 'aws_s3_bucket_lifecycle_configuration', 'this', key, { rule: [{ id: 'expire', status: 'Enabled', expiration: [{ days: retention }] }] }, { bucket: true, id: true }));
    rc.push(change(`${m}.aws_glue_catalog_database.this`, 'aws_glue_catalog_database', 'this', key, { name: key.replaceAll('-', '_'), tags, tags_all: tags }, { arn: true, id: true }));
  }
  rc.length = Math.min(rc.length, n);
  for (const r of rc) delete r.index;
  expected.denies = expected.piiWithoutLogging.length + expected.financeWithoutRetention.length;
  const ref = (t) => ({ references: [`aws_s3_bucket.this.id`, 'aws_s3_bucket.this'], ...t });
  const configuration = {
    provider_config: { aws: { name: 'aws', full_name: AWS, expressions: { region: { constant_value: 'eu-west-1' } } } },
    root_module: {
      module_calls: {
        dp: {
          source: './modules/data_product_foundation',
          for_each_expression: { references: ['local.products'] },
          module: {
            resources: [
              { address: 'aws_s3_bucket.this', mode: 'managed', type: 'aws_s3_bucket', name: 'this', provider_config_key: 'dp:aws', expressions: { bucket: { references: ['var.name'] }, tags: { references: ['var.tags'] } }, schema_version: 0 },
              ...['aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_logging', 'aws_s3_bucket_versioning', 'aws_s3_bucket_lifecycle_configuration'].map((type) => ({
                address: `${type}.this`, mode: 'managed', type, name: 'this', provider_config_key: 'dp:aws', expressions: { bucket: ref({}), ...(type === 'aws_s3_bucket_logging' ? { target_bucket: { constant_value: 'company-global-audit-logs' } } : {}) }, schema_version: 0,
              })),
              { address: 'aws_glue_catalog_database.this', mode: 'managed', type: 'aws_glue_catalog_database', name: 'this', provider_config_key: 'dp:aws', expressions: { name: { references: ['var.name'] }, tags: { references: ['var.tags'] } }, schema_version: 0 },
            ],
          },
        },
      },
    },
  };
  return { plan: { format_version: '1.2', terraform_version: '1.7.5', resource_changes: rc, configuration, applyable: true, complete: true, errored: false }, expected };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 1000);
  process.stdout.write(JSON.stringify(generatePlan(n).plan, null, 1));
}
