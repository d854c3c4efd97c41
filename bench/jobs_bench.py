#!/usr/bin/env python3
"""Background work at size (P8): what an idle job tick and the senders cost on a large
history compared with a small one, on PostgreSQL.

    python3 bench/jobs_bench.py                       # 10k vs 1M sessions
    python3 bench/jobs_bench.py --small 100 --large 10000 --skip-build   # quicker

For each size, a database is filled by cloning one customer's history: the template
(a pack, an approved SoW, 10 sessions delivered and accepted, their ledger entries,
events and mails, made through the API) is copied N times with SQL, every id
suffixed and every feed position shifted, and the copies' lots expiring 0–359 days
sooner than the template's, a year out (so a quarter of them are inside the 90-day
warning window, and some inside the 30-day one).
The service is then started with the job loop every `--interval` seconds; once the
first run has done the work that was due (the warnings), it is left idle for
`--seconds` and measured: job-loop time per tick (its own metrics), rows PostgreSQL
read (`pg_stat_user_tables`), and CPU of the service and of PostgreSQL. Finally one
tick is logged (`log_statement = 'all'`) and every query it ran is explained
(`EXPLAIN (ANALYZE, BUFFERS)`), written to bench/results-jobs-explain-<size>.txt.

Standard library only; creates and drops its own databases.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request

import deliver_bench as common
import round_trips

TEMPLATE_SESSIONS = 10
DAY_MICROS = 86_400_000_000
# Tables copied per customer, parents first.
TABLES = ["customers", "accounts", "lots", "quotes", "requests", "sows", "sow_revisions",
          "sessions", "ledger_entries", "deficits", "reservation_log", "events",
          "notifications", "alerts_sent", "timeline_checkpoints", "timeline_checkpoint_lots"]
# Integer ids that refer to ledger entries or events (shifted per copy).
LEDGER_IDS = {("ledger_entries", "id"), ("ledger_entries", "reverses_id"),
              ("ledger_entries", "settles_id"), ("deficits", "entry_id")}
EVENT_IDS = {("events", "id"), ("notifications", "event_id")}
# Text columns that are not ids of the copied customer's rows.
SHARED_TEXT = {"calendar_id"}


def psql_rows(url, sql):
    out = subprocess.run(["psql", url, "-qAtF", "\t", "-c", sql], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def seed_template(api, env, accept=True):
    """One customer's history through the API; returns the customer id. With
    `accept=False` its sessions stay delivered (waiting for their acceptance)."""
    am = common.mint(env, "--role", "account_manager")
    lead = common.mint(env, "--role", "soc_lead")
    admin = common.mint(env, "--role", "admin")
    api.call("PUT", "/v1/calendars/fr", admin, {"name": "France", "timezone": "Europe/Paris"})
    contacts = [{"name": "Ann", "email": "ann@example.com", "language": "en",
                 "roles": ["approver", "finance", "technical"]}]
    _, _, cust = api.call("POST", "/v1/customers", am, {
        "name": "C", "calendar_id": "fr", "standalone_agreed": True, "contacts": contacts})
    cid = cust["id"]
    rep = common.mint(env, "--role", "customer", "--customer", cid)
    api.call("POST", f"/v1/customers/{cid}/packs", am, {"units": "100.00", "order_reference": "PO"})
    _, _, sow = api.call("POST", "/v1/sows", lead, {
        "customer_id": cid, "title": "t", "activities": "a",
        "planned_sessions": TEMPLATE_SESSIONS, "planned_units": f"{3 * TEMPLATE_SESSIONS}.00",
        "acceptance_criteria": "c"})
    _, headers, _ = api.call("POST", f"/v1/sows/{sow['id']}/submit", lead, {})
    etag = headers.get("etag") or headers.get("ETag")
    api.call("POST", f"/v1/sows/{sow['id']}/approve", rep, {}, {"If-Match": etag})
    now = time.time()
    for i in range(TEMPLATE_SESSIONS):
        start = now - 86400 * 20 - i * 7200
        s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
        e = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600))
        _, _, ses = api.call("POST", f"/v1/sows/{sow['id']}/sessions", lead,
                             {"starts_at": s, "ends_at": e})
        api.call("POST", f"/v1/sessions/{ses['id']}/deliver", lead, {"started_at": s, "ended_at": e})
        if accept:
            api.call("POST", f"/v1/sessions/{ses['id']}/accept", rep, {})
    # A reader stamps the feed positions the copies are shifted from.
    api.call("GET", f"/v1/events?customer_id={cid}&limit=1", admin)
    return cid


def clone(url, copies, stagger_expiry=True):
    """Copies every row of the template customer `copies` times (one statement per
    table). `stagger_expiry`: the copies' lots expire 0–359 days sooner than the
    template's (otherwise on the same day)."""
    ledger_max = int(psql_rows(url, "SELECT COALESCE(MAX(id), 0) FROM ledger_entries")[0][0])
    ledger_seq = int(psql_rows(url, "SELECT COALESCE(MAX(seq), 0) FROM ledger_entries")[0][0])
    event_max = int(psql_rows(url, "SELECT COALESCE(MAX(id), 0) FROM events")[0][0])
    event_seq = int(psql_rows(url, "SELECT COALESCE(MAX(seq), 0) FROM events")[0][0])
    columns = psql_rows(url, "SELECT table_name, column_name, data_type, is_identity, "
                             "is_generated FROM information_schema.columns "
                             "WHERE table_schema = 'public' "
                             "ORDER BY table_name, ordinal_position")
    by_table = {}
    for table, column, kind, identity, generated in columns:
        # Identity and generated columns (lots.has_units) are the database's to fill.
        if identity != "YES" and generated != "ALWAYS":
            by_table.setdefault(table, []).append((column, kind))
    for table in TABLES:
        cols = by_table.get(table)
        if not cols:
            continue
        exprs = []
        for column, kind in cols:
            key = (table, column)
            if key in LEDGER_IDS:
                exprs.append(f"x.{column} + k * {ledger_max}")
            elif key in EVENT_IDS:
                exprs.append(f"x.{column} + k * {event_max}")
            elif column == "seq":
                step = ledger_seq if table == "ledger_entries" else event_seq
                exprs.append(f"x.seq + k * {step}")
            elif key in (("lots", "expires_at"), ("lots", "warn_at")) and stagger_expiry:
                # The next warning moves with the expiry it warns of.
                exprs.append(f"x.{column} - (k % 360) * {DAY_MICROS}")
            elif kind == "text" and column not in SHARED_TEXT and (
                    column == "id" or column.endswith("_id") or column in ("alert_key",)):
                exprs.append(f"CASE WHEN x.{column} IS NULL THEN NULL ELSE x.{column} || '_' || k END")
            else:
                exprs.append(f"x.{column}")
        names = ", ".join(c for c, _ in cols)
        sql = (f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} x "
               f"CROSS JOIN generate_series(1, {copies}) k")
        t0 = time.time()
        subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)
        common.log(f"  cloned {table} ×{copies} in {time.time() - t0:.1f} s")
    for sql in [
        "UPDATE notifications SET status = 'sent', sent_at = created_at WHERE status <> 'sent'",
        "UPDATE feed_counters SET ledger_last = (SELECT MAX(seq) FROM ledger_entries), "
        "events_last = (SELECT MAX(seq) FROM events)",
        "SELECT setval('ledger_entry_ids', (SELECT MAX(id) FROM ledger_entries))",
        "SELECT setval('event_ids', (SELECT MAX(id) FROM events))",
        "VACUUM ANALYZE",
    ]:
        subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def metrics(port, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(job_duration_seconds_(?:sum|count))\{job="([a-z_]+)"\} ([0-9.e+-]+)$', line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def rows_read(url):
    """Rows read so far, per table (sequential scans and index fetches)."""
    return {t: int(n) for t, n in psql_rows(
        url, "SELECT relname, seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables")}


def measure(args, size, copies):
    name = f"sh_jobs_{size}_{random.randrange(1 << 30)}"
    common.psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    url = common.db_url(args.pg_admin_url, name)
    port = common.free_port()
    env = common.service_env(url, port)
    result = {"size": size, "copies": copies}
    try:
        server = common.start_server(env, port)
        try:
            seed_template(common.Api(port), env)
        finally:
            common.stop_server(server)
        common.log(f"{size}: cloning the template {copies} times")
        clone(url, copies)
        (sessions,) = psql_rows(url, "SELECT COUNT(*) FROM sessions")[0]
        (customers,) = psql_rows(url, "SELECT COUNT(*) FROM customers")[0]
        result.update(sessions=int(sessions), customers=int(customers))
        env["SECUREHANDS_JOB_INTERVAL_SECS"] = str(args.interval)
        admin = common.mint(env, "--role", "admin")
        server = common.start_server(env, port)
        try:
            # The first runs do what was due (warnings for a quarter of the lots).
            deadline = time.time() + 1800
            while time.time() < deadline:
                m = metrics(port, admin)
                if m.get(("job_duration_seconds_count", "housekeeping"), 0) >= 2:
                    break
                time.sleep(1)
            # …and the sender has sent (recorded) the mails those warnings caused.
            while time.time() < deadline:
                (pending,) = psql_rows(url, "SELECT COUNT(*) FROM notifications "
                                            "WHERE status = 'pending'")[0]
                if pending == "0":
                    break
                time.sleep(2)
            time.sleep(args.interval)
            meter = common.CpuMeter(server.pid)
            before = metrics(port, admin)
            # Backends publish their counters when idle (at most every 10 s): wait for
            # the scrape's to land before the window opens.
            time.sleep(11)
            rows0 = rows_read(url)
            meter.start()
            time.sleep(args.seconds)
            svc_cpu, pg_cpu = meter.stop()
            time.sleep(11)
            rows1 = rows_read(url)
            after = metrics(port, admin)
            ticks = (after[("job_duration_seconds_count", "housekeeping")]
                     - before[("job_duration_seconds_count", "housekeeping")])
            # Ticks while rows were counted (the window and the wait after it) and while
            # CPU was (the window).
            counted = (args.seconds + 11) / args.interval
            in_window = args.seconds / args.interval
            spent = sum(v - before.get(k, 0) for k, v in after.items()
                        if k[0] == "job_duration_seconds_sum")
            per_job = {k[1]: (v - before.get(k, 0)) / max(ticks, 1) * 1000
                       for k, v in after.items() if k[0] == "job_duration_seconds_sum"}
            result.update(ticks=ticks, ms_per_tick=1000 * spent / max(ticks, 1),
                          ms_per_job=per_job,
                          rows_per_tick=sum(rows1[t] - rows0.get(t, 0) for t in rows1)
                          / max(counted, 1),
                          rows_by_table={t: (rows1[t] - rows0.get(t, 0)) / max(counted, 1)
                                         for t in rows1 if rows1[t] != rows0.get(t, 0)},
                          service_cpu_ms_per_tick=1000 * svc_cpu / in_window,
                          postgres_cpu_ms_per_tick=1000 * pg_cpu / in_window)
        finally:
            common.stop_server(server)
        # One tick logged statement by statement (a server started afresh: its
        # connections read the database's setting when they open).
        common.psql(args.pg_admin_url, f"ALTER DATABASE {name} SET log_statement = 'all'")
        server = common.start_server(env, port)
        try:
            explain(args, url, name, size)
        finally:
            common.stop_server(server)
            common.psql(args.pg_admin_url, f"ALTER DATABASE {name} RESET log_statement")
        result["verify"] = common.verify(env)
    finally:
        common.psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return result


def explain(args, url, name, size):
    """Logs one tick and explains every query it ran."""
    counter = round_trips.StatementCounter(round_trips.log_file(args.log), name)
    time.sleep(args.interval * 2)
    counter.mark()
    time.sleep(args.interval * 1.5)
    with open(counter.path, "rb") as f:
        f.seek(counter.offset)
        text = f.read().decode(errors="replace")
    queries, last = {}, None
    for line in text.splitlines():
        if f"@{name} " not in line:
            continue
        m = re.search(r"LOG:  execute [^:]+: (SELECT .*)$", line)
        if m:
            last = m.group(1)
            queries.setdefault(last, None)
            continue
        d = re.search(r"DETAIL:  parameters: (.*)$", line)
        if d and last is not None and queries.get(last) is None:
            queries[last] = dict(re.findall(r"(\$\d+) = ('(?:[^']|'')*'|NULL)", d.group(1)))
            last = None
    path = os.path.join(common.ROOT, "bench", f"results-jobs-explain-{size}.txt")
    with open(path, "w") as out:
        for sql, params in queries.items():
            text_sql = sql
            for k in sorted((params or {}), key=lambda p: -int(p[1:])):
                text_sql = text_sql.replace(k, params[k])
            plan = subprocess.run(["psql", url, "-qAt", "-c",
                                   f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {text_sql}"],
                                  capture_output=True, text=True)
            out.write(f"-- {sql}\n{plan.stdout or plan.stderr}\n")
    common.log(f"{size}: {len(queries)} queries explained in {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.binary_args(ap)
    ap.add_argument("--small", type=int, default=1000, help="copies of the template (small)")
    ap.add_argument("--large", type=int, default=100000, help="copies of the template (large)")
    ap.add_argument("--interval", type=int, default=2, help="job loop interval, seconds")
    ap.add_argument("--seconds", type=float, default=20, help="idle window measured")
    ap.add_argument("--log", help="PostgreSQL's log file (default: the newest in /var/log/postgresql)")
    args = ap.parse_args()
    common.use_binaries(args)
    results = [measure(args, "small", args.small), measure(args, "large", args.large)]
    small, large = results
    print("| measure | small | large | large ÷ small | target |")
    print("|---|---|---|---|---|")
    print(f"| sessions / customers | {small['sessions']:,} / {small['customers']:,} | "
          f"{large['sessions']:,} / {large['customers']:,} | | |")
    for key, label in [("ms_per_tick", "job loop time per idle tick (ms)"),
                       ("rows_per_tick", "rows read per idle tick"),
                       ("service_cpu_ms_per_tick", "service CPU per tick (ms)"),
                       ("postgres_cpu_ms_per_tick", "PostgreSQL CPU per tick (ms)")]:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"| {label} | {small[key]:.2f} | {large[key]:.2f} | {ratio:.2f} | ≤ 1.5 |")
    for r in results:
        print(f"\n{r['size']}: verify {r['verify']}; per job (ms/tick): "
              + ", ".join(f"{k} {v:.2f}" for k, v in sorted(r['ms_per_job'].items()))
              + "; rows read per tick by table: "
              + ", ".join(f"{k} {v:.1f}" for k, v in sorted(r['rows_by_table'].items())))
    stamp = int(time.time())
    with open(os.path.join(common.ROOT, "bench", f"results-jobs-{stamp}.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
