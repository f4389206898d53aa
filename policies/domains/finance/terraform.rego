# meshgate/terraform entrypoint of the finance domain layer (tightens global, never relaxes it).
# Finance keeps data for seven years: an S3 bucket must guarantee >= 2555 days of retention through an
# object lock default retention or a lifecycle expiration rule.
package meshgate.terraform

finance_min_retention_days := 2555

finance_address := object.get(input.resource, "address", "")

finance_unknown := {u | some u in object.get(input.resource, "unknown", [])}

# Guarded on the domain so that the rule reads right even when every layer is loaded together (opa test).
finance_bucket if {
	input.domain == "finance"
	input.resource.type == "aws_s3_bucket"
}

finance_retention := object.get(input.resource, "retention_days", null)

deny contains {"msg": sprintf("finance S3 bucket %s has no 7-year retention: add an object lock default retention or a lifecycle expiration of at least %d days", [finance_address, finance_min_retention_days]), "rule": "finance_retention_7y", "resource": finance_address} if {
	finance_bucket
	not "retention" in finance_unknown
	finance_retention == null
}

deny contains {"msg": sprintf("finance S3 bucket %s keeps data for %d days; 7-year retention needs at least %d days", [finance_address, finance_retention, finance_min_retention_days]), "rule": "finance_retention_7y", "resource": finance_address} if {
	finance_bucket
	is_number(finance_retention)
	finance_retention < finance_min_retention_days
}

deny contains {"msg": sprintf("finance S3 bucket %s: its retention is unknown until apply, so the 7-year retention cannot be checked", [finance_address]), "rule": "finance_retention_7y", "resource": finance_address} if {
	finance_bucket
	"retention" in finance_unknown
}
