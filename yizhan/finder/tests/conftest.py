"""Shared set-up for the finder's tests: a fixed "now" in Harbin, a fresh index and
empty rate-limit counters for every test, and helpers to place stations by metres."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache, caches

from yizhan.core.time import SHANGHAI
from yizhan.finder.cache import finder_index_forget

# Central Street (中央大街), Harbin, WGS-84.
ORIGIN_LON, ORIGIN_LAT = 126.6175, 45.7733
# Tuesday 10 March 2026, 10:00 in China: an ordinary working day.
TUESDAY_10AM = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180  # along a meridian (the index's sphere)


def north(metres: float) -> float:
    """The latitude ``metres`` north of the origin."""
    return ORIGIN_LAT + metres / METRES_PER_DEGREE


def east(metres: float) -> float:
    """The longitude ``metres`` east of the origin (on the origin's parallel)."""
    return ORIGIN_LON + metres / (METRES_PER_DEGREE * math.cos(math.radians(ORIGIN_LAT)))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _fresh_finder() -> Iterator[None]:
    """Each test builds its own index and starts with no requests counted."""
    finder_index_forget()
    cache.clear()
    caches["ratelimit"].clear()
    yield
    finder_index_forget()
    cache.clear()
    caches["ratelimit"].clear()


@pytest.fixture
def tuesday() -> Iterator[None]:
    """Now is Tuesday 2026-03-10 10:00 in Harbin (the clock keeps running)."""
    with time_machine.travel(TUESDAY_10AM):
        yield
