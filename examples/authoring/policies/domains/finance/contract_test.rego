# Unit tests for the finance retention rule: `opa test policies/`.
package meshgate.contract_test

import data.meshgate.contract

test_five_years_is_denied if {
	some f in contract.deny with input as {"domain": "finance", "layer": "finance", "contract": {"owner": "x", "retention_days": 1825}}
	f.rule == "finance_retention_7y"
}

test_seven_years_passes if {
	count(contract.deny) == 0 with input as {"domain": "finance", "layer": "finance", "contract": {"owner": "x", "version": "1.0.0", "retention_days": 2555}}
}

test_missing_retention_is_denied if {
	some f in contract.deny with input as {"domain": "finance", "layer": "finance", "contract": {"owner": "x"}}
	f.rule == "finance_retention_required"
}

test_other_domains_are_not_affected if {
	count(contract.deny) == 0 with input as {"domain": "marketing", "layer": "global", "contract": {"owner": "x", "retention_days": 30}}
}
