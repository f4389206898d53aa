# Shared by every layer's meshgate/access entrypoint (policies/lib is compiled into each layer bundle).
# Layers contribute only partial rules: allow_rules, deny and obligations.mask / obligations.row_filters,
# each guarded by `input.layer`, so that all layers can share the package `meshgate.access` (and be tested
# together with `opa test policies/`) without conflicting. A layer allows iff one of its allow rules fired.
package meshgate.access

allow := count(allow_rules) > 0
