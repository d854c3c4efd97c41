#!/usr/bin/env python3
"""P10: how old mails and webhooks get while deliveries run at full speed.

    python3 bench/backlog_bench.py                 # builds the release binaries first
    python3 bench/backlog_bench.py --skip-build --customers 4 --per-customer 100 --duration 3

On one fresh PostgreSQL database, the service with its default settings (only the
per-token rate limit off), sending its mails to an SMTP sink and its webhooks to a
receiver, both run by this script (threads; they accept everything and count it):
  1. P1's seeding (bench/deliver_bench.py: customers with units, an approved SoW and
     sessions in the past); then each customer is given `--contacts` contacts (approver,
     finance, technical), so every delivery causes its completion mail, and one webhook
     endpoint subscribed to every event type is registered. The contacts come after the
     sessions are scheduled, so the scheduling mails do not queue ahead of the load; the
     script waits until nothing is left to send before the load starts.
  2. P1 (16 kept-alive connections, closed loop, `--duration` s, examples/deliver_load)
     while PostgreSQL is polled every 0.5 s: pending mails, and events not yet delivered
     to the endpoint (pending deliveries, events past the endpoint's feed cursor and
     events still waiting for their feed position), with the age of the oldest of each.
  3. After the load, polling goes on until both backlogs are empty (the drain time).
For what the load created: mail age = sent_at - created_at, webhook age = the delivery's
completed_at - the event's recorded_at (p50, p99, max; anything still waiting when the
drain timed out counts with its age so far).
Target: p99 < 5 s for both, and the backlogs bounded (not growing over the load, drained
within 5 s of its end). `verify` at the end; exit 1 if a p99 is missed (or nothing was
measured), `verify` fails or the load saw a non-2xx.
Standard library only; creates and drops its own database.
"""

import argparse
import http.server
import json
import os
import platform
import random
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

import deliver_bench as common

TARGET_S = 5.0
NOW_MICROS = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"


# --- the SMTP sink and the webhook receiver -----------------------------------------------

class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0

    def add(self):
        with self.lock:
            self.n += 1

    def get(self):
        with self.lock:
            return self.n


class SmtpSink(socketserver.ThreadingTCPServer):
    """Enough SMTP for a client without TLS or authentication: every command is
    accepted, every message counted and dropped."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.received = Counter()
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    # Each reply goes out at once, in one write: a reply held back by Nagle's algorithm
    # until the client's delayed ACK (40 ms) would be the sink's delay, not the service's.
    disable_nagle_algorithm = True

    def reply(self, *lines):
        self.wfile.write(b"".join(line.encode() + b"\r\n" for line in lines))
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                self.reply("250-sink greets you", "250 HELP")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                while True:
                    body = self.rfile.readline()
                    if not body:
                        return
                    if body.rstrip(b"\r\n") == b".":
                        break
                self.server.received.add()
                self.reply("250 OK queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class HookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the sender's client expects
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.received.add()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class HookReceiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.received = Counter()
        super().__init__(("127.0.0.1", 0), HookHandler)


def serve_in_thread(server):
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                     daemon=True).start()
    return server


# --- PostgreSQL -------------------------------------------------------------------------

def rows(url, sql):
    out = subprocess.run(["psql", url, "-qAtX", "-F", "\t", "-c", sql], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def num(text):
    return None if text in ("", None) else int(text)


def backlog_sql(endpoint):
    """One statement (one snapshot): the database's now, pending mails and the oldest's
    creation, the endpoint's pending deliveries and their oldest event, and the events
    not yet fanned out to it (past its cursor, or not yet given a feed position)."""
    ep = endpoint.replace("'", "''")
    return f"""
WITH c AS (SELECT feed_cursor FROM webhook_endpoints WHERE id = '{ep}'),
m AS (SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM notifications
      WHERE status = 'pending'),
d AS (SELECT COUNT(*) AS n, MIN(e.recorded_at) AS oldest FROM webhook_deliveries w
      JOIN events e ON e.seq = w.event_seq
      WHERE w.status = 'pending' AND w.endpoint_id = '{ep}'),
f AS (SELECT COUNT(*) AS n, MIN(recorded_at) AS oldest FROM (
        SELECT recorded_at FROM events WHERE seq > (SELECT feed_cursor FROM c)
        UNION ALL SELECT recorded_at FROM events WHERE seq IS NULL) x)
SELECT {NOW_MICROS}, m.n, m.oldest, d.n, d.oldest, f.n, f.oldest FROM m, d, f"""


def backlog(url, sql):
    now, mails, mail_oldest, hooks, hook_oldest, unfanned, unfanned_oldest = \
        [num(v) for v in rows(url, sql)[0]]
    oldest_hook = min([t for t in (hook_oldest, unfanned_oldest) if t is not None],
                      default=None)
    return {
        "mail": mails,
        "mail_age_s": (now - mail_oldest) / 1e6 if mail_oldest is not None else 0.0,
        "webhook": hooks + unfanned,
        "webhook_pending_deliveries": hooks,
        "webhook_not_fanned_out": unfanned,
        "webhook_age_s": (now - oldest_hook) / 1e6 if oldest_hook is not None else 0.0,
    }


def empty(sample):
    return sample["mail"] == 0 and sample["webhook"] == 0


class Sampler(threading.Thread):
    """Polls the backlogs every `interval` seconds, tagging each sample with the phase
    the main thread has set."""

    def __init__(self, url, endpoint, interval=0.5):
        super().__init__(daemon=True)
        self.url, self.sql, self.interval = url, backlog_sql(endpoint), interval
        self.samples = []
        self.phase = "before"
        self.t0 = time.time()
        self.halt = threading.Event()
        self.errors = 0

    def run(self):
        while not self.halt.is_set():
            t = time.time()
            try:
                s = backlog(self.url, self.sql)
            except (subprocess.CalledProcessError, ValueError, IndexError) as e:
                self.errors += 1
                common.log(f"sampler: {e}")
            else:
                s["t"] = round(t - self.t0, 3)
                s["phase"] = self.phase
                self.samples.append(s)
            self.halt.wait(max(0.0, self.interval - (time.time() - t)))

    def stop(self):
        self.halt.set()
        self.join(timeout=30)


def wait_empty(url, endpoint, timeout):
    """Polls until nothing is left to send; returns the seconds it took, or None."""
    sql = backlog_sql(endpoint)
    start = time.time()
    while time.time() - start < timeout:
        if empty(backlog(url, sql)):
            return time.time() - start
        time.sleep(0.5)
    return None


def ages(url, endpoint, t0, t1):
    """Mail and webhook ages (seconds) of what was created in [t0, t1] (micros)."""
    ep = endpoint.replace("'", "''")
    waiting = "status IN ('sent', 'pending')"
    mail_age = "COALESCE(sent_at, n.now) - created_at"
    (m,) = rows(url, f"""
WITH n AS (SELECT {NOW_MICROS} AS now)
SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'sent'),
       COUNT(*) FILTER (WHERE status = 'pending'),
       COUNT(*) FILTER (WHERE NOT {waiting}),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY {mail_age}) FILTER (WHERE {waiting}),
       percentile_disc(0.99) WITHIN GROUP (ORDER BY {mail_age}) FILTER (WHERE {waiting}),
       MAX({mail_age}) FILTER (WHERE {waiting})
FROM notifications, n WHERE created_at BETWEEN {t0} AND {t1}""")
    counted = "x.status IS DISTINCT FROM 'failed'"
    hook_age = "COALESCE(x.completed_at, n.now) - x.recorded_at"
    (w,) = rows(url, f"""
WITH n AS (SELECT {NOW_MICROS} AS now),
x AS (SELECT e.recorded_at, d.status, d.completed_at FROM events e
      LEFT JOIN webhook_deliveries d ON d.event_seq = e.seq AND d.endpoint_id = '{ep}'
      WHERE e.recorded_at BETWEEN {t0} AND {t1})
SELECT COUNT(*), COUNT(*) FILTER (WHERE x.status = 'succeeded'),
       COUNT(*) FILTER (WHERE x.status IS NULL OR x.status = 'pending'),
       COUNT(*) FILTER (WHERE x.status = 'failed'),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY {hook_age}) FILTER (WHERE {counted}),
       percentile_disc(0.99) WITHIN GROUP (ORDER BY {hook_age}) FILTER (WHERE {counted}),
       MAX({hook_age}) FILTER (WHERE {counted})
FROM x, n""")

    def figures(r, done):
        total, ok, waiting_, other, p50, p99, mx = [num(v) for v in r]
        sec = lambda v: None if v is None else v / 1e6
        return {"created": total, done: ok, "still_waiting": waiting_, "other": other,
                "p50_s": sec(p50), "p99_s": sec(p99), "max_s": sec(mx)}

    statuses = dict((k, int(v)) for k, v in rows(
        url, f"SELECT status, COUNT(*) FROM notifications WHERE created_at BETWEEN {t0} "
             f"AND {t1} GROUP BY status"))
    mail = figures(m, "sent")
    mail["by_status"] = statuses
    return mail, figures(w, "succeeded")


# --- analysis ---------------------------------------------------------------------------

def slope(points):
    """Least-squares slope of (t, y)."""
    if len(points) < 3:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / var if var else 0.0


def trend(samples, key, arrivals_per_s, load_s):
    """How a backlog moved over the load (after its first second): growth per second,
    and that growth as a share of what arrived per second."""
    load = [s for s in samples if s["phase"] == "load"]
    first = load[0]["t"] if load else 0.0
    pts = [(s["t"], s[key]) for s in load if s["t"] - first >= min(1.0, load_s / 4)]
    growth = slope(pts)
    return {"max": max((s[key] for s in load), default=0),
            "max_age_s": max((s[f"{key}_age_s"] for s in load), default=0.0),
            "growth_per_s": growth,
            "growth_share": growth / arrivals_per_s if arrivals_per_s else 0.0}


def drained(samples, key, load_end):
    """Seconds from the load's end until the backlog `key` was first seen empty."""
    return next((s["t"] - load_end for s in samples
                 if s["phase"] == "drain" and s[key] == 0), None)


def fmt_s(v):
    return "—" if v is None else f"{v:.2f}"


# --- the run ----------------------------------------------------------------------------

def measure(args, tmp):
    smtp = serve_in_thread(SmtpSink())
    hooks = serve_in_thread(HookReceiver())
    smtp_port, hook_port = smtp.server_address[1], hooks.server_address[1]
    name = f"sh_backlog_{random.randrange(1 << 30)}"
    common.psql(args.pg_admin_url, f"CREATE DATABASE {name}")
    url = common.db_url(args.pg_admin_url, name)
    port = common.free_port()
    env = common.service_env(url, port)
    # lettre's `smtp://host:port` without `?tls=`: plain SMTP, no STARTTLS (src/notify/mail.rs).
    env.update(SECUREHANDS_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
               SECUREHANDS_WEBHOOK_ALLOW_CIDRS="127.0.0.1/32",
               SECUREHANDS_NOTIFY_ACCOUNT_MANAGERS="am@bench.example",
               SECUREHANDS_NOTIFY_SOC="soc@bench.example",
               SECUREHANDS_NOTIFY_ADMINS="admin@bench.example")
    result = {"smtp_url": env["SECUREHANDS_SMTP_URL"],
              "webhook_url": f"http://127.0.0.1:{hook_port}/hook"}
    sampler = None
    try:
        server = common.start_server(env, port)
        try:
            api = common.Api(port)
            common.log(f"seeding {args.customers} customers × {args.per_customer} sessions")
            t = time.time()
            lead, spread, _, _ = common.seed(api, env, args.customers, args.per_customer, 0)
            am = common.mint(env, "--role", "account_manager")
            for (cid,) in rows(url, "SELECT id FROM customers ORDER BY id"):
                contacts = [{"name": f"Contact {i}", "email": f"c{i}.{cid}@bench.example",
                             "language": "en", "roles": ["approver", "finance", "technical"]}
                            for i in range(args.contacts)]
                api.call("PATCH", f"/v1/customers/{cid}", am, {"contacts": contacts})
            # A reader stamps every waiting feed position, so the endpoint starts after
            # the seeding's events.
            finance = common.mint(env, "--role", "finance")
            api.call("GET", "/v1/events?limit=1", finance)
            admin = common.mint(env, "--role", "admin")
            _, _, endpoint = api.call("POST", "/v1/webhook-endpoints", admin, {
                "url": result["webhook_url"], "events": ["*"], "description": "backlog bench"})
            result["seed_s"] = time.time() - t
            common.log("waiting until nothing is left to send")
            settled = wait_empty(url, endpoint["id"], args.drain_timeout)
            if settled is None:
                raise RuntimeError("the seeding's mails and webhooks did not drain")
            result["settle_s"] = settled
            mails0, posts0 = smtp.received.get(), hooks.received.get()

            sampler = Sampler(url, endpoint["id"])
            sampler.start()
            time.sleep(1.0)
            meter = common.CpuMeter(server.pid)
            own0 = os.times()
            common.log(f"P1: closed loop, 16 connections, {args.duration} s")
            sampler.phase = "load"
            meter.start()
            t0 = int(time.time() * 1e6)
            p1 = common.load(spread, tmp, args.duration, 16, url=f"http://127.0.0.1:{port}",
                             token=lead)
            t1 = int(time.time() * 1e6)
            svc_load, pg_load = meter.stop()
            sampler.phase = "drain"
            load_s = (t1 - t0) / 1e6
            if p1["elapsed_s"] < args.duration - 0.5:
                common.log(f"note: the work ran out after {p1['elapsed_s']:.1f} s "
                           f"(raise --customers or --per-customer)")
            common.log(f"P1: {p1['ok']} deliveries ({p1['per_s']:.0f}/s); draining")
            meter.start()
            drain_s = None
            seen = 0
            while time.time() - t1 / 1e6 < args.drain_timeout:
                fresh = [s for s in sampler.samples[seen:] if s["phase"] == "drain"]
                seen = len(sampler.samples)
                done = next((s for s in fresh if empty(s)), None)
                if done:
                    drain_s = done["t"] + sampler.t0 - t1 / 1e6
                    break
                time.sleep(0.1)
            svc_drain, pg_drain = meter.stop()
            sampler.stop()
            own1 = os.times()
            time.sleep(0.5)  # the last answers reach the sinks' counters
            mail, hook = ages(url, endpoint["id"], t0, t1)
            ok = max(1, p1["ok"])
            result.update(
                p1={"per_s": p1["per_s"], "ok": p1["ok"], "elapsed_s": p1["elapsed_s"],
                    "p99_ms": p1["p99_ms"], "failures": common.failures(p1)},
                load_window_s=load_s,
                mail=mail, webhook=hook,
                mails_per_delivery=mail["created"] / ok,
                events_per_delivery=hook["created"] / ok,
                mail_backlog=trend(sampler.samples, "mail", mail["created"] / load_s, load_s),
                webhook_backlog=trend(sampler.samples, "webhook", hook["created"] / load_s,
                                      load_s),
                drain_s=drain_s,
                drain_mail_s=drained(sampler.samples, "mail", t1 / 1e6 - sampler.t0),
                drain_webhook_s=drained(sampler.samples, "webhook", t1 / 1e6 - sampler.t0),
                received={"mails": smtp.received.get() - mails0,
                          "webhook_posts": hooks.received.get() - posts0},
                cpu_ms_per_delivery={
                    "service_load": 1000 * svc_load / ok, "postgres_load": 1000 * pg_load / ok,
                    "service_drain": 1000 * svc_drain / ok,
                    "postgres_drain": 1000 * pg_drain / ok,
                    # CPU seconds of this script over load and drain: its own (the
                    # sinks, the sampler) and its children's (psql, the load generator)
                    "bench_own_s": own1.user + own1.system - own0.user - own0.system,
                    "bench_children_s": own1.children_user + own1.children_system
                    - own0.children_user - own0.children_system},
                sampler_errors=sampler.errors,
                samples=sampler.samples)
        finally:
            if sampler:
                sampler.stop()
            common.stop_server(server)
        result["verify"] = common.verify(env)
    finally:
        common.psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        smtp.shutdown()
        hooks.shutdown()
    return result


def verdicts(r):
    """(p99 met for both, backlogs bounded, why not)."""
    why = []
    p99_ok = True
    for kind in ("mail", "webhook"):
        p99 = r[kind]["p99_s"]
        if p99 is None:
            p99_ok = False
            why.append(f"no {kind} measured")
        elif p99 >= TARGET_S:
            p99_ok = False
            why.append(f"{kind} p99 {p99:.2f} s")
    bounded = True
    if r["drain_s"] is None or r["drain_s"] > TARGET_S:
        bounded = False
        why.append("drained in " + ("more than the timeout" if r["drain_s"] is None
                                    else f"{r['drain_s']:.1f} s"))
    for kind in ("mail_backlog", "webhook_backlog"):
        if r[kind]["growth_share"] > 0.1:
            bounded = False
            why.append(f"{kind.replace('_', ' ')} grew {r[kind]['growth_per_s']:.0f}/s "
                       f"({100 * r[kind]['growth_share']:.0f} % of arrivals)")
    return p99_ok, bounded, why


def table(r):
    p1, mail, hook = r["p1"], r["mail"], r["webhook"]
    mb, wb, cpu = r["mail_backlog"], r["webhook_backlog"], r["cpu_ms_per_delivery"]
    p99_ok, bounded, why = verdicts(r)
    met = "met" if p99_ok and bounded else "**missed** (" + "; ".join(why) + ")"
    out = ["| measure | value | target |", "|---|---|---|",
           f"| P1 deliveries/s (16 connections, {r['load_window_s']:.1f} s) | "
           f"{p1['per_s']:.0f} | |",
           f"| mails per delivery (webhook events per delivery) | "
           f"{r['mails_per_delivery']:.2f} ({r['events_per_delivery']:.2f}) | |",
           f"| mail age p50 / p99 / max (s; {mail['created']:,} mails) | {fmt_s(mail['p50_s'])} / "
           f"**{fmt_s(mail['p99_s'])}** / {fmt_s(mail['max_s'])} | p99 < 5 s |",
           f"| webhook age p50 / p99 / max (s; {hook['created']:,} events) | "
           f"{fmt_s(hook['p50_s'])} / **{fmt_s(hook['p99_s'])}** / {fmt_s(hook['max_s'])} "
           f"| p99 < 5 s |",
           f"| max mail backlog during the load (oldest; growth) | {mb['max']:,} "
           f"({mb['max_age_s']:.1f} s; {mb['growth_per_s']:+.0f}/s) | bounded |",
           f"| max webhook backlog during the load (oldest; growth) | {wb['max']:,} "
           f"({wb['max_age_s']:.1f} s; {wb['growth_per_s']:+.0f}/s) | bounded |",
           f"| drain after the load, both (mails; webhooks) (s) | "
           f"{'> timeout' if r['drain_s'] is None else format(r['drain_s'], '.1f')} "
           f"({fmt_s(r['drain_mail_s'])}; {fmt_s(r['drain_webhook_s'])}) | ≤ 5 s |",
           f"| CPU per delivery during the load, service / PostgreSQL (ms) | "
           f"{cpu['service_load']:.2f} / {cpu['postgres_load']:.2f} | |",
           f"| **P10** mail and webhook age, backlog | {met} | p99 < 5 s, backlog bounded |"]
    ok, line = r["verify"]
    out.append(f"\nverify {'clean' if ok else 'FAILED'} ({line}); P1 non-2xx/errors: "
               f"{r['p1']['failures'] or 'none'}; received by the sinks during load and "
               f"drain: {r['received']['mails']:,} mails, {r['received']['webhook_posts']:,} "
               f"webhook posts (created in the load window: {mail['created']:,} mails, "
               f"{mail['sent']:,} sent; {hook['created']:,} events, {hook['succeeded']:,} "
               f"delivered)")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.binary_args(ap)
    ap.add_argument("--customers", type=int, default=20)
    ap.add_argument("--per-customer", type=int, default=400, help="sessions each")
    ap.add_argument("--contacts", type=int, default=1,
                    help="contacts per customer (each an approver: one mail per delivery)")
    ap.add_argument("--duration", type=float, default=20, help="P1: seconds")
    ap.add_argument("--drain-timeout", type=float, default=600,
                    help="seconds to wait for the backlogs to empty")
    args = ap.parse_args()
    common.SETTINGS = "defaults"
    common.use_binaries(args, ["deliver_load"])
    with tempfile.TemporaryDirectory() as tmp:
        r = measure(args, tmp)
    r = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "machine": f"{platform.node()} {os.cpu_count()} cpu {platform.machine()}",
         "binary": common.BIN, "args": vars(args), **r}
    out = os.path.join(common.ROOT, "bench", f"results-backlog-{int(time.time())}.json")
    with open(out, "w") as f:
        json.dump(r, f, indent=2)
    print(table(r))
    print(f"\n(raw figures and every backlog sample: {os.path.relpath(out, common.ROOT)})")
    p99_ok, _, _ = verdicts(r)
    return 0 if p99_ok and r["verify"][0] and not r["p1"]["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
