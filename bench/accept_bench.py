#!/usr/bin/env python3
"""P9: many sessions reaching their acceptance deadline at once, against deliveries.

    python3 bench/accept_bench.py                  # 10,000 sessions, builds the release binaries
    python3 bench/accept_bench.py --bin /tmp/old-securehands --sessions 2000

On one fresh PostgreSQL database, the service with its default settings (only the
per-token rate limit off):
  1. one customer's history is made through the API (a pack, an approved SoW, 10
     sessions delivered and waiting for acceptance) and cloned with SQL until
     `--sessions` sessions wait (bench/jobs_bench.py's cloner);
  2. P1 as bench/deliver_bench.py measures it (customers with units and sessions in the
     past, 16 kept-alive connections, closed loop, `--duration` s): deliveries/s;
  3. the cloned sessions' deadlines are moved to a minute ago (their reminders marked
     as sent the day before, as they would have been), the service is started with its
     job loop every second, and the auto-acceptance rule's own time (its
     `job_duration_seconds` metric) is read once every session is accepted:
     auto-acceptances/s, and CPU per acceptance for the service and for PostgreSQL.
Target: auto-acceptances/s ÷ deliveries/s ≥ 0.5. `verify` at the end.
Standard library only; creates and drops its own database.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import deliver_bench as common
import jobs_bench


def auto_acceptance(port, token):
    m = jobs_bench.metrics(port, token)
    return (m.get(("job_duration_seconds_sum", "auto_acceptance"), 0.0),
            m.get(("job_duration_seconds_count", "auto_acceptance"), 0.0))


def count(url, sql):
    return int(jobs_bench.psql_rows(url, sql)[0][0])


def measure(args, tmp):
    name = f"sh_accept_{random.randrange(1 << 30)}"
    common.psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    url = common.db_url(args.pg_admin_url, name)
    port = common.free_port()
    env = common.service_env(url, port)
    env["SECUREHANDS_JOB_INTERVAL_SECS"] = "3600"
    result = {}
    try:
        server = common.start_server(env, port)
        try:
            template = jobs_bench.seed_template(common.Api(port), env, accept=False)
        finally:
            common.stop_server(server)
        copies = max(1, args.sessions // jobs_bench.TEMPLATE_SESSIONS - 1)
        common.log(f"cloning the template {copies} times")
        jobs_bench.clone(url, copies, stagger_expiry=False)
        mine = f"(customer_id = '{template}' OR customer_id LIKE '{template}\\_%')"
        waiting = count(url, f"SELECT COUNT(*) FROM sessions WHERE status = 'delivered' AND {mine}")
        result["waiting"] = waiting

        server = common.start_server(env, port)
        try:
            api = common.Api(port)
            common.log("P1: seeding")
            lead, spread, _, _ = common.seed(api, env, args.customers, args.per_customer, 0)
            common.log(f"P1: closed loop, 16 connections, {args.duration} s")
            meter = common.CpuMeter(server.pid)
            meter.start()
            p1 = common.load(spread, tmp, args.duration, 16, url=f"http://127.0.0.1:{port}",
                             token=lead)
            svc, pg = meter.stop()
            result["p1"] = {"per_s": p1["per_s"], "ok": p1["ok"],
                            "failures": common.failures(p1),
                            "service_cpu_ms": 1000 * svc / max(1, p1["ok"]),
                            "postgres_cpu_ms": 1000 * pg / max(1, p1["ok"])}
            # Let the mails and feed positions the deliveries left settle first.
            common.drain(api, common.mint(env, "--role", "finance"), url)
        finally:
            common.stop_server(server)

        micros = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
        subprocess.run(["psql", url, "-qc",
                        f"UPDATE sessions SET acceptance_due = {micros} - 60000000, "
                        f"acceptance_reminder_at = {micros} - 86400000000, "
                        f"reminded_at = {micros} - 86400000000 "
                        f"WHERE status = 'delivered' AND {mine}"],
                       check=True, capture_output=True)
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE sessions"], check=True,
                       capture_output=True)
        env["SECUREHANDS_JOB_INTERVAL_SECS"] = "1"
        admin = common.mint(env, "--role", "admin")
        server = common.start_server(env, port)
        try:
            meter = common.CpuMeter(server.pid)
            meter.start()
            started = time.time()
            left = waiting
            while left and time.time() - started < 1800:
                time.sleep(0.2)
                left = count(url, f"SELECT COUNT(*) FROM sessions "
                                  f"WHERE status = 'delivered' AND {mine}")
            wall = time.time() - started
            svc, pg = meter.stop()
            # The run that applied them has ended once its time is on record.
            time.sleep(1.5)
            took, runs = auto_acceptance(port, admin)
        finally:
            common.stop_server(server)
        accepted = count(url, f"SELECT COUNT(*) FROM sessions WHERE acceptance = 'automatic' "
                              f"AND {mine}")
        result["p9"] = {"accepted": accepted, "left": left, "job_seconds": took,
                        "job_runs": runs, "wall_seconds": wall,
                        "per_s": accepted / took if took else 0.0,
                        "service_cpu_ms": 1000 * svc / max(1, accepted),
                        "postgres_cpu_ms": 1000 * pg / max(1, accepted)}
        result["verify"] = common.verify(env)
    finally:
        common.psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.binary_args(ap)
    ap.add_argument("--sessions", type=int, default=10000, help="sessions due at once")
    ap.add_argument("--customers", type=int, default=20, help="P1: customers")
    ap.add_argument("--per-customer", type=int, default=400, help="P1: sessions each")
    ap.add_argument("--duration", type=float, default=10, help="P1: seconds")
    args = ap.parse_args()
    common.SETTINGS = "defaults"
    common.use_binaries(args, ["deliver_load"])
    with tempfile.TemporaryDirectory() as tmp:
        r = measure(args, tmp)
    p1, p9 = r["p1"], r["p9"]
    ratio = p9["per_s"] / p1["per_s"] if p1["per_s"] else float("nan")
    print("| measure | value |")
    print("|---|---|")
    print(f"| P1 deliveries/s (16 connections) | {p1['per_s']:.0f} |")
    print(f"| auto-acceptances/s ({p9['accepted']:,} due at once; rule's own time "
          f"{p9['job_seconds']:.1f} s, {p9['wall_seconds']:.1f} s from start) "
          f"| {p9['per_s']:.0f} |")
    print(f"| **P9** auto-acceptances/s ÷ P1 | **{ratio:.2f}** (target ≥ 0.5) |")
    print(f"| CPU per acceptance: service / PostgreSQL (ms) | {p9['service_cpu_ms']:.2f} / "
          f"{p9['postgres_cpu_ms']:.2f} |")
    print(f"| CPU per delivery: service / PostgreSQL (ms) | {p1['service_cpu_ms']:.2f} / "
          f"{p1['postgres_cpu_ms']:.2f} |")
    print(f"\nverify: {r['verify']}; P1 non-2xx: {p1['failures'] or 'none'}; "
          f"left delivered: {p9['left']}")
    with open(os.path.join(common.ROOT, "bench", f"results-accept-{int(time.time())}.json"),
              "w") as f:
        json.dump(r, f, indent=2)
    return 0 if r["verify"][0] and not p1["failures"] and not p9["left"] else 1


if __name__ == "__main__":
    sys.exit(main())
