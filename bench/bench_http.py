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
import http.client
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import SEED, STATIONS, code_version, synthetic_country  # noqa: E402

BENCH = ROOT / "var" / "bench"
DB = BENCH / "national.sqlite3"
POINTS = BENCH / "points.txt"
NGINX_DIR = BENCH / "nginx"
SOCKET = BENCH / "gunicorn.sock"
LUA = ROOT / "bench" / "wrk-nearby.lua"
PATH = "/api/v1/finder/nearby?lat={lat:.6f}&lon={lon:.6f}&open_now=true&amenity=charging&limit=5"
CLK_TCK = os.sysconf("SC_CLK_TCK")
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
worker_rlimit_nofile 8192;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  upstream yizhan {{ server unix:{socket}; }}
  server {{
    listen 127.0.0.1:{port};
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    location / {{
      proxy_pass http://yizhan;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


def _apt(package: str) -> None:
    print(f"installing {package} with apt …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited")
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start")


def _busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def _children_s() -> float:
    """CPU seconds of this process's finished children (wrk)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@dataclass
class Server:
    gunicorn: subprocess.Popen[bytes]
    nginx: subprocess.Popen[bytes] | None
    port: int  # where wrk sends requests
    workers: int
    log: Path

    def pids(self) -> list[int]:
        out = [self.gunicorn.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.gunicorn.pid:
                out.append(int(stat.parent.name))
        return out

    def cpu_s(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.pids()[1:]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            m = re.search(r"VmRSS:\s+(\d+) kB", status)
            if m:
                out.append(int(m.group(1)) / 1024)
        return out

    def nginx_cpu_s(self) -> float:
        if self.nginx is None:
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat.parent.name) == self.nginx.pid or int(fields[1]) == self.nginx.pid:
                total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK

    def stop(self) -> None:
        if self.nginx is not None:
            _stop(self.nginx, signal.SIGQUIT)
        _stop(self.gunicorn)


def server_start(
    *, workers: int, port: int, anon_rate: str, proxied: bool = True, recheck_s: float = 5
) -> Server:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{DB}",
        "YIZHAN_VAR_DIR": str(BENCH),
        "YIZHAN_API_ANON_RATE": anon_rate,
        "YIZHAN_NUM_PROXIES": "1",
        "YIZHAN_FINDER_RECHECK_SECONDS": f"{recheck_s:g}",
    }
    log = BENCH / f"gunicorn-{workers}w.log"
    shutil.rmtree(BENCH / "cache", ignore_errors=True)  # rate-limit counters of earlier runs
    SOCKET.unlink(missing_ok=True)
    bind = f"unix:{SOCKET}" if proxied else f"127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            bind,
            "--timeout",
            "120",  # the first request of each worker builds the index
            "--error-logfile",
            str(log),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),  # Django's own log lines (e.g. each 429) go here too
    )
    nginx = None
    try:
        if proxied:
            deadline = time.monotonic() + 60
            while not SOCKET.exists():
                if gunicorn.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start; see {log}")
                time.sleep(0.1)
            NGINX_DIR.mkdir(parents=True, exist_ok=True)
            NGINX_DIR.chmod(0o777)  # nginx's workers run as nobody
            conf = NGINX_DIR / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=NGINX_DIR, socket=SOCKET, port=port))
            nginx = subprocess.Popen(["nginx", "-c", str(conf)], stdout=subprocess.DEVNULL)
            _wait_port(port, nginx, "nginx")
        else:
            _wait_port(port, gunicorn, "gunicorn")
    except BaseException:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)
        _stop(gunicorn)
        raise
    return Server(gunicorn, nginx, port, workers, log)


def _get(port: int, path: str, n: int, out: list[tuple[float, int]]) -> None:
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    conn.request("GET", path, headers={"X-Real-IP": f"10.1.{n // 250}.{n % 250}"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    out.append((time.perf_counter() - t, resp.status))


def warm_up(server: Server, points: np.ndarray) -> tuple[float, float]:
    """Concurrent batches until every worker has built its index and answers fast.
    Returns (slowest answer = an index build in a worker, seconds until warm)."""
    t0 = time.perf_counter()
    slowest = 0.0
    calm = 0
    i = 0
    while calm < 3:
        out: list[tuple[float, int]] = []
        threads = []
        for _ in range(2 * server.workers):
            lat, lon = points[i % len(points)]
            i += 1
            th = threading.Thread(
                target=_get, args=(server.port, PATH.format(lat=lat, lon=lon), i, out)
            )
            th.start()
            threads.append(th)
        for th in threads:
            th.join()
        bad = [s for _t, s in out if s != 200]
        if bad:
            raise SystemExit(f"warm-up answered {bad[:5]}; see {server.log}")
        worst = max(t for t, _s in out)
        slowest = max(slowest, worst)
        calm = calm + 1 if worst < 0.2 else 0
        if time.perf_counter() - t0 > 600:
            raise SystemExit("workers did not warm up in 10 minutes")
    return slowest, time.perf_counter() - t0


@dataclass
class WrkResult:
    label: str
    workers: int
    connections: int
    requests: int
    seconds: float
    non2xx: int
    errors: int
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    cpu_ms_per_req: float
    others_cores: float  # CPU used meanwhile by processes other than the server and wrk
    raw: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk_run(
    server: Server,
    label: str,
    *,
    connections: int,
    delay_ms: float,
    seconds: int,
    address_header: str,
) -> WrkResult:
    cpu0, nginx0, busy0, wrk0 = server.cpu_s(), server.nginx_cpu_s(), _busy_s(), _children_s()
    t0 = time.monotonic()
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{server.port}",
        "--",
        str(POINTS),
        f"{delay_ms:g}",
        address_header,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_s() - cpu0
    others = (
        (_busy_s() - busy0) - cpu - (server.nginx_cpu_s() - nginx0) - (_children_s() - wrk0)
    ) / (time.monotonic() - t0)
    m = re.search(r"^RESULT (.*)$", out, re.M)
    if not m:
        raise SystemExit(out)
    kv = {k: float(v) for k, v in (p.split("=") for p in m.group(1).split())}
    errors = sum(int(kv[k]) for k in ("connect_err", "read_err", "write_err", "timeouts"))
    return WrkResult(
        label=label,
        workers=server.workers,
        connections=connections,
        requests=int(kv["requests"]),
        seconds=kv["duration_us"] / 1e6,
        non2xx=int(kv["non2xx"]),
        errors=errors,
        p50_ms=kv["p50"] / 1000,
        p75_ms=kv["p75"] / 1000,
        p90_ms=kv["p90"] / 1000,
        p99_ms=kv["p99"] / 1000,
        p999_ms=kv["p999"] / 1000,
        max_ms=kv["max"] / 1000,
        cpu_ms_per_req=1000 * cpu / max(kv["requests"], 1),
        others_cores=max(others, 0.0),
        raw=out[: out.index("RESULT")].rstrip(),
    )


def show(r: WrkResult) -> str:
    return (
        f"{r.label:<32} {r.workers}w {r.connections:>3}c {r.rate:6.1f} req/s  "
        f"p50 {r.p50_ms:6.2f}  p75 {r.p75_ms:6.2f}  p90 {r.p90_ms:6.2f}  "
        f"p99 {r.p99_ms:7.2f}  p99.9 {r.p999_ms:7.2f}  max {r.max_ms:7.1f} ms  "
        f"non-2xx {r.non2xx}  errors {r.errors}  CPU {r.cpu_ms_per_req:.2f} ms/req  "
        f"others {r.others_cores:.2f} cores"
    )


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

    if shutil.which("wrk") is None:
        _apt("wrk")
    if shutil.which("nginx") is None:
        _apt("nginx-light")
    made = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "national.py"), "--db", str(DB)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lon, lat, *_ = synthetic_country(STATIONS, np.random.default_rng(SEED))
    rng = np.random.default_rng(11)
    pick = rng.integers(0, len(lon), 2000)
    points = np.column_stack(
        [lat[pick] + rng.normal(0, 0.01, 2000), lon[pick] + rng.normal(0, 0.01, 2000)]
    )
    POINTS.write_text("".join(f"{a:.6f} {b:.6f}\n" for a, b in points))

    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    gunicorn = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{gunicorn}, {nginx}, {(version.stdout or version.stderr).split(' [')[0]}"
    )
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
