#!/usr/bin/env bash
# Builds the OPA compiler pinned in tools/opa/go.mod (checksummed by tools/opa/go.sum) from the Go module
# proxy into .cache/bin/opa, and prints its version. Skips the build when the binary is there at the pinned
# version. Go is a build tool only: nothing in the product needs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.cache/bin/opa"
want="$(awk '$1=="github.com/open-policy-agent/opa"{print $2}' "$root/tools/opa/go.mod" | head -n1)"
want="${want#v}"
if [ -x "$out" ] && grep -q "^Version: ${want}\$" <<<"$("$out" version 2>/dev/null)"; then
  echo "opa ${want} already built at $out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-opa: Go is not installed; it is needed only to rebuild policies (npm test uses the committed bundles)" >&2
  exit 2
fi
mkdir -p "$root/.cache/bin"
start=$(date +%s)
(cd "$root/tools/opa" && go build -trimpath -o "$out" github.com/open-policy-agent/opa)
echo "built opa in $(( $(date +%s) - start ))s: $("$out" version | head -n1)"
