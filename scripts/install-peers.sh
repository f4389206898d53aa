#!/usr/bin/env bash
# Installs the peer tools that `npm run bench` compares meshgate with, all pinned, all from package
# registries, all under .cache/ (nothing global):
#   - opa       : the pinned OPA of tools/opa/go.mod, built by scripts/build-opa.sh into .cache/bin/opa
#   - conftest  : pinned in tools/peers/conftest/go.mod (+ go.sum), built from the Go module proxy into .cache/bin/conftest
#   - checkov   : PyPI, pinned below, in its own venv .cache/venv/checkov
#   - datacontract-cli : PyPI, pinned below, in its own venv .cache/venv/datacontract
# (two venvs, because both tools pin many transitive packages and must not fight over them).
# Writes the installed versions to .cache/peers-versions.json (bench/run.mjs records them with the results).
# Safe to re-run: each step is skipped when its pinned version is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHECKOV_VERSION="3.3.30"
DATACONTRACT_VERSION="1.2.8"
bin="$root/.cache/bin"
venvs="$root/.cache/venv"
mkdir -p "$bin" "$venvs"

log() { printf '\033[1m[install-peers]\033[0m %s\n' "$*" >&2; }

# 1. OPA (the same binary the project compiles its policies with).
bash "$root/scripts/build-opa.sh"

# 2. conftest from the Go module proxy, version and checksums pinned by the tool module.
conftest_want="$(awk '$1=="github.com/open-policy-agent/conftest"{print $2}' "$root/tools/peers/conftest/go.mod" | head -n1)"
# (a module build reports its version as "dev": a stamp file beside the binary records the pinned version)
if [ -x "$bin/conftest" ] && [ "$(cat "$bin/conftest.version" 2>/dev/null)" = "$conftest_want" ]; then
  log "conftest ${conftest_want} already built"
else
  command -v go >/dev/null 2>&1 || { log "Go is required to build conftest"; exit 2; }
  log "building conftest ${conftest_want} (Go module proxy)"
  (cd "$root/tools/peers/conftest" && go build -trimpath -o "$bin/conftest" github.com/open-policy-agent/conftest)
  echo "$conftest_want" >"$bin/conftest.version"
fi

# 3. Python tools from PyPI, each in its own venv.
py="${PYTHON:-python3}"
install_py() { # name version venv-dir binary
  local name="$1" version="$2" dir="$3" exe="$4"
  if [ -x "$dir/bin/$exe" ] && grep -q "^Version: ${version}\$" <<<"$("$dir/bin/pip" show "$name" 2>/dev/null)"; then
    log "$name $version already installed"
    return
  fi
  log "installing $name==$version into ${dir#"$root"/}"
  "$py" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$name==$version"
}
install_py checkov "$CHECKOV_VERSION" "$venvs/checkov" checkov
install_py datacontract-cli "$DATACONTRACT_VERSION" "$venvs/datacontract" datacontract

# 4. Record versions.
opa_v="$("$bin/opa" version | awk -F': ' '/^Version/{print $2}')"
conftest_v="${conftest_want#v}"
conftest_opa="$("$bin/conftest" --version 2>/dev/null | awk '/^OPA:/{print $2}')"
checkov_v="$("$venvs/checkov/bin/pip" show checkov | awk '/^Version/{print $2}')"
dc_v="$("$venvs/datacontract/bin/pip" show datacontract-cli | awk '/^Version/{print $2}')"
cat >"$root/.cache/peers-versions.json" <<EOF
{"opa":"$opa_v","conftest":"$conftest_v","conftest_opa":"$conftest_opa","checkov":"$checkov_v","datacontract-cli":"$dc_v","python":"$("$py" --version | awk '{print $2}')","go":"$(go version 2>/dev/null | awk '{print $3}')"}
EOF
log "versions: $(cat "$root/.cache/peers-versions.json")"
