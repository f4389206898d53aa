/** Small Terraform plan builders shared by the plan tests. */

/**
 * A one-bucket plan (`aws_s3_bucket.b`, created): its `after` values (bucket `acme-b` unless given), the
 * `after_sensitive` mirror, and extra fields of the resource change (module address, …).
 */
export function bucketPlan(after: Record<string, unknown>, afterSensitive: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format_version: '1.2',
    resource_changes: [
      {
        address: 'aws_s3_bucket.b',
        mode: 'managed',
        type: 'aws_s3_bucket',
        name: 'b',
        ...extra,
        change: { actions: ['create'], before: null, after: { bucket: 'acme-b', ...after }, after_unknown: {}, after_sensitive: afterSensitive },
      },
    ],
  };
}
