#!/usr/bin/env bash
# Runs `opa test` on each layer on its own (global/, then each domains/<name>/), with policies/lib when
# present. Layers are separate bundles that reuse the ABI package names (meshgate.contract, …), so they
# must not be loaded into one namespace.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
opa="${MESHGATE_OPA:-$root/.cache/bin/opa}"
policies="${1:-$root/policies}"
lib=()
[ -d "$policies/lib" ] && lib=("$policies/lib")
status=0
for layer in "$policies/global" "$policies"/domains/*/; do
  [ -d "$layer" ] || continue
  layer="${layer%/}"
  echo "opa test ${layer#$root/}"
  "$opa" test "$layer" "${lib[@]}" || status=1
done
exit $status
