"""``/healthz`` for the monitoring: is each part of the site working?

JSON, 200 when every check passes, 503 naming the failing ones. Each check is cheap (no
full scans: one ``SELECT 1``, one cache round trip, the oldest ready task by its index,
the newest worker heartbeat) and says nothing secret: ages and counts, no settings,
hosts or errors' texts. Apps add their own checks with `register` in ``ready()`` (the
finder its index age), so that core imports none of them.

==============  ==================================================================
database        ``SELECT 1`` on the default database
cache           a set and a get on the default cache (progress and heartbeats live there)
tasks           age of the oldest task ready to run: > ``QUEUE_LAG_SECONDS`` fails
worker          age of the newest task worker heartbeat: none, or older than
                ``heartbeat.STALE_SECONDS``, fails
finder          (the finder) age of this process's search index
==============  ==================================================================
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yizhan.core import heartbeat

logger = logging.getLogger(__name__)

QUEUE_LAG_SECONDS = 300

# A check returns its findings; "ok" False fails the whole answer.
Check = Callable[[], dict[str, Any]]
_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _cache() -> dict[str, Any]:
    key, token = "healthz:probe", uuid.uuid4().hex
    cache.set(key, token, 60)
    return {"ok": cache.get(key) == token}


def _tasks() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    heartbeat.sweep_quietly()
    now = timezone.now()
    # Ready since it was queued, or since its run_after (the far future means "none").
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", "run_after")
        .first()
    )
    if oldest is None:
        lag = 0.0
    else:
        enqueued, run_after = oldest
        ready_since = max(enqueued, run_after) if run_after <= now else enqueued
        lag = max(0.0, (now - ready_since).total_seconds())
    return {"ok": lag <= QUEUE_LAG_SECONDS, "lag_seconds": round(lag)}


def _worker() -> dict[str, Any]:
    latest = heartbeat.latest_beat()
    if latest is None:
        return {"ok": False, "heartbeat_age_seconds": None}
    age = max(0.0, time.time() - float(latest["at"]))
    return {"ok": age <= heartbeat.STALE_SECONDS, "heartbeat_age_seconds": round(age)}


_BUILT_IN: dict[str, Check] = {
    "database": _database,
    "cache": _cache,
    "tasks": _tasks,
    "worker": _worker,
}


def run_checks() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in {**_BUILT_IN, **_checks}.items():
        try:
            results[name] = check()
        except Exception as exc:  # a failing part is reported, not raised
            logger.warning("healthz: %s failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result.get("ok")]
    return JsonResponse(
        {"status": "fail" if failing else "ok", "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )
