#!/usr/bin/env python3
"""What finance systems poll, against the database's own limit (issue: read path, P7).

    cargo build --release --bin securehands --example read_load
    python3 bench/read_bench.py [--rounds 3] [--seconds 8] [--connections 8]

Starts the release binary on a fresh PostgreSQL database with its default settings
(only the per-token rate limit turned off, as a finance system's own limit would be; its
log, `info` with an access line per request, goes to a file; `--log warn` quiets it),
seeds one customer with packs, a SoW and delivered sessions (so the ledger and the
events have pages), then alternates, round by round, a closed loop of N connections on
each read (target/release/examples/read_load) and `pgbench -S -M prepared` with the same
N clients on a scale-8 pgbench database. Prints the median requests/s of each read, the
median pgbench tps, and their ratios (P7 is the balance's), and where the CPU went: the
median CPU microseconds per request of the service, of PostgreSQL (every process of
the cluster, backends that ended included) and of the load client, beside PostgreSQL's
and pgbench's per pgbench transaction. `--reads balance` runs only the named reads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The helpers of the API-key bench (same directory): one copy of each.
from auth_bench import call, free_port, load_round  # noqa: E402
from deliver_bench import CpuMeter  # noqa: E402

READS = ("balance", "ledger_page", "events_page")

# The statement `GET …/balance` runs (`storage::accounts::balance_now`), sent by pgbench
# itself: what the read costs PostgreSQL with no service in front of it.
BALANCE_SQL = (
    "SELECT a.customer_id, a.total, a.reserved, a.deficit, l.id AS lot_id, l.remaining, "
    "l.expires_at, l.received_on FROM accounts a "
    "LEFT JOIN lots l ON l.customer_id = a.customer_id AND l.expired = FALSE "
    "WHERE a.customer_id = :customer ORDER BY l.expires_at, l.received_on, l.id;\n"
)


def children_cpu() -> float:
    """CPU seconds of the reaped children (the load client, pgbench) so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pgbench_tps(pg_url: str, db: str, clients: int, seconds: float, script: list[str] | None = None) -> float:
    """`pgbench -M prepared` on `db`: its built-in `-S`, or `script` (a file and its `-D`
    variables) when given."""
    url = pg_url.rsplit("/", 1)[0] + "/" + db
    how = ["-n", *script] if script else ["-S"]
    out = subprocess.run(["pgbench", *how, "-M", "prepared", "-c", str(clients), "-j", "2",
                          "-T", str(int(seconds)), url], check=True, capture_output=True, text=True).stdout
    m = re.search(r"tps = ([0-9.]+)", out)
    if not m:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    return float(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--binary", default=str(REPO / "target/release/securehands"))
    ap.add_argument("--load", default=str(REPO / "target/release/examples/read_load"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--reads", default=",".join(READS), help="comma-separated subset of " + ", ".join(READS))
    ap.add_argument("--log", default="default",
                    help="the service's RUST_LOG; `default` leaves it unset (the service's own `info`, "
                         "an access line per request), written to a file as an operator's journal would")
    args = ap.parse_args()
    chosen = [r.strip() for r in args.reads.split(",") if r.strip()]
    if not chosen or any(r not in READS for r in chosen):
        ap.error(f"--reads: choose among {', '.join(READS)}")

    work = tempfile.mkdtemp(prefix="sh_read_bench_")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    dbname = "sh_read_bench_" + uuid.uuid4().hex[:12]
    pgb = "sh_read_bench_pgbench_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", args.pg_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
    subprocess.run(["psql", args.pg_url, "-qc", f"CREATE DATABASE {pgb}"], check=True)
    subprocess.run(["pgbench", "-i", "-q", "-s", "8", args.pg_url.rsplit("/", 1)[0] + "/" + pgb],
                   check=True, capture_output=True)
    env["DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + "/" + dbname
    env.update({
        "SECUREHANDS_BIND": f"127.0.0.1:{port}",
        "SECUREHANDS_PUBLIC_URL": api,
        "SECUREHANDS_JWT_SECRET": "read-bench-secret-" + "x" * 32,
        "SECUREHANDS_RATE_LIMIT_PER_SECOND": "0",
    })
    env.pop("RUST_LOG", None)
    if args.log != "default":
        env["RUST_LOG"] = args.log
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "server.log"), "w"))
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(api + "/readyz")
                break
            except OSError:
                time.sleep(0.05)
        token = lambda *a: subprocess.run([args.binary, "token", "--ttl", "2h", *a], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip()
        admin, finance, lead = token("--role", "admin"), token("--role", "finance"), token("--role", "soc_lead")
        call(api, "PUT", "/v1/calendars/fr-paris", admin, {"name": "Paris", "timezone": "Europe/Paris"})
        customer = call(api, "POST", "/v1/customers", admin, {"name": "Bench", "calendar_id": "fr-paris",
                        "securecall": {"reference": "SC-B", "starts_on": "2020-01-01", "ends_on": "2030-12-31"}})["id"]
        for i in range(3):
            call(api, "POST", f"/v1/customers/{customer}/packs", admin, {"units": "100.00", "order_reference": f"PO-{i}"})
        sow = call(api, "POST", "/v1/sows", lead, {"customer_id": customer, "title": "Bench", "activities": "a",
                   "planned_sessions": 100, "planned_units": "100.00", "acceptance_criteria": "c"})["id"]
        # Submitting and approving goes through the API like a customer would.
        req = urllib.request.Request(f"{api}/v1/sows/{sow}/submit", data=b"{}", method="POST")
        req.add_header("Authorization", f"Bearer {lead}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req) as r:
            etag = r.headers["ETag"]
        rep = token("--role", "customer", "--customer", customer)
        req = urllib.request.Request(f"{api}/v1/sows/{sow}/approve", data=b"{}", method="POST")
        req.add_header("Authorization", f"Bearer {rep}")
        req.add_header("Content-Type", "application/json")
        req.add_header("If-Match", etag)
        urllib.request.urlopen(req).read()
        now = time.time()
        for i in range(40):
            start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 86400 * (i + 2)))
            end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 86400 * (i + 2) + 3600))
            sid = call(api, "POST", f"/v1/sows/{sow}/sessions", lead, {"starts_at": start, "ends_at": end})["id"]
            call(api, "POST", f"/v1/sessions/{sid}/deliver", lead, {"started_at": start, "ended_at": end})
        reads = {
            "balance": f"{api}/v1/customers/{customer}/balance",
            "ledger_page": f"{api}/v1/ledger?customer_id={customer}&limit=50",
            "events_page": f"{api}/v1/events?customer_id={customer}&limit=50",
        }
        reads = {name: reads[name] for name in chosen}
        meter = CpuMeter(server.pid)

        def measured(run):
            """Runs one round; returns (its rate as the client reports it, CPU µs per
            request or transaction of the service, of PostgreSQL and of the client)."""
            client0 = children_cpu()
            meter.start()
            rate, count = run()
            service, postgres = meter.stop()
            client = children_cpu() - client0
            per = 1e6 / max(count, 1)
            return rate, (service * per, postgres * per, client * per)

        def round_of(url: str):
            def run() -> tuple[float, int]:
                r = load_round(args.load, url, finance, args.connections, args.seconds)
                return r["requests_per_second"], r["requests"]
            return measured(run)

        def pgbench_round(db: str = pgb, script: list[str] | None = None):
            def run() -> tuple[float, int]:
                tps = pgbench_tps(args.pg_url, db, args.connections, args.seconds, script)
                return tps, round(tps * int(args.seconds))
            return measured(run)

        script = os.path.join(work, "balance.sql")
        with open(script, "w") as f:
            f.write(BALANCE_SQL)
        balance_script = ["-f", script, "-D", f"customer={customer}"]

        round_of(next(iter(reads.values())))  # warm-up
        results: dict[str, list] = {name: [] for name in reads}
        pg: list = []
        statement: list = []
        for _ in range(args.rounds):
            pg.append(pgbench_round())
            if "balance" in reads:
                statement.append(pgbench_round(dbname, balance_script))
            for name, url in reads.items():
                results[name].append(round_of(url))
        pg_median = statistics.median(rate for rate, _ in pg)

        def cpu(rounds, names):
            return {name: round(statistics.median(c[i] for _, c in rounds), 1)
                    for i, name in enumerate(names) if name}

        report = {"connections": args.connections, "pgbench_select_tps": [round(x) for x, _ in pg],
                  "median_pgbench_tps": round(pg_median),
                  "pgbench_cpu_us": cpu(pg, (None, "postgres", "pgbench"))}
        if statement:
            # The balance's statement alone (pgbench in the service's place): how much of
            # the distance to `-S` is the statement's, how much the service's.
            report["balance_statement_tps"] = [round(x) for x, _ in statement]
            report["balance_statement_ratio"] = round(
                statistics.median(x for x, _ in statement) / pg_median, 3)
            report["balance_statement_cpu_us"] = cpu(statement, (None, "postgres", "pgbench"))
        for name, values in results.items():
            report[f"{name}_rps"] = [round(x) for x, _ in values]
            report[f"{name}_ratio"] = round(statistics.median(x for x, _ in values) / pg_median, 3)
            report[f"{name}_cpu_us"] = cpu(values, ("service", "postgres", "client"))
        print(json.dumps(report))
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        for db in (dbname, pgb):
            subprocess.run(["psql", args.pg_url, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])


if __name__ == "__main__":
    sys.exit(main())
