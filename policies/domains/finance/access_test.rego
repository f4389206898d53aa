package meshgate.access_finance_test

import data.meshgate.access

req(user, product, extra) := object.union(
	{
		"user": object.union({"id": "u1", "department": "finance", "roles": ["analyst"], "attributes": {}}, user),
		"action": "read",
		"data_product": object.union({"id": "ledger", "domain": "finance", "classification": "internal", "pii_columns": []}, product),
		"columns": [],
	},
	extra,
)

in_finance(r) := {"request": r, "layer": "finance", "domain": "finance"}

test_finance_analyst_reads_finance_internal if {
	"finance_analyst_internal" in access.allow_rules with input as in_finance(req({}, {}, {}))
}

test_not_for_other_domains_products if {
	count(access.allow_rules) == 0 with input as in_finance(req({}, {"domain": "marketing"}, {}))
}

test_not_for_non_analysts if {
	count(access.allow_rules) == 0 with input as in_finance(req({"roles": ["viewer"]}, {}, {}))
}

test_not_for_other_departments if {
	count(access.allow_rules) == 0 with input as in_finance(req({"department": "sales"}, {}, {}))
}

test_not_for_confidential_products if {
	count(access.allow_rules) == 0 with input as in_finance(req({}, {"classification": "confidential"}, {}))
}

test_export_denied if {
	{d.rule | some d in access.deny} == {"finance_no_export"} with input as in_finance(req({}, {}, {"action": "export"}))
}

test_cost_center_row_filter if {
	access.obligations.row_filters == {"cost_center = 'CC-42'"} with input as in_finance(req({"attributes": {"cost_center": "CC-42"}}, {}, {}))
}

test_unsafe_cost_center_not_interpolated if {
	count(object.get(access.obligations, "row_filters", [])) == 0 with input as in_finance(req({"attributes": {"cost_center": "x' OR '1'='1"}}, {}, {}))
}

test_silent_in_other_layers if {
	count(access.allow_rules) == 0 with input as {"request": req({}, {}, {}), "layer": "marketing"}
}
