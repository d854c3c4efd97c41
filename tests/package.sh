#!/usr/bin/env bash
# The Debian package, end to end (root needed): built with cargo-deb, installed with
# dpkg, its unit checked with systemd-analyze, then run from the installed files as the
# unit would run it (the dedicated user, the settings file, the state directory,
# `migrate` then `serve`), stopped with SIGTERM, and purged.
#
#   tests/package.sh [--profile dev|release]   (CI packages the debug build it tested)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[[ "${1:-}" == "--profile" ]] && profile="$2"

say() { echo "package: $*"; }
fail() { echo "package: FAILED: $*" >&2; exit 1; }

out=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null || true
  dpkg --purge securehands >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

# A leftover of an interrupted run.
dpkg --purge securehands >/dev/null 2>&1 || true

say "building the package ($profile profile)"
cargo deb --profile "$profile" -o "$out/" 2>&1 | grep -v "^warning: dev profile\|^ *To enable debug" || true
deb=$(ls "$out"/securehands_*.deb) || fail "no .deb was built"
# (Read whole, not piped into `grep -q`: with pipefail its early exit fails the pipe.)
contents=$(dpkg-deb --contents "$deb")
grep -q "usr/lib/systemd/system/securehands.service" <<<"$contents" || fail "the unit is not in the package"

say "installing $deb"
dpkg -i "$deb" >/dev/null
unit=/usr/lib/systemd/system/securehands.service
[[ -f "$unit" ]] || fail "$unit missing"
say "checking the unit with systemd-analyze"
systemd-analyze verify "$unit" 2>&1 | grep -v "^$" | tee "$out/verify.log" || true
if grep -qi "securehands.service" "$out/verify.log"; then fail "systemd-analyze verify found problems in the unit"; fi
for directive in "User=securehands" "NoNewPrivileges=yes" "ProtectSystem=strict" "StateDirectory=securehands" \
                 "Restart=on-failure" "ExecStartPre=/usr/bin/securehands migrate"; do
  grep -qx "$directive" "$unit" || fail "the unit lacks $directive"
done
id securehands >/dev/null || fail "the securehands user was not created"
[[ "$(stat -c '%U:%G %a' /etc/securehands/securehands.env)" == "root:securehands 640" ]] \
  || fail "settings file ownership: $(stat -c '%U:%G %a' /etc/securehands/securehands.env)"
[[ "$(stat -c '%U %a' /var/lib/securehands)" == "securehands 750" ]] || fail "state directory"

say "running it as the unit would"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_unit() {
  # WorkingDirectory, User, EnvironmentFile of the unit; the port is this test's.
  runuser -u securehands -- sh -c "cd /var/lib/securehands && set -a && . /etc/securehands/securehands.env && set +a \
    && SECUREHANDS_BIND=127.0.0.1:$port && export SECUREHANDS_BIND && exec /usr/bin/securehands $*"
}
as_unit migrate >/dev/null || fail "ExecStartPre (migrate) failed"
as_unit serve >"$out/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$out/serve.log"; fail "the installed service is not ready"; }
[[ -f /var/lib/securehands/securehands.db ]] || fail "the database is not in the state directory"
[[ "$(stat -c '%U %a' /var/lib/securehands/jwt-secret)" == "securehands 600" ]] || fail "generated secret permissions"
# SIGTERM to the service itself, as systemd sends it (runuser only waits for it).
pkill -TERM -u securehands -x securehands || fail "no securehands process of the securehands user"
wait "$server_pid" || { cat "$out/serve.log"; fail "the service did not stop cleanly on SIGTERM"; }
server_pid=
grep -q '"stopped"\|stopped' "$out/serve.log" || fail "no 'stopped' line in the log"

say "purging"
dpkg --purge securehands >/dev/null
[[ ! -e /usr/bin/securehands ]] || fail "the binary survived the purge"
[[ ! -e /var/lib/securehands ]] || fail "the data survived the purge"
! id securehands >/dev/null 2>&1 || fail "the user survived the purge"
say "ok"
