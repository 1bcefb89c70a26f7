"""The finder page's weight and first render, through the production server.

    .venv/bin/python bench/bench_page.py [--runs 10]

Serves the demo city (the dev database, `var/yizhan.sqlite3`: `make run` or
`manage.py demo_city --if-empty` makes it; only read here) with gunicorn and
`config.settings.production`, static files collected into `var/bench/page-static`
(WhiteNoise's compressed manifest storage, as deployed). Then, for
``/?lat=45.7733&lon=126.6175`` (a search in Harbin's Daoli district):

* weight: the page's own HTML is parsed for ``<script src>`` and ``<link
  rel=stylesheet href>``; each file is fetched with ``Accept-Encoding: gzip`` and the
  bytes on the wire counted (and gzip -9 of the plain file, for reference). Map tiles
  are not counted;
* first render: Debian's Chromium through Playwright (never `playwright install`), a
  360 × 740 viewport, a fresh browser context per run (cold cache), tile requests to
  tile.openstreetmap.org aborted (no internet here; they do not block the list). Times
  from navigation start: first contentful paint, the first ``.card`` laid out (a
  requestAnimationFrame poll from an init script), DOMContentLoaded, load. Once on the
  bare loopback, once with Lighthouse's mobile profile (150 ms RTT, 1.6 Mbit/s down,
  750 kbit/s up, CPU slowed 4×) set through the DevTools protocol.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
WORK = ROOT / "var" / "bench" / "page"
PAGE = "/?lat=45.7733&lon=126.6175"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
# Runs in the page before any of its scripts: note when the first card is laid out.
CARD_PROBE = """
(() => {
  const poll = () => {
    const card = document.querySelector('.card');
    if (card && card.getBoundingClientRect().height > 0) {
      window.__firstCard = performance.now();
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""
TIMINGS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    ttfb: nav.responseStart,
    fcp: fcp ? fcp.startTime : null,
    card: window.__firstCard ?? null,
    dcl: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    cards: document.querySelectorAll('.card').length,
  };
}
"""


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(str(a["src"]))
        if tag == "link" and (a.get("rel") or "").lower() == "stylesheet" and a.get("href"):
            self.styles.append(str(a["href"]))


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var/yizhan.sqlite3'}"),
        "YIZHAN_VAR_DIR": str(WORK),
        "YIZHAN_STATIC_ROOT": str(WORK / "static"),
    }


def fetch(port: int, path: str, gz: bool) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if gz else {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--port", type=int, default=8601)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    env = _env()
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--error-logfile",
            str(WORK / "gunicorn.log"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                status, _h, html = fetch(args.port, PAGE, gz=False)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start")
        if status != 200:
            raise SystemExit(f"{PAGE} answered {status}")
        for _ in range(4):  # every worker has its finder index
            fetch(args.port, PAGE, gz=False)
        found = Assets()
        found.feed(html.decode())
        weights = []
        for url in found.scripts + found.styles:
            status, headers, wire = fetch(args.port, url, gz=True)
            assert status == 200, (url, status)
            plain = fetch(args.port, url, gz=False)[2]
            weights.append(
                (
                    url.rsplit("/", 1)[-1],
                    len(plain),
                    len(wire),
                    headers.get("content-encoding", "identity"),
                    len(gzip.compress(plain, 9)),
                )
            )
        _s, html_headers, html_wire = fetch(args.port, PAGE, gz=True)
        timings = browse(args.port, args.runs)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{chromium_version()}"
    )
    sys.path.insert(0, str(ROOT / "bench"))
    from national import code_version

    print(code_version())
    print(
        f"page {PAGE}: HTML {len(html):,} B plain, {len(html_wire):,} B on the wire "
        f"({html_headers.get('content-encoding', 'not compressed')}; "
        f"gzip -9 {len(gzip.compress(html, 9)):,} B, for a proxy that compresses)"
    )
    print(f"{'file':<38} {'plain':>9} {'on the wire':>12} {'encoding':>9} {'gzip -9':>9}")
    for name, n_plain, n_wire, enc, gz9 in weights:
        print(f"{name:<38} {n_plain:>9,} {n_wire:>12,} {enc:>9} {gz9:>9,}")
    total_wire = sum(w[2] for w in weights)
    print(
        f"{'JS + CSS total':<38} {sum(w[1] for w in weights):>9,} {total_wire:>12,} "
        f"{'':>9} {sum(w[4] for w in weights):>9,}   (target < 200 KB = 204,800 B)"
    )
    for profile, rows in timings.items():
        print(f"\nfirst render, {profile}, {args.runs} cold loads (ms from navigation start):")
        for key, label in (
            ("ttfb", "first byte of the HTML"),
            ("fcp", "first contentful paint"),
            ("card", "first .card laid out"),
            ("dcl", "DOMContentLoaded"),
            ("load", "load"),
        ):
            values = np.array([r[key] for r in rows if r[key] is not None], dtype=float)
            print(
                f"  {label:<24} median {np.median(values):7.0f}   "
                f"min {values.min():7.0f}   max {values.max():7.0f}"
            )
        print(f"  cards on the page: {rows[0]['cards']}")


def chromium_version() -> str:
    out = subprocess.run(
        [shutil.which("chromium") or "chromium", "--version"], capture_output=True, text=True
    )
    return out.stdout.strip()


def browse(port: int, runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[dict[str, float]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            for profile in ("loopback", "Lighthouse mobile (slow 4G, CPU 4×)"):
                rows = []
                for i in range(runs + 1):
                    context = browser.new_context(
                        viewport={"width": 360, "height": 740},
                        locale="zh-CN",
                        timezone_id="Asia/Shanghai",
                    )
                    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
                    context.add_init_script(CARD_PROBE)
                    page = context.new_page()
                    if profile != "loopback":
                        cdp = context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        cdp.send(
                            "Network.emulateNetworkConditions",
                            {
                                "offline": False,
                                "latency": 150,
                                "downloadThroughput": 1.6 * 1024 * 1024 / 8,
                                "uploadThroughput": 750 * 1024 / 8,
                            },
                        )
                        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                    page.goto(f"http://127.0.0.1:{port}{PAGE}", wait_until="load")
                    page.wait_for_function("window.__firstCard !== undefined", timeout=30_000)
                    row = page.evaluate(TIMINGS)
                    context.close()
                    if i:  # the first load of each profile warms the browser itself
                        rows.append(row)
                out[profile] = rows
        finally:
            browser.close()
    return out


if __name__ == "__main__":
    main()
