"""The finder's nearby API under load, through the production server.

    .venv/bin/python bench/bench_http.py                  # the whole set (≈ 10 min)
    .venv/bin/python bench/bench_http.py --workers 3 --runs paced --duration 30

Database: `var/bench/national.sqlite3`, 186,100 active stations written by
`bench/national.py` (migrated and bulk-inserted the first time, reused afterwards).

Server, as docs/operations.md deploys it: gunicorn (sync workers) on `config.wsgi` with
`config.settings.production` (a random DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS=127.0.0.1,
DJANGO_SECURE_SSL_REDIRECT=false as there is no TLS here), on a Unix socket behind nginx
(Debian's nginx-light: keep-alive to clients, one connection per request to gunicorn,
as sync workers expect a buffering proxy), YIZHAN_NUM_PROXIES=1. Each gunicorn worker
builds the finder index on its first request; warm-up requests go to every worker until
all answer fast, then 15 s of load at the target rate (not measured), and only then is
anything measured.

Load: Debian's `wrk` from a second process, one thread, `bench/wrk-nearby.lua`:
GET /api/v1/finder/nearby?lat=…&lon=…&open_now=true&amenity=charging&limit=5 at one of
2,000 points near random stations. wrk is closed-loop, so each of its 400 connections
(people) pauses a random, exponentially distributed time of ~1 s between a response and
its next request: arrivals close to a Poisson stream at the target rate, which slows only
by the latency over the pause (a 50 ms answer costs 5 %); the rate achieved is reported.
Each request carries a client address from 10.0.0.0/16 in X-Real-IP, which nginx's
realip module makes the client's (65,536 phones seen through the proxy; without it every
request is one client and the API's per-address limits answer 429). Latencies are wrk's:
from writing the request to the end of the response, with wrk's own correction for
coordinated omission (a stall longer than twice a connection's mean interval, ~2 s here,
also counts the requests that would have been sent during it: `stats_correct` in wrk.c).

Runs (``--runs``, comma-separated):

* ``paced``: the target, ~400 req/s for ``--duration`` s, for each ``--workers`` count,
  YIZHAN_API_ANON_RATE=off;
* ``max``: no pauses, 8 connections, 20 s: the throughput ceiling of each worker count;
* ``sweep``: paced at each of ``--sweep`` rates (30 s each) with the best worker count:
  the rate this machine holds within the latency target;
* ``sweep-no-recheck``: the sweep and the target rate with
  YIZHAN_FINDER_RECHECK_SECONDS=3600, i.e. without the index's staleness check (every
  5 s per worker by default), to show what that check costs;
* ``registry-change``: paced at ``--change-rate`` for ``--duration`` s, and 15 s in one
  station is touched (its ``updated_at``), as an officer's edit would: every worker
  notices within FINDER_RECHECK_SECONDS and rebuilds its index while serving;
* ``throttled``: paced, with the anonymous limit on at 1000000/m (never reached: its
  cost only);
* ``one-address``: paced, with the default anonymous limit (120/m per address) and no
  client addresses: every request from 127.0.0.1, so all but the first 120 a minute are
  refused (429) — why the other runs spread the load over many addresses;
* ``direct`` (not in the default set): paced, wrk straight to gunicorn on TCP (no nginx;
  X-Forwarded-For carries the address). wrk opens the next connection before its pause,
  and a sync worker that accepts it waits, idle, for a request still to come (the
  slow-client case the proxy exists for): it measures that, not the app.

CPU per request: the gunicorn processes' user+system time over the requests served.
"others": CPU the rest of the machine used meanwhile (not gunicorn, nginx or wrk), in
cores; the machine may be shared, and a run with others above ~0.1 was disturbed.
Every server started here (gunicorn, nginx) is stopped before the script exits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import threading
import time

from httpload import (
    DB,
    ROOT,
    Server,
    WrkResult,
    ensure_tools,
    gunicorn_for,
    national_database,
    query_points,
    server_start,
    show,
    tool_versions,
    warm_up,
    wrk_run,
)
from national import code_version


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="2,3,4", help="sync worker counts to try")
    parser.add_argument("--rate", type=float, default=400, help="target requests per second")
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--duration", type=int, default=60, help="seconds per paced run")
    parser.add_argument(
        "--runs",
        default="paced,max,sweep,sweep-no-recheck,registry-change,throttled,one-address",
    )
    parser.add_argument("--sweep", default="100,200,300", help="rates for the sweep run")
    parser.add_argument("--change-rate", type=float, default=200, help="rate of registry-change")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("--show-wrk", action="store_true", help="print wrk's own output too")
    args = parser.parse_args()
    runs = set(args.runs.split(","))
    workers = [int(w) for w in args.workers.split(",")]

    ensure_tools()
    made = national_database()
    points = query_points()
    print(tool_versions(gunicorn_for(ROOT)))
    print(code_version())
    print(made)
    # Pause per connection so that N connections offer the target rate (latency ≈ 5 ms).
    delay_ms = max(args.connections / args.rate * 1000 - 5, 0)
    results: list[WrkResult] = []

    def session(w: int, anon_rate: str, proxied: bool = True, recheck_s: float = 5) -> Server:
        server = server_start(
            workers=w, port=args.port, anon_rate=anon_rate, proxied=proxied, recheck_s=recheck_s
        )
        try:
            first, warm = warm_up(server, points)
            # Then 15 s of load, not measured: what follows a build (a full garbage
            # collection over the new index's objects, first checks) is over before
            # measuring; the registry-change run measures a rebuild under load.
            wrk_run(
                server,
                "soak",
                connections=args.connections,
                delay_ms=delay_ms,
                seconds=15,
                address_header="X-Real-IP",
            )
        except BaseException:
            server.stop()
            raise
        print(
            f"  {w} workers up ({'nginx → ' if proxied else ''}gunicorn, throttle {anon_rate}): "
            f"slowest warm-up answer {first:.1f} s (index build), warm after {warm:.1f} s; "
            f"worker RSS {', '.join(f'{m:.0f}' for m in server.worker_rss_mb())} MB",
            flush=True,
        )
        return server

    def paced(server: Server, label: str, header: str = "X-Real-IP", seconds: int = 0) -> None:
        r = wrk_run(
            server,
            label,
            connections=args.connections,
            delay_ms=delay_ms,
            seconds=seconds or args.duration,
            address_header=header,
        )
        results.append(r)
        print("  " + show(r), flush=True)
        if args.show_wrk:
            print(r.raw)

    for w in workers if runs & {"paced", "max"} else []:
        server = session(w, "off")
        try:
            if "paced" in runs:
                paced(server, f"paced {args.rate:.0f}/s")
            if "max" in runs:
                r = wrk_run(
                    server, "max", connections=8, delay_ms=0, seconds=20, address_header="X-Real-IP"
                )
                results.append(r)
                print("  " + show(r), flush=True)
        finally:
            server.stop()
    best = workers[0]
    paced_runs = [r for r in results if r.label.startswith("paced")]
    if paced_runs:
        best = min(paced_runs, key=lambda r: r.p99_ms).workers
    for sweep, recheck_s in (("sweep", 5), ("sweep-no-recheck", 3600)):
        if sweep not in runs:
            continue
        server = session(best, "off", recheck_s=recheck_s)
        rates = [float(r) for r in args.sweep.split(",")]
        if recheck_s != 5:
            rates.append(args.rate)
        try:
            for rate in rates:
                r = wrk_run(
                    server,
                    f"paced {rate:.0f}/s" + (", recheck 1 h" if recheck_s != 5 else ""),
                    connections=args.connections,
                    delay_ms=max(args.connections / rate * 1000 - 5, 0),
                    seconds=30,
                    address_header="X-Real-IP",
                )
                results.append(r)
                print("  " + show(r), flush=True)
        finally:
            server.stop()
    if "registry-change" in runs:
        server = session(best, "off")

        def touch() -> None:
            time.sleep(15)
            with sqlite3.connect(DB, timeout=30) as db:
                db.execute(
                    "UPDATE stations_station SET updated_at = ? WHERE id = 1",
                    (dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" "),),
                )

        toucher = threading.Thread(target=touch)
        try:
            toucher.start()
            r = wrk_run(
                server,
                f"paced {args.change_rate:.0f}/s, registry edit",
                connections=args.connections,
                delay_ms=max(args.connections / args.change_rate * 1000 - 5, 0),
                seconds=args.duration,
                address_header="X-Real-IP",
            )
            results.append(r)
            print("  " + show(r), flush=True)
        finally:
            toucher.join()
            server.stop()
    if "throttled" in runs:
        server = session(best, "1000000/m")
        try:
            paced(server, f"paced {args.rate:.0f}/s, limit 1000000/m")
        finally:
            server.stop()
    if "one-address" in runs:
        server = session(best, "120/m")
        try:
            paced(server, f"paced {args.rate:.0f}/s, 1 address, 120/m", header="-", seconds=20)
        finally:
            server.stop()
    if "direct" in runs:
        server = session(best, "off", proxied=False)
        try:
            paced(server, f"paced {args.rate:.0f}/s, no nginx", header="X-Forwarded-For")
        finally:
            server.stop()

    print("\nsummary (latencies in ms, measured by wrk from its own process):")
    for r in results:
        print(show(r))


if __name__ == "__main__":
    main()
