# meshgate/contract entrypoint of the global layer: the governance board's rules for every data contract.
# Input: {contract, layer, domain} with the canonical contract model (see src/subjects/contract/model.ts).
# Result: {deny, warn} of findings {msg, rule, path}; path names the offending canonical field, so the
# engine can point at its file:line:col (or at its parent when the field is missing).
package meshgate.contract

# Storage formats of the global interoperability standard (the seed: "Delta Lake or Iceberg").
allowed_formats := {"delta", "iceberg"}

# Semantic version: MAJOR.MINOR.PATCH with optional pre-release and build metadata.
semver_pattern := `^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`

contract := input.contract

has_text(obj, key) if {
	is_string(obj[key])
	trim_space(obj[key]) != ""
}

# Canonical path of a (possibly nested) field: fields.2 or fields.2.fields.0. Built with native string
# built-ins (json.marshal: indices and the key "fields", unquoted): sprintf is a host call, run once per field.
field_path(p) := replace(concat(".", ["fields", concat(".", [json.marshal(x) | some x in p])]), "\"", "")

# Encryption values that declare the absence of encryption: they never satisfy the PII rule.
no_encryption_words := {"none", "no", "false", "off", "disabled", "plaintext", "plain", "unencrypted", "null", "n/a", "na"}

encryption_declared if {
	has_text(contract, "encryption")
	not no_encryption_words[lower(trim_space(contract.encryption))]
}

# All fields, nested ones included: canonical path string → field. The same fields a walk of
# contract.fields finds (objects with a string name and a boolean pii), without walking every scalar:
# top-level elements directly, and a walk only inside their non-empty nested `fields` (the model's schema
# allows no other objects in a field: constraints hold scalars, tags strings). Keyed by path (a string)
# rather than a set of [path, field] pairs, so no field object is hashed.
all_fields[path] := f if {
	some i, f in contract.fields
	is_field(f)
	# field_path([i]) without a JSON encoding per field (fields is an array: the model's schema).
	path := concat("", ["fields.", format_int(i, 10)])
}

all_fields[path] := g if {
	some i, f in contract.fields
	is_array(f.fields)
	count(f.fields) > 0
	walk(f.fields, [q, g])
	is_field(g)
	path := field_path(array.concat([i, "fields"], q))
}

is_field(f) if {
	is_object(f)
	is_string(f.name)
	is_boolean(f.pii)
}

deny contains {"msg": "Data contract has no domain: every data product belongs to a domain.", "rule": "contract_domain_required", "path": "domain"} if {
	not has_text(contract, "domain")
}

deny contains {"msg": "Data contract has no owner: every data product needs an accountable owner.", "rule": "contract_owner_required", "path": "owner"} if {
	not has_text(contract, "owner")
}

deny contains {"msg": "Data contract has no data product id.", "rule": "contract_id_required", "path": "id"} if {
	not has_text(contract, "id")
}

deny contains {"msg": "Data contract declares no SLA / service level objectives.", "rule": "contract_slo_required", "path": "slos"} if {
	count(object.get(contract, "slos", [])) == 0
}

# The storage-format standard applies to storage ports only (object stores and lakehouse tables):
# databases, streams and APIs serve data in their own formats.
deny contains f if {
	some i, port in contract.output_ports
	port.kind == "storage"
	is_string(port.format)
	not allowed_formats[lower(port.format)]
	f := {
		"msg": sprintf("Storage output port %v uses format \"%s\"; the global standard for storage ports (object stores, lakehouse tables) is delta or iceberg. Database, stream and API ports are not subject to this rule.", [object.get(port, "name", i), port.format]),
		"rule": "contract_output_format",
		"path": sprintf("output_ports.%d.format", [i]),
	}
}

deny contains f if {
	not encryption_declared
	some path, field in all_fields
	field.pii == true
	not has_text(field, "encrypted_name")
	f := {
		"msg": concat("", ["Field \"", field.name, "\" holds PII but the contract declares no encryption protocol (and the field names no encrypted element)."]),
		"rule": "contract_pii_encryption",
		"path": path,
	}
}

deny contains f if {
	has_text(contract, "version")
	not regex.match(semver_pattern, contract.version)
	f := {"msg": sprintf("Version \"%s\" is not a semantic version (MAJOR.MINOR.PATCH).", [contract.version]), "rule": "contract_version_semver", "path": "version"}
}

deny contains f if {
	some i, slo in contract.slos
	slo.valid == false
	f := {
		"msg": sprintf("SLO \"%s\" has a malformed threshold %v (expected an ISO-8601 duration such as P1D or a percentage such as 99.95%%).", [slo.name, slo.raw]),
		"rule": "contract_slo_malformed",
		"path": sprintf("slos.%d", [i]),
	}
}

warn contains {"msg": "Data contract has no version.", "rule": "contract_version_missing", "path": "version"} if {
	not has_text(contract, "version")
}

warn contains {"msg": "Data contract declares no output port.", "rule": "contract_output_port_missing", "path": "output_ports"} if {
	count(object.get(contract, "output_ports", [])) == 0
}

warn contains f if {
	some i, port in contract.output_ports
	port.kind == "storage"
	not is_string(object.get(port, "format", null))
	f := {
		"msg": sprintf("Storage output port %v declares no storage format (delta or iceberg expected for storage ports; database, stream and API ports are exempt).", [object.get(port, "name", i)]),
		"rule": "contract_output_format_missing",
		"path": sprintf("output_ports.%d", [i]),
	}
}

# Import warnings: a newer minor version of a standard read as the newest known one, or a violation of
# the standard's published JSON Schema. Only the importer's own rule ids are reported.
import_warning_rules := {"contract_schema_violation", "contract_standard_version_newer", "contract_owner_role_ended"}

warn contains f if {
	some i, w in object.get(contract, "import_warnings", [])
	import_warning_rules[w.rule]
	f := {"msg": w.message, "rule": w.rule, "path": sprintf("import_warnings.%d", [i])}
}
