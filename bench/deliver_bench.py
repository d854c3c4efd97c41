#!/usr/bin/env python3
"""Deliveries at the database's pace: the hot path (pricing, the SoW's reservation,
FIFO debit, ledger entries, events, the completion statement) measured next to what
the same database does with pgbench, in one run.

    python3 bench/deliver_bench.py            # builds the release binaries first

PostgreSQL (release `serve`, 40 customers, sessions seeded so every request is a real
delivery, fired by `examples/deliver_load.rs` with 16 kept-alive connections):
  P1  deliveries/s ÷ pgbench TPC-B-like tps (-c 8 -j 2 -M prepared, scale 8)
  P3  p99 of deliveries at half P1's rate ÷ pgbench's p99 at the same rate (-R)
  P5  one hot customer's deliveries/s ÷ the rate spread over 40 customers
SQLite:
  P2  deliveries/s through the API ÷ the same service call in a loop without HTTP
And CPU ms per delivery for the service and for PostgreSQL (from /proc), `verify` after
each backend, and every non-2xx counted. Standard library only; creates and drops its
own databases. Results: a table on stdout and bench/results-deliver-<time>.json.
"""

import argparse
import concurrent.futures as cf
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SECRET = "bench-secret-bench-secret-bench-secret-0123"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/securehands")
LOAD = os.path.join(ROOT, "target/release/examples/deliver_load")
TICK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(admin, sql):
    subprocess.run(["psql", admin, "-qAtc", sql], check=True, capture_output=True)


SSLMODE = "default"


def wal_position(admin):
    """Bytes of WAL the cluster has written so far (the cluster's other databases are
    idle during a bench, so the difference is the load's)."""
    out = subprocess.run(["psql", admin, "-qAtc",
                          "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def db_url(admin, name):
    """`admin` pointed at database `name`, with the run's `sslmode` (the same for the
    service and for pgbench), or none (`default`: each side's own default)."""
    base = f"{admin.split('?')[0].rsplit('/', 1)[0]}/{name}"
    return base if SSLMODE == "default" else f"{base}?sslmode={SSLMODE}"


# --- CPU from /proc ----------------------------------------------------------------

def ticks(pid, children=False):
    """utime + stime of a process (with `children`, also of its children it reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        own = int(fields[11]) + int(fields[12])
        return own + (int(fields[13]) + int(fields[14]) if children else 0)
    except (OSError, IndexError, ValueError):
        return None


def parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def postgres_pids():
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(p))
            except OSError:
                pass
    return pids


def machine_busy():
    """(busy, all) CPU seconds of the whole machine since boot, every core (`/proc/stat`):
    what the service, PostgreSQL, the load client and everything else used together."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICK, sum(fields) / TICK


def postgres_kind(pid):
    """What a PostgreSQL process does, from its title: `backend` for a client's
    connection, else the auxiliary process's name (`autovacuum worker`, `walwriter`,
    `checkpointer`, …); `postmaster` for the server itself."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "gone"
    if not title.startswith("postgres:"):
        return "postmaster"
    rest = title.split(":", 2)[-1].strip()
    for aux in ("autovacuum worker", "autovacuum launcher", "walwriter", "checkpointer",
                "background writer", "logical replication launcher", "stats collector"):
        if rest.startswith(aux):
            return aux
    return "backend"


class CpuMeter:
    """CPU seconds used by the service and by every PostgreSQL process between
    `start` and `stop`. Processes born in between count from zero; backends that
    ended in between (pgbench's) count through the postmaster's reaped-children
    time. `machine` holds the whole machine's busy seconds over the last span;
    `postgres_by_kind` PostgreSQL's seconds by kind of process (a sampler thread sees
    short-lived ones such as autovacuum workers before they end; what ended unseen is
    `ended, unseen`)."""

    def __init__(self, service_pid):
        self.service_pid = service_pid
        self.machine = 0.0
        self.postgres_by_kind = {}

    def snapshot(self):
        pids = postgres_pids()
        pg = {}
        for p in pids:
            master = parent(p) not in pids
            t = ticks(p, children=master)
            if t is not None:
                pg[p] = t
        return ticks(self.service_pid) or 0, pg

    def _sample(self):
        while not self._done.wait(0.5):
            for p in postgres_pids():
                t = ticks(p)
                if t is not None:
                    if p not in self._kinds:
                        self._kinds[p] = postgres_kind(p)
                    self._last[p] = t

    def start(self):
        self.before = self.snapshot()
        self._own_before = {p: ticks(p) or 0 for p in self.before[1]}
        self._kinds = {p: postgres_kind(p) for p in self.before[1]}
        self._last = {}
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self.machine_before = machine_busy()[0]

    def stop(self):
        svc0, pg0 = self.before
        svc1, pg1 = self.snapshot()
        self.machine = machine_busy()[0] - self.machine_before
        self._done.set()
        self._sampler.join()
        pg = sum(t - pg0.get(p, 0) for p, t in pg1.items())
        by_kind = {}
        for p, kind in self._kinds.items():
            if kind == "postmaster":
                continue
            now = ticks(p) if p in pg1 else self._last.get(p)
            if now is None:
                continue
            spent = now - self._own_before.get(p, 0)
            by_kind[kind] = by_kind.get(kind, 0) + spent
        reaped = sum(t - pg0.get(p, 0) - (ticks(p) or 0) + self._own_before.get(p, 0)
                     for p, t in pg1.items() if self._kinds.get(p) == "postmaster")
        ended_seen = sum(self._last.get(p, 0) - self._own_before.get(p, 0)
                         for p in self._kinds if p not in pg1)
        by_kind["ended, unseen"] = max(0, reaped - ended_seen)
        self.postgres_by_kind = {k: v / TICK for k, v in by_kind.items()}
        return (svc1 - svc0) / TICK, pg / TICK


# --- the service ---------------------------------------------------------------------

class Api:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, path, token, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")


def mint(env, *args):
    out = subprocess.run([BIN, "token", *args, "--ttl", "4h"], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def start_server(env, port):
    # The log goes to a file, as it would to a journal (the access log is one line per
    # request at the default level).
    log_path = os.path.join(tempfile.gettempdir(), f"securehands-bench-{port}.log")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(log_path, "wb"))
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return server
        except Exception:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the service did not become ready")


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


SETTINGS = "bench"
# `--service-env NAME=VALUE`: settings given to the service on top of the others.
EXTRA_ENV = {}


def service_env(database_url, port):
    """The service's environment. `SETTINGS = "defaults"`: its default settings with only
    the per-token rate limit off (what an operator runs); "bench": the job loop parked
    and the pool and in-flight limits raised (how this harness measured until issue 18)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SECUREHANDS_") and k not in ("RUST_LOG", "DATABASE_URL")}
    env.update(DATABASE_URL=database_url, SECUREHANDS_JWT_SECRET=SECRET,
               SECUREHANDS_BIND=f"127.0.0.1:{port}", SECUREHANDS_RATE_LIMIT_PER_SECOND="0")
    if SETTINGS == "bench":
        env.update(RUST_LOG="warn", SECUREHANDS_JOB_INTERVAL_SECS="3600",
                   SECUREHANDS_MAX_INFLIGHT="4096", SECUREHANDS_DB_MAX_CONNECTIONS="32",
                   SECUREHANDS_NOTIFY_INTERVAL_MS="1000")
    env.update(EXTRA_ENV)
    return env


def seed(api, env, customers, per_customer, hot_sessions, holidays=0, order="shuffled"):
    """`customers` customers with units and an approved SoW, `per_customer` sessions
    each in the past (so each can be delivered at once), plus a hot customer with
    `hot_sessions` sessions over as many SoWs as it takes. Returns (spread, hot) work
    lists of (session_id, start, end) and the seconds the hot customer's sessions took to
    schedule, one at a time into SoWs that grow to 1,000 sessions each.

    `order`: `chronological` gives each customer's sessions oldest first (customers
    interleaved at random), as a SOC delivers sessions once they have taken place;
    `shuffled` gives the spread sessions in random order and the hot customer's newest
    first, so many deliveries fall before a timeline checkpoint of their customer and
    correct it (a late delivery's extra work; the order of every run before 2026-12-08)."""
    admin = mint(env, "--role", "admin")
    am = mint(env, "--role", "account_manager")
    lead = mint(env, "--role", "soc_lead")
    api.call("PUT", "/v1/calendars/fr", admin, {"name": "France", "timezone": "Europe/Paris"})
    # A calendar kept for years holds every year's holidays: `--holidays N` adds N days,
    # eleven a year going back from this year (every use case reads them with its lock).
    year = time.gmtime().tm_year
    for i in range(holidays):
        day = f"{year - i // 11}-{1 + (i % 11):02d}-{10 + (i % 11):02d}"
        api.call("PUT", f"/v1/calendars/fr/holidays/{day}", admin, {})
    now = time.time()

    def customer(c, sessions):
        _, _, cust = api.call("POST", "/v1/customers", am,
                              {"name": f"C{c}", "calendar_id": "fr", "standalone_agreed": True})
        cid = cust["id"]
        api.call("POST", f"/v1/customers/{cid}/packs", am,
                 {"units": "100000.00", "order_reference": "PO"})
        rep = mint(env, "--role", "customer", "--customer", cid)
        work = []
        for w in range(0, sessions, 1000):
            n = min(1000, sessions - w)
            _, _, sow = api.call("POST", "/v1/sows", lead, {
                "customer_id": cid, "title": "bench", "activities": "a", "planned_sessions": n,
                "planned_units": f"{n * 3}.00", "acceptance_criteria": "c"})
            _, headers, _ = api.call("POST", f"/v1/sows/{sow['id']}/submit", lead, {})
            etag = headers.get("etag") or headers.get("ETag")
            api.call("POST", f"/v1/sows/{sow['id']}/approve", rep, {}, headers={"If-Match": etag})
            for i in range(n):
                start = now - 86400 * 3 - (w + i) * 7200
                s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
                e = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600))
                _, _, ses = api.call("POST", f"/v1/sows/{sow['id']}/sessions", lead,
                                     {"starts_at": s, "ends_at": e})
                work.append((ses["id"], s, e))
        return work

    with cf.ThreadPoolExecutor(8) as pool:
        # Each customer's sessions come newest first (`customer` schedules back in time).
        by_customer = list(pool.map(lambda c: customer(c, per_customer), range(customers)))
        started = time.monotonic()
        hot = customer(customers, hot_sessions) if hot_sessions else []
        hot_seconds = time.monotonic() - started
    if order == "chronological":
        # A random interleaving of the customers; each turn pops that customer's oldest.
        turns = [c for c, ws in enumerate(by_customer) for _ in ws]
        random.shuffle(turns)
        spread = [by_customer[c].pop() for c in turns]
        hot.reverse()
    else:
        spread = [w for ws in by_customer for w in ws]
        random.shuffle(spread)
    return lead, spread, hot, hot_seconds


def load(work, tmp, duration, connections=16, rate=None, url=None, token="", database_url=None):
    """Runs the load generator on `work`; returns its JSON summary."""
    path = os.path.join(tmp, f"work-{random.randrange(1 << 30)}.txt")
    with open(path, "w") as f:
        f.writelines(f"{i} {s} {e}\n" for i, s, e in work)
    cmd = [LOAD, "--work", path, "--connections", str(connections), "--duration", str(duration)]
    cmd += ["--url", url, "--token", token] if url else ["--database-url", database_url]
    if rate:
        cmd += ["--rate", f"{rate:.1f}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def drain(api, token, database_url, timeout=600):
    """Polls the events feed (which stamps waiting positions) until no entry or event
    waits for a position and no mail or webhook delivery is pending; returns the
    seconds it took."""
    start = time.time()
    check = ("SELECT (SELECT COUNT(*) FROM ledger_entries WHERE seq IS NULL) "
             "+ (SELECT COUNT(*) FROM events WHERE seq IS NULL) "
             "+ (SELECT COUNT(*) FROM notifications WHERE status = 'pending')")
    while time.time() - start < timeout:
        api.call("GET", "/v1/events?limit=1", token)
        out = subprocess.run(["psql", database_url, "-qAtc", check], check=True,
                             capture_output=True, text=True).stdout.strip()
        if out == "0":
            break
        time.sleep(0.5)
    return time.time() - start


def take(work, n, last=False):
    """Removes and returns the first `n` items of `work`, or its last `n` with `last`
    (delivered sessions are spent)."""
    cut = slice(len(work) - n, None) if last else slice(0, n)
    taken = work[cut]
    del work[cut]
    return taken


def binary_args(ap):
    """The flags every PostgreSQL bench shares: the admin URL, the binary, the build."""
    ap.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--bin", help="the service binary (default: the release build)")


def use_binaries(args, examples=()):
    """Points the helpers at `--bin` and builds, unless `--skip-build`, the release
    binary (when no `--bin` is given) and the `examples` the bench drives."""
    global BIN
    if args.bin:
        BIN = os.path.abspath(args.bin)
    if args.skip_build:
        return
    cmd = ["cargo", "build", "--release"] + [a for e in examples for a in ("--example", e)]
    if not args.bin:
        cmd += ["--bin", "securehands"]
    if len(cmd) > 3:
        subprocess.run(cmd, cwd=ROOT, check=True)


def verify(env):
    r = subprocess.run([BIN, "verify"], env=env, capture_output=True, text=True)
    text = (r.stdout + r.stderr).strip()
    return r.returncode == 0, text.splitlines()[0] if text else ""


def failures(summary):
    return {k: v for k, v in summary["outcomes"].items() if k != "ok"}


# --- pgbench ---------------------------------------------------------------------------

def pgbench_db(admin):
    name = f"sh_pgbench_{random.randrange(1 << 30)}"
    psql(admin, f"CREATE DATABASE {name}")
    url = db_url(admin, name)
    subprocess.run(["pgbench", "-i", "-q", "-s", "8", url], check=True, capture_output=True)
    return name, url


def pgbench(url, duration, rate=None, tmp=None):
    """pgbench TPC-B-like: (tps, p99 ms or None, database CPU s, machine CPU s)."""
    cmd = ["pgbench", "-c", "8", "-j", "2", "-M", "prepared", "-T", str(int(duration)), url]
    prefix = None
    if rate:
        prefix = os.path.join(tmp, f"pgb{random.randrange(1 << 30)}")
        cmd += ["-R", f"{rate:.1f}", "-l", "--log-prefix", prefix]
    meter = CpuMeter(os.getpid())
    meter.start()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tmp).stdout
    _, pg_cpu = meter.stop()
    machine_cpu = meter.machine
    tps = next(float(l.split("=")[1].split()[0]) for l in out.splitlines() if l.startswith("tps"))
    p99 = None
    if prefix:
        lat = []
        for fn in os.listdir(os.path.dirname(prefix)):
            if fn.startswith(os.path.basename(prefix)):
                with open(os.path.join(os.path.dirname(prefix), fn)) as f:
                    lat += [int(l.split()[2]) / 1000 for l in f if l.strip()]
        lat.sort()
        p99 = lat[max(0, int(len(lat) * 0.99) - 1)] if lat else None
    return tps, p99, pg_cpu, machine_cpu


# --- the runs ---------------------------------------------------------------------------

def run_postgres(args, tmp):
    name = f"sh_deliver_{random.randrange(1 << 30)}"
    psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    port = free_port()
    env = service_env(db_url(args.pg_admin_url, name), port)
    result = {"order": args.order}
    server = start_server(env, port)
    try:
        api = Api(port)
        log(f"postgres: seeding (sessions delivered in {args.order} order)")
        lead, spread, hot, hot_seconds = seed(api, env, args.customers, args.sessions,
                                              args.hot_sessions, args.holidays, args.order)
        result["scheduling_ms"] = 1000 * hot_seconds / max(1, len(hot))
        url = f"http://127.0.0.1:{port}"
        meter = CpuMeter(server.pid)
        log("postgres: P1 closed loop, 16 connections, spread over customers")
        wal_before = wal_position(args.pg_admin_url)
        # A third of the spread sessions is kept for P3: on a fast machine P1 would
        # otherwise deliver them all and leave P3 nothing to measure. The last third,
        # so that in chronological order P3 delivers what comes after P1.
        p3_work = take(spread, len(spread) // 3, last=True)
        meter.start()
        p1 = load(spread, tmp, args.duration, args.connections, url=url, token=lead)
        svc_cpu, pg_cpu = meter.stop()
        wal_after = wal_position(args.pg_admin_url)
        take(spread, p1["ok"] + sum(failures(p1).values()))
        if p1["elapsed_s"] < 0.9 * args.duration:
            log(f"postgres: P1 delivered every session in {p1['elapsed_s']:.1f} s (raise --sessions)")
        result["p1"] = p1
        result["cpu_ms_per_delivery"] = {"service": 1000 * svc_cpu / max(1, p1["ok"]),
                                         "postgres": 1000 * pg_cpu / max(1, p1["ok"]),
                                         "machine": 1000 * meter.machine / max(1, p1["ok"])}
        result["postgres_ms_per_delivery_by_kind"] = {
            k: 1000 * v / max(1, p1["ok"]) for k, v in meter.postgres_by_kind.items()}
        result["wal_bytes_per_delivery"] = (wal_after - wal_before) / max(1, p1["ok"])
        # Work the deliveries left for later: feed positions (stamped by the first
        # reader or the job loop), mails and webhook deliveries. A finance system polls
        # the events feed; the meter runs until nothing is left.
        finance = mint(env, "--role", "finance")
        meter.start()
        drain_s = drain(api, finance, db_url(args.pg_admin_url, name))
        d_svc, d_pg = meter.stop()
        result["deferred"] = {"seconds": drain_s,
                              "service_ms_per_delivery": 1000 * d_svc / max(1, p1["ok"]),
                              "postgres_ms_per_delivery": 1000 * d_pg / max(1, p1["ok"]),
                              "postgres_ms_per_delivery_by_kind": {
                                  k: 1000 * v / max(1, p1["ok"])
                                  for k, v in meter.postgres_by_kind.items()}}
        rate = p1["per_s"] / 2
        log(f"postgres: P3 open loop at {rate:.0f}/s")
        n = int(rate * args.duration) + 1
        if n > len(p3_work):
            log(f"postgres: P3 has {len(p3_work)} sessions for {n}: it ends early (raise --sessions)")
        meter.start()
        p3 = load(take(p3_work, n), tmp, args.duration, rate=rate, url=url, token=lead)
        meter.stop()
        result["p3"] = p3
        # What else ran while P3 measured latency (autovacuum after P1's writes, the
        # checkpointer), per delivery of P3.
        result["p3"]["postgres_ms_per_delivery_by_kind"] = {
            k: 1000 * v / max(1, p3["ok"]) for k, v in meter.postgres_by_kind.items()}
        log("postgres: P5 one hot customer")
        meter.start()
        p5 = load(hot, tmp, args.duration, args.connections, url=url, token=lead)
        p5_svc, p5_pg = meter.stop()
        result["p5"] = p5
        # Whether the hot customer waits on the CPU or on its chain of round trips under
        # its account lock: the CPU per delivery and how busy the machine was.
        result["p5"]["cpu_ms_per_delivery"] = {"service": 1000 * p5_svc / max(1, p5["ok"]),
                                               "postgres": 1000 * p5_pg / max(1, p5["ok"])}
        result["p5"]["machine_busy_share"] = meter.machine / max(
            1e-9, p5["elapsed_s"] * (os.cpu_count() or 1))
        # The other deferred work: the old row versions every delivery leaves (the
        # session, lot, SoW and account it updates, the feed rows the sequencer
        # re-writes) and the new rows' visibility, which autovacuum takes care of some
        # time later. Measured by running that VACUUM now, once every row is stamped,
        # per delivery of P1, P3 and P5.
        drain(api, finance, db_url(args.pg_admin_url, name))
        meter.start()
        psql(db_url(args.pg_admin_url, name), "VACUUM")
        _, vacuum_pg = meter.stop()
        delivered = p1["ok"] + p3["ok"] + p5["ok"]
        result["vacuum_postgres_ms_per_delivery"] = 1000 * vacuum_pg / max(1, delivered)
    finally:
        stop_server(server)
    result["verify"] = verify(env)
    psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    log("postgres: pgbench")
    pgname, pgurl = pgbench_db(args.pg_admin_url)
    try:
        tps, _, cpu, machine_cpu = pgbench(pgurl, args.duration, tmp=tmp)
        _, p99, _, _ = pgbench(pgurl, args.duration, rate=rate, tmp=tmp)
    finally:
        psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {pgname} WITH (FORCE)")
    result["pgbench"] = {"tps": tps, "p99_ms_at_rate": p99, "rate": rate,
                         "cpu_ms_per_tx": 1000 * cpu / max(1.0, tps * args.duration),
                         "machine_ms_per_tx": 1000 * machine_cpu / max(1.0, tps * args.duration)}
    return result


def run_sqlite(args, tmp):
    port = free_port()
    path = os.path.join(tmp, "bench.sqlite")
    database_url = f"sqlite://{path}"
    env = service_env(database_url, port)
    result = {"order": args.order}
    server = start_server(env, port)
    try:
        log(f"sqlite: seeding (sessions delivered in {args.order} order)")
        api = Api(port)
        lead, spread, _, _ = seed(api, env, args.customers, args.sessions, 0, order=args.order)
        meter = CpuMeter(server.pid)
        log("sqlite: through the API, 16 connections")
        half = len(spread) // 2
        meter.start()
        http = load(take(spread, half), tmp, args.duration, args.connections,
                    url=f"http://127.0.0.1:{port}", token=lead)
        svc_cpu, _ = meter.stop()
        result["http"] = http
        result["cpu_ms_per_delivery"] = {"service": 1000 * svc_cpu / max(1, http["ok"])}
    finally:
        stop_server(server)
    log("sqlite: the same service call in a loop, without HTTP")
    result["direct"] = load(spread, tmp, args.duration, 1, database_url=database_url)
    result["verify"] = verify(env)
    return result


def by_kind(*parts):
    """PostgreSQL's CPU per delivery by kind of process, the phases given added up,
    largest first."""
    total = {}
    for part in parts:
        for k, v in part.get("postgres_ms_per_delivery_by_kind", {}).items():
            total[k] = total.get(k, 0.0) + v
    return ", ".join(f"{k} {v:.3f} ms" for k, v in sorted(total.items(), key=lambda kv: -kv[1]))


def table(r, args):
    rows = []
    pg = r.get("postgres")
    if pg:
        p1 = pg["p1"]["per_s"] / pg["pgbench"]["tps"]
        p3 = (pg["p3"]["p99_ms"] / pg["pgbench"]["p99_ms_at_rate"]
              if pg["pgbench"]["p99_ms_at_rate"] else float("nan"))
        p5 = pg["p5"]["per_s"] / pg["p1"]["per_s"]
        # What neither the service nor PostgreSQL used during P1: the load client, the
        # kernel's work outside them, everything else on the machine.
        rest = max(0.0, pg["cpu_ms_per_delivery"]["machine"] - pg["cpu_ms_per_delivery"]["service"]
                   - pg["cpu_ms_per_delivery"]["postgres"])
        rows += [
            ("P1 deliveries/s ÷ pgbench tps", f"{pg['p1']['per_s']:.0f} / {pg['pgbench']['tps']:.0f}", f"{p1:.2f}", "≥ 0.6"),
            ("P3 p99 at half rate ÷ pgbench p99 (-R)", f"{pg['p3']['p99_ms']:.1f} ms / {pg['pgbench']['p99_ms_at_rate']:.1f} ms at {pg['pgbench']['rate']:.0f}/s", f"{p3:.2f}", "≤ 3"),
            ("P5 hot customer ÷ spread", f"{pg['p5']['per_s']:.0f} / {pg['p1']['per_s']:.0f}", f"{p5:.2f}", "≥ 0.4"),
            ("P5 CPU per hot delivery, service / PostgreSQL; the machine's cores busy", f"{pg['p5']['cpu_ms_per_delivery']['service']:.2f} ms / {pg['p5']['cpu_ms_per_delivery']['postgres']:.2f} ms; {100 * pg['p5']['machine_busy_share']:.0f} %", "", ""),
            ("service CPU per delivery (PostgreSQL)", f"{pg['cpu_ms_per_delivery']['service']:.2f} ms", "", ""),
            ("PostgreSQL CPU per delivery", f"{pg['cpu_ms_per_delivery']['postgres']:.2f} ms (TPC-B tx: {pg['pgbench']['cpu_ms_per_tx']:.2f} ms)", "", ""),
            ("PostgreSQL CPU per delivery by process, P1 + deferred", by_kind(pg, pg["deferred"]), "", ""),
            ("PostgreSQL CPU per delivery by process during P3", by_kind(pg["p3"]), "", ""),
            ("deferred work per delivery (feed positions, mails), service / PostgreSQL", f"{pg['deferred']['service_ms_per_delivery']:.2f} ms / {pg['deferred']['postgres_ms_per_delivery']:.2f} ms (drained in {pg['deferred']['seconds']:.1f} s)", "", ""),
            ("service CPU per delivery, deferred work included", f"{pg['cpu_ms_per_delivery']['service'] + pg['deferred']['service_ms_per_delivery']:.2f} ms", "", "≤ 0.35 ms"),
            ("PostgreSQL CPU per delivery, deferred work included", f"{pg['cpu_ms_per_delivery']['postgres'] + pg['deferred']['postgres_ms_per_delivery']:.2f} ms", "", "≤ 0.9 ms"),
            ("VACUUM of the old row versions the deliveries left (autovacuum's later work), PostgreSQL CPU per delivery", f"{pg.get('vacuum_postgres_ms_per_delivery', float('nan')):.2f} ms", "", ""),
            ("machine CPU per delivery during P1, every process (service, PostgreSQL, load client, the rest)", f"{pg['cpu_ms_per_delivery']['machine']:.2f} ms (TPC-B tx: {pg['pgbench']['machine_ms_per_tx']:.2f} ms)", f"{pg['pgbench']['machine_ms_per_tx'] / pg['cpu_ms_per_delivery']['machine']:.2f}", ""),
            ("P1 if the service and PostgreSQL used exactly their targets (0.35 + 0.9 ms) and the rest stayed", f"TPC-B tx {pg['pgbench']['machine_ms_per_tx']:.2f} ms ÷ {1.25 + rest:.2f} ms", f"{pg['pgbench']['machine_ms_per_tx'] / (1.25 + rest):.2f}", ""),
            ("PostgreSQL p99 at full load (P1)", f"{pg['p1']['p99_ms']:.1f} ms", "", ""),
            ("WAL per delivery (P1)", f"{pg['wal_bytes_per_delivery']:,.0f} bytes", "", ""),
        ]
        if "scheduling_ms" in pg:
            rows.append(("scheduling, one at a time, into SoWs growing to 1,000 sessions (the hot customer's seeding)",
                         f"{pg['scheduling_ms']:.2f} ms per session", "", ""))
    sq = r.get("sqlite")
    if sq:
        p2 = sq["http"]["per_s"] / sq["direct"]["per_s"]
        rows += [
            ("P2 SQLite API ÷ same call without HTTP", f"{sq['http']['per_s']:.0f} / {sq['direct']['per_s']:.0f}", f"{p2:.2f}", "≥ 0.5"),
            ("service CPU per delivery (SQLite, incl. the database)", f"{sq['cpu_ms_per_delivery']['service']:.2f} ms", "", ""),
        ]
    out = ["| measure | figures | ratio | target |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    for backend, res in r.items():
        if isinstance(res, dict) and "verify" in res:
            ok, line = res["verify"]
            bad = {}
            for k in ("p1", "p3", "p5", "http", "direct"):
                if k in res:
                    for o, n in failures(res[k]).items():
                        bad[o] = bad.get(o, 0) + n
            out.append(f"\n{backend}: verify {'clean' if ok else 'FAILED'} ({line}); "
                       f"non-2xx/errors: {bad or 'none'}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="postgres,sqlite")
    ap.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--customers", type=int, default=40)
    ap.add_argument("--sessions", type=int, default=600,
                    help="sessions per customer (a third kept for P3)")
    ap.add_argument("--hot-sessions", type=int, default=4000, help="sessions of the hot customer")
    ap.add_argument("--holidays", type=int, default=0,
                    help="holidays in the customers' calendar, eleven a year back from this one")
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured phase")
    ap.add_argument("--order", choices=["chronological", "shuffled"], default="chronological",
                    help="chronological: each customer's sessions delivered oldest first; "
                         "shuffled: the spread at random and the hot customer newest first, "
                         "so many deliveries correct a timeline checkpoint (the order before "
                         "2026-12-08)")
    ap.add_argument("--sslmode", default="default",
                    help="sslmode in the URLs of the service and pgbench alike; default: none, "
                         "so each uses its own default (pgbench libpq's prefer, TLS when the "
                         "server offers it; the service plain text on a loopback host)")
    ap.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting given to the service on top of the others (repeatable)")
    ap.add_argument("--settings", choices=["defaults", "bench"], default="defaults",
                    help="defaults: the service as shipped, only the rate limit off; bench: "
                         "job loop parked, pool 32, in-flight 4096, RUST_LOG=warn")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--bin", help="the service binary (default: the release build; implies "
                                  "--skip-build), to compare two builds on the same day")
    ap.add_argument("--load", help="the load generator (default: the release build of "
                                   "examples/deliver_load.rs), to compare two clients")
    args = ap.parse_args()
    global SSLMODE, SETTINGS, BIN, LOAD
    if args.bin:
        BIN = args.bin
        args.skip_build = True
    if args.load:
        LOAD = args.load
    SSLMODE = args.sslmode
    SETTINGS = args.settings
    for setting in args.service_env:
        name, _, value = setting.partition("=")
        EXTRA_ENV[name] = value
    if not args.skip_build:
        subprocess.run(["cargo", "build", "--release", "-q", "--bin", "securehands",
                        "--example", "deliver_load"], check=True, cwd=ROOT)
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "machine": f"{platform.node()} {os.cpu_count()} cpu {platform.machine()}",
               "args": vars(args)}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results[backend] = (run_postgres if backend == "postgres" else run_sqlite)(args, tmp)
    out = os.path.join(ROOT, "bench", f"results-deliver-{int(time.time())}.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(table({k: v for k, v in results.items() if k in ("postgres", "sqlite")}, args))
    print(f"\n(raw figures: {os.path.relpath(out, ROOT)})")
    bad = any(not results[b]["verify"][0] for b in ("postgres", "sqlite") if b in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
