# meshgate/access entrypoint of the marketing domain layer (the engine evaluates it only for products
# owned by marketing; every rule is also guarded by input.layer). Campaign managers may read marketing
# internal products; customers who opted out are filtered from any marketing product holding PII.
package meshgate.access

allow_rules contains "marketing_campaign_manager_internal" if {
	marketing_layer
	input.request.data_product.domain == "marketing"
	input.request.data_product.classification == "internal"
	"campaign_manager" in input.request.user.roles
	input.request.action in {"query", "read", "select"}
}

obligations.row_filters contains "gdpr_opt_out = FALSE" if {
	marketing_layer
	input.request.data_product.domain == "marketing"
	count(input.request.data_product.pii_columns) > 0
}

marketing_layer if input.layer == "marketing"
