#!/usr/bin/env python3
"""Round trips to PostgreSQL per use case, counted by PostgreSQL itself.

    python3 bench/round_trips.py            # builds the release binary first

Starts the release `serve` on a fresh database whose sessions log every statement
(`ALTER DATABASE … SET log_statement = 'all'`), seeds a customer with a pack, an
approved SoW and sessions, then runs each use case that moves units once, alone, and each read finance systems
poll, and counts the statements the database logged for it (BEGIN and COMMIT included: each is
one round trip, as every statement is with sqlx), and a delivery recorded after a
timeline checkpoint it falls before. Background loops are parked so
nothing else talks to the database meanwhile. Prints a table; exits 1 when a use case
needs more than `--limit` round trips.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

import deliver_bench as common

LOG_GLOB = "/var/log/postgresql"


def log_file(path):
    if path:
        return path
    logs = [os.path.join(LOG_GLOB, f) for f in os.listdir(LOG_GLOB) if f.endswith(".log")]
    return max(logs, key=os.path.getmtime)


class StatementCounter:
    """Counts the statements PostgreSQL logs for one database from a point on."""

    def __init__(self, path, database):
        self.path, self.database = path, database
        self.offset = os.path.getsize(path)

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def statements(self, settle=0.4):
        time.sleep(settle)
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            text = f.read().decode(errors="replace")
        self.offset += len(text.encode())
        found = []
        for line in text.splitlines():
            if f"@{self.database} " not in line:
                continue
            for marker in ("LOG:  statement: ", "LOG:  execute "):
                if marker in line:
                    found.append(line.split(marker, 1)[1][:160])
        return found


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.binary_args(ap)
    ap.add_argument("--log", help="PostgreSQL's log file (default: the newest in /var/log/postgresql)")
    ap.add_argument("--limit", type=int, default=6)
    ap.add_argument("--show", action="store_true", help="print each statement")
    args = ap.parse_args()
    common.use_binaries(args)
    name = f"sh_trips_{random.randrange(1 << 30)}"
    common.psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    common.psql(args.pg_admin_url, f"ALTER DATABASE {name} SET log_statement = 'all'")
    port = common.free_port()
    env = common.service_env(common.db_url(args.pg_admin_url, name), port)
    env.update(SECUREHANDS_NOTIFY_INTERVAL_MS="3600000")
    server = common.start_server(env, port)
    rows = []
    try:
        api = common.Api(port)
        am = common.mint(env, "--role", "account_manager")
        lead = common.mint(env, "--role", "soc_lead")
        manager = common.mint(env, "--role", "soc_manager")
        admin = common.mint(env, "--role", "admin")
        api.call("PUT", "/v1/calendars/fr", admin, {"name": "France", "timezone": "Europe/Paris"})
        _, _, cust = api.call("POST", "/v1/customers", am,
                              {"name": "C", "calendar_id": "fr", "standalone_agreed": True})
        cid = cust["id"]
        rep = common.mint(env, "--role", "customer", "--customer", cid)
        api.call("POST", f"/v1/customers/{cid}/packs", am, {"units": "100.00", "order_reference": "PO"})
        _, _, sow = api.call("POST", "/v1/sows", lead, {
            "customer_id": cid, "title": "t", "activities": "a", "planned_sessions": 10,
            "planned_units": "30.00", "acceptance_criteria": "c"})
        _, headers, _ = api.call("POST", f"/v1/sows/{sow['id']}/submit", lead, {})
        etag = headers.get("etag") or headers.get("ETag")
        time.sleep(2)  # the job loop's first run at start is not a use case
        counter = StatementCounter(log_file(args.log), name)

        def measure(label, method, path, token, body=None, headers=None):
            counter.mark()
            status, _, out = api.call(method, path, token, body, headers)
            found = counter.statements()
            rows.append((label, status, len(found)))
            if args.show:
                print(f"-- {label}", file=sys.stderr)
                for s in found:
                    print(f"   {s}", file=sys.stderr)
            return out

        measure("SoW approval (reserves units)", "POST", f"/v1/sows/{sow['id']}/approve", rep, {},
                {"If-Match": etag})
        now = time.time()
        sessions = []
        for i in range(4):
            start = now - 86400 * 3 - i * 7200
            s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
            e = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600))
            _, _, ses = api.call("POST", f"/v1/sows/{sow['id']}/sessions", lead,
                                 {"starts_at": s, "ends_at": e})
            sessions.append((ses["id"], s, e))
        delivered, s, e = sessions[0]
        measure("delivery", "POST", f"/v1/sessions/{delivered}/deliver", lead,
                {"started_at": s, "ended_at": e})
        measure("late cancellation", "POST", f"/v1/sessions/{sessions[1][0]}/cancel", rep,
                {"reason": "customer_request"})
        measure("no-show", "POST", f"/v1/sessions/{sessions[2][0]}/no-show", lead, {})
        api.call("POST", f"/v1/sessions/{delivered}/complaints", rep, {"reason": "wrong"})
        measure("reversal (complaint decision)", "POST",
                f"/v1/sessions/{delivered}/complaints/decision", manager,
                {"reverse_units": "1.00", "reason": "partly right"})
        measure("pack sale", "POST", f"/v1/customers/{cid}/packs", am,
                {"units": "10.00", "order_reference": "PO2"})
        # Enough movements for a timeline checkpoint at "now": the last session, which
        # ended days ago (before its SoW was provisioned), is then recorded late and
        # corrects the checkpoint with its debit and with the reservation it consumed.
        for _ in range(256):
            api.call("POST", f"/v1/customers/{cid}/packs", am,
                     {"units": "0.01", "order_reference": "PO3"})
        late, s, e = sessions[3]
        measure("delivery recorded after a checkpoint", "POST", f"/v1/sessions/{late}/deliver",
                lead, {"started_at": s, "ended_at": e})
        # What finance systems poll (each read once before, so a first reader's catch-up
        # of the feed positions is not counted).
        finance = common.mint(env, "--role", "finance")
        reads = (("read: balance", f"/v1/customers/{cid}/balance"),
                 ("read: ledger page", f"/v1/ledger?customer_id={cid}&limit=50"),
                 ("read: events page", f"/v1/events?customer_id={cid}&limit=50"))
        for _, path in reads:
            api.call("GET", path, finance)
        for label, path in reads:
            measure(label, "GET", path, finance)
    finally:
        common.stop_server(server)
        common.psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"| use case | status | round trips (limit {args.limit}) |")
    print("|---|---|---|")
    worst = 0
    for label, status, n in rows:
        print(f"| {label} | {status} | {n} |")
        worst = max(worst, n)
    sys.exit(0 if worst <= args.limit and all(200 <= s < 300 for _, s, _ in rows) else 1)


if __name__ == "__main__":
    main()
