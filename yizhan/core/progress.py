"""Progress of long jobs (imports now; planning and evaluation later), readable by any
web process while the job's own transaction is still open.

It lives in the cache, which settings keep outside the job's database connection: a
file cache beside the SQLite file, or the database cache on its own connection alias
("cache") with PostgreSQL. Progress is advisory: if it is lost the page says "running".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

TTL_SECONDS = 6 * 60 * 60


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    phase: str
    updated: float

    @property
    def percent(self) -> int:
        return 0 if self.total <= 0 else min(100, round(100 * self.done / self.total))


def progress_set(key: str, *, done: int, total: int, phase: str = "") -> None:
    cache.set(
        f"progress:{key}",
        {"done": done, "total": total, "phase": phase, "updated": time.time()},
        TTL_SECONDS,
    )


def progress_get(key: str) -> Progress | None:
    value = cache.get(f"progress:{key}")
    return Progress(**value) if value else None


def progress_clear(key: str) -> None:
    cache.delete(f"progress:{key}")
