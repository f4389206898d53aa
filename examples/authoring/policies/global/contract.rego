# Global layer, entrypoint meshgate/contract: rules every data product must follow.
package meshgate.contract

deny contains {"msg": "Data product has no owner.", "rule": "owner_required", "path": "owner"} if {
	not input.contract.owner
}

warn contains {"msg": "Data product declares no version.", "rule": "version_recommended", "path": "version"} if {
	not input.contract.version
}
