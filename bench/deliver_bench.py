#!/usr/bin/env python3
"""Throughput of the hot path — delivering a session (pricing, draw from the SoW's
reservation, FIFO debit, ledger entries, completion statement) — on PostgreSQL, next to
pgbench's TPC-B-like transaction on the same server with the same client count.

Usage (after `cargo build --release`):
    python3 bench/deliver_bench.py [--clients 8] [--customers 8] [--sessions 250]

Standard library only. Creates and drops its own databases.
"""

import argparse
import concurrent.futures as cf
import http.client
import threading
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SECRET = "bench-secret-bench-secret-bench-secret-0123"


def free_port():
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(admin, sql):
    """Runs one statement as the admin role."""
    subprocess.run(["psql", admin, "-qAtc", sql], check=True, capture_output=True)


def db_url(admin, name):
    """The admin URL pointed at another database."""
    base = admin.rsplit("/", 1)[0]
    return f"{base}/{name}"


class Api:
    """A tiny JSON client with a bearer token."""

    def __init__(self, port, token):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method, path, body=None, token=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token or self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")


def mint(binary, env, *args):
    """Mints a token with the service's key."""
    out = subprocess.run([binary, "token", *args, "--ttl", "2h"], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def setup(api, binary, env, customers, sessions):
    """Customers with units, an active SoW each, and `sessions` scheduled sessions
    in the past (so they can be delivered at once)."""
    admin = mint(binary, env, "--role", "admin")
    am = mint(binary, env, "--role", "account_manager")
    lead = mint(binary, env, "--role", "soc_lead")
    api.call("PUT", "/v1/calendars/fr", {"name": "France", "timezone": "Europe/Paris"}, token=admin)
    work = []
    for c in range(customers):
        _, _, cust = api.call("POST", "/v1/customers", {"name": f"C{c}", "calendar_id": "fr", "standalone_agreed": True}, token=am)
        cid = cust["id"]
        api.call("POST", f"/v1/customers/{cid}/packs", {"units": "100000.00", "order_reference": "PO"}, token=am)
        rep = mint(binary, env, "--role", "customer", "--customer", cid)
        _, _, sow = api.call("POST", "/v1/sows", {
            "customer_id": cid, "title": "bench", "activities": "a", "planned_sessions": 1000,
            "planned_units": "50000.00", "acceptance_criteria": "c"}, token=lead)
        _, headers, _ = api.call("POST", f"/v1/sows/{sow['id']}/submit", {}, token=lead)
        etag = headers.get("etag") or headers.get("ETag")
        api.call("POST", f"/v1/sows/{sow['id']}/approve", {}, token=rep, headers={"If-Match": etag})
        for i in range(sessions):
            start = time.time() - 86400 * 2 - i * 3600 * 3
            s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
            e = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600))
            _, _, ses = api.call("POST", f"/v1/sows/{sow['id']}/sessions", {"starts_at": s, "ends_at": e}, token=lead)
            work.append((ses["id"], s, e))
    return lead, work


def deliver_all(api, lead, work, clients):
    """Delivers every session with `clients` concurrent callers, each on a kept-alive
    connection (so the client's own cost stays small); returns latencies."""
    random.shuffle(work)
    local = threading.local()
    host, port = api.base.rsplit(":", 1)

    def one(item):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
        sid, s, e = item
        body = json.dumps({"started_at": s, "ended_at": e})
        t0 = time.perf_counter()
        local.conn.request("POST", f"/v1/sessions/{sid}/deliver", body=body,
                           headers={"Authorization": f"Bearer {lead}", "Content-Type": "application/json"})
        r = local.conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(clients) as pool:
        lat = list(pool.map(one, work))
    return time.perf_counter() - t0, lat


def pgbench(admin, clients, seconds):
    """pgbench TPC-B-like TPS at scale 1 with the same client count."""
    name = f"sh_pgbench_{random.randrange(1 << 30)}"
    psql(admin, f"CREATE DATABASE {name}")
    try:
        url = db_url(admin, name)
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", url], check=True, capture_output=True)
        out = subprocess.run(["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), url],
                             check=True, capture_output=True, text=True).stdout
        tps = [l for l in out.splitlines() if l.startswith("tps")]
        return float(tps[0].split("=")[1].split()[0]) if tps else None
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/securehands")
    ap.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--customers", type=int, default=8)
    ap.add_argument("--sessions", type=int, default=250, help="sessions per customer")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    name = f"sh_deliver_{random.randrange(1 << 30)}"
    psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url(args.pg_admin_url, name), SECUREHANDS_JWT_SECRET=SECRET,
               SECUREHANDS_BIND=f"127.0.0.1:{port}", RUST_LOG="warn", SECUREHANDS_JOB_INTERVAL_SECS="3600",
               SECUREHANDS_DB_MAX_CONNECTIONS=str(max(16, args.clients * 2)))
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = Api(port, "")
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        lead, work = setup(api, binary, env, args.customers, args.sessions)
        elapsed, lat = deliver_all(api, lead, work, args.clients)
        lat_ms = sorted(x * 1000 for x in lat)
        tps = len(lat) / elapsed
        print(f"deliver: {len(lat)} sessions, {args.clients} clients, {args.customers} customers: "
              f"{tps:.0f} deliveries/s, median {statistics.median(lat_ms):.2f} ms, "
              f"p95 {lat_ms[int(len(lat_ms) * 0.95) - 1]:.2f} ms")
        verify = subprocess.run([binary, "verify"], env=env, capture_output=True, text=True)
        print("verify:", verify.stdout.strip().splitlines()[0] if verify.stdout else verify.stderr.strip())
    finally:
        server.terminate()
        server.wait(timeout=30)
        psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    tps_pg = pgbench(args.pg_admin_url, args.clients, 10)
    print(f"pgbench TPC-B-like, scale 1, {args.clients} clients, 10 s: {tps_pg:.0f} tps")
    print(f"ratio deliveries/s : pgbench tps = {tps / tps_pg:.2f}")


if __name__ == "__main__":
    sys.exit(main())
