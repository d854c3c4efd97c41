#!/usr/bin/env bash
# Installs the OpenID provider the sign-in tests start (panva's oidc-provider, from the
# npm registry) in a folder of its own (default ~/.cache/securehands-oidc) and prints
# it; the tests run when SECUREHANDS_OIDC_DIR names it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${SECUREHANDS_OIDC_DIR:-$HOME/.cache/securehands-oidc}"
mkdir -p "$dir"
if ! cmp -s "$here/package.json" "$dir/package.json" || [ ! -d "$dir/node_modules/oidc-provider" ]; then
  cp "$here/package.json" "$dir/package.json"
  (cd "$dir" && npm install --silent --no-audit --no-fund >/dev/null)
fi
echo "$dir"
