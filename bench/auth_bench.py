#!/usr/bin/env python3
"""API key versus service JWT on the same read (SPEC §13; target: key ÷ JWT ≥ 0.9).

A replica keeps the API keys it resolved in memory while no replica has revoked or
rolled one (a change signal: LISTEN/NOTIFY on PostgreSQL, a file beside SQLite); a JWT
is checked with its signature alone. This measures what a key costs on a read finance
systems poll:
``GET /v1/customers/{id}/balance``.

    cargo build --release --bin securehands --example read_load
    python3 bench/auth_bench.py [--backend sqlite|postgres] [--rounds 3] [--seconds 10]

It starts the release binary on a fresh database (rate limit off), seeds a customer with
a pack, creates a finance API key and mints a finance JWT, then alternates the two
credentials round by round (so drift affects both), each round a closed loop of N
connections for S seconds (target/release/examples/read_load). It prints the median
requests/s of each and the ratio; ``--check`` exits 1 when the ratio is under 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.9


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(api: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def load_round(load: str, url: str, token: str, connections: int, seconds: float) -> dict:
    """One closed-loop round of the load generator on `url`: its JSON line (requests,
    errors, requests_per_second, median_us); exits when any request failed."""
    out = subprocess.run([load, "--url", url, "--token", token, "--connections", str(connections),
                          "--duration", str(seconds)], check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    if r["errors"]:
        raise SystemExit(f"{r['errors']} errors during a round on {url}")
    return r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--binary", default=str(REPO / "target/release/securehands"))
    ap.add_argument("--load", default=str(REPO / "target/release/examples/read_load"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sh_auth_bench_")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    dbname = None
    if args.backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite://{work}/bench.db"
    else:
        dbname = "sh_auth_bench_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", args.pg_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
        env["DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + "/" + dbname
    env.update({
        "SECUREHANDS_BIND": f"127.0.0.1:{port}",
        "SECUREHANDS_PUBLIC_URL": api,
        "SECUREHANDS_JWT_SECRET": "auth-bench-secret-" + "x" * 32,
        "SECUREHANDS_RATE_LIMIT_PER_SECOND": "0",
        "SECUREHANDS_NOTIFY_INTERVAL_MS": "0",
        "RUST_LOG": "warn",
    })
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(api + "/readyz")
                break
            except OSError:
                time.sleep(0.05)
        token = lambda *a: subprocess.run([args.binary, "token", "--ttl", "2h", *a], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip()
        admin, finance = token("--role", "admin"), token("--role", "finance")
        call(api, "PUT", "/v1/calendars/fr-paris", admin, {"name": "Paris", "timezone": "Europe/Paris"})
        customer = call(api, "POST", "/v1/customers", admin, {"name": "Bench", "calendar_id": "fr-paris",
                        "securecall": {"reference": "SC-B", "starts_on": "2026-01-01", "ends_on": "2030-12-31"}})["id"]
        call(api, "POST", f"/v1/customers/{customer}/packs", admin, {"units": "100.00", "order_reference": "PO-B"})
        key = call(api, "POST", "/v1/api-keys", admin, {"name": "bench", "roles": ["finance"]})["secret"]
        url = f"{api}/v1/customers/{customer}/balance"

        def round_of(credential: str) -> float:
            return load_round(args.load, url, credential, args.connections, args.seconds)["requests_per_second"]

        round_of(finance)  # warm-up
        jwt, keyed = [], []
        for _ in range(args.rounds):
            jwt.append(round_of(finance))
            keyed.append(round_of(key))
        ratio = statistics.median(keyed) / statistics.median(jwt)
        print(json.dumps({
            "backend": args.backend,
            "jwt_rps": [round(x) for x in jwt],
            "api_key_rps": [round(x) for x in keyed],
            "median_jwt_rps": round(statistics.median(jwt)),
            "median_api_key_rps": round(statistics.median(keyed)),
            "ratio": round(ratio, 3),
            "target": TARGET,
        }))
        if args.check and ratio < TARGET:
            print(f"API key ÷ JWT = {ratio:.3f} < {TARGET}", file=sys.stderr)
            return 1
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        if dbname:
            subprocess.run(["psql", args.pg_url, "-qc", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"])


if __name__ == "__main__":
    sys.exit(main())
