#!/usr/bin/env python3
"""Ledger benchmark for securehands: balance latency and full CSV export.

Standard library only (Python 3.11+). For one backend (SQLite or PostgreSQL) it:

1. creates a throw-away database, runs ``<bin> migrate`` and seeds N ledger entries
   directly with SQL: a "small" customer with 1,000 entries and a "big" customer with
   the rest, consistent with the service's invariants (accounts, lots, balance_after
   chain, gap-free seq, feed counter);
2. starts ``<bin> serve`` and measures ``GET /v1/customers/{id}/balance`` latency for
   both customers (interleaved, after a warm-up), reporting median/p95 and the
   big/small ratio;
3. streams ``GET /v1/ledger`` with ``Accept: text/csv``, counts rows, reports rows/s and
   samples the server's RSS (VmRSS every 50 ms, plus VmHWM) during the export;
4. optionally repeats the measurements on a fresh database holding only the small
   customer (1,000 entries in total) as a baseline;
5. prints a table and writes ``bench/results-<backend>.json``.

The server is always stopped and the database always dropped on exit (including on
Ctrl-C and SIGTERM). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

DEFAULT_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
JWT_SECRET = "bench-only-secret-" + "x" * 32  # >= 32 bytes; never used outside the bench
MICROS_PER_DAY = 86_400 * 1_000_000
# Units left in each customer's lot after all debits (hundredths): 1000.00 units.
LEFTOVER = 100_000
# Latency target (big/small median ratio) and export memory target.
RATIO_TARGET = 1.2
# `as_of` at 1M entries ÷ at 1k: a checkpoint read and at most a checkpoint interval of
# movements after it, whatever the history's size.
AS_OF_RATIO_TARGET = 1.5
RSS_TARGET_MB = 100.0


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class CustomerSeed:
    """One seeded customer: a single lot, one grant entry then (count-1) debits of -0.01.

    Its entries occupy the contiguous seq range ``first_seq .. first_seq + count - 1``.
    Entry index ``i`` (0-based) has ``balance_after = grant - i``, so the final balance,
    the lot's remaining units and the account total all equal ``LEFTOVER``.
    """

    customer_id: str
    name: str
    lot_id: str
    first_seq: int
    count: int

    @property
    def grant(self) -> int:
        """Units of the opening grant (hundredths): covers every debit plus LEFTOVER."""
        return (self.count - 1) + LEFTOVER

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


@dataclass
class SeedPlan:
    """Everything needed to seed one database consistently."""

    customers: list[CustomerSeed]
    now_us: int
    span_us: int = 365 * MICROS_PER_DAY

    @property
    def total_entries(self) -> int:
        return sum(c.count for c in self.customers)

    @property
    def base_us(self) -> int:
        """Instant just before the first entry (entries spread over the past year)."""
        return self.now_us - self.span_us

    @property
    def step_us(self) -> int:
        """Microseconds between consecutive seqs."""
        return max(1, self.span_us // max(1, self.total_entries + 1))

    @property
    def received_on(self) -> str:
        return dt.datetime.fromtimestamp(self.base_us / 1e6, dt.timezone.utc).strftime("%Y-%m-%d")

    @property
    def expires_at(self) -> int:
        """Lots expire two years from now, so the expiry job never touches them."""
        return self.now_us + 2 * 365 * MICROS_PER_DAY


def make_plan(entries: int, small: int) -> SeedPlan:
    """Two customers: ``cus_small`` with ``small`` entries (seq 1..small) and ``cus_big``
    with the rest; with ``entries == small`` only the small customer is created."""
    customers = [CustomerSeed("cus_small", "Bench small customer", "lot_small_1", 1, small)]
    if entries > small:
        customers.append(
            CustomerSeed("cus_big", "Bench big customer", "lot_big_1", small + 1, entries - small)
        )
    return SeedPlan(customers=customers, now_us=int(time.time() * 1_000_000))


# ---------------------------------------------------------------------- seeding SQL


def seed_statements(plan: SeedPlan, series_sql) -> list[str]:
    """SQL statements (one transaction's worth) that seed ``plan``.

    ``series_sql(first, last)`` must return a FROM-clause source yielding one column
    ``s`` with the integers first..last (generate_series on PostgreSQL, a recursive
    CTE on SQLite). All values are integers or constants produced here, so they are
    inlined rather than bound.
    """
    b = plan.base_us
    created = b - MICROS_PER_DAY
    stmts = [
        "INSERT INTO calendars (id, name, timezone, created_at, updated_at) "
        f"VALUES ('cal_bench', 'Bench calendar', 'Europe/Paris', {created}, {created})"
    ]
    for c in plan.customers:
        stmts += [
            "INSERT INTO customers (id, name, calendar_id, standalone_agreed, created_at, updated_at) "
            f"VALUES ('{c.customer_id}', '{c.name}', 'cal_bench', TRUE, {created}, {created})",
            "INSERT INTO accounts (customer_id, total, reserved, deficit) "
            f"VALUES ('{c.customer_id}', {LEFTOVER}, 0, 0)",
            "INSERT INTO lots (id, customer_id, units, remaining, received_on, expires_at, "
            "order_reference, expired, created_at, created_by) "
            f"VALUES ('{c.lot_id}', '{c.customer_id}', {c.grant}, {LEFTOVER}, '{plan.received_on}', "
            f"{plan.expires_at}, 'PO-BENCH-{c.customer_id.upper()}', FALSE, {b}, 'bench')",
            "INSERT INTO ledger_entries (id, seq, customer_id, kind, lot_id, units, balance_after, "
            "actor, effective_at, recorded_at) "
            f"SELECT s, s, '{c.customer_id}', "
            f"CASE WHEN s = {c.first_seq} THEN 'grant' ELSE 'debit' END, '{c.lot_id}', "
            f"CASE WHEN s = {c.first_seq} THEN {c.grant} ELSE -1 END, "
            f"{c.grant} - (s - {c.first_seq}), 'bench', "
            f"{b} + s * {plan.step_us}, {b} + s * {plan.step_us} "
            f"FROM {series_sql(c.first_seq, c.last_seq)}",
        ]
    stmts.append(f"UPDATE feed_counters SET ledger_last = {plan.total_entries} WHERE id = 1")
    return stmts


def as_of_instant(plan: SeedPlan, customer: CustomerSeed) -> str:
    """The instant of the entry in the middle of ``customer``'s history, for ``as_of``
    reads that must start from a checkpoint and add what follows it."""
    seq = customer.first_seq + customer.count // 2
    at = dt.datetime.fromtimestamp((plan.base_us + seq * plan.step_us) / 1e6, dt.timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ------------------------------------------------------------------------ backends


def run(cmd: list[str], *, env: dict | None = None, input_text: str | None = None,
        timeout: float | None = None) -> str:
    """Runs a command, returns its stdout; raises with stderr on failure."""
    proc = subprocess.run(cmd, env=env, input=input_text, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.strip()}"
        )
    return proc.stdout


class SqliteBackend:
    """A SQLite file in a private temporary folder, removed on cleanup."""

    name = "sqlite"

    def __init__(self, label: str):
        self.dir = Path(tempfile.mkdtemp(prefix=f"sh_bench_{label}_"))
        self.path = self.dir / "bench.db"

    @property
    def database_url(self) -> str:
        return f"sqlite://{self.path}"  # absolute path => sqlite:///tmp/...

    def create(self) -> None:
        """Nothing to do: `migrate` creates the file."""

    def seed(self, plan: SeedPlan) -> None:
        """Seeds with Python's sqlite3 module in one transaction, then ANALYZE and a
        WAL checkpoint so the service starts on a compact, analysed file."""

        def series(first: int, last: int) -> str:
            return (f"(WITH RECURSIVE g(s) AS (SELECT {first} UNION ALL SELECT s + 1 FROM g "
                    f"WHERE s < {last}) SELECT s FROM g)")

        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = OFF")
            con.execute("BEGIN IMMEDIATE")
            for stmt in seed_statements(plan, series):
                con.execute(stmt)
            con.execute("COMMIT")
            con.execute("ANALYZE")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.dir.glob("bench.db*"))

    def drop(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def describe(self) -> str:
        return str(self.path)


class PostgresBackend:
    """A database ``sh_bench_<random>`` created and dropped through the admin URL."""

    name = "postgres"

    def __init__(self, admin_url: str, label: str):
        if not shutil.which("psql"):
            raise SystemExit("psql not found on PATH (needed for the PostgreSQL backend)")
        self.admin_url = admin_url
        self.dbname = f"sh_bench_{secrets.token_hex(4)}_{label}"
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.dbname))
        self.created = False

    @property
    def database_url(self) -> str:
        return self.url

    def psql(self, url: str, sql: str, timeout: float | None = None) -> str:
        """Runs SQL through psql (no psqlrc, stop on the first error)."""
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                   input_text=sql, timeout=timeout)

    def create(self) -> None:
        self.psql(self.admin_url, f'CREATE DATABASE "{self.dbname}";', timeout=60)
        self.created = True

    def seed(self, plan: SeedPlan) -> None:
        """Seeds with generate_series in one transaction, then VACUUM ANALYZE (sets the
        visibility map and statistics, as a long-lived database would have)."""

        def series(first: int, last: int) -> str:
            return f"generate_series({first}::bigint, {last}::bigint) AS g(s)"

        body = ";\n".join(seed_statements(plan, series)
                           + [f"SELECT setval('ledger_entry_ids', {plan.total_entries + 1}, false)"])
        sql = f"BEGIN;\n{body};\nCOMMIT;\nVACUUM ANALYZE;\n"
        self.psql(self.url, sql)

    def size_bytes(self) -> int:
        out = self.psql(self.admin_url, "\\pset tuples_only on\n"
                        f"SELECT pg_database_size('{self.dbname}');")
        return int(out.strip() or 0)

    def drop(self) -> None:
        if not self.created:
            return
        sql = f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE);'
        try:
            self.psql(self.admin_url, sql, timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            # Servers older than 13 have no WITH (FORCE); the service is stopped by now.
            self.psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}";', timeout=60)
        self.created = False

    def describe(self) -> str:
        return self.dbname


# -------------------------------------------------------------------------- server


def free_port() -> int:
    """An ephemeral port free at the time of the call."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """preexec_fn: ask Linux to SIGTERM the server if this script dies (even SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, non-Linux or no libc
        pass


class Server:
    """The securehands binary: migrate, token and a serve subprocess."""

    def __init__(self, binary: Path, database_url: str, workdir: Path):
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.log_path = workdir / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=database_url,
            SECUREHANDS_JWT_SECRET=JWT_SECRET,
            SECUREHANDS_BIND=f"127.0.0.1:{self.port}",
            RUST_LOG="warn",
            # Keep the background loop (expiry, lapses, idempotency purge) out of the
            # measurements: it runs once at start, then not again during the bench.
            SECUREHANDS_JOB_INTERVAL_SECS="3600",
            # The harness reads as fast as one connection allows; the per-token limit
            # would measure itself.
            SECUREHANDS_RATE_LIMIT_PER_SECOND="0",
        )

    def migrate(self) -> None:
        run([str(self.binary), "migrate"], env=self.env, timeout=300)

    def token(self, role: str = "finance") -> str:
        out = run([str(self.binary), "token", "--role", role, "--ttl", "2h"], env=self.env,
                  timeout=60)
        return out.strip().splitlines()[-1].strip()

    def start(self, ready_timeout: float = 60.0) -> None:
        """Starts `serve` and waits for GET /readyz to answer 200."""
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(self.binary), "serve"], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not ready after {ready_timeout}s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL after 10 s. Idempotent."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# ------------------------------------------------------------------- measurements


def proc_status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of a process, from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    return out


def kb_to_mb(kb: float) -> float:
    """kB as reported by /proc (KiB) to MB (10^6 bytes), the unit of the target."""
    return kb * 1024 / 1e6


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def summarize(samples_us: list[float]) -> dict:
    s = sorted(samples_us)
    return {
        "count": len(s),
        "median_us": round(statistics.median(s), 1),
        "p95_us": round(percentile(s, 95), 1),
        "p99_us": round(percentile(s, 99), 1),
        "mean_us": round(statistics.fmean(s), 1),
        "min_us": round(s[0], 1),
        "max_us": round(s[-1], 1),
    }


def hundredths(text: str) -> int:
    return int(Decimal(str(text)) * 100)


def measure_balances(port: int, token: str, customers: list[str], warmup: int,
                     requests: int, expected_total: int | None,
                     query: dict[str, str] | None = None) -> dict[str, dict]:
    """Sequential balance reads over one keep-alive connection.

    Customers are interleaved request by request (small, big, small, big, ...) so that
    background noise on the machine affects them equally. Each sample is the
    client-side time from sending the request to having read the whole body.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def one(customer: str) -> tuple[float, bytes]:
        t0 = time.perf_counter_ns()
        suffix = (query or {}).get(customer, "")
        conn.request("GET", f"/v1/customers/{customer}/balance{suffix}", headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter_ns() - t0) / 1000
        if resp.status != 200:
            raise RuntimeError(f"balance of {customer}: HTTP {resp.status}: {body[:300]!r}")
        return elapsed, body

    samples: dict[str, list[float]] = {c: [] for c in customers}
    try:
        for c in customers if expected_total is not None else []:  # seeded figures
            _, body = one(c)
            got = json.loads(body)
            if hundredths(got["total"]) != expected_total:
                raise RuntimeError(f"balance of {c}: total {got['total']}, expected "
                                   f"{Decimal(expected_total) / 100}")
        for _ in range(warmup):
            for c in customers:
                one(c)
        for _ in range(requests):
            for c in customers:
                samples[c].append(one(c)[0])
    finally:
        conn.close()
    return {c: summarize(v) for c, v in samples.items()}


class RssSampler(threading.Thread):
    """Samples VmRSS of a process every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples_kb: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.samples_kb.append(proc_status_kb(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def measure_export(port: int, pid: int, token: str, expected_rows: int,
                   interval: float) -> dict:
    """Streams the whole ledger as CSV, counting rows, while sampling the server's RSS."""
    before = proc_status_kb(pid)
    sampler = RssSampler(pid, interval)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/csv"}
    newlines = 0
    nbytes = 0
    last_chunk = b""
    sampler.start()
    try:
        t0 = time.perf_counter()
        conn.request("GET", "/v1/ledger", headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"export: HTTP {resp.status}: {resp.read(300)!r}")
        content_type = resp.getheader("Content-Type", "")
        first_byte = None
        while True:
            chunk = resp.read1(1 << 16)
            if not chunk:
                break
            if first_byte is None:
                first_byte = time.perf_counter() - t0
            newlines += chunk.count(b"\n")
            nbytes += len(chunk)
            last_chunk = (last_chunk + chunk)[-4096:]
        elapsed = time.perf_counter() - t0
    finally:
        sampler.stop()
        conn.close()
    after = proc_status_kb(pid)
    rows = newlines - 1  # minus the header line
    last_line = last_chunk.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode(errors="replace")
    last_seq = int(last_line.split(",", 1)[0]) if rows > 0 else 0
    if rows != expected_rows or last_seq != expected_rows:
        raise RuntimeError(f"export returned {rows} rows (last seq {last_seq}), "
                           f"expected {expected_rows}")
    rss = sampler.samples_kb or [after["VmRSS"]]
    return {
        "rows": rows,
        "bytes": nbytes,
        "content_type": content_type,
        "seconds": round(elapsed, 3),
        "time_to_first_byte_ms": round((first_byte or 0) * 1000, 1),
        "rows_per_s": round(rows / elapsed) if elapsed > 0 else None,
        "mb_per_s": round(nbytes / 1e6 / elapsed, 1) if elapsed > 0 else None,
        "rss_samples": len(sampler.samples_kb),
        "rss_interval_ms": round(interval * 1000),
        "rss_before_mb": round(kb_to_mb(before["VmRSS"]), 1),
        "rss_max_during_mb": round(kb_to_mb(max(rss)), 1),
        "rss_after_mb": round(kb_to_mb(after["VmRSS"]), 1),
        "vmhwm_before_mb": round(kb_to_mb(before["VmHWM"]), 1),
        "vmhwm_after_mb": round(kb_to_mb(after["VmHWM"]), 1),
        "rss_target_mb": RSS_TARGET_MB,
        "rss_ok": kb_to_mb(max(max(rss), after["VmHWM"])) < RSS_TARGET_MB,
    }


# ------------------------------------------------------------------------ scenario


def make_backend(args, label: str):
    if args.backend == "sqlite":
        return SqliteBackend(label)
    return PostgresBackend(args.pg_admin_url, label)


def run_scenario(args, stack: contextlib.ExitStack, label: str, entries: int,
                 log) -> dict:
    """Creates, seeds and benchmarks one database; registers its cleanup on ``stack``
    and tears it down before returning."""
    plan = make_plan(entries, args.small_entries)
    backend = make_backend(args, label)
    with contextlib.ExitStack() as local:
        local.callback(backend.drop)
        stack.callback(backend.drop)  # in case a signal interrupts the local teardown
        backend.create()
        log(f"[{label}] database {backend.describe()}")
        server = Server(args.bin, backend.database_url, args.workdir)
        local.callback(server.stop)
        stack.callback(server.stop)

        t0 = time.perf_counter()
        server.migrate()
        migrate_s = time.perf_counter() - t0
        log(f"[{label}] migrated in {migrate_s:.1f}s; seeding {entries:,} entries ...")
        t0 = time.perf_counter()
        backend.seed(plan)
        seed_s = time.perf_counter() - t0
        log(f"[{label}] seeded in {seed_s:.1f}s ({entries / max(seed_s, 1e-6):,.0f} rows/s)")
        result: dict = {
            "label": label,
            "database": backend.describe(),
            "entries": entries,
            "customers": {c.customer_id: c.count for c in plan.customers},
            "migrate_s": round(migrate_s, 2),
            "seed_s": round(seed_s, 2),
            "db_size_mb": round(backend.size_bytes() / 1e6, 1),
        }
        if args.verify:
            t0 = time.perf_counter()
            run([str(args.bin), "verify"], env=server.env, timeout=3600)
            result["verify_s"] = round(time.perf_counter() - t0, 2)
            log(f"[{label}] `verify` found no violation ({result['verify_s']}s)")

        server.start()
        token = server.token("finance")
        log(f"[{label}] server pid {server.pid} on port {server.port}; "
            f"balance reads ({args.warmup} warm-up + {args.requests} per customer) ...")
        customers = [c.customer_id for c in plan.customers]
        result["balance"] = measure_balances(server.port, token, customers, args.warmup,
                                             args.requests, LEFTOVER)
        log(f"[{label}] balance reads as_of the middle of each history ...")
        middle = {c.customer_id: f"?as_of={as_of_instant(plan, c)}" for c in plan.customers}
        result["balance_as_of"] = measure_balances(server.port, token, customers, args.warmup,
                                                   args.requests, None, middle)
        log(f"[{label}] CSV export of {entries:,} rows ...")
        result["export"] = measure_export(server.port, server.pid, token, entries,
                                          args.rss_interval_ms / 1000)
        result["server_vmhwm_final_mb"] = round(kb_to_mb(proc_status_kb(server.pid)["VmHWM"]), 1)
    return result


# ------------------------------------------------------------------------- output


def add_ratios(results: dict) -> None:
    """Big/small latency ratios within the main database and against the baseline."""
    main = results["main"]["balance"]
    ratios: dict = {}
    if "cus_big" in main:
        small, big = main["cus_small"], main["cus_big"]
        ratios["big_vs_small_median"] = round(big["median_us"] / small["median_us"], 3)
        ratios["big_vs_small_p95"] = round(big["p95_us"] / small["p95_us"], 3)
    base = results.get("baseline")
    if base:
        ref = base["balance"]["cus_small"]
        for c, s in main.items():
            key = c.removeprefix("cus_")
            ratios[f"{key}_vs_baseline_median"] = round(s["median_us"] / ref["median_us"], 3)
            ratios[f"{key}_vs_baseline_p95"] = round(s["p95_us"] / ref["p95_us"], 3)
    as_of = results["main"].get("balance_as_of", {})
    if "cus_big" in as_of:
        small, big = as_of["cus_small"], as_of["cus_big"]
        ratios["as_of_big_vs_small_median"] = round(big["median_us"] / small["median_us"], 3)
        ratios["as_of_big_vs_small_p95"] = round(big["p95_us"] / small["p95_us"], 3)
    ratios["target"] = RATIO_TARGET
    if "big_vs_small_median" in ratios:
        ratios["ok"] = ratios["big_vs_small_median"] <= RATIO_TARGET and ratios.get(
            "as_of_big_vs_small_median", 0) <= AS_OF_RATIO_TARGET
    results["ratios"] = ratios


def print_table(results: dict) -> None:
    """Human-readable summary of the results."""
    meta = results["meta"]
    print()
    print(f"securehands ledger benchmark — backend {meta['backend']}, "
          f"{meta['entries']:,} entries, binary {meta['bin']} ({meta['build']})")
    print()
    hdr = f"{'database':<10} {'customer':<10} {'entries':>10} {'median µs':>10} " \
          f"{'p95 µs':>10} {'p99 µs':>10} {'max µs':>10}"
    print("Balance reads (GET /v1/customers/{id}/balance)")
    print(hdr)
    print("-" * len(hdr))
    for key in ("baseline", "main"):
        r = results.get(key)
        if not r:
            continue
        for c, s in r["balance"].items():
            print(f"{key:<10} {c:<10} {r['customers'][c]:>10,} {s['median_us']:>10.0f} "
                  f"{s['p95_us']:>10.0f} {s['p99_us']:>10.0f} {s['max_us']:>10.0f}")
    ratios = results["ratios"]
    if "big_vs_small_median" in ratios:
        verdict = "OK" if ratios["ok"] else "ABOVE TARGET"
        print(f"ratio big/small: median {ratios['big_vs_small_median']:.2f}, "
              f"p95 {ratios['big_vs_small_p95']:.2f} (target ≤ {RATIO_TARGET}) {verdict}")
    if "big_vs_baseline_median" in ratios:
        print(f"ratio big/baseline-small: median {ratios['big_vs_baseline_median']:.2f}, "
              f"p95 {ratios['big_vs_baseline_p95']:.2f}")
    print()
    print("Point-in-time balance reads (GET …/balance?as_of=<middle of the history>)")
    print(hdr)
    print("-" * len(hdr))
    for key in ("baseline", "main"):
        r = results.get(key)
        if not r or "balance_as_of" not in r:
            continue
        for c, s in r["balance_as_of"].items():
            print(f"{key:<10} {c:<10} {r['customers'][c]:>10,} {s['median_us']:>10.0f} "
                  f"{s['p95_us']:>10.0f} {s['p99_us']:>10.0f} {s['max_us']:>10.0f}")
    if "as_of_big_vs_small_median" in ratios:
        ok = ratios["as_of_big_vs_small_median"] <= AS_OF_RATIO_TARGET
        print(f"ratio big/small: median {ratios['as_of_big_vs_small_median']:.2f}, "
              f"p95 {ratios['as_of_big_vs_small_p95']:.2f} (target ≤ {AS_OF_RATIO_TARGET}) "
              f"{'OK' if ok else 'ABOVE TARGET'}")
    print()
    print("Full CSV export (GET /v1/ledger, Accept: text/csv)")
    hdr = f"{'database':<10} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'MB/s':>6} " \
          f"{'TTFB ms':>8} {'RSS before':>10} {'RSS max':>8} {'VmHWM':>7}  target"
    print(hdr)
    print("-" * len(hdr))
    for key in ("baseline", "main"):
        r = results.get(key)
        if not r:
            continue
        e = r["export"]
        verdict = "OK" if e["rss_ok"] else "ABOVE"
        print(f"{key:<10} {e['rows']:>10,} {e['seconds']:>8.2f} {e['rows_per_s']:>10,} "
              f"{e['mb_per_s']:>6.1f} {e['time_to_first_byte_ms']:>8.1f} "
              f"{e['rss_before_mb']:>10.1f} {e['rss_max_during_mb']:>8.1f} "
              f"{e['vmhwm_after_mb']:>7.1f}  {verdict} (< {RSS_TARGET_MB:.0f} MB)")
    print("(RSS/VmHWM in MB = 10^6 bytes; RSS max = highest VmRSS sampled every "
          f"{results['main']['export']['rss_interval_ms']} ms during the export; "
          "VmHWM = peak over the server's whole life)")
    m = results["main"]
    print()
    print(f"seeding: {m['seed_s']:.1f}s for {m['entries']:,} entries; "
          f"database size {m['db_size_mb']:.1f} MB")


def git_info() -> dict:
    """Commit and dirty flag of the working tree, when available (read-only)."""
    try:
        rev = run(["git", "-C", str(REPO_DIR), "rev-parse", "HEAD"], timeout=10).strip()
        dirty = bool(run(["git", "-C", str(REPO_DIR), "status", "--porcelain", "--untracked-files=no"],
                         timeout=10).strip())
        return {"commit": rev, "dirty": dirty}
    except Exception:  # noqa: BLE001 - not a git checkout, or git missing
        return {}


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite",
                   help="database engine (default: %(default)s)")
    p.add_argument("--bin", type=Path, default=Path("target/release/securehands"),
                   help="securehands binary; a relative path is taken from the current "
                        "directory, else from the repository root (default: %(default)s)")
    p.add_argument("--entries", type=int, default=1_000_000,
                   help="total ledger entries in the main database (default: %(default)s)")
    p.add_argument("--small-entries", type=int, default=1000,
                   help="entries of the small customer and of the baseline database "
                        "(default: %(default)s)")
    p.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL,
                   help="PostgreSQL URL allowed to CREATE/DROP DATABASE (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=200,
                   help="warm-up balance reads per customer (default: %(default)s)")
    p.add_argument("--requests", type=int, default=2000,
                   help="measured balance reads per customer (default: %(default)s)")
    p.add_argument("--rss-interval-ms", type=int, default=50,
                   help="RSS sampling period during the export (default: %(default)s)")
    p.add_argument("--no-baseline", dest="baseline", action="store_false",
                   help="skip the fresh database holding only the small customer")
    p.add_argument("--verify", action="store_true",
                   help="run `<bin> verify` on the seeded data (slow on large ledgers)")
    p.add_argument("--check", action="store_true",
                   help="exit with status 2 when a target (ratio, RSS) is missed")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON output (default: bench/results-<backend>.json)")
    args = p.parse_args(argv)
    if not args.bin.is_absolute() and not args.bin.exists():
        args.bin = REPO_DIR / args.bin
    args.bin = args.bin.resolve()
    if not os.access(args.bin, os.X_OK):
        p.error(f"binary not found or not executable: {args.bin} (cargo build --release?)")
    if args.small_entries < 1 or args.entries <= args.small_entries:
        p.error("need 1 <= --small-entries < --entries")
    if args.requests < 1 or args.warmup < 0 or args.rss_interval_ms < 1:
        p.error("need --requests >= 1, --warmup >= 0 and --rss-interval-ms >= 1")
    if args.out is None:
        args.out = BENCH_DIR / f"results-{args.backend}.json"
    return args


def _raise_on_signal(signum, frame):
    """SIGTERM/SIGHUP handler: exit through the normal cleanup path."""
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # Turn termination signals into exceptions so every cleanup callback runs. SIGINT
    # is set explicitly because shells start background jobs with it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_on_signal)
    signal.signal(signal.SIGHUP, _raise_on_signal)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)

    build = "debug" if "/debug/" in str(args.bin) else "release" if "/release/" in str(args.bin) else "?"
    if build == "debug":
        log("warning: debug binary — figures are a smoke test, not a benchmark")
    results: dict = {
        "meta": {
            "backend": args.backend,
            "entries": args.entries,
            "small_entries": args.small_entries,
            "warmup": args.warmup,
            "requests": args.requests,
            "bin": str(args.bin),
            "build": build,
            "bin_mtime": dt.datetime.fromtimestamp(args.bin.stat().st_mtime, dt.timezone.utc)
            .isoformat(timespec="seconds"),
            "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "git": git_info(),
        }
    }
    try:
        with contextlib.ExitStack() as stack:  # unwinds: servers stopped, databases dropped
            args.workdir = Path(tempfile.mkdtemp(prefix="sh_bench_run_"))
            stack.callback(shutil.rmtree, args.workdir, True)
            if args.baseline:
                results["baseline"] = run_scenario(args, stack, "base", args.small_entries, log)
            results["main"] = run_scenario(args, stack, "main", args.entries, log)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        log(f"error: {e}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; server stopped and bench databases dropped")
        return 130
    results["meta"]["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    add_ratios(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nJSON written to {args.out}")
    if args.check and not targets_met(results):
        log("at least one target missed (--check)")
        return 2
    return 0


def targets_met(results: dict) -> bool:
    """True when the big/small ratio and every export's memory are within target. A run
    that measured no big customer (so no ratio) or no export has not met anything."""
    exports = [results[k]["export"] for k in ("baseline", "main") if k in results]
    if "ok" not in results["ratios"]:
        print("no big/small ratio was measured: nothing to check against the target", file=sys.stderr)
        return False
    if not exports:
        print("no export was measured: nothing to check against the memory target", file=sys.stderr)
        return False
    return results["ratios"]["ok"] and all(e["rss_ok"] for e in exports)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
