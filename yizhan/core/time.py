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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

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


# A phone's word for when something was made (an offline queue's ``client_at``) -------

# Taken only for what was made within this long before it arrived.
CLIENT_AT_MAX_AGE = dt.timedelta(hours=24)
# A phone's clock this far ahead of ours is still believed (and read as "now").
CLIENT_AT_SKEW = dt.timedelta(minutes=5)
# Arriving this long after it was made, a submission was sent late (from a queue).
CLIENT_AT_LATE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ClientTime:
    """When a submission counts (``at``), and how many minutes after it was made it
    arrived (``late_minutes``; None when it came at once or the phone's time is unknown)."""

    at: dt.datetime
    late_minutes: int | None = None


def client_time(client_at: dt.datetime | None, *, now: dt.datetime) -> ClientTime:
    """The time a phone's offline queue says a submission was made, as far as it is
    believed: within the last 24 hours it is the record's time; older, the record takes
    the time it arrived (``now``) but is still marked late by what the phone said; ahead
    of ``now`` by more than a small skew, the phone's clock is wrong and ``now`` is used.
    A naive ``client_at`` is read on the local clock.

    >>> now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    >>> client_time(now - dt.timedelta(minutes=42), now=now).late_minutes
    42
    >>> client_time(now - dt.timedelta(hours=30), now=now) == ClientTime(now, 1800)
    True
    >>> client_time(now + dt.timedelta(hours=1), now=now) == ClientTime(now)
    True
    """
    if client_at is None:
        return ClientTime(now)
    if client_at.tzinfo is None:
        client_at = client_at.replace(tzinfo=SHANGHAI)
    client_at = client_at.astimezone(now.tzinfo)
    if client_at > now + CLIENT_AT_SKEW:
        return ClientTime(now)
    delay = max(now - client_at, dt.timedelta(0))
    late = int(delay.total_seconds() // 60) if delay >= CLIENT_AT_LATE else None
    if delay > CLIENT_AT_MAX_AGE:
        return ClientTime(now, late)
    return ClientTime(min(client_at, now), late)


def _weekday(n: int) -> str:
    """Monday (0) to Sunday (6), in the active language: only the one said is looked up
    (finder cards say one per result)."""
    match n:
        case 0:
            return _("周一")
        case 1:
            return _("周二")
        case 2:
            return _("周三")
        case 3:
            return _("周四")
        case 4:
            return _("周五")
        case 5:
            return _("周六")
        case _:
            return _("周日")


def when_words(
    at: dt.datetime | dt.date, *, now: dt.datetime | None = None, today_word: bool = True
) -> str:
    """A deadline or a coming time as a person says it, on the local clock and in the
    active language: "今天 18:00", "明天 09:00", "昨天 22:00", "周六 09:00" (within the
    coming week), else "12-20 周六 09:00" ("2027-01-04 周一 09:00" in another year). A
    date alone says the day only ("今天", "明天", "周六", "12-20 周六"). With
    ``today_word=False`` a time today is the clock alone ("18:00"), for lines that are
    about today anyway ("开放中，22:00 关门").

    The words come from the local calendar day of ``at`` against that of ``now``
    (default: now), so 23:59 and 00:01 a minute apart are 今天 and 明天.

    >>> import datetime as dt
    >>> at_night = dt.datetime(2026, 12, 7, 15, 59, tzinfo=dt.UTC)  # 23:59 in Harbin
    >>> when_words(at_night + dt.timedelta(hours=19), now=at_night)
    '明天 18:59'
    >>> when_words(at_night, now=at_night), when_words(at_night.date(), now=at_night)
    ('今天 23:59', '今天')
    """
    today = local_date(now if now is not None else timezone.now())
    if isinstance(at, dt.datetime):
        at = local(at)
        day, clock = at.date(), f"{at:%H:%M}"
    else:
        day, clock = at, ""
    days = (day - today).days
    if days == 0:
        if not clock:
            return _("今天")
        return _("今天 %(time)s") % {"time": clock} if today_word else clock
    if days == 1:
        return _("明天 %(time)s") % {"time": clock} if clock else _("明天")
    if days == -1:
        return _("昨天 %(time)s") % {"time": clock} if clock else _("昨天")
    weekday = _weekday(day.weekday())
    if 1 < days < 7:
        words = weekday
    elif day.year == today.year:
        words = f"{day:%m-%d} {weekday}"
    else:
        words = f"{day:%Y-%m-%d} {weekday}"
    return f"{words} {clock}" if clock else words
