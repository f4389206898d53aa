package meshgate.contract_change_test

import data.meshgate.contract_change as cc

removed := {"kind": "field_removed", "field": "a", "classification": "breaking", "message": "field a removed"}

added := {"kind": "field_added_optional", "field": "b", "classification": "compatible", "message": "optional field b added"}

deny_rules(changes, old, new) := {f.rule | some f in cc.deny with input as {"changes": changes, "old_version": old, "new_version": new, "layer": "global"}}

warn_rules(changes, old, new) := {f.rule | some f in cc.warn with input as {"changes": changes, "old_version": old, "new_version": new, "layer": "global"}}

test_breaking_without_major_bump_denied if {
	deny_rules([added, removed], "1.2.0", "1.3.0") == {"contract_breaking_change_major_bump"}
}

test_breaking_with_major_bump_allowed_and_warned if {
	count(deny_rules([removed], "1.2.0", "2.0.0")) == 0
	"contract_breaking_change" in warn_rules([removed], "1.2.0", "2.0.0")
}

test_compatible_change_with_minor_bump_allowed if {
	count(deny_rules([added], "1.2.0", "1.3.0")) == 0
}

test_kind_decides_even_if_classified_compatible if {
	"contract_breaking_change_major_bump" in deny_rules([object.union(removed, {"classification": "compatible"})], "1.0.0", "1.0.1")
}

test_version_decrease_denied if {
	"contract_version_decreased" in deny_rules([], "2.0.0", "1.9.9")
}

test_invalid_version_denied_when_changed if {
	"contract_change_version_invalid" in deny_rules([added], "1.0", "1.1.0")
}

test_unchanged_version_warns if {
	"contract_version_unchanged" in warn_rules([added], "1.0.0", "1.0.0")
}

test_finding_path_points_at_change if {
	some f in cc.deny with input as {"changes": [added, removed], "old_version": "1.0.0", "new_version": "1.1.0"}
	f.path == "changes.1"
}
