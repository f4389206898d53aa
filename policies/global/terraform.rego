# meshgate/terraform entrypoint of the global layer: one normalised resource per evaluation.
# Input: {resource, plan, layer, domain}. Result: {deny, warn} of findings {msg, rule, resource?}.
# The seed's data_mesh.global_security rules are used as written; this adapter names them, and replaces a
# seed denial whose subject is unknown until apply by its own "unknown until apply" finding (never a pass).
package meshgate.terraform

import data.data_mesh.global_security as seed

# Rule ids for the seed's messages (the seed's rules return bare strings).
seed_rule_ids := {
	"S3 buckets tagged as PII must have server-side encryption (SSE) enabled.": "pii_bucket_encryption",
	"S3 buckets tagged as PII must have access logging enabled to a central audit bucket.": "pii_bucket_access_logging",
	"Data product is missing an owner. This may hinder accountability and support.": "data_product_owner",
}

# The setting each seed rule checks, as named in input.resource.unknown.
seed_rule_setting := {
	"pii_bucket_encryption": "encryption",
	"pii_bucket_access_logging": "logging",
}

# The seed module's mandatory tags (modules/data_product_foundation).
mandatory_tags := ["Domain", "DataProduct", "CostCenter", "ManagedBy"]

# Server-side encryption algorithms the platform accepts.
allowed_sse_algorithms := {"AES256", "aws:kms"}

address := object.get(input.resource, "address", "")

unknown := {u | some u in object.get(input.resource, "unknown", [])}

is_bucket if input.resource.type == "aws_s3_bucket"

is_pii if input.resource.tags.DataClassification == "PII"

sensitive := {s | some s in object.get(input.resource, "sensitive", [])}

# A DataClassification tag whose value is sensitive (from a `sensitive = true` variable) may be PII: the PII
# rules apply as if it were (deny unless proven otherwise, as for an unknown tag). The value is never quoted.
may_be_pii if "tags.DataClassification" in sensitive

deny contains {"msg": sprintf("S3 bucket %s: its DataClassification tag is sensitive, so it may be PII, and it has no server-side encryption (SSE)", [address]), "rule": "pii_bucket_encryption", "resource": address} if {
	is_bucket
	may_be_pii
	not "encryption" in unknown
	not input.resource.encryption.enabled == true
}

deny contains {"msg": sprintf("S3 bucket %s: its DataClassification tag is sensitive, so it may be PII, and it has no access logging to a central audit bucket", [address]), "rule": "pii_bucket_access_logging", "resource": address} if {
	is_bucket
	may_be_pii
	not "logging" in unknown
	not has_logging_target
}

has_logging_target if {
	t := input.resource.logging.target_bucket
	is_string(t)
	t != ""
}

deny contains {"msg": sprintf("S3 bucket %s: its DataClassification tag is sensitive, so it may be PII, and its server-side encryption (SSE) is unknown until apply", [address]), "rule": "pii_bucket_encryption", "resource": address} if {
	is_bucket
	may_be_pii
	"encryption" in unknown
}

deny contains {"msg": sprintf("S3 bucket %s: its DataClassification tag is sensitive, so it may be PII, and its access logging target is unknown until apply", [address]), "rule": "pii_bucket_access_logging", "resource": address} if {
	is_bucket
	may_be_pii
	"logging" in unknown
}

deny contains {"msg": msg, "rule": rule, "resource": address} if {
	some msg in seed.deny
	rule := object.get(seed_rule_ids, msg, "data_mesh.global_security")
	not seed_rule_setting[rule] in unknown
}

warn contains {"msg": msg, "rule": object.get(seed_rule_ids, msg, "data_mesh.global_security"), "resource": address} if {
	some msg in seed.warn
}

deny contains {"msg": sprintf("S3 bucket %s is tagged as PII but its server-side encryption (SSE) is unknown until apply: configure it with known values", [address]), "rule": "pii_bucket_encryption", "resource": address} if {
	is_bucket
	is_pii
	"encryption" in unknown
}

deny contains {"msg": sprintf("S3 bucket %s is tagged as PII but its access logging target is unknown until apply: log to a known central audit bucket", [address]), "rule": "pii_bucket_access_logging", "resource": address} if {
	is_bucket
	is_pii
	"logging" in unknown
}

deny contains {"msg": sprintf("S3 bucket %s: tag DataClassification is unknown until apply, so the PII rules cannot be checked", [address]), "rule": "data_classification_known", "resource": address} if {
	is_bucket
	"tags.DataClassification" in unknown
}

has_tag(t) if {
	v := input.resource.tags[t]
	v != ""
}

missing_tags := [t | some t in mandatory_tags; not has_tag(t)]

deny contains {"msg": sprintf("S3 bucket %s is missing mandatory tag(s): %s", [address, concat(", ", missing_tags)]), "rule": "mandatory_tags", "resource": address} if {
	is_bucket
	not "tags" in unknown
	count(missing_tags) > 0
}

deny contains {"msg": sprintf("S3 bucket %s: its tags are unknown until apply, so the mandatory tags (%s) cannot be checked", [address, concat(", ", mandatory_tags)]), "rule": "mandatory_tags", "resource": address} if {
	is_bucket
	"tags" in unknown
}

warn contains {"msg": sprintf("%s is missing mandatory tag(s): %s", [address, concat(", ", missing_tags)]), "rule": "mandatory_tags", "resource": address} if {
	not is_bucket
	input.resource.mode == "managed"
	input.resource.taggable
	startswith(input.resource.type, "aws_")
	not "tags" in unknown
	count(missing_tags) > 0
}

deny contains {"msg": sprintf("S3 bucket %s uses server-side encryption algorithm %q; only AES256 or aws:kms are allowed", [address, alg]), "rule": "sse_algorithm", "resource": address} if {
	is_bucket
	alg := input.resource.encryption.algorithm
	is_string(alg)
	alg != sensitive_marker
	not alg in allowed_sse_algorithms
}

# The marker meshgate puts in place of a sensitive value: a sensitive algorithm cannot be verified (may violate).
sensitive_marker := "(sensitive)"

deny contains {"msg": sprintf("S3 bucket %s: its server-side encryption algorithm is sensitive, so it cannot be verified to be AES256 or aws:kms", [address]), "rule": "sse_algorithm", "resource": address} if {
	is_bucket
	input.resource.encryption.algorithm == sensitive_marker
}
