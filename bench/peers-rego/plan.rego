# meshgate's Terraform rules written the way a conftest / `opa eval` user would write them: over the raw
# `terraform show -json` document, with no normaliser in front. Used only by the benchmarks
# (conftest test -p bench/peers-rego plan.json ; opa eval -d bench/peers-rego -i plan.json data.main.deny).
#
# Rules (meshgate rule id → here):
#   pii_bucket_encryption      PII-tagged aws_s3_bucket needs SSE (inline block or a linked
#                              aws_s3_bucket_server_side_encryption_configuration)
#   pii_bucket_access_logging  PII-tagged aws_s3_bucket needs access logging (inline or linked aws_s3_bucket_logging)
#   mandatory_tags             aws_s3_bucket carries Domain, DataProduct, CostCenter, ManagedBy
#   sse_algorithm              SSE algorithm is AES256 or aws:kms
#   finance_retention_7y       finance-tagged aws_s3_bucket keeps data >= 2555 days (linked lifecycle expiration)
#
# Split resources (AWS provider v4+) are linked to their bucket as meshgate does: through the
# configuration's `bucket` reference, within the same module instance; or through a known bucket name.
# Written with lookup indexes (objects keyed by link), not nested loops, so that it scales linearly:
# this is the fair, careful version of what a user would write.
package main

mandatory_tags := ["Domain", "DataProduct", "CostCenter", "ManagedBy"]

allowed_sse := {"AES256", "aws:kms"}

min_retention_days := 2555

# Resources that will exist after apply (deleted ones are not judged).
live contains i if {
	some i, rc in input.resource_changes
	rc.mode == "managed"
	rc.change.actions != ["delete"]
}

buckets contains i if {
	some i in live
	input.resource_changes[i].type == "aws_s3_bucket"
}

after(i) := object.get(input.resource_changes[i].change, "after", {})

tags(i) := object.union(object.get(after(i), "tags_all", {}), object.get(after(i), "tags", {}))

module_of(i) := object.get(input.resource_changes[i], "module_address", "")

# Module instance address without instance keys: module.dp["x"] -> module.dp (configuration is per module).
module_path(i) := regex.replace(module_of(i), `\[[^\]]*\]`, "")

# configuration: ["<module path>|<resource address in module>", referenced bucket address in module].
config_pairs contains [key, target] if {
	walk(input.configuration.root_module, [p, m])
	is_array(m.resources)
	mod := concat(".", [sprintf("module.%s", [p[j + 1]]) | some j, seg in p; seg == "module_calls"])
	some cr in m.resources
	some ref in cr.expressions.bucket.references
	parts := split(ref, ".")
	parts[0] == "aws_s3_bucket"
	key := sprintf("%s|%s", [mod, cr.address])
	target := sprintf("aws_s3_bucket.%s", [parts[1]])
}

# The configuration is per module (small): grouping it by key is cheap.
config_ref := {key: {t | some [k, t] in config_pairs; k == key} | some [key, _] in config_pairs}

# Link keys of a split resource: "<module instance>|aws_s3_bucket.<name>" through the configuration's
# reference, and "name:<bucket>" when the bucket name is known.
split_keys(i) := {sprintf("%s|%s", [module_of(i), t]) |
	rc := input.resource_changes[i]
	some t in object.get(config_ref, sprintf("%s|%s.%s", [module_path(i), rc.type, rc.name]), set())
} | {sprintf("name:%s", [n]) |
	n := after(i).bucket
	is_string(n)
}

# Link keys of a bucket (the same two kinds).
bucket_keys(b) := {sprintf("%s|aws_s3_bucket.%s", [module_of(b), input.resource_changes[b].name])} | {sprintf("name:%s", [n]) |
	n := after(b).bucket
	is_string(n)
}

# Indexes: sets of link keys (strings), so that a bucket's lookup is a set membership test.
split_of_type(t) := {i | some i in live; input.resource_changes[i].type == t}

sse_algorithm_of(i) := alg if {
	some rule in after(i).rule
	some d in rule.apply_server_side_encryption_by_default
	alg := d.sse_algorithm
	alg != ""
}

sse_keys contains k if {
	some i in live
	input.resource_changes[i].type == "aws_s3_bucket_server_side_encryption_configuration"
	sse_algorithm_of(i)
	some k in split_keys(i)
}

bad_sse_keys contains [k, alg] if {
	some i in live
	input.resource_changes[i].type == "aws_s3_bucket_server_side_encryption_configuration"
	alg := sse_algorithm_of(i)
	not alg in allowed_sse
	some k in split_keys(i)
}

logging_keys contains k if {
	some i in live
	rc := input.resource_changes[i]
	rc.type == "aws_s3_bucket_logging"
	logging_target_set(rc)
	some k in split_keys(i)
}

logging_target_set(rc) if rc.change.after.target_bucket != ""

logging_target_set(rc) if rc.change.after_unknown.target_bucket == true

expiration_days(i) := {d |
	some rule in after(i).rule
	rule.status == "Enabled"
	some e in rule.expiration
	d := e.days
	is_number(d)
}

retention_keys contains k if {
	some i in live
	input.resource_changes[i].type == "aws_s3_bucket_lifecycle_configuration"
	ds := expiration_days(i)
	count(ds) > 0
	every d in ds {
		d >= min_retention_days
	}
	some k in split_keys(i)
}

linked_in(b, keys) if {
	some k in bucket_keys(b)
	k in keys
}

inline_sse(b) := {alg |
	some cfg in object.get(after(b), "server_side_encryption_configuration", [])
	some rule in cfg.rule
	some d in rule.apply_server_side_encryption_by_default
	alg := d.sse_algorithm
	alg != ""
}

has_sse(b) if count(inline_sse(b)) > 0

has_sse(b) if linked_in(b, sse_keys)

bad_sse(b) := {alg | some alg in inline_sse(b); not alg in allowed_sse} | {alg |
	some k in bucket_keys(b)
	some [k2, alg] in bad_sse_keys
	k2 == k
}

has_logging(b) if {
	some l in object.get(after(b), "logging", [])
	l.target_bucket != ""
}

has_logging(b) if linked_in(b, logging_keys)

deny contains msg if {
	some b in buckets
	tags(b).DataClassification == "PII"
	not has_sse(b)
	msg := sprintf("pii_bucket_encryption: %s is tagged PII but has no server-side encryption", [input.resource_changes[b].address])
}

deny contains msg if {
	some b in buckets
	tags(b).DataClassification == "PII"
	not has_logging(b)
	msg := sprintf("pii_bucket_access_logging: %s is tagged PII but has no access logging", [input.resource_changes[b].address])
}

deny contains msg if {
	some b in buckets
	t := tags(b)
	missing := [k | some k in mandatory_tags; not t[k]]
	count(missing) > 0
	msg := sprintf("mandatory_tags: %s is missing tag(s) %s", [input.resource_changes[b].address, concat(", ", missing)])
}

deny contains msg if {
	some b in buckets
	some alg in bad_sse(b)
	msg := sprintf("sse_algorithm: %s uses %s", [input.resource_changes[b].address, alg])
}

deny contains msg if {
	some b in buckets
	tags(b).Domain == "finance"
	not linked_in(b, retention_keys)
	msg := sprintf("finance_retention_7y: %s keeps data less than %d days", [input.resource_changes[b].address, min_retention_days])
}
