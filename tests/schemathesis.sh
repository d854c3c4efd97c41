#!/usr/bin/env bash
# Hostile-client run: schemathesis against the service, once per role, every check,
# phases examples, coverage, fuzzing and stateful, fixed seed. Any failure (a
# response the document does not describe, a schema-valid request refused, a
# schema-invalid one accepted, a 5xx) fails the script.
#
#   tests/schemathesis.sh                 # all roles, 60 examples per operation, seed 7
#   ST_MAX_EXAMPLES=200 ST_SEED=3 tests/schemathesis.sh admin finance
#
# It starts the debug binary on a fresh SQLite database with the test clock on,
# seeds one customer with a pack and an approved SoW (so ids exist), and reads the
# document the service serves at /openapi.json.
set -euo pipefail
cd "$(dirname "$0")/.."

ROLES=("$@")
[ ${#ROLES[@]} -gt 0 ] || ROLES=(admin account_manager soc_lead soc_manager finance customer)
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-60}"
SEED="${ST_SEED:-7}"
# A time budget is only a safety net: with --max-time, schemathesis keeps fuzzing until
# the budget is spent instead of stopping at --max-examples, so a run's depth would
# depend on the machine's speed. Unset by default; the example count bounds the run.
MAX_TIME="${ST_MAX_TIME:-}"
PHASES="${ST_PHASES:-examples,coverage,fuzzing,stateful}"
VENV="${SECUREHANDS_ST_VENV:-$HOME/.cache/securehands-st-venv}"

if ! "$VENV/bin/st" --version >/dev/null 2>&1; then
  echo "schemathesis: installing in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==4.32.*"
fi

cargo build -q
BIN=target/debug/securehands
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
API="http://127.0.0.1:$PORT"
export DATABASE_URL="sqlite://$WORK/db.sqlite"
export SECUREHANDS_BIND="127.0.0.1:$PORT"
export SECUREHANDS_PUBLIC_URL="$API"
export SECUREHANDS_JWT_SECRET="schemathesis-run-secret-0123456789abcdef"
export SECUREHANDS_TEST_CLOCK=true
export SECUREHANDS_TEST_CLOCK_START="2026-12-01T08:00:00Z"
export SECUREHANDS_RATE_LIMIT_PER_SECOND=0
export SECUREHANDS_NOTIFY_INTERVAL_MS=0

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "$API/readyz" >/dev/null && break; sleep 0.1; done

tok() { "$BIN" token --ttl 2h "$@"; }
ADMIN=$(tok --role admin)
post() { # path token body
  curl -sf -X POST "$API$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"
}
id() { sed -E 's/^\{"id":"([^"]+)".*/\1/'; }

# The seed: a calendar, a customer with a pack, a request and an approved SoW.
curl -sf -X PUT "$API/v1/calendars/fr-paris" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name": "France", "timezone": "Europe/Paris"}' >/dev/null
AM=$(tok --role account_manager); LEAD=$(tok --role soc_lead)
CUSTOMER=$(post /v1/customers "$AM" '{"name": "Acme", "calendar_id": "fr-paris",
  "securecall": {"reference": "SC-1", "starts_on": "2026-01-01", "ends_on": "2028-12-31"}}' | id)
post "/v1/customers/$CUSTOMER/packs" "$AM" '{"units": "40.00", "order_reference": "PO-1"}' >/dev/null
REP=$(tok --role customer --customer "$CUSTOMER")
REQUEST=$(post /v1/requests "$REP" "{\"customer_id\": \"$CUSTOMER\", \"kind\": \"change_execution\",
  \"channel\": \"portal\", \"summary\": \"Migrate the firewall\", \"identity_verified\": true}" | id)
SOW=$(post /v1/sows "$LEAD" "{\"customer_id\": \"$CUSTOMER\", \"request_id\": \"$REQUEST\",
  \"title\": \"Firewall\", \"activities\": \"Migrate\", \"planned_sessions\": 2,
  \"planned_units\": \"8.00\", \"acceptance_criteria\": \"Rules active\"}" | id)
ETAG=$(curl -sfi -X POST "$API/v1/sows/$SOW/submit" -H "Authorization: Bearer $LEAD" \
  | tr -d '\r' | sed -n 's/^etag: //Ip')
curl -sf -X POST "$API/v1/sows/$SOW/approve" -H "Authorization: Bearer $REP" -H "If-Match: $ETAG" >/dev/null
echo "schemathesis: seeded customer $CUSTOMER, SoW $SOW (active) on $API"

# One worker: with two, hypothesis describes strategies by parsing source in two
# threads at once, and CPython 3.11's `ast` is not safe for that ("AST constructor
# recursion depth mismatch", reported as a runtime error of the run, not of the API).
failed=()
for role in "${ROLES[@]}"; do
  if [ "$role" = customer ]; then TOKEN=$REP; else TOKEN=$(tok --role "$role"); fi
  echo "schemathesis: role $role"
  if ! SCHEMATHESIS_HOOKS=hooks PYTHONPATH=tests/schemathesis "$VENV/bin/st" \
      --config-file tests/schemathesis/schemathesis.toml run "$API/openapi.json" \
      --header "Authorization: Bearer $TOKEN" \
      --checks all --phases "$PHASES" \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" ${MAX_TIME:+--max-time "$MAX_TIME"} \
      --generation-database none --generation-allow-x00 false --workers 1 --no-color --warnings off \
      --report junit --report-dir "${ST_REPORT_DIR:-target/schemathesis}/$role" ${ST_EXTRA:-}; then
    failed+=("$role")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis: failures for: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: every role clean"
