"""Pure rules of the inspection regime: periods, lateness, answers, deadlines, distance.

No database here: services and selectors feed plain values in."""

from __future__ import annotations

import datetime as dt
import math

from yizhan.core.time import week_start

EARTH_RADIUS_M = 6_371_008.8
# A phone reporting from farther than this (plus its own stated accuracy, capped) is
# "not at the station".
ACCURACY_ALLOWANCE_MAX_M = 100.0

# Days to put a finding right, by severity.
DEADLINE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 14}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(distance_m(45.7733, 126.6175, 45.7733, 126.6175))
    0
    >>> round(distance_m(45.0, 126.0, 45.001, 126.0))
    111
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def is_away(distance: float | None, accuracy_m: float | None, limit_m: float) -> bool:
    """Away when the reported point, given the benefit of its accuracy (at most 100 m),
    is still beyond ``limit_m``. No position is not "away" (it is flagged separately).

    >>> is_away(250, 80, 200), is_away(450, 500, 300), is_away(None, None, 300)
    (False, True, False)
    """
    if distance is None:
        return False
    allowance = min(accuracy_m or 0.0, ACCURACY_ALLOWANCE_MAX_M)
    return distance - allowance > limit_m


def period_start(period: str, day: dt.date) -> dt.date:
    """The first day of the period holding ``day``: the day, its week's Monday, or the
    first of its month.

    >>> period_start("week", dt.date(2026, 11, 26)), period_start("month", dt.date(2026, 11, 26))
    (datetime.date(2026, 11, 23), datetime.date(2026, 11, 1))
    """
    if period == "week":
        return week_start(day)
    if period == "month":
        return day.replace(day=1)
    return day


def period_next(period: str, start: dt.date) -> dt.date:
    """The start of the period after the one starting at ``start``.

    >>> period_next("month", dt.date(2026, 12, 1)), period_next("day", dt.date(2026, 12, 31))
    (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1))
    """
    if period == "week":
        return start + dt.timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def period_previous(period: str, start: dt.date) -> dt.date:
    """The start of the period before the one starting at ``start``."""
    return period_start(period, start - dt.timedelta(days=1))


def answer_ok(kind: str, value: str, ok_min: float | None, ok_max: float | None) -> bool:
    """Whether an answer passes: "yes" for yes/no items; inside [ok_min, ok_max] for
    numbers; any text passes.

    >>> answer_ok("yes_no", "yes", None, None), answer_ok("yes_no", "no", None, None)
    (True, False)
    >>> answer_ok("number", "72", 85, 100), answer_ok("number", "92", 85, 100)
    (False, True)
    """
    if kind == "yes_no":
        return value == "yes"
    if kind == "number":
        number = float(value)
        if ok_min is not None and number < ok_min:
            return False
        return not (ok_max is not None and number > ok_max)
    return True


def deadline_for(severity: str, issued: dt.datetime) -> dt.datetime:
    return issued + dt.timedelta(days=DEADLINE_DAYS.get(severity, 7))


# Escalation: level → the length of the region code whose officers take the order over.
LEVEL_REGION_CODE_LENGTH = {1: 9, 2: 6, 3: 4}
LEVEL_MAX = 3


def escalation_region_code(station_region_code: str, level: int) -> str | None:
    """The region whose union takes an order at ``level`` (None when the station's region
    is above that level, e.g. a station filed directly under a district has no street).

    >>> escalation_region_code("230102001", 1), escalation_region_code("230102001", 3)
    ('230102001', '2301')
    >>> escalation_region_code("230102", 1) is None
    True
    """
    length = LEVEL_REGION_CODE_LENGTH.get(level)
    if length is None or len(station_region_code) < length:
        return None
    return station_region_code[:length]


def level_next(station_region_code: str, level: int) -> int:
    """The union level an order at ``level`` moves up to: the next one that exists for
    the station (a station filed directly under a district has no street level); the
    same level at the top.

    >>> level_next("230102001", 0), level_next("230102001", 2), level_next("230102", 0)
    (1, 3, 2)
    >>> level_next("230102001", 3)
    3
    """
    for at in range(level + 1, LEVEL_MAX + 1):
        if escalation_region_code(station_region_code, at) is not None:
            return at
    return level
