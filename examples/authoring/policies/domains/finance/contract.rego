# Finance domain layer, entrypoint meshgate/contract: finance data is kept for at least 7 years.
# The engine evaluates this layer only for contracts of the finance domain; the guard on input.domain
# keeps the rules correct when every layer is loaded together (as `opa test policies/` does).
package meshgate.contract

min_retention_days := 2555 # 7 years of 365 days

deny contains {
	"msg": "Finance data products must declare a retention period.",
	"rule": "finance_retention_required",
	"path": "retention",
} if {
	input.domain == "finance"
	not is_number(object.get(input.contract, "retention_days", null)) # a missing field is undefined, not "not a number"
}

deny contains {
	"msg": sprintf("Retention of %d days is below the finance minimum of 7 years (%d days).", [days, min_retention_days]),
	"rule": "finance_retention_7y",
	"path": "retention",
} if {
	input.domain == "finance"
	days := input.contract.retention_days
	is_number(days)
	days < min_retention_days
}
