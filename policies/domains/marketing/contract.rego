# meshgate/contract entrypoint of the marketing domain layer: every field carries a classification tag.
# Rules are guarded on the domain so that they read right even when every layer is loaded together (opa test).
package meshgate.contract

marketing_contract if input.domain == "marketing"

marketing_field_path(p) := concat(".", ["fields", concat(".", [sprintf("%v", [x]) | some x in p])])

marketing_classified(field) if trim_space(field.classification) != ""

deny contains f if {
	marketing_contract
	walk(input.contract.fields, [p, field])
	is_object(field)
	is_string(field.name)
	is_array(field.fields)
	not marketing_classified(field)
	f := {
		"msg": sprintf("Field \"%s\" has no classification tag (public, internal, confidential, restricted or pii).", [field.name]),
		"rule": "marketing_field_classification",
		"path": sprintf("%s.classification", [marketing_field_path(p)]),
	}
}
