# The seed's global access rule (data-mesh-federated-governance, "Define Policy"), in Rego v1 syntax:
#   allow { input.user.department == "marketing"; input.data_product.classification == "public" }
# Kept as written by the governance board; meshgate.access adapts it to the ABI (input.request).
package data_mesh.global_access

default allow := false

allow if {
	input.user.department == "marketing"
	input.data_product.classification == "public"
}
