#!/usr/bin/env bash
# Installs what tests/clients/generate.py runs: openapi-python-client, openapi-spec-validator
# and ruff from PyPI in a virtual environment, openapi-typescript and TypeScript from the
# npm registry, both under one folder (default ~/.cache/securehands-clients). Prints the
# folder; the tests run when SECUREHANDS_CLIENTS_DIR names it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${SECUREHANDS_CLIENTS_DIR:-$HOME/.cache/securehands-clients}"
mkdir -p "$dir"
if ! cmp -s "$here/requirements.txt" "$dir/requirements.txt" || [ ! -x "$dir/venv/bin/openapi-python-client" ]; then
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install -q -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$dir/requirements.txt"
fi
if ! cmp -s "$here/package.json" "$dir/package.json" || [ ! -x "$dir/node_modules/.bin/openapi-typescript" ]; then
  cp "$here/package.json" "$dir/package.json"
  (cd "$dir" && npm install --silent --no-audit --no-fund >/dev/null)
fi
echo "$dir"
