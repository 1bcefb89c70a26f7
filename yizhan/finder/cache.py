"""The finder's per-process index cache: one `FinderIndex` per process, checked against
the registry's version stamp at most every ``FINDER_RECHECK_SECONDS`` and rebuilt (in a
background thread outside tests) when it changed, when it is too old, or when the local
day turned.

The reads it checks and rebuilds with (the stamp, the build) are `finder.selectors`',
handed in by `selectors.finder_index`, the one entry point; this module reads nothing
itself."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from yizhan.finder.index import FinderIndex

#: ``version(today=...)``: the registry's stamp; ``build(today=..., version=...)``: a fresh index.
Version = Callable[..., str]
Build = Callable[..., FinderIndex]

_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "checked": 0.0, "built": 0.0, "building": False}
log = logging.getLogger(__name__)
# The version stamp (counts, newest updated_at) cannot see a row committed late with an
# older stamp (a long import's transaction); rebuilding at least this often bounds how
# long such a change can stay unseen.
MAX_AGE_SECONDS = 600


def finder_index_forget() -> None:
    """Drop this process's index: the next request builds a fresh one (tests)."""
    _state.update(index=None, checked=0.0, built=0.0, building=False)


def cached_index(*, now: dt.datetime | None, version: Version, build: Build) -> FinderIndex:
    """This process's index, checked against the registry at most every
    ``FINDER_RECHECK_SECONDS`` and rebuilt when it changed, when it is older than
    ``MAX_AGE_SECONDS``, or when the local day turned.

    With ``FINDER_BACKGROUND_REBUILD`` (the default outside tests) the check and any
    rebuild run in a background thread while requests keep the index they have: at
    national scale a build takes seconds, the registry changes all the time, and even the
    check's few queries should not sit in a request. The first build, and the one after
    midnight (the week the index covers moves), happen in the request."""
    today = timezone.localtime(now or timezone.now()).date()
    recheck = float(settings.YIZHAN["FINDER_RECHECK_SECONDS"])
    background = bool(settings.YIZHAN["FINDER_BACKGROUND_REBUILD"])
    with _lock:
        index = _state["index"]
        current = isinstance(index, FinderIndex) and index.window_start.date() == today
        if current and (time.monotonic() - _state["checked"] < recheck or _state["building"]):
            return index  # type: ignore[no-any-return]
        _state["checked"] = time.monotonic()
        if current and background:
            _state["building"] = True
            threading.Thread(
                target=_refresh_in_background, args=(today, version, build), daemon=True
            ).start()
            return index  # type: ignore[no-any-return]
        return _refresh(today, index if current else None, version, build)


def _refresh(
    today: dt.date, index: FinderIndex | None, version: Version, build: Build
) -> FinderIndex:
    """The index, rebuilt if the registry's stamp moved or it is too old."""
    stamp = version(today=today)
    too_old = time.monotonic() - _state["built"] > MAX_AGE_SECONDS
    if index is not None and not too_old and index.version == stamp:
        return index
    fresh = build(today=today, version=stamp)
    # The index is millions of long-lived objects: keep the collector from walking them
    # again and again (a full collection after a build took ~0.2 s). They hold no
    # reference cycles, so reference counting still frees the old index.
    gc.freeze()
    _state["index"], _state["built"] = fresh, time.monotonic()
    return fresh


def _refresh_in_background(today: dt.date, version: Version, build: Build) -> None:
    try:
        index = _state["index"]
        _refresh(today, index if isinstance(index, FinderIndex) else None, version, build)
    except Exception:  # the old index keeps serving; the next check tries again
        log.exception("finder index refresh failed")
    finally:
        connection.close()  # this thread's own database connection
        _state["building"] = False


def index_age_seconds() -> float | None:
    """Seconds since this process last built its index; None before the first build."""
    built = _state["built"]
    return time.monotonic() - built if _state["index"] is not None and built else None


def index_health() -> dict[str, Any]:
    """For /healthz: an index not rebuilt for three times its maximum age is stuck (the
    background rebuild keeps failing). None yet is fine: the first request builds it."""
    age = index_age_seconds()
    return {
        "ok": age is None or age <= 3 * MAX_AGE_SECONDS,
        "index_age_seconds": None if age is None else round(age),
    }
