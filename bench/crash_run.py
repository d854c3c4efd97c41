#!/usr/bin/env python3
"""Bank-style crash run for securehands (Jepsen's bank test as the model).

PostgreSQL: two `serve` replicas on one database, both with the test clock; every
test-clock move is sent to both replicas at once, so both run the due time-driven rules
concurrently against the same database (with `--real-time`: both on the real clock,
running the background job loop every second instead). SQLite: one `serve` process with
the test clock. Many concurrent clients drive a random mix of writes (sell packs, open
SoWs, schedule, deliver, cancel — often late —, no-show, complain, decide, accept,
quotes, requests, and test-clock moves), every write with a fresh Idempotency-Key that
is kept across retries: on a connection error, a timeout, a 503 or
`idempotency_in_flight` the same bytes are sent again with the same key, to either
replica, until a definitive answer. Meanwhile a replica is killed with SIGKILL every few
seconds and restarted.

At the end (killer stopped, a final test-clock move to every replica — with
`--real-time`, the job loops left running a few seconds —, then replicas stopped):
`securehands verify` must pass, every acknowledged write must have taken effect
exactly once (and every refused one not at all), balances must equal the sum of their
entries, every charged session must be charged exactly once, and the time-driven
rules (auto-acceptance, expiry, quote lapse, SLA breach marking) must have run exactly
once each — and, on the test clock, each must have applied something. A run must also
reach floors scaled to its duration (acknowledged writes per second, at most 1 % of
writes left without a definitive answer), so a short run that did almost nothing fails.
Violations are listed, then one summary line is printed; the exit status is 1 when
there is any violation.

Usage (standard library only, Python 3.11+; PostgreSQL also needs `psql`):
    python3 bench/crash_run.py --backend postgres --duration 60
    python3 bench/crash_run.py --backend sqlite --duration 60
    python3 bench/crash_run.py --backend postgres --duration 600 --clients 32   # long form
    python3 bench/crash_run.py --backend postgres --duration 60 --real-time    # job loop, real clock

See bench/README.md ("Crash run") for what each check proves.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc
JWT_SECRET = "crash-run-only-secret-" + "c" * 32  # >= 32 bytes; never used elsewhere
JOB_INTERVAL_SECS = 1  # --real-time replicas: background loop period
REQUEST_TIMEOUT = 10.0  # client-side timeout of one HTTP attempt (seconds)
IDEMPOTENCY_RETENTION = dt.timedelta(hours=48)  # the service's purge horizon
CLOCK_GUARD = dt.timedelta(hours=40)  # test clock never runs further ahead of a pending write
CLOCK_STEP = dt.timedelta(hours=6)  # largest single test-clock move…
CLOCK_STEP_BEHIND = dt.timedelta(hours=18)  # …unless the clock is CLOCK_BEHIND behind schedule
CLOCK_BEHIND = dt.timedelta(days=2)
CLOCK_LAG = 2 * CLOCK_STEP_BEHIND  # no target further past the slowest replica (< retention)
# How far the test clock must have travelled before the workload may stop: past the
# longest rule the run must see applied (a quote lapses 30 days after it is issued, and
# quotes are issued from the run's first minutes on). On a slow machine --duration
# alone may not get there; the workload then goes on, in EXTEND_STEP seconds at a time,
# up to --max-duration.
RULE_HORIZON = dt.timedelta(days=32)
EXTEND_STEP = 15.0
SESSION_ONE_SHOT_EVENTS = ("session_scheduled", "session_delivered", "session_no_show",
                           "complaint_received", "complaint_decided", "session_accepted")

# What a session-level or SoW-level action leaves in the events feed (one per success).
ACTION_EVENTS = {
    "deliver": "session_delivered",
    "cancel": "session_cancelled",
    "no_show": "session_no_show",
    "complain": "complaint_received",
    "decide": "complaint_decided",
    "accept": "session_accepted/explicit",
    "submit_sow": "sow_submitted",
    "approve_sow": "sow_approved",
}
DELIVERED_LIKE = {"delivered", "accepted", "disputed", "resolved"}
CANCEL_CHARGED = {"cancelled_late", "no_show"}


def log(msg: str) -> None:
    print(f"[crash-run {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- values


def iso(t: dt.datetime) -> str:
    """RFC 3339 UTC with whole seconds."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def micros(t: dt.datetime) -> int:
    return int(t.timestamp()) * 1_000_000 + t.microsecond


def from_micros(us: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(us / 1_000_000, UTC)


def hundredths(units: str) -> int:
    return int(Decimal(units) * 100)


def units_str(h: int) -> str:
    sign = "-" if h < 0 else ""
    h = abs(h)
    return f"{sign}{h // 100}.{h % 100:02d}"


def minus_twelve_months(d: dt.date) -> dt.date:
    """The same day a year earlier (29 Feb → 28 Feb)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


# ------------------------------------------------------------------ run statistics



# Floors every run must reach (see the end of `main`): acknowledged writes per second
# of workload (a debug build on 2 cores acknowledges ~150/s), and the share of writes
# that may stay without a definitive answer when the run ends (retries continue until
# a hard deadline, so these are only writes cut off at the very end).
ACKS_PER_SECOND_FLOOR = 10
UNRESOLVED_MIN = 3
UNRESOLVED_PERCENT = 1

class Stats:
    """Counters and the violation list, shared by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.c = collections.Counter()
        self.codes = collections.Counter()  # definitive 4xx answers by status/code
        self.violations: list[str] = []

    def inc(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.c[name] += n

    def code(self, status: int, code: str) -> None:
        with self.lock:
            self.codes[f"{status}:{code}"] += 1

    def violation(self, msg: str) -> None:
        with self.lock:
            self.violations.append(msg)
        log(f"VIOLATION: {msg}")


# ------------------------------------------------------------------------ databases


class PgDb:
    """A fresh database sh_crash_<random> on the server of --pg-url."""

    name = "postgres"

    def __init__(self, admin_url: str, run_id: str):
        if not shutil.which("psql"):
            raise SystemExit("psql not found on PATH (needed for --backend postgres)")
        self.admin_url = admin_url
        self.dbname = f"sh_crash_{run_id}"
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.dbname))
        self.created = False

    def _psql(self, url: str, sql: str) -> str:
        out = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-P", "null=\x1e",
             "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
            capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}\n{sql}")
        return out.stdout

    def create(self) -> None:
        self._psql(self.admin_url, f'CREATE DATABASE "{self.dbname}"')
        self.created = True

    def query(self, sql: str) -> list[tuple]:
        rows = []
        for line in self._psql(self.url, sql).split("\n"):  # not splitlines(): \x1e is a break there
            if line == "":
                continue
            rows.append(tuple(None if v == "\x1e" else v for v in line.split("\x1f")))
        return rows

    def drop(self) -> None:
        if self.created:
            self._psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            self.created = False

    def describe(self) -> str:
        return self.url


class SqliteDb:
    """A SQLite file in the run's private folder."""

    name = "sqlite"

    def __init__(self, workdir: Path):
        self.path = workdir / "crash.db"
        self.url = f"sqlite://{self.path}"

    def create(self) -> None:
        """`migrate` creates the file."""

    def query(self, sql: str) -> list[tuple]:
        con = sqlite3.connect(self.path, timeout=30)
        try:
            return [tuple(None if v is None else str(v) for v in row) for row in con.execute(sql)]
        finally:
            con.close()

    def drop(self) -> None:
        """The folder is removed with the work directory."""

    def describe(self) -> str:
        return str(self.path)


# ----------------------------------------------------------------------- replicas


def _die_with_parent() -> None:
    """preexec_fn: the kernel SIGKILLs the server if this script dies. Every server is
    started from the main thread, which lives until the end."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """One `serve` process on its own port; killed and restarted by the main thread."""

    def __init__(self, name: str, binary: str, env: dict, workdir: Path):
        self.name = name
        self.binary = binary
        self.port = free_port()
        self.env = dict(env, SECUREHANDS_BIND=f"127.0.0.1:{self.port}",
                        SECUREHANDS_PUBLIC_URL=f"http://127.0.0.1:{self.port}")
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.up = False
        self.starts = 0

    def start(self, extra_env: dict | None = None, timeout: float = 60.0) -> None:
        env = dict(self.env, **(extra_env or {}))
        with open(self.log_path, "ab") as logf:
            logf.write(f"\n==== start #{self.starts + 1} at {time.strftime('%H:%M:%S')} ====\n".encode())
            logf.flush()
            self.proc = subprocess.Popen([self.binary, "serve"], env=env, stdout=logf,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    self.up = True
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, open transactions die with the connections."""
        self.up = False
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL after 15 s."""
        self.up = False
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Cluster:
    """The replicas; clients pick a live one at random for every attempt."""

    def __init__(self, replicas: list[Replica]):
        self.replicas = replicas

    def pick_port(self, rng: random.Random) -> int:
        live = [r.port for r in self.replicas if r.up]
        return rng.choice(live or [r.port for r in self.replicas])


# --------------------------------------------------------------------- the clock


class Clock:
    """The service's "now" as the clients know it. Real-time mode (PostgreSQL with
    `--real-time`): the real clock. Otherwise the test clock, which only the clients
    move, each target being sent to every replica. `seen[r]` is the latest value replica
    r is known to have reached (its clock is never behind it: an answer to a move, a
    `clock_backwards` refusal, or the start value after a restart); `now()` is the
    slowest replica's, so what the clients do is in the past or future for every
    replica alike, and a write's `clock_at_start` is never after the instant its
    idempotency record is stored at. `max_sent` is the furthest target ever sent: the
    restart value, as a move killed mid-way may have applied rules up to it."""

    def __init__(self, test: bool, start: dt.datetime, span: dt.timedelta, duration: float,
                 replicas: list[str]):
        self.test = test
        self.lock = threading.Lock()
        self.start = start
        self.seen = {name: start for name in replicas}
        self.max_sent = start
        self.skipped = collections.Counter()  # moves not made, by the limit that stopped them
        self.span = span
        self.duration = duration
        self.t0 = time.monotonic()

    def now(self) -> dt.datetime:
        if not self.test:
            return dt.datetime.now(UTC).replace(microsecond=0)
        with self.lock:
            return min(self.seen.values())

    def observe(self, replica: str, t: dt.datetime) -> None:
        """Replica's clock has reached t (an answer to a move, or a refusal to go back)."""
        with self.lock:
            self.seen[replica] = max(self.seen[replica], t)

    def restarting(self, replica: str) -> dt.datetime:
        """The start value of a replica about to be (re)started, recorded as seen."""
        with self.lock:
            value = max(self.max_sent, *self.seen.values())
            self.seen[replica] = value
            return value

    def final_target(self) -> dt.datetime:
        """One second past everything sent: the end-of-run move."""
        with self.lock:
            target = max(self.max_sent, *self.seen.values()) + dt.timedelta(seconds=1)
            self.max_sent = target
            return target

    def next_target(self, rng: random.Random, pending_floor: dt.datetime | None) -> dt.datetime | None:
        """The next move: following the schedule start + span × elapsed/duration, in
        steps of at most CLOCK_STEP past the last target sent (CLOCK_STEP_BEHIND while
        more than CLOCK_BEHIND behind the schedule: moves take time, and a short run
        would not get far enough for the 30-day quote lapse otherwise), at most CLOCK_LAG
        past the slowest replica, and never more than CLOCK_GUARD past the oldest write
        still being retried (so its idempotency record cannot be purged before the
        retry lands). None when there is nothing worth moving."""
        with self.lock:
            frac = min(1.0, (time.monotonic() - self.t0) / self.duration)
            desired = self.start + self.span * frac + dt.timedelta(minutes=rng.randint(0, 30))
            slowest = min(self.seen.values())
            step = CLOCK_STEP_BEHIND if desired - self.max_sent > CLOCK_BEHIND else CLOCK_STEP
            limits = {"schedule": desired, "step": self.max_sent + step, "lag": slowest + CLOCK_LAG}
            if pending_floor is not None:
                limits["guard"] = pending_floor + CLOCK_GUARD
            bound = min(limits, key=limits.get)
            target = limits[bound].replace(microsecond=0)
            if target <= self.max_sent + dt.timedelta(seconds=60):
                self.skipped[bound] += 1
                return None
            self.max_sent = target
            return target


# ------------------------------------------------------------------------ journal


@dataclass
class Write:
    """One keyed write and its fate."""

    op: str
    key: str
    caller: str  # token subject = role name
    method: str
    path: str
    target: dict
    clock_at_start: dt.datetime
    status: int | None = None  # definitive HTTP status (None: unresolved)
    outcome: str = "pending"  # acked | refused | unresolved
    body: object = None
    headers: dict = field(default_factory=dict)
    replayed: bool = False


class Journal:
    """Every keyed write, plus the ones still being retried."""

    def __init__(self):
        self.lock = threading.Lock()
        self.writes: list[Write] = []
        self.pending: dict[str, Write] = {}

    def add(self, w: Write) -> None:
        with self.lock:
            self.writes.append(w)
            self.pending[w.key] = w

    def settle(self, w: Write) -> None:
        with self.lock:
            self.pending.pop(w.key, None)

    def pending_floor(self) -> dt.datetime | None:
        with self.lock:
            return min((w.clock_at_start for w in self.pending.values()), default=None)


# ---------------------------------------------------------------------------- API


class Api:
    """HTTP with retries. Writes carry an Idempotency-Key recorded in the journal and
    are re-sent byte for byte with the same key until a definitive answer."""

    def __init__(self, cluster: Cluster, stats: Stats, journal: Journal, clock: Clock,
                 tokens: dict, hard_deadline: list):
        self.cluster = cluster
        self.stats = stats
        self.journal = journal
        self.clock = clock
        self.tokens = tokens  # role or ("customer", id) -> token
        self.hard_deadline = hard_deadline  # [monotonic]; mutable so main can set it

    def _attempt(self, port: int, method: str, path: str, body: bytes | None, headers: dict):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def _send(self, rng, method, path, body, headers, what, port: int | None = None):
        """Sends until a definitive answer: returns (status, headers, json) or None
        when the run's hard deadline passes first. Connection errors, timeouts, 503 and
        idempotency_in_flight are retried; other 5xx are violations (returned). Each
        attempt goes to a live replica picked at random, or always to `port` if given."""
        first = True
        while True:
            if time.monotonic() > self.hard_deadline[0]:
                return None
            if not first:
                self.stats.inc("retries")
                time.sleep(rng.uniform(0.05, 0.3))
            first = False
            self.stats.inc("requests")
            try:
                status, hdrs, raw = self._attempt(port or self.cluster.pick_port(rng), method, path,
                                                  body, headers)
            except TimeoutError:
                self.stats.inc("timeouts")
                continue
            except (OSError, http.client.HTTPException):
                self.stats.inc("conn_errors")
                continue
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = {"raw": raw[:200].decode(errors="replace")}
            code = payload.get("code", "") if isinstance(payload, dict) else ""
            if status == 503:
                self.stats.inc("http503")
                try:
                    time.sleep(min(1.0, float(hdrs.get("retry-after", "0"))))
                except ValueError:
                    pass
                continue
            if status == 409 and code == "idempotency_in_flight":
                self.stats.inc("in_flight")
                continue
            if status >= 500:
                self.stats.inc("http5xx")
                self.stats.violation(f"{what}: HTTP {status} {code} {str(payload)[:200]}")
            return status, hdrs, payload

    def token(self, who) -> str:
        return self.tokens[who]

    def get(self, rng, path: str, who="soc_lead"):
        """A read; None when unresolved by the hard deadline."""
        headers = {"Authorization": f"Bearer {self.token(who)}"}
        out = self._send(rng, "GET", path, None, headers, f"GET {path}")
        if out is None or out[0] >= 500:
            return None
        return out

    def write(self, rng, op: str, method: str, path: str, body: dict, who, target: dict,
              headers: dict | None = None, port: int | None = None) -> Write:
        caller = who if isinstance(who, str) else who[0]
        w = Write(op=op, key=str(uuid.uuid4()), caller=caller, method=method, path=path,
                  target=target, clock_at_start=self.clock.now())
        self.journal.add(w)
        data = json.dumps(body).encode()  # serialized once: retries send the same bytes
        hdrs = {"Authorization": f"Bearer {self.token(who)}", "Content-Type": "application/json",
                "Idempotency-Key": w.key, **(headers or {})}
        out = self._send(rng, method, path, data, hdrs, f"{op} {method} {path}", port)
        self.journal.settle(w)
        self.stats.inc("writes")
        if out is None:
            w.outcome = "unresolved"
            self.stats.inc("unresolved")
            return w
        status, rh, payload = out
        w.status, w.headers, w.body = status, rh, payload
        w.replayed = rh.get("idempotent-replayed") == "true"
        if w.replayed:
            self.stats.inc("replayed")
        if 200 <= status < 300:
            w.outcome = "acked"
            self.stats.inc("acknowledged")
        elif status >= 500:
            w.outcome = "unresolved"
            self.stats.inc("unresolved")
        else:
            w.outcome = "refused"
            code = payload.get("code", "") if isinstance(payload, dict) else ""
            self.stats.code(status, code)
            if status in (409, 422):
                self.stats.inc("conflicts")
            else:
                # 400/401/403/404/412…: the harness only sends well-formed requests about
                # resources it created, so these mean a lost write or a broken contract.
                self.stats.violation(f"{op} {method} {path}: unexpected HTTP {status} {code}")
        return w


# ------------------------------------------------------------------- world model


class Bag:
    """A set with O(1) random choice."""

    def __init__(self):
        self.items: list = []
        self.index: dict = {}

    def add(self, x) -> None:
        if x not in self.index:
            self.index[x] = len(self.items)
            self.items.append(x)

    def discard(self, x) -> None:
        i = self.index.pop(x, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.index[last] = i

    def choice(self, rng: random.Random):
        return rng.choice(self.items) if self.items else None

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class Customer:
    id: str
    calendar: str
    tz: str
    lean: bool = False


@dataclass
class Session:
    id: str
    sow_id: str
    customer_id: str
    starts: dt.datetime
    ends: dt.datetime
    status: str = "scheduled"
    units_debited: int | None = None


class World:
    """What the clients believe: customers, SoWs and sessions by status. Only a guide
    for picking targets; the checks read the database."""

    def __init__(self):
        self.lock = threading.Lock()
        self.customers: list[Customer] = []
        self.sow_customer: dict[str, str] = {}
        self.active_sows = Bag()
        self.inactive_sows: dict[str, set] = collections.defaultdict(set)
        self.sessions: dict[str, Session] = {}
        self.by_status: dict[str, Bag] = collections.defaultdict(Bag)

    def add_sow(self, sow_id: str, customer_id: str, active: bool) -> None:
        with self.lock:
            self.sow_customer[sow_id] = customer_id
            if active:
                self.active_sows.add(sow_id)
            else:
                self.inactive_sows[customer_id].add(sow_id)

    def deactivate_sow(self, sow_id: str, retire: bool) -> None:
        with self.lock:
            self.active_sows.discard(sow_id)
            if not retire:
                self.inactive_sows[self.sow_customer[sow_id]].add(sow_id)

    def reactivate(self, customer_id: str) -> None:
        """After a sale: waiting SoWs may be active again (a 409 puts them back)."""
        with self.lock:
            for s in self.inactive_sows.pop(customer_id, set()):
                self.active_sows.add(s)

    def add_session(self, s: Session) -> None:
        with self.lock:
            self.sessions[s.id] = s
            self.by_status[s.status].add(s.id)

    def set_status(self, sid: str, status: str, units_debited: int | None = None) -> None:
        with self.lock:
            s = self.sessions.get(sid)
            if s is None:
                return
            self.by_status[s.status].discard(sid)
            s.status = status
            if units_debited is not None:
                s.units_debited = units_debited
            self.by_status[status].add(sid)

    def pick(self, rng, statuses, accept=lambda s: True, tries: int = 6) -> Session | None:
        with self.lock:
            for _ in range(tries):
                st = rng.choice(statuses)
                sid = self.by_status[st].choice(rng)
                if sid is not None and accept(self.sessions[sid]):
                    return self.sessions[sid]
        return None


# --------------------------------------------------------------- time-zone tricks


def continental_zones() -> list[str]:
    prefixes = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/",
                "Indian/", "Pacific/")
    return sorted(z for z in zoneinfo.available_timezones() if z.startswith(prefixes))


def zone_with_midnight_soon(now: dt.datetime, lo: float, hi: float):
    """(zone, midnight UTC) for the zone whose next local midnight is soonest within
    [now+lo, now+hi] seconds, or None. Used on PostgreSQL (real time) so that packs sold
    with received_on = tomorrow − 12 months expire during the run."""
    best = None
    for z in continental_zones():
        tz = zoneinfo.ZoneInfo(z)
        local = now.astimezone(tz)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tz)
        wait = (midnight.astimezone(UTC) - now).total_seconds()
        if lo <= wait <= hi and (best is None or wait < best[2]):
            best = (z, midnight.astimezone(UTC), wait)
    return None if best is None else (best[0], best[1])


def zone_in_business_hours(now: dt.datetime, lo: float, hi: float):
    """(zone, seconds of business hours left) for a zone where it is now a weekday
    between 09:00 and 17:00 − lo seconds, preferring the most time left (capped at
    hi). Used on PostgreSQL so a request received on the previous business day at
    "now + δ" local reaches its 8-business-hour response deadline during the run."""
    best = None
    for z in continental_zones():
        tz = zoneinfo.ZoneInfo(z)
        local = now.astimezone(tz)
        if local.weekday() >= 5 or not (9 <= local.hour < 17):
            continue
        left = (dt.datetime.combine(local.date(), dt.time(17), tz) - local).total_seconds()
        if left < lo + 5:
            continue
        left = min(left - 5, hi)
        if best is None or left > best[1]:
            best = (z, left)
    return best


def previous_business_day(d: dt.date) -> dt.date:
    d -= dt.timedelta(days=1)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


# -------------------------------------------------------------------- the workload


class Workload:
    """Seeding and the clients' operations."""

    def __init__(self, args, api: Api, world: World, clock: Clock, stats: Stats, run_id: str,
                 backend: str):
        self.args = args
        self.api = api
        self.world = world
        self.clock = clock
        self.stats = stats
        self.run_id = run_id
        self.backend = backend
        self.counter_lock = threading.Lock()
        self.counter = 0
        self.requested_base = clock.now() - dt.timedelta(hours=1)
        self.deadline = 0.0  # monotonic; set by main
        self.expiry_zone = None  # (calendar id, midnight UTC) on PostgreSQL
        self.sla_zone = None  # (calendar id, tz, seconds) on PostgreSQL
        weights = {
            "schedule": 24, "deliver": 22, "cancel": 8, "no_show": 3, "complain": 8,
            "decide": 6, "accept": 8, "sell_pack": 8, "new_sow": 2, "quote": 2, "request": 3,
        }
        if clock.test:
            weights["clock"] = 6
        self.ops = list(weights)
        self.weights = [weights[o] for o in self.ops]

    def next_n(self) -> int:
        with self.counter_lock:
            self.counter += 1
            return self.counter

    # ---- seeding

    def seed(self, rng: random.Random) -> None:
        api = self.api
        calendars = [("fr-paris", "Paris", "Europe/Paris")]
        now = self.clock.now()
        if not self.clock.test:
            hit = zone_with_midnight_soon(now, 8, self.args.duration - 5)
            if hit:
                calendars.append(("crash-expiry", "Expiry during the run", hit[0]))
                self.expiry_zone = ("crash-expiry", hit[1])
                log(f"expiry: lots sold on {hit[0]} expire at {iso(hit[1])} (during the run)")
            else:
                log("expiry: no time zone reaches midnight during the run; lot expiry is not exercised")
            biz = zone_in_business_hours(now, 20, self.args.duration - 5)
            if biz:
                calendars.append(("crash-sla", "Breaches during the run", biz[0]))
                self.sla_zone = ("crash-sla", zoneinfo.ZoneInfo(biz[0]))
                log(f"breaches: requests on {biz[0]} reach their response deadline during the run")
            else:
                log("breaches: no time zone is in business hours now; SLA breach marking is not exercised")
        usable = []
        for cal_id, name, tz in calendars:
            out = api._send(rng, "PUT", f"/v1/calendars/{cal_id}",
                            json.dumps({"name": name, "timezone": tz}).encode(),
                            {"Authorization": f"Bearer {api.token('admin')}",
                             "Content-Type": "application/json"}, "PUT calendar")
            if out and out[0] in (200, 201):
                usable.append((cal_id, tz))
            else:
                log(f"calendar {cal_id} ({tz}) refused: {out and out[:1]}; not used")
                if cal_id == "crash-expiry":
                    self.expiry_zone = None
                if cal_id == "crash-sla":
                    self.sla_zone = None
        for i in range(self.args.customers):
            cal_id, tz = usable[i % len(usable)]
            w = api.write(rng, "create_customer", "POST", "/v1/customers",
                          {"name": f"crash-{self.run_id}-customer-{i}", "calendar_id": cal_id,
                           "standalone_agreed": True},
                          "account_manager", {"name": f"crash-{self.run_id}-customer-{i}"})
            if w.outcome != "acked":
                raise RuntimeError(f"seeding: customer not created ({w.status} {w.body})")
            cust = Customer(id=w.body["id"], calendar=cal_id, tz=tz, lean=(i == 0))
            self.world.customers.append(cust)
            self.api.tokens[("customer", cust.id)] = mint(self.args, "customer", cust.id)
            self.sell(rng, cust, units=15000 if cust.lean else 2_000_000, may_expire=False)
            for _ in range(2):
                self.new_sow(rng, cust, planned=6000 if cust.lean else 300_000)
        log(f"seeded {len(self.world.customers)} customers, {len(self.world.active_sows)} active SoWs")

    # ---- operations

    def run_client(self, idx: int) -> None:
        rng = random.Random(self.args.seed * 1000 + idx)
        while time.monotonic() < self.deadline:
            op = rng.choices(self.ops, self.weights)[0]
            try:
                done = getattr(self, "op_" + op)(rng)
                if not done:
                    self.op_schedule(rng)
                    op = "schedule"
                self.stats.inc("op_" + op)
            except Exception as e:  # noqa: BLE001 - a harness bug must not end the run silently
                self.stats.violation(f"client {idx} crashed in {op}: {e!r}")
                time.sleep(0.5)

    def refresh(self, rng, sid: str) -> None:
        out = self.api.get(rng, f"/v1/sessions/{sid}")
        if out and out[0] == 404:
            self.stats.violation(f"session {sid} was acknowledged but GET answers 404")
        if out and out[0] == 200:
            s = out[2]
            ud = s.get("units_debited")
            self.world.set_status(sid, s["status"], hundredths(ud) if ud is not None else None)

    def after_session_write(self, rng, w: Write, sid: str) -> None:
        if w.outcome == "acked" and isinstance(w.body, dict) and "status" in w.body:
            ud = w.body.get("units_debited")
            self.world.set_status(sid, w.body["status"], hundredths(ud) if ud else None)
        elif w.outcome == "refused" or w.outcome == "unresolved":
            self.refresh(rng, sid)

    def sell(self, rng, cust: Customer, units: int | None = None, may_expire: bool = True) -> Write:
        n = self.next_n()
        ref = f"CR-{self.run_id}-{n}"
        if units is None:
            units = rng.randint(500, 3000) if cust.lean else rng.randint(5000, 50000)
        body = {"units": units_str(units), "order_reference": ref}
        now = self.clock.now()
        if not may_expire:
            pass
        elif self.clock.test and rng.random() < 0.3:
            # Received almost a year ago: expires a few (test-clock) days from now.
            local_today = now.astimezone(zoneinfo.ZoneInfo(cust.tz)).date()
            body["received_on"] = (minus_twelve_months(local_today)
                                   + dt.timedelta(days=rng.randint(2, 6))).isoformat()
        elif (self.expiry_zone and cust.calendar == self.expiry_zone[0]
              and now < self.expiry_zone[1] - dt.timedelta(seconds=5) and rng.random() < 0.6):
            # Expires at the next local midnight, which falls inside the run.
            tomorrow = self.expiry_zone[1].astimezone(zoneinfo.ZoneInfo(cust.tz)).date()
            body["received_on"] = minus_twelve_months(tomorrow).isoformat()
        w = self.api.write(rng, "sell_pack", "POST", f"/v1/customers/{cust.id}/packs", body,
                           "account_manager", {"customer_id": cust.id, "order_reference": ref})
        if w.outcome == "acked":
            self.world.reactivate(cust.id)
        return w

    def new_sow(self, rng, cust: Customer, planned: int | None = None) -> bool:
        n = self.next_n()
        title = f"crash-{self.run_id}-sow-{n}"
        if planned is None:
            planned = rng.randint(200, 2000) if cust.lean else rng.randint(20000, 100000)
        w = self.api.write(rng, "draft_sow", "POST", "/v1/sows", {
            "customer_id": cust.id, "title": title, "activities": "Crash-run work",
            "planned_sessions": 1000, "planned_units": units_str(planned),
            "acceptance_criteria": "Done"}, "soc_lead", {"title": title})
        if w.outcome != "acked":
            return False
        sow_id = w.body["id"]
        w = self.api.write(rng, "submit_sow", "POST", f"/v1/sows/{sow_id}/submit", {}, "soc_lead",
                           {"sow_id": sow_id})
        etag = w.headers.get("etag")
        if w.outcome != "acked" or not etag:
            return True
        w = self.api.write(rng, "approve_sow", "POST", f"/v1/sows/{sow_id}/approve", {},
                           ("customer", cust.id), {"sow_id": sow_id}, headers={"If-Match": etag})
        if w.outcome == "acked":
            self.world.add_sow(sow_id, cust.id, active=w.body.get("status") == "active")
        return True

    def op_sell_pack(self, rng) -> bool:
        self.sell(rng, rng.choice(self.world.customers))
        return True

    def op_new_sow(self, rng) -> bool:
        return self.new_sow(rng, rng.choice(self.world.customers))

    def op_schedule(self, rng) -> bool:
        with self.world.lock:
            sow_id = self.world.active_sows.choice(rng)
        if sow_id is None:
            return self.new_sow(rng, rng.choice(self.world.customers))
        now = self.clock.now()
        if rng.random() < 0.2:  # in the future: a customer can still cancel it for free
            start = now + dt.timedelta(minutes=rng.randint(3 * 1440, 10 * 1440))
        else:  # in the past: deliverable at once, cancelled late, or a no-show
            start = now - dt.timedelta(minutes=rng.randint(4 * 60, 72 * 60))
        start = start.replace(second=0)
        end = start + dt.timedelta(minutes=rng.choice([30, 60, 90, 120, 180]))
        # requested_at is unique per write: it identifies the session the write made.
        requested = self.requested_base - dt.timedelta(seconds=self.next_n())
        w = self.api.write(rng, "schedule", "POST", f"/v1/sows/{sow_id}/sessions",
                           {"starts_at": iso(start), "ends_at": iso(end), "requested_at": iso(requested)},
                           "soc_lead", {"sow_id": sow_id, "requested_at_us": micros(requested)})
        if w.outcome == "acked":
            cid = self.world.sow_customer[sow_id]
            self.world.add_session(Session(w.body["id"], sow_id, cid, start, end))
        elif w.outcome == "refused" and isinstance(w.body, dict):
            code = w.body.get("code")
            if code == "planned_sessions_exceeded":
                self.world.deactivate_sow(sow_id, retire=True)
            elif code in ("sow_not_active", "insufficient_cover"):
                self.world.deactivate_sow(sow_id, retire=False)
        return True

    def op_deliver(self, rng) -> bool:
        now = self.clock.now()
        s = self.world.pick(rng, ["scheduled"], lambda s: s.ends <= now)
        if s is None:
            return False
        w = self.api.write(rng, "deliver", "POST", f"/v1/sessions/{s.id}/deliver",
                           {"started_at": iso(s.starts), "ended_at": iso(s.ends), "notes": "crash run"},
                           "soc_lead", {"session_id": s.id})
        if w.outcome == "acked":
            self.world.set_status(s.id, "delivered", hundredths(w.body["units"]))
        else:
            self.refresh(rng, s.id)
        return True

    def op_cancel(self, rng) -> bool:
        s = self.world.pick(rng, ["scheduled", "scheduled", "to_reschedule"])
        if s is None:
            return False
        reason = "force_majeure" if rng.random() < 0.15 else "customer_request"
        w = self.api.write(rng, "cancel", "POST", f"/v1/sessions/{s.id}/cancel", {"reason": reason},
                           ("customer", s.customer_id), {"session_id": s.id})
        self.after_session_write(rng, w, s.id)
        return True

    def op_no_show(self, rng) -> bool:
        now = self.clock.now()
        s = self.world.pick(rng, ["scheduled"], lambda s: s.starts <= now)
        if s is None:
            return False
        w = self.api.write(rng, "no_show", "POST", f"/v1/sessions/{s.id}/no-show", {}, "soc_lead",
                           {"session_id": s.id})
        self.after_session_write(rng, w, s.id)
        return True

    def op_complain(self, rng) -> bool:
        s = self.world.pick(rng, ["delivered"])
        if s is None:
            return False
        w = self.api.write(rng, "complain", "POST", f"/v1/sessions/{s.id}/complaints",
                           {"reason": "crash run: not what was agreed"}, ("customer", s.customer_id),
                           {"session_id": s.id})
        self.after_session_write(rng, w, s.id)
        return True

    def op_decide(self, rng) -> bool:
        s = self.world.pick(rng, ["disputed"])
        if s is None:
            return False
        if s.units_debited is None:
            self.refresh(rng, s.id)
            if s.units_debited is None:
                return False
        reverse = rng.choice([0, s.units_debited, rng.randint(0, s.units_debited)])
        w = self.api.write(rng, "decide", "POST", f"/v1/sessions/{s.id}/complaints/decision",
                           {"reverse_units": units_str(reverse), "reason": "crash run decision"},
                           "soc_manager", {"session_id": s.id, "reverse": reverse})
        self.after_session_write(rng, w, s.id)
        return True

    def op_accept(self, rng) -> bool:
        s = self.world.pick(rng, ["delivered"])
        if s is None:
            return False
        w = self.api.write(rng, "accept", "POST", f"/v1/sessions/{s.id}/accept", {},
                           ("customer", s.customer_id), {"session_id": s.id})
        self.after_session_write(rng, w, s.id)
        return True

    def op_quote(self, rng) -> bool:
        cust = rng.choice(self.world.customers)
        reason = f"crash-{self.run_id}-quote-{self.next_n()}"
        self.api.write(rng, "quote", "POST", f"/v1/customers/{cust.id}/quotes",
                       {"units": units_str(rng.randint(100, 5000)), "reason": reason},
                       "account_manager", {"reason": reason})
        return True

    def op_request(self, rng) -> bool:
        now = self.clock.now()
        left = 0.0
        if self.sla_zone:
            tz = self.sla_zone[1]
            local_now = now.astimezone(tz)
            closing = dt.datetime.combine(local_now.date(), dt.time(17), tz)
            left = min((closing - local_now).total_seconds() - 5, self.deadline - time.monotonic() - 5)
        if left > 15 and rng.random() < 0.7:
            cust = rng.choice([c for c in self.world.customers if c.calendar == self.sla_zone[0]])
            # Received on the previous business day at (now + δ) local: its 8 business
            # hours end today at now + δ, inside the run.
            local = (now + dt.timedelta(seconds=rng.uniform(10, left))).astimezone(tz)
            received = dt.datetime.combine(previous_business_day(local.date()),
                                           local.time().replace(microsecond=0), tz)
        else:
            cust = rng.choice(self.world.customers)
            received = now - dt.timedelta(minutes=rng.randint(0, 240))
        summary = f"crash-{self.run_id}-request-{self.next_n()}"
        self.api.write(rng, "request", "POST", "/v1/requests", {
            "customer_id": cust.id, "kind": "custom", "channel": "email", "summary": summary,
            "identity_verified": True, "received_at": iso(received)}, "soc_lead", {"summary": summary})
        return True

    def op_clock(self, rng) -> bool:
        target = self.clock.next_target(rng, self.api.journal.pending_floor())
        if target is None:
            return False
        self.move_clock(rng, target)
        return True

    def move_clock(self, rng, target: dt.datetime) -> list[Write]:
        """Sends the target to every replica at once (one thread each), so on PostgreSQL
        both run the rules due up to it concurrently against the same database. Each
        send is retried on its own replica until a definitive answer (a killed replica
        comes back at the furthest target sent). `409 clock_backwards` is expected: that
        replica is already past the target (restarted, or a later move got there first)."""
        replicas = self.api.cluster.replicas
        writes: list[Write | None] = [None] * len(replicas)

        def send(i: int, r: Replica, rrng: random.Random) -> None:
            w = self.api.write(rrng, "clock", "POST", "/v1/test-clock", {"now": iso(target)}, "admin",
                               {"now": iso(target), "replica": r.name}, port=r.port)
            code = w.body.get("code") if isinstance(w.body, dict) else None
            if w.outcome == "acked":
                self.clock.observe(r.name, parse_iso(w.body["now"]))
                self.stats.inc(f"clock_moved_{r.name}")
            elif w.status == 409 and code == "clock_backwards":
                self.clock.observe(r.name, target)
                self.stats.inc(f"clock_ahead_{r.name}")
            elif w.status in (409, 422):  # other refusals are flagged by write()
                self.stats.violation(f"test-clock move to {iso(target)} on {r.name}: HTTP {w.status} {code}")
            writes[i] = w

        seeds = [rng.random() for _ in replicas]
        threads = [threading.Thread(target=send, args=(i, r, random.Random(seeds[i])), daemon=True)
                   for i, r in enumerate(replicas[1:], start=1)]
        began = time.monotonic()
        for t in threads:
            t.start()
        send(0, replicas[0], random.Random(seeds[0]))
        for t in threads:
            t.join()
        self.stats.inc("clock_moves")
        self.stats.inc("clock_move_ms", int((time.monotonic() - began) * 1000))
        return writes


def mint(args, role: str, customer: str | None = None) -> str:
    cmd = [args.binary, "token", "--role", role, "--ttl", "4h"]
    if customer:
        cmd += ["--customer", customer]
    out = subprocess.run(cmd, env=args.env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"token failed: {out.stderr.strip()}")
    return out.stdout.strip().splitlines()[-1].strip()


# ------------------------------------------------------------------------ checks


class Checks:
    """The end-of-run checks; each appends to stats.violations."""

    def __init__(self, db, stats: Stats, journal: Journal, backend: str):
        self.db = db
        self.stats = stats
        self.journal = journal
        self.backend = backend
        self.facts = collections.Counter()  # what the time-driven rules did

    def v(self, msg: str) -> None:
        self.stats.violation(msg)

    # -- helpers

    @staticmethod
    def expect(outcome: str) -> tuple[int, int]:
        return {"acked": (1, 1), "refused": (0, 0)}.get(outcome, (0, 1))

    def load(self) -> None:
        q = self.db.query
        self.customers = q("SELECT id, name FROM customers")
        self.accounts = {r[0]: int(r[1]) for r in q("SELECT customer_id, total FROM accounts")}
        self.lots = q("SELECT id, customer_id, order_reference, units, expires_at, "
                      "CASE WHEN expired THEN 1 ELSE 0 END FROM lots")
        self.entries = q("SELECT seq, customer_id, kind, lot_id, units, session_id FROM ledger_entries")
        self.sessions = q("SELECT id, sow_id, customer_id, status, requested_at, units_debited, "
                          "acceptance_due, accepted_at, acceptance, decision_units, review_due, review_sla "
                          "FROM sessions")
        self.events = q("SELECT kind, subject_id, occurred_at, "
                        "CASE WHEN data LIKE '%\"acceptance\":\"explicit\"%' THEN 1 ELSE 0 END, "
                        "CASE WHEN data LIKE '%after_reversal%' THEN 1 ELSE 0 END FROM events")
        self.sows = q("SELECT id, title, status FROM sows")
        self.quotes = q("SELECT id, reason, status, order_due, origin FROM quotes")
        self.requests = q("SELECT id, summary, initial_response_due, sow_due, initial_response_sla, "
                          "sow_sla, created_at FROM requests")
        self.idem = {(r[0], r[1]): int(r[2]) for r in
                     q("SELECT caller, idem_key, status_code FROM idempotency_records")}

    # -- 1. verify

    def verify(self, args) -> None:
        out = subprocess.run([args.binary, "verify"], env=args.env, capture_output=True, text=True,
                             timeout=600)
        if out.returncode != 0:
            text = (out.stdout + out.stderr).strip().splitlines()
            self.v(f"securehands verify exited {out.returncode}: " + " | ".join(text[:10]))
        else:
            log("verify: clean")

    # -- 2. every keyed write applied exactly once

    def writes_exactly_once(self, final_clock: dt.datetime) -> None:
        lots_by_ref = collections.Counter(r[2] for r in self.lots)
        sessions_by_req = collections.Counter((r[1], int(r[4])) for r in self.sessions)
        sows_by_title = collections.Counter(r[1] for r in self.sows)
        quotes_by_reason = collections.Counter(r[1] for r in self.quotes)
        requests_by_summary = collections.Counter(r[1] for r in self.requests)
        customers_by_name = collections.Counter(r[1] for r in self.customers)
        events = collections.Counter()
        for kind, subject, _, explicit, _ in self.events:
            events[(kind, subject)] += 1
            if kind == "session_accepted" and explicit == "1":
                events[("session_accepted/explicit", subject)] += 1

        creations = {
            "create_customer": lambda t: customers_by_name[t["name"]],
            "sell_pack": lambda t: lots_by_ref[t["order_reference"]],
            "schedule": lambda t: sessions_by_req[(t["sow_id"], t["requested_at_us"])],
            "draft_sow": lambda t: sows_by_title[t["title"]],
            "quote": lambda t: quotes_by_reason[t["reason"]],
            "request": lambda t: requests_by_summary[t["summary"]],
        }
        actions = collections.defaultdict(lambda: [0, 0])  # (event, subject) -> [acked, unresolved]
        checked = 0
        for w in self.journal.writes:
            if w.op in creations:
                lo, hi = self.expect(w.outcome)
                n = creations[w.op](w.target)
                checked += 1
                if not lo <= n <= hi:
                    self.v(f"{w.op} key {w.key} ({w.outcome}, HTTP {w.status}) took effect {n} times: {w.target}")
            elif w.op in ACTION_EVENTS:
                subject = w.target.get("session_id") or w.target.get("sow_id")
                slot = actions[(ACTION_EVENTS[w.op], subject)]
                if w.outcome == "acked":
                    slot[0] += 1
                elif w.outcome == "unresolved":
                    slot[1] += 1
            # The success was stored with its key, in the same transaction (replays
            # depend on it), unless the test clock ran past the retention since.
            if (w.outcome == "acked" and w.op != "clock"
                    and w.clock_at_start > final_clock - IDEMPOTENCY_RETENTION + dt.timedelta(hours=1)):
                stored = self.idem.get((w.caller, w.key))
                if stored != w.status:
                    self.v(f"{w.op} key {w.key}: acknowledged {w.status} but idempotency record says {stored}")
        for (event, subject), (acked, unresolved) in actions.items():
            n = events[(event, subject)]
            checked += 1
            if not acked <= n <= acked + unresolved:
                self.v(f"{event} on {subject}: {n} events for {acked} acknowledged and "
                       f"{unresolved} unresolved writes")
        # One-shot events can never repeat, whoever caused them.
        for (kind, subject), n in events.items():
            if n > 1 and kind in SESSION_ONE_SHOT_EVENTS + ("pack_sold", "quote_lapsed", "sow_drafted"):
                self.v(f"event {kind} recorded {n} times for {subject}")
        log(f"exactly-once: {checked} keyed effects checked")

    # -- 3. charges and reversals

    def charges(self) -> None:
        per = collections.defaultdict(collections.Counter)  # session -> kind -> units
        count = collections.defaultdict(collections.Counter)
        for _, _, kind, _, units, session_id in self.entries:
            if session_id is not None:
                per[session_id][kind] += int(units)
                count[session_id][kind] += 1
        delivered_events = collections.Counter(s for k, s, *_ in self.events if k == "session_delivered")
        charged = 0
        for sid, _, _, status, _, debited, *_rest in self.sessions:
            decision = _rest[3]
            k = per.get(sid, collections.Counter())
            debited = int(debited) if debited is not None else None
            if status in DELIVERED_LIKE:
                charged += 1
                if delivered_events[sid] != 1:
                    self.v(f"session {sid} ({status}): {delivered_events[sid]} session_delivered events")
                if k["debit"] + k["deficit"] != -(debited or 0):
                    self.v(f"session {sid} ({status}): charged {units_str(-(k['debit'] + k['deficit']))}"
                           f" but units_debited is {units_str(debited or 0)}")
                if count[sid]["cancellation_debit"]:
                    self.v(f"session {sid} ({status}) has a cancellation_debit")
            elif status in CANCEL_CHARGED:
                charged += 1
                if k["cancellation_debit"] + k["deficit"] != -(debited or 0):
                    self.v(f"session {sid} ({status}): charged "
                           f"{units_str(-(k['cancellation_debit'] + k['deficit']))} but units_debited is "
                           f"{units_str(debited or 0)}")
                if count[sid]["debit"]:
                    self.v(f"session {sid} ({status}) has a delivery debit")
            elif count[sid]["debit"] or count[sid]["cancellation_debit"] or count[sid]["deficit"]:
                self.v(f"session {sid} ({status}) was charged: {dict(k)}")
            if status == "resolved":
                if k["reversal"] != int(decision or 0):
                    self.v(f"session {sid}: reversed {units_str(k['reversal'])} but the decision was "
                           f"{units_str(int(decision or 0))}")
            elif count[sid]["reversal"]:
                self.v(f"session {sid} ({status}) has reversals")
        log(f"charges: {charged} charged sessions checked")

    # -- 4. balances

    def balances(self, api_view: dict) -> None:
        sums = collections.Counter()
        for _, cid, _, _, units, _ in self.entries:
            sums[cid] += int(units)
        for cid, total in self.accounts.items():
            if total != sums[cid]:
                self.v(f"customer {cid}: account total {units_str(total)} but entries sum to {units_str(sums[cid])}")
        for cid, (total, ledger_sum) in api_view.items():
            if total != ledger_sum:
                self.v(f"customer {cid}: GET balance total {units_str(total)} but GET ledger sums to "
                       f"{units_str(ledger_sum)}")
        lot_credit = collections.Counter()
        grants = collections.Counter()
        for _, _, kind, lot, units, session_id in self.entries:
            if kind in ("grant", "deficit_settlement") and lot is not None:
                lot_credit[lot] += int(units)
                grants[lot] += kind == "grant"
        for lot, _, ref, units, *_ in self.lots:
            if lot_credit[lot] != int(units) or grants[lot] > 1:
                self.v(f"lot {lot} ({ref}): sold {units_str(int(units))} but credited "
                       f"{units_str(lot_credit[lot])} in {grants[lot]} grants")
        log(f"balances: {len(self.accounts)} customers, {len(self.lots)} lots checked")

    # -- 5. time-driven rules

    def time_rules(self, check_now: dt.datetime, final_now: dt.datetime) -> None:
        now_us, final_us = micros(check_now), micros(final_now)
        accepted = collections.Counter(s for k, s, *_ in self.events if k == "session_accepted")
        expired_ev = collections.Counter(s for k, s, _, _, ar in self.events if k == "units_expired" and ar == "0")
        lapsed_ev = collections.Counter(s for k, s, *_ in self.events if k == "quote_lapsed")
        # Auto-acceptance: due ones done, each session accepted once, effective at the deadline.
        for sid, _, _, status, _, _, due, acc_at, acceptance, *_ in self.sessions:
            if status == "delivered" and due is not None and int(due) <= now_us:
                self.v(f"session {sid}: still delivered although its acceptance was due at "
                       f"{iso(from_micros(int(due)))}")
            want = 1 if status == "accepted" else 0
            if accepted[sid] != want:
                self.v(f"session {sid} ({status}): {accepted[sid]} session_accepted events")
            if status == "accepted" and acceptance == "automatic":
                self.facts["auto_accepted"] += 1
                if acc_at != due:
                    self.v(f"session {sid}: auto-accepted at {acc_at}, not at its deadline {due}")
        # Expiry: due lots expired, once each, never early.
        expiry_entries = collections.Counter(lot for _, _, kind, lot, _, session_id in self.entries
                                             if kind == "expiry" and session_id is None)
        for lot, _, ref, _, expires_at, expired in self.lots:
            expires_at = int(expires_at)
            if expired == "1":
                self.facts["expired_lots"] += 1
                if expires_at > final_us:
                    self.v(f"lot {lot}: expired before its expiry instant {iso(from_micros(expires_at))}")
                if expired_ev[lot] != 1:
                    self.v(f"lot {lot}: {expired_ev[lot]} units_expired events")
            else:
                if expires_at <= now_us:
                    self.v(f"lot {lot}: not expired although due at {iso(from_micros(expires_at))}")
                if expired_ev[lot]:
                    self.v(f"lot {lot}: units_expired event but not expired")
            if expiry_entries[lot] > 1:
                self.v(f"lot {lot}: {expiry_entries[lot]} expiry entries")
        # Quote lapses.
        for qid, _, status, order_due, _ in self.quotes:
            if status == "open" and int(order_due) <= now_us:
                self.v(f"quote {qid}: still open after its order deadline")
            if lapsed_ev[qid] != (1 if status == "lapsed" else 0):
                self.v(f"quote {qid} ({status}): {lapsed_ev[qid]} quote_lapsed events")
            self.facts["lapsed_quotes"] += status == "lapsed"
        # SLA breach marking (state, so "once" means: marked, and never un-marked).
        for rid, _, ir_due, sow_due, ir_sla, sow_sla, created in self.requests:
            for name, due, state in (("initial response", ir_due, ir_sla), ("SoW", sow_due, sow_sla)):
                if state == "pending" and int(due) <= now_us:
                    self.v(f"request {rid}: {name} target still pending after its deadline")
                if state == "breached" and int(due) > int(created):
                    self.facts["breaches"] += 1
        for sid, *_rest in self.sessions:
            review_due, review_sla = _rest[9], _rest[10]
            if review_sla == "pending" and review_due is not None and int(review_due) <= now_us:
                self.v(f"session {sid}: complaint review still pending after its deadline")
            if review_sla == "breached" and _rest[8] is None:  # undecided: marked by the job
                self.facts["breaches"] += 1
        log("time-driven rules: " + ", ".join(f"{k}={v}" for k, v in sorted(self.facts.items())))


def api_balances(api: Api, rng, customers: list[Customer]) -> dict:
    """GET balance total and Σ GET ledger per customer, read back to back (a balance
    read again after the ledger must not have moved, else retried)."""
    out = {}
    for cust in customers:
        for _ in range(5):
            b1 = api.get(rng, f"/v1/customers/{cust.id}/balance", "finance")
            total, after = 0, None
            while True:
                path = f"/v1/ledger?customer_id={cust.id}&limit=1000" + (f"&after={after}" if after else "")
                page = api.get(rng, path, "finance")
                if page is None or page[0] != 200:
                    break
                data = page[2]["data"]
                total += sum(hundredths(e["units"]) for e in data)
                nxt = page[2].get("next_cursor")
                if not data or not nxt or nxt == after:
                    break
                after = nxt
            b2 = api.get(rng, f"/v1/customers/{cust.id}/balance", "finance")
            if b1 and b2 and b1[0] == 200 and b1[2]["total"] == b2[2]["total"]:
                out[cust.id] = (hundredths(b1[2]["total"]), total)
                break
    return out


# -------------------------------------------------------------------------- main


def resolve_binary(arg: str | None) -> str:
    cands = [arg] if arg else ["target/release/securehands", "target/debug/securehands"]
    for c in cands:
        for p in (Path(c), REPO / c):
            if p.is_file() and os.access(p, os.X_OK):
                return str(p.resolve())
    raise SystemExit(f"no securehands binary found (tried {', '.join(cands)}); run cargo build --release")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["postgres", "sqlite"], required=True)
    ap.add_argument("--binary", help="default target/release/securehands, else target/debug/securehands")
    ap.add_argument("--duration", type=float, default=60, help="seconds of workload (long form: 600)")
    ap.add_argument("--max-duration", type=float, default=None,
                    help="test clock: seconds the workload may go on past --duration until the "
                         "clock has travelled RULE_HORIZON (default: twice --duration)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--kill-every", type=float, default=4, help="seconds between SIGKILLs (0: never)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--customers", type=int, default=8)
    ap.add_argument("--grace", type=float, default=30,
                    help="after the workload, seconds pending writes may still retry")
    ap.add_argument("--clock-span-days", type=float, default=45,
                    help="how far the test clock travels over the run (not with --real-time)")
    ap.add_argument("--real-time", action="store_true",
                    help="PostgreSQL only: replicas on the real clock, rules run by their background "
                         "job loops (auto-acceptance and quote lapse are then not exercised)")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = ap.parse_args()
    if args.real_time and args.backend != "postgres":
        ap.error("--real-time is for --backend postgres only (SQLite always runs on the test clock)")
    args.binary = resolve_binary(args.binary)
    if args.max_duration is None:
        args.max_duration = 2 * args.duration
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_id = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix=f"sh_crash_{run_id}_"))
    db = PgDb(args.pg_url, run_id) if args.backend == "postgres" else SqliteDb(workdir)
    test_clock = not args.real_time
    clock_start = dt.datetime.now(UTC).replace(microsecond=0)
    args.env = dict(os.environ, DATABASE_URL=db.url, SECUREHANDS_JWT_SECRET=JWT_SECRET,
                    RUST_LOG=os.environ.get("RUST_LOG", "warn"),
                    SECUREHANDS_RATE_LIMIT_PER_SECOND="0", SECUREHANDS_NOTIFY_INTERVAL_MS="0",
                    SECUREHANDS_JOB_INTERVAL_SECS=str(JOB_INTERVAL_SECS))
    if test_clock:
        args.env.update(SECUREHANDS_TEST_CLOCK="true", SECUREHANDS_TEST_CLOCK_START=iso(clock_start))
    else:
        args.env.pop("SECUREHANDS_TEST_CLOCK", None)
        args.env.pop("SECUREHANDS_TEST_CLOCK_START", None)
    stats = Stats()
    journal = Journal()
    replicas = [Replica(f"replica-{i + 1}", args.binary, args.env, workdir)
                for i in range(2 if args.backend == "postgres" else 1)]
    clock = Clock(test_clock, clock_start, dt.timedelta(days=args.clock_span_days), args.duration,
                  [r.name for r in replicas])

    def start_env(r: Replica) -> dict | None:
        """A (re)started replica's test clock starts at the furthest target ever sent."""
        return {"SECUREHANDS_TEST_CLOCK_START": iso(clock.restarting(r.name))} if test_clock else None
    cluster = Cluster(replicas)
    kills = 0
    ok = False
    log(f"backend={args.backend} binary={args.binary} seed={args.seed} "
        f"clock={'test' if test_clock else 'real'} db={db.describe()} logs={workdir}")
    try:
        db.create()
        mig = subprocess.run([args.binary, "migrate"], env=args.env, capture_output=True, text=True, timeout=300)
        if mig.returncode != 0:
            raise RuntimeError(f"migrate failed: {mig.stderr.strip()}")
        for r in replicas:
            r.start()
        tokens = {role: mint(args, role) for role in
                  ("admin", "account_manager", "soc_lead", "soc_manager", "finance")}
        hard_deadline = [float("inf")]
        api = Api(cluster, stats, journal, clock, tokens, hard_deadline)
        world = World()
        work = Workload(args, api, world, clock, stats, run_id, args.backend)
        rng = random.Random(args.seed)
        work.seed(rng)

        # The workload, and the killer in this (main) thread.
        t_start = time.monotonic()
        work.deadline = t_start + args.duration
        clock.t0 = t_start
        hard_deadline[0] = work.deadline + args.grace
        threads = [threading.Thread(target=work.run_client, args=(i,), daemon=True)
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        krng = random.Random(args.seed + 1)
        next_kill = t_start + args.kill_every * krng.uniform(0.75, 1.25) if args.kill_every > 0 else float("inf")
        extended = 0.0
        while time.monotonic() < work.deadline:
            # A clock short of the rules' horizon moves the end before the clients see it.
            if (test_clock and work.deadline - time.monotonic() < EXTEND_STEP
                    and clock.now() < clock_start + RULE_HORIZON
                    and work.deadline + EXTEND_STEP <= t_start + args.max_duration):
                work.deadline += EXTEND_STEP
                extended += EXTEND_STEP
                hard_deadline[0] = work.deadline + args.grace
                log(f"test clock at {(clock.now() - clock_start).total_seconds() / 86400:.1f} days, "
                    f"short of {RULE_HORIZON.days}: workload extended by {EXTEND_STEP:g} s")
            time.sleep(max(0.0, min(next_kill, work.deadline) - time.monotonic()))
            if time.monotonic() >= work.deadline:
                break
            victim = krng.choice([r for r in replicas if r.up])
            victim.kill()
            kills += 1
            time.sleep(krng.uniform(0.3, 1.0))
            victim.start(start_env(victim))
            next_kill = time.monotonic() + args.kill_every * krng.uniform(0.75, 1.25)
        log(f"workload over after {kills} kills; letting pending writes finish")
        for r in replicas:
            if not r.up:
                r.start(start_env(r))
        for t in threads:
            t.join(timeout=max(0.0, hard_deadline[0] - time.monotonic()) + REQUEST_TIMEOUT + 5)
        hard_deadline[0] = time.monotonic() + 60  # for the final reads

        # Quiet phase: let every rule catch up, then read balances through the API.
        if test_clock:
            # Every replica moves to one second past every target sent, running
            # whatever is still due (on PostgreSQL both at once).
            final = clock.final_target()
            for w in work.move_clock(rng, final):
                if w is None or w.outcome != "acked":
                    stats.violation(f"final test-clock move to {iso(final)} failed"
                                    + (f" on {w.target['replica']}: {w.status} {w.body}" if w else ""))
            check_now = final_now = clock.now()
            if check_now != final:
                stats.violation(f"after the final move the slowest replica is at {iso(check_now)}, "
                                f"not {iso(final)}")
        else:
            time.sleep(5)
        api_view = api_balances(api, rng, world.customers)
        if not test_clock:
            final_now = dt.datetime.now(UTC)
            check_now = final_now - dt.timedelta(seconds=3 * JOB_INTERVAL_SECS + 5)
        for r in replicas:
            r.stop()

        # Checks.
        checks = Checks(db, stats, journal, args.backend)
        checks.verify(args)
        checks.load()
        checks.writes_exactly_once(final_now)
        checks.charges()
        checks.balances(api_view)
        checks.time_rules(check_now, final_now)

        c, f = stats.c, checks.facts
        if stats.codes:
            log("refusals: " + ", ".join(f"{k}={v}" for k, v in stats.codes.most_common()))
        log("operations: " + ", ".join(f"{k[3:]}={v}" for k, v in c.most_common() if k.startswith("op_")))
        not_exercised = [name for name, key in (("auto_acceptance", "auto_accepted"),
                                                ("expiry", "expired_lots"),
                                                ("quote_lapse", "lapsed_quotes"),
                                                ("breach_marking", "breaches")) if not f[key]]
        if not_exercised:
            # A rule is listed only when it changed nothing at all in this run.
            if test_clock:
                days = (clock.now() - clock_start).total_seconds() / 86400
                why = f"nothing was applied by them; the test clock travelled {days:.1f} days"
            else:
                reasons = {
                    "auto_acceptance": "needs 2 business days",
                    "quote_lapse": "needs 30 days",
                    "expiry": ("no pack sold on the midnight calendar reached its expiry" if work.expiry_zone
                               else "no time zone reached midnight during the run"),
                    "breach_marking": ("no request target fell due during the run" if work.sla_zone
                                       else "no time zone was in business hours"),
                }
                why = "real time: " + "; ".join(f"{n} {reasons[n]}" for n in not_exercised)
            if test_clock:
                # The test clock travels weeks in every run: a rule that changed nothing
                # was not tested, and a run that cannot test it proves nothing about it.
                stats.violation(f"time rules never applied: {', '.join(not_exercised)} ({why})")
            else:
                print(f"note: not exercised in this run: {', '.join(not_exercised)} ({why})")
        # Floors scaled to the duration: a run that did almost nothing, or left many writes
        # without a definitive answer, cannot vouch for exactly-once.
        ack_floor = max(50, int(ACKS_PER_SECOND_FLOOR * args.duration))
        if c["acknowledged"] < ack_floor:
            stats.violation(f"only {c['acknowledged']} acknowledged writes in {args.duration:g}s "
                            f"(floor {ack_floor}): too little work to prove anything")
        unresolved_cap = max(UNRESOLVED_MIN, c["writes"] * UNRESOLVED_PERCENT // 100)
        if c["unresolved"] > unresolved_cap:
            stats.violation(f"{c['unresolved']} writes never got a definitive answer "
                            f"(at most {unresolved_cap} of {c['writes']} allowed)")
        if test_clock:
            moves = c["clock_moves"]
            log(f"test clock: {moves} moves, {c['clock_move_ms'] // max(moves, 1)} ms each on average; "
                + ", ".join(f"{r.name} moved={c[f'clock_moved_{r.name}']} "
                            f"already_ahead={c[f'clock_ahead_{r.name}']}" for r in replicas)
                + "; not moved, by limit: "
                + (", ".join(f"{k}={v}" for k, v in clock.skipped.most_common()) or "none"))
        for v in stats.violations:
            print(f"violation: {v}")
        extra = f" clock_days={(clock.now() - clock_start).total_seconds() / 86400:.1f}" if test_clock else ""
        print(f"crash-run backend={args.backend} replicas={len(replicas)} clients={args.clients} "
              f"duration={args.duration + extended:g}s kills={kills} requests={c['requests']} writes={c['writes']} "
              f"acknowledged={c['acknowledged']} replayed={c['replayed']} retries={c['retries']} "
              f"conn_errors={c['conn_errors']} timeouts={c['timeouts']} http503={c['http503']} "
              f"conflicts={c['conflicts']} unresolved={c['unresolved']} "
              f"auto_accepted={f['auto_accepted']} expired_lots={f['expired_lots']} "
              f"lapsed_quotes={f['lapsed_quotes']} breaches={f['breaches']}{extra} "
              f"violations={len(stats.violations)}", flush=True)
        ok = not stats.violations
        return 0 if ok else 1
    finally:
        for r in replicas:
            r.stop()
        if args.keep or not ok:
            log(f"kept: logs in {workdir}" + (f", database {db.describe()}" if args.keep else ""))
        if not args.keep:
            try:
                db.drop()
            except Exception as e:  # noqa: BLE001
                log(f"could not drop the database: {e}")
            if ok:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
