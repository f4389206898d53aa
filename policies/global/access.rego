# meshgate/access entrypoint of the global layer. Input: {request, layer, domain}, where request is the
# enriched access request (user, action, data_product {id, domain, classification, pii_columns}, columns,
# purpose). Result: {allow, allow_rules, deny, obligations} (allow comes from policies/lib/access.rego).
# The engine allows a request iff this layer or the owning domain's layer allows it and no layer denies it.
# Configuration (data.meshgate_config.access, from meshgate_config/access/data.json): permitted PII
# purposes, read actions and clearance levels.
package meshgate.access

import data.data_mesh.global_access as seed

# The seed's rule: marketing may read public data products.
allow_rules contains "seed_marketing_public" if {
	global_layer
	seed.allow with input as input.request
	global_read
}

# PII products need a permitted purpose or a PII training attribute.
deny contains {
	"msg": sprintf("data product %s holds PII: a permitted purpose (%s) or the pii_training attribute is required", [input.request.data_product.id, concat(", ", sort(data.meshgate_config.access.permitted_pii_purposes))]),
	"rule": "pii_purpose_required",
} if {
	global_layer
	global_pii_product
	not global_pii_cleared
}

# Restricted products need a clearance of at least "restricted".
deny contains {
	"msg": sprintf("data product %s is restricted: the user needs clearance restricted or higher", [input.request.data_product.id]),
	"rule": "restricted_clearance_required",
} if {
	global_layer
	input.request.data_product.classification == "restricted"
	not global_restricted_cleared
}

# Mask PII columns (the requested ones, or all when none are named) unless the user is a pii_reader.
# Linear in the request: one pass builds the set of requested columns, each PII column is a set lookup
# (`col in input.request.columns` per PII column was a scan of the list for each: O(n·m)).
obligations.mask contains col if {
	global_layer
	not "pii_reader" in input.request.user.roles
	count(input.request.columns) == 0
	some col in input.request.data_product.pii_columns
}

obligations.mask contains col if {
	global_layer
	not "pii_reader" in input.request.user.roles
	some col in input.request.data_product.pii_columns
	global_requested_columns[col]
}

global_layer if input.layer == "global"

global_requested_columns := {c | some c in input.request.columns}

global_read if input.request.action in data.meshgate_config.access.read_actions

global_pii_product if count(input.request.data_product.pii_columns) > 0

global_pii_product if input.request.data_product.classification == "pii"

global_pii_cleared if input.request.purpose in data.meshgate_config.access.permitted_pii_purposes

global_pii_cleared if input.request.user.attributes.pii_training == true

global_restricted_cleared if {
	levels := data.meshgate_config.access.clearance_levels
	levels[input.request.user.clearance] >= levels.restricted
}
