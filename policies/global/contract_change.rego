# meshgate/contract_change entrypoint of the global layer: schema-evolution rules between two versions of
# a contract. Input: {changes, old_version, new_version, layer, domain}, each change {kind, field,
# classification, message}. A breaking change needs a major version bump. Which kinds are breaking is
# decided here (a domain layer may add kinds of its own), not by the differ.
package meshgate.contract_change

# Change kinds that break consumers (the seed: removing a field or changing a type incompatibly is rejected).
breaking_kinds := {
	"field_removed",
	"field_renamed",
	"field_added_required",
	"type_changed",
	"enum_narrowed",
	"constraint_tightened",
	"made_required",
	"made_non_nullable",
}

semver_pattern := `^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`

old_valid if regex.match(semver_pattern, input.old_version)

new_valid if regex.match(semver_pattern, input.new_version)

# Versions (old, new) that are missing or not semantic versions.
invalid_versions contains v if {
	some v in [object.get(input, "old_version", null), object.get(input, "new_version", null)]
	not is_string(v)
}

invalid_versions contains v if {
	some v in [object.get(input, "old_version", null), object.get(input, "new_version", null)]
	is_string(v)
	not regex.match(semver_pattern, v)
}

version_parts(v) := [to_number(x) | some x in array.slice(split(split(split(trim_prefix(v, "v"), "+")[0], "-")[0], "."), 0, 3)]

major_bumped if {
	old_valid
	new_valid
	version_parts(input.new_version)[0] > version_parts(input.old_version)[0]
}

version_decreased if {
	old_valid
	new_valid
	version_parts(input.new_version) < version_parts(input.old_version)
}

# Indices of the breaking changes: by kind, or as classified by the differ.
breaking_changes contains i if {
	some i, change in input.changes
	breaking_kinds[change.kind]
}

breaking_changes contains i if {
	some i, change in input.changes
	change.classification == "breaking"
}

deny contains f if {
	some i in breaking_changes
	change := input.changes[i]
	not major_bumped
	f := {
		"msg": sprintf("Breaking change without a major version bump (%v -> %v): %s", [object.get(input, "old_version", "none"), object.get(input, "new_version", "none"), change.message]),
		"rule": "contract_breaking_change_major_bump",
		"path": sprintf("changes.%d", [i]),
	}
}

deny contains f if {
	version_decreased
	f := {"msg": sprintf("Version went down from %v to %v.", [input.old_version, input.new_version]), "rule": "contract_version_decreased", "path": "version"}
}

deny contains f if {
	count(input.changes) > 0
	some v in invalid_versions
	f := {"msg": sprintf("Cannot check the version bump: %v is not a semantic version.", [v]), "rule": "contract_change_version_invalid", "path": "version"}
}

warn contains f if {
	some i in breaking_changes
	change := input.changes[i]
	major_bumped
	f := {"msg": sprintf("Breaking change (major version bumped): %s", [change.message]), "rule": "contract_breaking_change", "path": sprintf("changes.%d", [i])}
}

warn contains f if {
	count(input.changes) > 0
	input.old_version == input.new_version
	f := {"msg": sprintf("The schema changed but the version stayed %v.", [input.new_version]), "rule": "contract_version_unchanged", "path": "version"}
}
