package meshgate.contract_global_test

import data.meshgate.contract as c

good := {
	"id": "customer_profile", "name": "customer_profile", "version": "2.1.0", "domain": "customer",
	"owner": "customer-engineering@company.com", "source_format": "seed-fields",
	"output_ports": [{"kind": "storage", "format": "delta", "location": "s3://x/"}],
	"fields": [{"name": "customer_uid", "pii": false, "fields": []}],
	"slos": [{"name": "freshness", "raw": "PT24H", "unit": "seconds", "seconds": 86400, "valid": true}],
	"quality": [], "governance": [], "tags": [],
}

deny_rules(contract) := {f.rule | some f in c.deny with input as {"contract": contract, "layer": "global", "domain": "customer"}}

warn_rules(contract) := {f.rule | some f in c.warn with input as {"contract": contract, "layer": "global", "domain": "customer"}}

test_good_contract_passes if {
	count(deny_rules(good)) == 0
}

test_owner_required if {
	deny_rules(object.remove(good, ["owner"])) == {"contract_owner_required"}
}

test_blank_domain_denied if {
	"contract_domain_required" in deny_rules(object.union(good, {"domain": "  "}))
}

test_id_required if {
	"contract_id_required" in deny_rules(object.remove(good, ["id"]))
}

test_slos_required if {
	"contract_slo_required" in deny_rules(object.union(good, {"slos": []}))
}

test_parquet_denied_with_path if {
	some f in c.deny with input as {"contract": object.union(good, {"output_ports": [{"kind": "storage", "format": "parquet"}]})}
	f.rule == "contract_output_format"
	f.path == "output_ports.0.format"
}

test_iceberg_allowed if {
	count(deny_rules(object.union(good, {"output_ports": [{"kind": "storage", "format": "Iceberg"}]}))) == 0
}

test_stream_port_not_judged_by_storage_format if {
	count(deny_rules(object.union(good, {"output_ports": [{"kind": "stream", "format": "avro"}]}))) == 0
}

test_api_and_database_ports_not_judged_by_storage_format if {
	count(deny_rules(object.union(good, {"output_ports": [{"kind": "api", "format": "json"}, {"kind": "database", "format": "table"}]}))) == 0
	not "contract_output_format_missing" in warn_rules(object.union(good, {"output_ports": [{"kind": "database"}]}))
}

test_import_warnings_reported_with_path if {
	contract := object.union(good, {"import_warnings": [{"rule": "contract_schema_violation", "message": "m"}, {"rule": "made_up", "message": "x"}]})
	ws := [f | some f in c.warn with input as {"contract": contract}; f.path == "import_warnings.0"]
	count(ws) == 1
	not "made_up" in warn_rules(contract)
}

test_pii_without_encryption_denied_nested_path if {
	contract := object.union(good, {"fields": [{"name": "customer", "pii": false, "fields": [{"name": "email", "pii": true, "fields": []}]}]})
	some f in c.deny with input as {"contract": contract}
	f.rule == "contract_pii_encryption"
	f.path == "fields.0.fields.0"
}

test_pii_paths_at_every_depth if {
	deep := {"name": "c", "pii": true, "fields": []}
	mid := {"name": "b", "pii": false, "fields": [{"name": "x", "pii": false, "fields": []}, deep]}
	contract := object.union(good, {"fields": [{"name": "a", "pii": true, "fields": []}, {"name": "r", "pii": false, "fields": [mid]}, {"name": "d", "pii": true, "fields": []}]})
	paths := {f.path | some f in c.deny with input as {"contract": contract}; f.rule == "contract_pii_encryption"}
	paths == {"fields.0", "fields.1.fields.0.fields.1", "fields.2"}
}

test_pii_field_with_encrypted_name_allowed if {
	contract := object.union(good, {"fields": [{"name": "email", "pii": true, "encrypted_name": "email_enc", "fields": []}, {"name": "phone", "pii": true, "fields": []}]})
	paths := {f.path | some f in c.deny with input as {"contract": contract}; f.rule == "contract_pii_encryption"}
	paths == {"fields.1"}
}

test_pii_with_encryption_none_denied if {
	contract := object.union(good, {"encryption": " None ", "fields": [{"name": "email", "pii": true, "fields": []}]})
	"contract_pii_encryption" in deny_rules(contract)
}

test_pii_with_encryption_allowed if {
	contract := object.union(good, {"encryption": "AES256_GCM", "fields": [{"name": "email", "pii": true, "fields": []}]})
	count(deny_rules(contract)) == 0
}

test_bad_semver_denied if {
	deny_rules(object.union(good, {"version": "1.2"})) == {"contract_version_semver"}
}

test_prerelease_semver_allowed if {
	count(deny_rules(object.union(good, {"version": "3.0.0-rc.1+build.5"}))) == 0
}

test_malformed_slo_denied if {
	"contract_slo_malformed" in deny_rules(object.union(good, {"slos": [{"name": "freshness", "raw": "daily", "unit": "text", "valid": false}]}))
}

test_missing_version_is_warning_only if {
	count(deny_rules(object.remove(good, ["version"]))) == 0
	"contract_version_missing" in warn_rules(object.remove(good, ["version"]))
}

test_storage_port_without_format_warns if {
	"contract_output_format_missing" in warn_rules(object.union(good, {"output_ports": [{"kind": "storage", "location": "s3://x/"}]}))
}
