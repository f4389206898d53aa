# meshgate/contract entrypoint of the finance domain layer: finance data must be retained for 7 years.
# Rules are guarded on the domain so that they read right even when every layer is loaded together (opa test).
package meshgate.contract

finance_contract if input.domain == "finance"

# Seven years of 365 days.
finance_contract_min_retention_days := 2555

deny contains {"msg": "Finance data products must declare a retention period of at least 7 years (2555 days).", "rule": "finance_retention_required", "path": "retention_days"} if {
	finance_contract
	not is_number(object.get(input.contract, "retention_days", null))
}

deny contains f if {
	finance_contract
	days := input.contract.retention_days
	is_number(days)
	days < finance_contract_min_retention_days
	f := {
		"msg": sprintf("Retention of %v days is below the finance domain's 7 years (%d days).", [days, finance_contract_min_retention_days]),
		"rule": "finance_retention_7y",
		"path": "retention_days",
	}
}
