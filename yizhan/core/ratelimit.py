"""A fixed-window rate limit for anonymous pages (the API has ninja's throttles).

Counts per client address and scope on an atomic counter that forgets nothing within its
window: ``RATE_LIMIT_BACKEND = "sql"`` (the only backend until the scale-out issue brings
Redis) bumps a row of core's RateCounter with one statement::

    INSERT ... ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 RETURNING count

which SQLite (3.35 or later) and PostgreSQL both run atomically, so two servers or
threads counting at once lose no hit, and no key evicts another. Windows past their
expiry are purged now and then on write."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest

from yizhan.core.models import RateCounter

# About one write in this many also deletes expired windows.
PURGE_ONE_IN = 200
# On SQLite, how long a hit waits for the database's one writer before going uncounted.
SQLITE_BUSY_MS = 2000
# False: a busy database raises instead (tests of atomicity).
UNCOUNTED_WHEN_BUSY = True

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw (``YIZHAN_NUM_PROXIES``)."""
    proxies = int(getattr(settings, "NINJA_NUM_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return str(hops[-min(proxies, len(hops))])
    return str(request.META.get("REMOTE_ADDR", ""))


def _alias() -> str:
    # On PostgreSQL, settings put this on the "cache" alias, a second connection to the
    # same database: a count is committed at once, never held or rolled back with a
    # request's transaction.
    return str(getattr(settings, "RATE_LIMIT_DATABASE", "default"))


def hit(key: str, *, window_seconds: int, now: float | None = None, offset_seconds: int = 0) -> int:
    """Count one hit for ``key`` in the current window; the count so far, this one included.

    Windows start at multiples of ``window_seconds`` since the epoch, moved back by
    ``offset_seconds`` (8 hours and a day's window: days of Beijing time)."""
    backend = getattr(settings, "RATE_LIMIT_BACKEND", "sql")
    if backend != "sql":
        raise NotImplementedError(f"RATE_LIMIT_BACKEND {backend!r} is not available")
    now = time.time() if now is None else now
    window_start = int((now + offset_seconds) // window_seconds) * window_seconds - offset_seconds
    expires = window_start + window_seconds
    connection = connections[_alias()]
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while True:
        try:
            return _upsert(connection, key[:255], window_start, expires, now)
        except OperationalError as exc:
            # SQLite's shared cache (an in-memory database) answers "table is locked" at
            # once, without the busy timeout: wait for it the same way.
            if "table is locked" in str(exc) and time.monotonic() < deadline:
                time.sleep(0.005)
                continue
            if connection.in_atomic_block or not UNCOUNTED_WHEN_BUSY:
                raise
            # SQLite's one writer is busy (a long import): the page is worth more than
            # the count, so this hit goes uncounted rather than wait 20 s and fail.
            logger.warning("rate counter busy: a hit on %s went uncounted", key)
            return 0


def _upsert(
    connection: BaseDatabaseWrapper, key: str, window_start: int, expires: int, now: float
) -> int:
    table = RateCounter._meta.db_table
    qn = connection.ops.quote_name
    with connection.cursor() as cursor, _short_wait(connection, cursor):
        cursor.execute(
            f"INSERT INTO {qn(table)} ({qn('key')}, window_start, expires, {qn('count')}) "  # noqa: S608
            "VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({qn('key')}, window_start) "
            f"DO UPDATE SET {qn('count')} = {qn(table)}.{qn('count')} + 1 "
            f"RETURNING {qn('count')}",
            [key, window_start, expires],
        )
        count = int(cursor.fetchone()[0])
        if random.random() < 1 / PURGE_ONE_IN:  # noqa: S311 (not security-relevant)
            cursor.execute(f"DELETE FROM {qn(table)} WHERE expires < %s", [int(now)])  # noqa: S608
    return count


@contextmanager
def _short_wait(connection: BaseDatabaseWrapper, cursor: Any) -> Iterator[None]:
    """On SQLite, wait at most SQLITE_BUSY_MS for the write lock (not the site's 20 s)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    cursor.execute("PRAGMA busy_timeout")
    before = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_MS)}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {before}")


def purge_expired(now: float | None = None) -> int:
    """Delete every window that has ended; how many rows went."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.using(_alias()).filter(expires__lt=int(now)).delete()
    return deleted


def rate_limited(request: HttpRequest, *, scope: str, per_minute: int) -> bool:
    """Count this request; True when the address has gone over ``per_minute`` in the
    current minute."""
    return hit(f"rl:{scope}:{client_address(request)}", window_seconds=60) > per_minute
