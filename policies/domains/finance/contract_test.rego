package meshgate.contract_finance_test

import data.meshgate.contract as c

base := {"id": "ledger", "domain": "Finance", "owner": "fin@x", "version": "1.0.0", "output_ports": [], "fields": [], "slos": [{"name": "freshness", "valid": true}]}

finance_rules(contract, domain) := {f.rule | some f in c.deny with input as {"contract": contract, "layer": "finance", "domain": domain}; startswith(f.rule, "finance_")}

test_seven_years_allowed if {
	count(finance_rules(object.union(base, {"retention_days": 2555}), "finance")) == 0
}

test_five_years_denied if {
	finance_rules(object.union(base, {"retention_days": 1825}), "finance") == {"finance_retention_7y"}
}

test_missing_retention_denied if {
	finance_rules(base, "finance") == {"finance_retention_required"}
}

test_other_domains_not_judged if {
	count(finance_rules(object.union(base, {"retention_days": 30}), "sales")) == 0
}
