"""/healthz: 200 when every part works; 503 naming the failing part; no secrets."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yizhan.core import health, heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def queued(age: dt.timedelta) -> DBTaskResult:
    row = DBTaskResult.objects.create(
        status="READY",
        run_after=timezone.now() - age,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="x.y",
        backend_name="default",
        queue_name="default",
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - age)
    return row


def test_healthy(client, settings):
    settings.SECRET_KEY = "a-secret-that-must-not-show"
    heartbeat.beat("w1")
    queued(dt.timedelta(seconds=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) >= {"database", "cache", "tasks", "worker", "finder"}
    assert body["checks"]["tasks"]["lag_seconds"] <= 10
    assert "a-secret-that-must-not-show" not in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_worker_without_heartbeat_fails_the_worker_check(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    heartbeat.beat("w1", now=time.time() - heartbeat.STALE_SECONDS - 5)
    assert client.get("/healthz").json()["failing"] == ["worker"]


def test_a_queue_that_does_not_move_fails_the_tasks_check(client):
    heartbeat.beat("w1")
    queued(dt.timedelta(seconds=health.QUEUE_LAG_SECONDS + 60))
    body = client.get("/healthz").json()
    assert body["failing"] == ["tasks"]
    assert body["checks"]["tasks"]["lag_seconds"] >= health.QUEUE_LAG_SECONDS


def test_a_broken_database_is_named_without_its_message(client, monkeypatch):
    heartbeat.beat("w1")

    def broken():
        raise OperationalError("unable to open /secret/path/db.sqlite3")

    monkeypatch.setitem(health._BUILT_IN, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "/secret/path" not in response.content.decode()


def test_a_stuck_finder_index_fails(client, monkeypatch):
    from yizhan.finder import cache as finder_cache

    heartbeat.beat("w1")
    monkeypatch.setattr(
        finder_cache, "index_age_seconds", lambda: 3 * finder_cache.MAX_AGE_SECONDS + 1
    )
    assert client.get("/healthz").json()["failing"] == ["finder"]
