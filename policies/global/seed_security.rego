# The seed's global_policy.rego (data-mesh-federated-governance, "Step 1"), in Rego v1 syntax.
# Enforces encryption and logging for PII data stores and owners for data products.
# Kept rule for rule as written by the governance board; meshgate.terraform adapts it to the ABI.
package data_mesh.global_security

# Deny request if S3 bucket is meant for PII but lacks encryption
deny contains msg if {
	input.resource.type == "aws_s3_bucket"
	input.resource.tags.DataClassification == "PII"
	not input.resource.encryption.enabled
	msg := "S3 buckets tagged as PII must have server-side encryption (SSE) enabled."
}

# Deny request if PII bucket does not have logging enabled
deny contains msg if {
	input.resource.type == "aws_s3_bucket"
	input.resource.tags.DataClassification == "PII"
	not input.resource.logging.target_bucket
	msg := "S3 buckets tagged as PII must have access logging enabled to a central audit bucket."
}

# Warn if a data product is created without a defined owner
warn contains msg if {
	input.resource.type == "data_product"
	not input.resource.spec.owner
	msg := "Data product is missing an owner. This may hinder accountability and support."
}
