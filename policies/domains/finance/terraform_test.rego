package meshgate.terraform_finance_test

import data.meshgate.terraform as tf

finance_bucket(extra) := {"resource": object.union({"type": "aws_s3_bucket", "address": "aws_s3_bucket.ledger", "unknown": [], "tags": {}}, extra), "domain": "finance", "layer": "finance"}

retention_findings(inp) := {f | some f in tf.deny with input as inp; f.rule == "finance_retention_7y"}

test_seven_years_allowed if {
	count(retention_findings(finance_bucket({"retention_days": 2555}))) == 0
}

test_no_retention_denied if {
	count(retention_findings(finance_bucket({"retention_days": null}))) == 1
}

test_short_retention_denied if {
	some f in retention_findings(finance_bucket({"retention_days": 365}))
	contains(f.msg, "365 days")
}

test_unknown_retention_has_own_text if {
	some f in retention_findings(finance_bucket({"retention_days": null, "unknown": ["retention"]}))
	contains(f.msg, "unknown until apply")
}

test_other_domains_not_judged_by_finance if {
	count(retention_findings({"resource": {"type": "aws_s3_bucket", "address": "a", "unknown": [], "retention_days": null}, "domain": "marketing"})) == 0
}
