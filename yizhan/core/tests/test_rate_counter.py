"""The rate-limit counter: an atomic upsert that loses no hit and forgets no key."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from yizhan.core.models import RateCounter
from yizhan.core.ratelimit import hit, purge_expired


@pytest.mark.django_db
def test_four_hundred_keys_do_not_evict_each_other():
    now = 1_800_000_000.0
    for i in range(400):
        assert hit(f"k{i}", window_seconds=60, now=now) == 1
    for i in range(400):
        assert hit(f"k{i}", window_seconds=60, now=now) == 2  # every count still there
    assert RateCounter.objects.count() == 400


@pytest.mark.django_db
def test_a_new_window_starts_again_and_old_ones_are_purged():
    now = 1_800_000_000.0  # a multiple of 60
    assert [hit("a", window_seconds=60, now=now + s) for s in (0, 30, 59)] == [1, 2, 3]
    assert hit("a", window_seconds=60, now=now + 60) == 1
    assert purge_expired(now=now + 61) == 1
    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_hits_lose_no_count(monkeypatch):
    # Atomicity, not the busy fallback: on a loaded machine SQLite writers may queue.
    monkeypatch.setattr("yizhan.core.ratelimit.SQLITE_BUSY_MS", 20_000)
    monkeypatch.setattr("yizhan.core.ratelimit.UNCOUNTED_WHEN_BUSY", False)
    threads, each = 8, 25
    now = 1_800_000_000.0
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work() -> None:
        try:
            start.wait()
            for _ in range(each):
                hit("shared", window_seconds=3600, now=now)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors[:3]
    assert RateCounter.objects.get(key="shared").count == threads * each
    assert hit("shared", window_seconds=3600, now=now) == threads * each + 1


@pytest.mark.django_db
def test_day_windows_follow_beijing_time():
    import datetime as dt

    beijing = dt.timezone(dt.timedelta(hours=8))
    day = dt.datetime(2026, 7, 1, 0, 0, tzinfo=beijing).timestamp()
    counts = [
        hit("v", window_seconds=86400, offset_seconds=8 * 3600, now=day + s)
        for s in (0, 3600 * 7, 3600 * 9, 86399)  # across UTC midnight (08:00 Beijing)
    ]
    assert counts == [1, 2, 3, 4]
    assert hit("v", window_seconds=86400, offset_seconds=8 * 3600, now=day + 86400) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_busy_sqlite_writer_leaves_the_hit_uncounted_not_a_500(monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    real = CursorWrapper.execute

    def locked(self, sql, params=None):
        if sql.startswith("INSERT INTO"):
            raise OperationalError("database is locked")
        return real(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", locked)
    assert hit("busy", window_seconds=60) == 0
    monkeypatch.setattr(CursorWrapper, "execute", real)
    assert hit("busy", window_seconds=60) == 1
