"""A writer that finds SQLite's write lock taken waits (the busy timeout), then gets a
503 "busy, try again" with Retry-After, never a 500 "database is locked"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import RequestFactory

from yizhan.core import busy

# Two writers in two threads: a raw connection holds the write lock (as an import's
# transaction does in the worker), the web request tries to write meanwhile.
TWO_WRITERS = """
import json, sqlite3, sys, threading, time, django
django.setup()
from django.test import Client, override_settings

holder = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None, check_same_thread=False)
client = Client(raise_request_exception=False)
out = {}
with override_settings(ROOT_URLCONF="yizhan.core.tests.busy_urls"):
    holder.execute("BEGIN IMMEDIATE")
    r = client.post("/write/")
    out["held"] = [r.status_code, r.get("Retry-After"), r.content.decode()]
    r = client.post("/api/v1/write/")
    out["api"] = [r.status_code, r.get("Retry-After"), r.content.decode()]
    # A lock released within the busy timeout: the request waits for it, then writes.
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    holder_started = time.monotonic()
    r = client.post("/write/")
    waited = time.monotonic() - holder_started
    out["waited"] = [r.status_code, r.content.decode(), waited, holder.in_transaction]
print(json.dumps(out))
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's single writer",
)
def test_a_writer_waits_for_the_lock_then_gets_busy_try_again(tmp_path: Path):
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "db.sqlite3")
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")  # as the settings leave a real database
    target.close()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "YIZHAN_VAR_DIR": str(tmp_path),
        "YIZHAN_SQLITE_BUSY_TIMEOUT": "3",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run(
        [sys.executable, "-c", TWO_WRITERS, str(tmp_path / "db.sqlite3")],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    status, retry_after, body = out["held"]
    assert (status, retry_after) == (503, str(busy.RETRY_AFTER_SECONDS))
    assert "系统正忙" in body
    status, retry_after, body = out["api"]
    assert (status, retry_after) == (503, str(busy.RETRY_AFTER_SECONDS))
    assert json.loads(body)["code"] == "busy"
    status, body, seconds, _held = out["waited"]
    assert seconds >= 0.4  # it waited for the other writer
    assert (status, body) == (200, "written")


def test_only_a_busy_database_is_a_503():
    request = RequestFactory().get("/staff/")
    middleware = busy.DatabaseBusyMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(request, OperationalError("no such table: x")) is None
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response is not None and response.status_code == 503


def test_the_500_handler_answers_busy_for_errors_raised_outside_views():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = busy.server_error(request)
    assert response.status_code == 503 and response["Retry-After"]


def test_the_busy_page_speaks_english(settings):
    from django.utils import translation

    with translation.override("en"):
        response = busy.busy_response(RequestFactory().get("/en/staff/"))
    assert "busy" in response.content.decode().lower()
