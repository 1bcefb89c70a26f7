"""The finder's nearby API under a minute of load, beside a bare endpoint doing only the
tree lookup: how much the request path costs above the framework's floor.

    .venv/bin/python bench/bench_http_quick.py              # this tree (make bench-http-quick)
    .venv/bin/python bench/bench_http_quick.py --src /work/wt/before   # another checkout

One run, one after the other on the same nginx, wrk script and worker count (see
`bench/bench_http.py` for the set-up, the load and how CPU is counted):

* finder: Yizhan from ``--src`` (gunicorn, ``config.settings.production``, 2 sync workers,
  YIZHAN_API_ANON_RATE=off) on the national database (186,100 stations,
  `var/bench/national.sqlite3`, written by this tree's `bench/national.py` the first time);
* bare: `bench/bare/`, a django-ninja app with no middleware, apps or ORM, at the same URL:
  a scipy cKDTree over the same stations (unit-sphere x, y, z), the 5 nearest as JSON.

Each: warm-up until every worker answers fast, ``--soak`` s of unmeasured load, then
``--duration`` s paced at ``--rate`` req/s (400 connections with ~1 s pauses). Printed for
both, and appended as one JSON line to `var/bench/http-quick.jsonl`: the rate achieved,
wrk's p50 and p99, the gunicorn processes' CPU per request, the CPU the rest of the
machine used meanwhile ("others", in cores: above ~0.1 the run was disturbed), and the
ratio finder ÷ bare of CPU per request, the figure that survives a noisy machine best.
Loopback only; every server is stopped at exit; once the database is ready, the run ends
within ``--deadline`` s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from types import FrameType

from httpload import (
    BENCH,
    DB,
    ROOT,
    Server,
    WrkResult,
    ensure_tools,
    gunicorn_for,
    gunicorn_start,
    national_database,
    query_points,
    server_start,
    show,
    tool_versions,
    warm_up,
    wrk_run,
)
from national import code_version

RESULTS = BENCH / "http-quick.jsonl"


def bare_start(*, workers: int, port: int) -> Server:
    return gunicorn_start(
        app="bare.wsgi:application",
        cwd=ROOT / "bench",
        env={"DJANGO_SETTINGS_MODULE": "bare.settings", "BARE_DB": str(DB)},
        workers=workers,
        port=port,
        log=BENCH / f"gunicorn-bare-{workers}w.log",
        gunicorn=gunicorn_for(ROOT),
    )


def machine() -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else "?",
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
    }


def commit(root: Path) -> str:
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by {signal.Signals(signum).name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src", type=Path, default=ROOT, help="the Yizhan source tree to serve (default: this)"
    )
    parser.add_argument("--workers", type=int, default=2, help="sync workers of each server")
    parser.add_argument("--rate", type=float, default=400, help="target requests per second")
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--duration", type=int, default=60, help="seconds measured per server")
    parser.add_argument("--soak", type=int, default=10, help="seconds of load before measuring")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument(
        "--deadline", type=int, default=600, help="give up after this many s (database ready)"
    )
    parser.add_argument("--show-wrk", action="store_true", help="print wrk's own output too")
    args = parser.parse_args()
    src = args.src.resolve()
    if not (src / "config" / "wsgi.py").exists():
        parser.error(f"{src} is not a Yizhan source tree")

    # Servers are stopped by the `finally` below on Ctrl-C, a TERM or the deadline.
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGALRM, _exit)
    t0 = time.monotonic()

    ensure_tools()
    made = national_database()  # minutes the first time, seconds afterwards
    signal.alarm(args.deadline)
    points = query_points()
    host = machine()
    print(tool_versions(gunicorn_for(src)))
    print(f"{host['cpu']}, {host['memory_gib']} GiB")
    print(f"served: {src}, {code_version(src)}; bench: {code_version()}")
    print(made, flush=True)
    delay_ms = max(args.connections / args.rate * 1000 - 5, 0)

    def measure(name: str, server: Server) -> tuple[WrkResult, dict[str, float]]:
        try:
            first, warm = warm_up(server, points)
            rss = server.worker_rss_mb()
            wrk_run(
                server,
                "soak",
                connections=args.connections,
                delay_ms=delay_ms,
                seconds=args.soak,
                address_header="X-Real-IP",
            )
            r = wrk_run(
                server,
                f"{name}, paced {args.rate:.0f}/s",
                connections=args.connections,
                delay_ms=delay_ms,
                seconds=args.duration,
                address_header="X-Real-IP",
            )
        finally:
            server.stop()
        print(
            f"  {name}: slowest warm-up answer {first:.1f} s, warm after {warm:.1f} s; "
            f"worker RSS {', '.join(f'{m:.0f}' for m in rss)} MB\n  {show(r)}",
            flush=True,
        )
        if args.show_wrk:
            print(r.raw)
        return r, {"first_answer_s": first, "warm_after_s": warm, "rss_mb": max(rss, default=0)}

    finder, finder_up = measure(
        "finder",
        server_start(workers=args.workers, port=args.port, anon_rate="off", src=src),
    )
    bare, bare_up = measure("bare", bare_start(workers=args.workers, port=args.port))
    signal.alarm(0)
    ratio = finder.cpu_ms_per_req / bare.cpu_ms_per_req
    elapsed = time.monotonic() - t0

    print(f"\n{'':8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10} {'others':>7}")
    for name, r in (("finder", finder), ("bare", bare)):
        print(
            f"{name:8} {r.rate:7.1f} {r.p50_ms:7.2f} {r.p99_ms:7.2f} "
            f"{r.cpu_ms_per_req:10.2f} {r.others_cores:7.2f}"
            + (f"   non-2xx {r.non2xx}, errors {r.errors}" if r.non2xx or r.errors else "")
        )
    print(f"finder / bare CPU per request: {ratio:.2f}   (whole run {elapsed:.0f} s)")

    def row(r: WrkResult, up: dict[str, float]) -> dict[str, object]:
        return {
            "rate": round(r.rate, 1),
            "requests": r.requests,
            "non2xx": r.non2xx,
            "errors": r.errors,
            "p50_ms": r.p50_ms,
            "p99_ms": r.p99_ms,
            "cpu_ms_per_req": round(r.cpu_ms_per_req, 3),
            "others_cores": round(r.others_cores, 3),
            **{k: round(v, 1) for k, v in up.items()},
        }

    record = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit(src),
        "code": code_version(src),
        "src": str(src),
        "bench_commit": commit(ROOT),
        "machine": host,
        "workers": args.workers,
        "target_rate": args.rate,
        "duration_s": args.duration,
        "finder": row(finder, finder_up),
        "bare": row(bare, bare_up),
        "cpu_ratio": round(ratio, 3),
        "elapsed_s": round(elapsed),
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
