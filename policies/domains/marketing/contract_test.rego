package meshgate.contract_marketing_test

import data.meshgate.contract as c

field(name, extra) := object.union({"name": name, "pii": false, "fields": []}, extra)

marketing_findings(fields, domain) := {[f.rule, f.path] | some f in c.deny with input as {"contract": {"fields": fields, "slos": []}, "domain": domain}; startswith(f.rule, "marketing_")}

test_all_classified_allowed if {
	count(marketing_findings([field("a", {"classification": "internal"})], "marketing")) == 0
}

test_unclassified_field_denied_with_path if {
	marketing_findings([field("a", {"classification": "internal"}), field("b", {})], "marketing") == {["marketing_field_classification", "fields.1.classification"]}
}

test_nested_unclassified_field_denied if {
	fs := [field("a", {"classification": "internal", "fields": [field("inner", {"classification": " "})]})]
	marketing_findings(fs, "marketing") == {["marketing_field_classification", "fields.0.fields.0.classification"]}
}

test_other_domains_not_judged if {
	count(marketing_findings([field("b", {})], "customer")) == 0
}
