package meshgate.access_marketing_test

import data.meshgate.access

req(user, product) := {
	"user": object.union({"id": "u1", "department": "marketing", "roles": [], "attributes": {}}, user),
	"action": "read",
	"data_product": object.union({"id": "customer360", "domain": "marketing", "classification": "internal", "pii_columns": []}, product),
	"columns": [],
}

in_marketing(r) := {"request": r, "layer": "marketing", "domain": "marketing"}

test_campaign_manager_reads_marketing_internal if {
	"marketing_campaign_manager_internal" in access.allow_rules with input as in_marketing(req({"roles": ["campaign_manager"]}, {}))
}

test_plain_marketing_user_not_granted if {
	count(access.allow_rules) == 0 with input as in_marketing(req({}, {}))
}

test_opt_out_filter_on_pii_products if {
	access.obligations.row_filters == {"gdpr_opt_out = FALSE"} with input as in_marketing(req({}, {"pii_columns": ["email"]}))
}

test_no_filter_without_pii if {
	count(object.get(access.obligations, "row_filters", [])) == 0 with input as in_marketing(req({}, {}))
}
