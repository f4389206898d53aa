# meshgate/contract entrypoint of the marketing domain layer: every field carries a classification tag.
# Rules are guarded on the domain so that they read right even when every layer is loaded together (opa test).
package meshgate.contract

marketing_contract if input.domain == "marketing"

marketing_field_path(p) := concat(".", ["fields", concat(".", [sprintf("%v", [x]) | some x in p])])

marketing_classified(field) if trim_space(field.classification) != ""

# The fields a walk of input.contract.fields finds (objects with a string name and an array of nested
# fields), without walking every scalar: top-level elements directly, and a walk only inside their
# non-empty nested `fields` (the model's schema allows no other objects in a field). The path is built for
# findings only.
deny contains f if {
	marketing_contract
	some i, field in input.contract.fields
	is_object(field)
	is_string(field.name)
	is_array(field.fields)
	not marketing_classified(field)
	f := {
		"msg": sprintf("Field \"%s\" has no classification tag (public, internal, confidential, restricted or pii).", [field.name]),
		"rule": "marketing_field_classification",
		"path": sprintf("%s.classification", [marketing_field_path([i])]),
	}
}

deny contains f if {
	marketing_contract
	some i, top in input.contract.fields
	is_array(top.fields)
	count(top.fields) > 0
	walk(top.fields, [q, field])
	is_object(field)
	is_string(field.name)
	is_array(field.fields)
	not marketing_classified(field)
	f := {
		"msg": sprintf("Field \"%s\" has no classification tag (public, internal, confidential, restricted or pii).", [field.name]),
		"rule": "marketing_field_classification",
		"path": sprintf("%s.classification", [marketing_field_path(array.concat([i, "fields"], q))]),
	}
}
