# meshgate/access entrypoint of the finance domain layer (the engine evaluates it only for products owned
# by finance; every rule is also guarded by input.layer). Grants finance analysts read access to finance
# internal products. A grant never beats a deny: the engine denies whenever any layer denies.
package meshgate.access

allow_rules contains "finance_analyst_internal" if {
	finance_layer
	input.request.data_product.domain == "finance"
	input.request.data_product.classification == "internal"
	input.request.user.department == "finance"
	"analyst" in input.request.user.roles
	input.request.action in {"query", "read", "select"}
}

# Finance data never leaves the platform as an export.
deny contains {
	"msg": sprintf("finance data product %s may not be exported", [input.request.data_product.id]),
	"rule": "finance_no_export",
} if {
	finance_layer
	input.request.data_product.domain == "finance"
	input.request.action == "export"
}

# Analysts with a cost centre see only their cost centre's rows (only safe identifiers are interpolated).
obligations.row_filters contains sprintf("cost_center = '%s'", [cc]) if {
	finance_layer
	"analyst" in input.request.user.roles
	not "controller" in input.request.user.roles
	cc := input.request.user.attributes.cost_center
	is_string(cc)
	regex.match(`^[A-Za-z0-9_-]{1,64}$`, cc)
}

finance_layer if input.layer == "finance"
