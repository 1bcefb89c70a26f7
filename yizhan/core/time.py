"""Time in one place: the zone every date a person reads is in, and the day and week.

Datetimes are stored aware (UTC in the database); a "day" or a "week" is always a local
one in China's single zone. Nothing else in the project names the zone.

>>> import datetime as dt
>>> late = dt.datetime(2026, 12, 6, 17, 30, tzinfo=dt.UTC)   # Monday 01:30 in Harbin
>>> local_date(late), week_start(local_date(late))
(datetime.date(2026, 12, 7), datetime.date(2026, 12, 7))
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current instant, aware."""
    return timezone.now()


def local(at: dt.datetime) -> dt.datetime:
    """``at`` on the local clock (aware, in Asia/Shanghai)."""
    if at.tzinfo is None:
        raise ValueError("aware datetime required")
    return at.astimezone(SHANGHAI)


def local_date(at: dt.datetime) -> dt.date:
    """The local calendar day of the instant ``at``."""
    return local(at).date()


def today(at: dt.datetime | None = None) -> dt.date:
    """Today's local date (of ``at`` when given, else of now)."""
    return local_date(at if at is not None else now())


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week.

    >>> week_start(dt.date(2026, 12, 13))
    datetime.date(2026, 12, 7)
    """
    return day - dt.timedelta(days=day.weekday())


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, aware."""
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
