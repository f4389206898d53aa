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

# configuration: [module path, resource address in module] -> referenced bucket address in module.
config_bucket_ref[[mod, cr.address]] contains target if {
	walk(input.configuration.root_module, [p, m])
	is_array(m.resources)
	mod := concat(".", [sprintf("module.%s", [p[j + 1]]) | some j, seg in p; seg == "module_calls"])
	some cr in m.resources
	some ref in cr.expressions.bucket.references
	parts := split(ref, ".")
	parts[0] == "aws_s3_bucket"
	target := sprintf("aws_s3_bucket.%s", [parts[1]])
}

# (object.get takes an array key as a path, hence the [[...]] around composite keys below.)
# Split resources by the bucket they configure: [module instance, bucket address in module, type] -> indexes.
split_by_ref[[module_of(i), target, rc.type]] contains i if {
	some i in live
	rc := input.resource_changes[i]
	startswith(rc.type, "aws_s3_bucket_")
	some target in config_bucket_ref[[module_path(i), sprintf("%s.%s", [rc.type, rc.name])]]
}

split_by_name[[name, rc.type]] contains i if {
	some i in live
	rc := input.resource_changes[i]
	startswith(rc.type, "aws_s3_bucket_")
	name := after(i).bucket
	is_string(name)
}

linked(b, type) := {i |
	rc := input.resource_changes[b]
	some i in object.get(split_by_ref, [[module_of(b), sprintf("aws_s3_bucket.%s", [rc.name]), type]], set())
} | {i |
	name := after(b).bucket
	is_string(name)
	some i in object.get(split_by_name, [[name, type]], set())
}

sse_algorithms(b) := {alg |
	some cfg in object.get(after(b), "server_side_encryption_configuration", [])
	some rule in cfg.rule
	some d in rule.apply_server_side_encryption_by_default
	alg := d.sse_algorithm
	alg != ""
} | {alg |
	some s in linked(b, "aws_s3_bucket_server_side_encryption_configuration")
	some rule in after(s).rule
	some d in rule.apply_server_side_encryption_by_default
	alg := d.sse_algorithm
	alg != ""
}

has_logging(b) if {
	some l in object.get(after(b), "logging", [])
	l.target_bucket != ""
}

has_logging(b) if {
	some l in linked(b, "aws_s3_bucket_logging")
	after(l).target_bucket != ""
}

has_logging(b) if {
	some l in linked(b, "aws_s3_bucket_logging")
	input.resource_changes[l].change.after_unknown.target_bucket == true
}

retention_days(b) := {d |
	some l in linked(b, "aws_s3_bucket_lifecycle_configuration")
	some rule in after(l).rule
	rule.status == "Enabled"
	some e in rule.expiration
	d := e.days
	is_number(d)
}

# The shortest enabled expiration is what is guaranteed.
retention_ok(b) if {
	ds := retention_days(b)
	count(ds) > 0
	every d in ds {
		d >= min_retention_days
	}
}

deny contains msg if {
	some b in buckets
	tags(b).DataClassification == "PII"
	count(sse_algorithms(b)) == 0
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
	some alg in sse_algorithms(b)
	not alg in allowed_sse
	msg := sprintf("sse_algorithm: %s uses %s", [input.resource_changes[b].address, alg])
}

deny contains msg if {
	some b in buckets
	tags(b).Domain == "finance"
	not retention_ok(b)
	msg := sprintf("finance_retention_7y: %s keeps data less than %d days", [input.resource_changes[b].address, min_retention_days])
}
