package meshgate.access_global_test

import data.meshgate.access

config := {
	"permitted_pii_purposes": ["fraud_detection"],
	"read_actions": ["query", "read", "select"],
	"clearance_levels": {"public": 0, "internal": 1, "confidential": 2, "restricted": 3, "top_secret": 4},
}

req(user, product, extra) := object.union(
	{
		"user": object.union({"id": "u1", "roles": [], "attributes": {}}, user),
		"action": "read",
		"data_product": object.union({"id": "p1", "pii_columns": []}, product),
		"columns": [],
	},
	extra,
)

in_global(r) := {"request": r, "layer": "global"}

test_seed_marketing_public_allowed if {
	r := req({"department": "marketing"}, {"classification": "public"}, {})
	access.allow with input as in_global(r) with data.meshgate_config.access as config
	"seed_marketing_public" in access.allow_rules with input as in_global(r) with data.meshgate_config.access as config
}

test_marketing_internal_not_allowed if {
	r := req({"department": "marketing"}, {"classification": "internal"}, {})
	not access.allow with input as in_global(r) with data.meshgate_config.access as config
}

test_seed_rule_only_for_read_actions if {
	r := req({"department": "marketing"}, {"classification": "public"}, {"action": "delete"})
	not access.allow with input as in_global(r) with data.meshgate_config.access as config
}

test_pii_without_purpose_denied if {
	r := req({"department": "marketing"}, {"classification": "public", "pii_columns": ["email"]}, {})
	rules := {d.rule | some d in access.deny} with input as in_global(r) with data.meshgate_config.access as config
	rules == {"pii_purpose_required"}
}

test_pii_with_permitted_purpose_clean if {
	r := req({}, {"pii_columns": ["email"]}, {"purpose": "fraud_detection"})
	count(access.deny) == 0 with input as in_global(r) with data.meshgate_config.access as config
}

test_pii_with_other_purpose_denied if {
	r := req({}, {"pii_columns": ["email"]}, {"purpose": "curiosity"})
	count(access.deny) == 1 with input as in_global(r) with data.meshgate_config.access as config
}

test_pii_training_attribute_clears if {
	r := req({"attributes": {"pii_training": true}}, {"classification": "pii"}, {})
	count(access.deny) == 0 with input as in_global(r) with data.meshgate_config.access as config
}

test_restricted_needs_clearance if {
	r := req({"clearance": "confidential"}, {"classification": "restricted"}, {})
	rules := {d.rule | some d in access.deny} with input as in_global(r) with data.meshgate_config.access as config
	rules == {"restricted_clearance_required"}
}

test_restricted_with_clearance_clean if {
	r := req({"clearance": "top_secret"}, {"classification": "restricted"}, {})
	count(access.deny) == 0 with input as in_global(r) with data.meshgate_config.access as config
}

test_mask_requested_pii_columns if {
	r := req({}, {"pii_columns": ["email", "phone"]}, {"columns": ["email", "segment"]})
	access.obligations.mask == {"email"} with input as in_global(r) with data.meshgate_config.access as config
}

test_mask_all_pii_columns_when_none_requested if {
	r := req({}, {"pii_columns": ["email", "phone"]}, {})
	access.obligations.mask == {"email", "phone"} with input as in_global(r) with data.meshgate_config.access as config
}

test_pii_reader_sees_pii if {
	r := req({"roles": ["pii_reader"]}, {"pii_columns": ["email"]}, {})
	count(object.get(access.obligations, "mask", [])) == 0 with input as in_global(r) with data.meshgate_config.access as config
}

test_global_rules_silent_in_domain_layers if {
	r := req({"department": "marketing"}, {"classification": "public", "pii_columns": ["email"]}, {})
	inp := {"request": r, "layer": "marketing"}
	count(access.allow_rules) == 0 with input as inp with data.meshgate_config.access as config
	count(access.deny) == 0 with input as inp with data.meshgate_config.access as config
}
