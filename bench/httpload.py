"""What the HTTP benchmarks share: the national database and query points, gunicorn behind
nginx on a Unix socket, warm-up, wrk runs and the CPU they cost.

Used by `bench/bench_http.py` (the whole set) and `bench/bench_http_quick.py` (one minute,
beside a bare endpoint). See bench_http.py's docstring for what is measured and how.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import SEED, STATIONS, synthetic_country  # noqa: E402

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
      proxy_read_timeout 300s;  # the index build of a worker's first request
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


def ensure_tools() -> None:
    """wrk and nginx from Debian, installed with apt when missing."""
    if shutil.which("wrk") is None:
        _apt("wrk")
    if shutil.which("nginx") is None:
        _apt("nginx-light")


def national_database() -> str:
    """The 186,100 stations in `DB` (written the first time, reused afterwards), by
    `bench/national.py` in a process of its own; returns its summary line."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "national.py"), "--db", str(DB)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def query_points() -> np.ndarray:
    """2,000 (lat, lon) points near random stations, also written to `POINTS` for wrk."""
    lon, lat, *_ = synthetic_country(STATIONS, np.random.default_rng(SEED))
    rng = np.random.default_rng(11)
    pick = rng.integers(0, len(lon), 2000)
    points = np.column_stack(
        [lat[pick] + rng.normal(0, 0.01, 2000), lon[pick] + rng.normal(0, 0.01, 2000)]
    )
    POINTS.write_text("".join(f"{a:.6f} {b:.6f}\n" for a, b in points))
    return points


def tool_versions(gunicorn: Path) -> str:
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    gunicorn_v = subprocess.run([str(gunicorn), "--version"], capture_output=True, text=True)
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{gunicorn_v.stdout.strip()}, {nginx}, {(version.stdout or version.stderr).split(' [')[0]}"
    )


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


def gunicorn_for(src: Path) -> Path:
    """The gunicorn of a source tree's venv (that of this repository if it has none)."""
    own = src / ".venv" / "bin" / "gunicorn"
    return own if own.exists() else ROOT / ".venv" / "bin" / "gunicorn"


def gunicorn_start(
    *,
    app: str,
    cwd: Path,
    env: Mapping[str, str],
    workers: int,
    port: int,
    log: Path,
    proxied: bool = True,
    gunicorn: Path | None = None,
) -> Server:
    """gunicorn (sync workers) serving `app` from `cwd`, on `SOCKET` behind nginx listening
    on 127.0.0.1:`port` (or, not proxied, on that port itself)."""
    SOCKET.unlink(missing_ok=True)
    bind = f"unix:{SOCKET}" if proxied else f"127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            str(gunicorn or gunicorn_for(cwd)),
            app,
            "--workers",
            str(workers),
            "--bind",
            bind,
            "--timeout",
            "300",  # the first request of each worker builds the index (slow on a busy machine)
            "--no-control-socket",  # not ~/.gunicorn/gunicorn.ctl, which others may use
            "--error-logfile",
            str(log),
        ],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),  # Django's own log lines (e.g. each 429) go here too
    )
    nginx = None
    try:
        if proxied:
            deadline = time.monotonic() + 60
            while not SOCKET.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start; see {log}")
                time.sleep(0.1)
            NGINX_DIR.mkdir(parents=True, exist_ok=True)
            NGINX_DIR.chmod(0o777)  # nginx's workers run as nobody
            conf = NGINX_DIR / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=NGINX_DIR, socket=SOCKET, port=port))
            nginx = subprocess.Popen(["nginx", "-c", str(conf)], stdout=subprocess.DEVNULL)
            _wait_port(port, nginx, "nginx")
        else:
            _wait_port(port, proc, "gunicorn")
    except BaseException:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)
        _stop(proc)
        raise
    return Server(proc, nginx, port, workers, log)


def server_start(
    *,
    workers: int,
    port: int,
    anon_rate: str,
    proxied: bool = True,
    recheck_s: float = 5,
    src: Path = ROOT,
) -> Server:
    """Yizhan from the source tree `src`, as docs/operations.md deploys it, on the
    national database."""
    env = {
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
    shutil.rmtree(BENCH / "cache", ignore_errors=True)  # rate-limit counters of earlier runs
    return gunicorn_start(
        app="config.wsgi:application",
        cwd=src,
        env=env,
        workers=workers,
        port=port,
        log=BENCH / f"gunicorn-{workers}w.log",
        proxied=proxied,
    )


def _get(port: int, path: str, n: int, out: list[tuple[float, int]]) -> None:
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=330)
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
