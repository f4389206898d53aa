package data_mesh.global_security_test

import data.data_mesh.global_security as seed

pii_bucket(extra) := object.union({"type": "aws_s3_bucket", "tags": {"DataClassification": "PII"}}, extra)

test_pii_without_encryption_denied if {
	"S3 buckets tagged as PII must have server-side encryption (SSE) enabled." in seed.deny with input as {"resource": pii_bucket({"logging": {"target_bucket": "audit"}})}
}

test_pii_without_logging_denied if {
	"S3 buckets tagged as PII must have access logging enabled to a central audit bucket." in seed.deny with input as {"resource": pii_bucket({"encryption": {"enabled": true}})}
}

test_compliant_pii_bucket_clean if {
	count(seed.deny) == 0 with input as {"resource": pii_bucket({"encryption": {"enabled": true}, "logging": {"target_bucket": "audit"}})}
}

test_non_pii_bucket_clean if {
	count(seed.deny) == 0 with input as {"resource": {"type": "aws_s3_bucket", "tags": {"DataClassification": "internal"}}}
}

test_data_product_without_owner_warns if {
	count(seed.warn) == 1 with input as {"resource": {"type": "data_product", "spec": {}}}
}

test_data_product_with_owner_clean if {
	count(seed.warn) == 0 with input as {"resource": {"type": "data_product", "spec": {"owner": "team@company.com"}}}
}
