package meshgate.terraform_test

import data.meshgate.terraform as tf
import data.meshgate.terraform_plan as tfplan

tags := {"Domain": "customer", "DataProduct": "profile", "CostCenter": "3000", "ManagedBy": "terraform", "DataClassification": "PII"}

bucket(extra) := object.union(
	{
		"type": "aws_s3_bucket", "address": "module.dp.aws_s3_bucket.b", "mode": "managed", "tags": tags, "unknown": [],
		"encryption": {"enabled": true, "algorithm": "AES256"}, "logging": {"target_bucket": "audit-logs"},
	},
	extra,
)

# object.union merges nested objects; tags must be replaced, not merged.
bucket_tags(t) := object.union(object.remove(bucket({}), {"tags"}), {"tags": t})

rules(set) := {f.rule | some f in set}

test_compliant_pii_bucket_clean if {
	count(tf.deny) == 0 with input as {"resource": bucket({}), "layer": "global", "domain": "customer"}
}

test_pii_without_encryption_denied_with_address if {
	some f in tf.deny with input as {"resource": bucket({"encryption": {"enabled": false, "algorithm": null}})}
	f.rule == "pii_bucket_encryption"
	f.resource == "module.dp.aws_s3_bucket.b"
}

test_pii_without_logging_denied if {
	rules(tf.deny) == {"pii_bucket_access_logging"} with input as {"resource": object.union(object.remove(bucket({}), {"logging"}), {"logging": {}})}
}

test_unknown_encryption_has_own_text if {
	ds := tf.deny with input as {"resource": bucket({"encryption": {"enabled": false, "algorithm": null, "unknown": true}, "unknown": ["encryption"]})}
	count(ds) == 1
	some f in ds
	f.rule == "pii_bucket_encryption"
	contains(f.msg, "unknown until apply")
}

test_unknown_logging_has_own_text if {
	some f in tf.deny with input as {"resource": object.union(object.remove(bucket({}), {"logging"}), {"logging": {"unknown": true}, "unknown": ["logging"]})}
	contains(f.msg, "unknown until apply")
}

test_missing_mandatory_tags_denied if {
	some f in tf.deny with input as {"resource": bucket_tags({"DataClassification": "PII", "Domain": "x"})}
	f.rule == "mandatory_tags"
	contains(f.msg, "DataProduct, CostCenter, ManagedBy")
}

test_unknown_tags_not_a_silent_pass if {
	some f in tf.deny with input as {"resource": object.union(bucket_tags({}), {"unknown": ["tags"]})}
	f.rule == "mandatory_tags"
	contains(f.msg, "unknown until apply")
}

test_unknown_classification_denied if {
	some f in tf.deny with input as {"resource": bucket({"tags": object.union(tags, {"DataClassification": null}), "unknown": ["tags.DataClassification"]})}
	f.rule == "data_classification_known"
}

test_bad_sse_algorithm_denied if {
	rules(tf.deny) == {"sse_algorithm"} with input as {"resource": bucket({"encryption": {"enabled": true, "algorithm": "aws:fancy"}})}
}

test_kms_allowed if {
	count(tf.deny) == 0 with input as {"resource": bucket({"encryption": {"enabled": true, "algorithm": "aws:kms"}})}
}

test_other_taggable_resource_warns_only if {
	inp := {"resource": {"type": "aws_glue_catalog_database", "address": "aws_glue_catalog_database.db", "mode": "managed", "taggable": true, "tags": {}, "unknown": []}}
	count(tf.deny) == 0 with input as inp
	rules(tf.warn) == {"mandatory_tags"} with input as inp
}

test_non_pii_bucket_without_encryption_not_denied_by_seed if {
	rules(tf.deny) == set() with input as {"resource": bucket({"tags": object.union(tags, {"DataClassification": "internal"}), "encryption": {"enabled": false, "algorithm": null}, "logging": {"target_bucket": false}})}
}

test_deleting_pii_bucket_warns if {
	some f in tfplan.warn with input as {"plan": {"resources": [], "drift": [], "deleted": [{"address": "aws_s3_bucket.old", "type": "aws_s3_bucket", "tags": {"DataClassification": "PII"}}]}, "layer": "global"}
	f.rule == "pii_bucket_deletion"
	f.resource == "aws_s3_bucket.old"
}

test_plan_without_deletions_clean if {
	count(tfplan.warn) == 0 with input as {"plan": {"resources": [], "drift": [], "deleted": []}, "layer": "global"}
}

test_sensitive_classification_may_be_pii if {
	t := object.union(tags, {"DataClassification": "(sensitive)"})
	r := object.union(object.remove(bucket_tags(t), {"encryption", "logging"}), {"encryption": {"enabled": false, "algorithm": null}, "logging": {}, "sensitive": ["tags.DataClassification"]})
	rules(tf.deny) == {"pii_bucket_encryption", "pii_bucket_access_logging"} with input as {"resource": r}
}

test_sensitive_classification_with_controls_passes if {
	t := object.union(tags, {"DataClassification": "(sensitive)"})
	r := object.union(bucket_tags(t), {"sensitive": ["tags.DataClassification"]})
	count(tf.deny) == 0 with input as {"resource": r}
}

test_sensitive_algorithm_denied_without_quoting if {
	ds := tf.deny with input as {"resource": bucket({"encryption": {"enabled": true, "algorithm": "(sensitive)"}})}
	rules(ds) == {"sse_algorithm"}
	some f in ds
	contains(f.msg, "is sensitive")
}
