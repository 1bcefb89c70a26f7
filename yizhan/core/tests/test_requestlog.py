"""Structured logs: one JSON line per request with method, path, status, duration, user
id and request id, when YIZHAN_LOG_JSON is on."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from pythonjsonlogger.json import JsonFormatter

from yizhan.core.requestlog import RequestLogMiddleware


def test_one_json_line_per_request():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("yizhan.request")
    log.addHandler(handler)
    old_level = log.level
    log.setLevel(logging.INFO)
    try:
        request = RequestFactory().get("/staff/?code=123456", HTTP_X_REQUEST_ID="abc-123")
        request.user = AnonymousUser()
        response = RequestLogMiddleware(lambda r: HttpResponse(status=201))(request)
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
    line = json.loads(stream.getvalue().strip())
    assert line["method"] == "GET" and line["path"] == "/staff/" and line["status"] == 201
    assert line["user_id"] is None and line["request_id"] == "abc-123"
    assert line["duration_ms"] >= 0
    assert "123456" not in stream.getvalue()  # no query string
    assert response["X-Request-ID"] == "abc-123"


def test_an_unsafe_request_id_is_replaced():
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="evil\nline")
    response = RequestLogMiddleware(lambda r: HttpResponse())(request)
    assert "\n" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


def test_the_setting_turns_on_json_logs():
    script = (
        "import django, logging; django.setup();"
        "from django.conf import settings; print(settings.MIDDLEWARE[0]);"
        "logging.getLogger('yizhan.test').warning('hello')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "YIZHAN_LOG_JSON": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "yizhan.core.requestlog.RequestLogMiddleware"
    record = json.loads(done.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello" and record["level"] == "WARNING"
