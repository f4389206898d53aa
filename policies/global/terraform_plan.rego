# meshgate/terraform_plan entrypoint of the global layer: rules over the whole plan.
# Input: {plan: {resources, deleted, drift, ...}, layer}. Deleted resources are only visible here.
package meshgate.terraform_plan

deny := set()

warn contains {"msg": sprintf("the plan deletes S3 bucket %s, which is tagged as PII: make sure its data is archived as the retention rules require", [r.address]), "rule": "pii_bucket_deletion", "resource": r.address} if {
	some r in input.plan.deleted
	r.type == "aws_s3_bucket"
	r.tags.DataClassification == "PII"
}

warn contains {"msg": sprintf("%s was changed outside Terraform (drift: %s)", [d.address, concat(", ", d.actions)]), "rule": "resource_drift", "resource": d.address} if {
	some d in input.plan.drift
	some r in input.plan.resources
	r.address == d.address
	r.type == "aws_s3_bucket"
	r.tags.DataClassification == "PII"
}
