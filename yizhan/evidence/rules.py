"""Pure rules that turn signs of life into usage and opening compliance.

No database here: selectors feed `LifeEvent` rows and declared opening intervals in.

Usage
    A *person-visit* is a run of one person's events at one station with no gap longer
    than ``VISIT_GAP``; events that name nobody (a people counter) are counted apart, and
    a day's visits are the larger of the two counts (a counter sees everyone, names
    no one; check-ins and door events name people, but not everyone scans).

Opening compliance
    The declared open time of a day is cut into slots (an hour by default). A slot is
    *alive* when it holds a sign of presence (a check-in, rating, report, door opening,
    counted person), a heartbeat of a smart station's door controller (online: the door
    opens for whoever comes, which is what "open" means for an unstaffed 24-hour station),
    or lies inside an opening-log "opened" … "closed" span. The day's
    compliance is alive minutes over declared minutes; a run of dead slots at least
    ``DEAD_FLAG`` long flags the station ("declared open, no sign of life").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from yizhan.core.evidence import LifeEvent

VISIT_GAP = dt.timedelta(hours=2)
DEAD_FLAG = dt.timedelta(hours=3)
SLOT = dt.timedelta(hours=1)
# Sources that are the station's own staff, not visitors.
STAFF_SOURCES = frozenset({"opened", "closed"})

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Usage:
    """One station's usage over the events given."""

    visits: int  # max(person-visits, counted people)
    person_visits: int
    counted: int
    by_hour: tuple[int, ...]  # person-visits starting in each local hour 0–23
    occupations: dict[str, int] = field(default_factory=dict)


def person_visits(events: Iterable[LifeEvent], gap: dt.timedelta = VISIT_GAP) -> list[LifeEvent]:
    """The first event of each person-visit (events naming a person, staff excluded).

    >>> t = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    >>> later = lambda **kw: t + dt.timedelta(**kw)
    >>> ev = [LifeEvent(1, t, "checkin", "a"), LifeEvent(1, later(minutes=30), "rating", "a"),
    ...       LifeEvent(1, later(hours=3), "door", "a"), LifeEvent(1, t, "door", "b")]
    >>> [(e.person, e.at.hour) for e in person_visits(ev)]
    [('a', 12), ('b', 12), ('a', 15)]
    """
    last: dict[tuple[int, str], dt.datetime] = {}
    starts = []
    for e in sorted(
        (e for e in events if e.person and e.presence and e.source not in STAFF_SOURCES),
        key=lambda e: e.at,
    ):
        key = (e.station_id, e.person)
        previous = last.get(key)
        if previous is None or e.at - previous > gap:
            starts.append(e)
        last[key] = e.at
    return starts


def usage(events: Sequence[LifeEvent], tz: dt.tzinfo) -> Usage:
    """Visits, busy hours and the occupation mix of one station's events."""
    starts = person_visits(events)
    counted = sum(e.people for e in events if not e.person and e.presence and e.source == "counter")
    by_hour = [0] * 24
    for e in starts:
        by_hour[e.at.astimezone(tz).hour] += 1
    occupations = Counter(e.occupation or "" for e in starts)
    return Usage(
        visits=max(len(starts), counted),
        person_visits=len(starts),
        counted=counted,
        by_hour=tuple(by_hour),
        occupations=dict(occupations),
    )


def staffed_spans(events: Iterable[LifeEvent], day_end: dt.datetime) -> list[Interval]:
    """Opening-log spans: each "opened" to the next "closed" (or to ``day_end``)."""
    spans, opened = [], None
    for e in sorted((e for e in events if e.source in STAFF_SOURCES), key=lambda e: e.at):
        if e.source == "opened" and opened is None:
            opened = e.at
        elif e.source == "closed" and opened is not None:
            spans.append((opened, e.at))
            opened = None
    if opened is not None:
        spans.append((opened, day_end))
    return spans


def staffed_spans_across(
    events: Iterable[LifeEvent], tz: dt.tzinfo, until: dt.datetime
) -> list[Interval]:
    """Opening-log spans over many days: each "opened" to the next "closed" (a night
    shift closing after midnight is one span), or, when no "closed" follows within a
    day, to the end of the local day it opened (a forgotten tap does not keep a station
    "open" for a week).

    >>> tz = dt.timezone(dt.timedelta(hours=8))
    >>> T = lambda d, h: dt.datetime(2026, 12, d, h, tzinfo=tz)
    >>> ev = [LifeEvent(1, T(1, 20), "opened"), LifeEvent(1, T(2, 2), "closed"),
    ...       LifeEvent(1, T(2, 9), "opened"), LifeEvent(1, T(3, 9), "opened")]
    >>> [(a.day, a.hour, b.day, b.hour) for a, b in staffed_spans_across(ev, tz, T(3, 12))]
    [(1, 20, 2, 2), (2, 9, 3, 0), (3, 9, 3, 12)]
    """

    def day_end(at: dt.datetime) -> dt.datetime:
        local = at.astimezone(tz)
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tz)

    spans: list[Interval] = []
    opened: dt.datetime | None = None
    for e in sorted((e for e in events if e.source in STAFF_SOURCES), key=lambda e: e.at):
        if e.source == "opened":
            if opened is not None:  # opened again without closing: the first ends its day
                spans.append((opened, min(day_end(opened), e.at)))
            opened = e.at
        elif opened is not None:
            if e.at - opened <= dt.timedelta(days=1):
                spans.append((opened, e.at))
            else:
                spans.append((opened, day_end(opened)))
            opened = None
    if opened is not None:
        spans.append((opened, min(day_end(opened), until)))
    return spans


@dataclass(frozen=True)
class DayCompliance:
    declared_minutes: int
    alive_minutes: int
    dead: tuple[Interval, ...]  # declared-open slots with no sign of life, merged
    longest_dead: dt.timedelta
    flagged: bool

    @property
    def share(self) -> float | None:
        return None if not self.declared_minutes else self.alive_minutes / self.declared_minutes

    @property
    def dead_minutes(self) -> int:
        return self.declared_minutes - self.alive_minutes


def day_compliance(
    declared: Sequence[Interval],
    events: Sequence[LifeEvent],
    *,
    spans: Sequence[Interval] | None = None,
    slot: dt.timedelta = SLOT,
    dead_flag: dt.timedelta = DEAD_FLAG,
) -> DayCompliance:
    """Declared open intervals of one station-day against its signs of life.

    Slots are cut from each declared interval's start; a last partial slot counts
    for its own length. ``spans`` are the staffed opening-log spans when the caller has
    them across days (`staffed_spans_across`); otherwise they come from ``events``.

    >>> T = lambda h, m=0: dt.datetime(2026, 12, 1, h, m, tzinfo=dt.UTC)
    >>> ev = [LifeEvent(1, T(8, 5), "opened"), LifeEvent(1, T(12), "closed"),
    ...       LifeEvent(1, T(14, 20), "checkin", "a"), LifeEvent(1, T(19, 10), "door", "b"),
    ...       LifeEvent(1, T(16, 30), "power", people=0, presence=False)]
    >>> c = day_compliance([(T(8), T(20))], ev)
    >>> c.declared_minutes, c.alive_minutes, round(c.share, 2), c.flagged
    (720, 360, 0.5, True)
    >>> [(a.hour, b.hour) for a, b in c.dead], c.longest_dead
    ([(12, 14), (15, 19)], datetime.timedelta(seconds=14400))

    A door controller's heartbeat keeps an unstaffed station's hour alive:

    >>> beat = LifeEvent(1, T(16, 30), "heartbeat", people=0, presence=False)
    >>> day_compliance([(T(8), T(20))], [*ev, beat]).alive_minutes
    420
    """
    declared = sorted(declared)
    if not declared:
        return DayCompliance(0, 0, (), dt.timedelta(0), False)
    if spans is None:
        spans = staffed_spans(events, max(b for _a, b in declared))
    moments = sorted(
        e.at
        for e in events
        if (e.presence or e.source == "heartbeat") and e.source not in STAFF_SOURCES
    )
    alive = 0
    dead: list[Interval] = []
    total = 0
    for start, end in declared:
        t = start
        while t < end:
            u = min(t + slot, end)
            length = int((u - t).total_seconds() // 60)
            total += length
            live = any(a < u and b > t for a, b in spans) or _any_between(moments, t, u)
            if live:
                alive += length
            elif dead and dead[-1][1] == t:
                dead[-1] = (dead[-1][0], u)
            else:
                dead.append((t, u))
            t = u
    longest = max((b - a for a, b in dead), default=dt.timedelta(0))
    return DayCompliance(total, alive, tuple(dead), longest, longest >= dead_flag)


def outside_demand(declared: Sequence[Interval], events: Sequence[LifeEvent]) -> int:
    """Person-visits begun, and "it was shut" reports made, outside declared open time:
    demand the station's hours do not meet.

    >>> T = lambda h: dt.datetime(2026, 12, 1, h, tzinfo=dt.UTC)
    >>> ev = [LifeEvent(1, T(7), "door", "a"), LifeEvent(1, T(10), "checkin", "b"),
    ...       LifeEvent(1, T(22), "report", "c", presence=False)]
    >>> outside_demand([(T(8), T(20))], ev)
    2
    """

    def inside(at: dt.datetime) -> bool:
        return any(a <= at < b for a, b in declared)

    starts = person_visits(events)
    shut = [e for e in events if e.source in {"report", "rating"} and not e.presence]
    return sum(1 for e in (*starts, *shut) if not inside(e.at))


def _any_between(sorted_moments: Sequence[dt.datetime], a: dt.datetime, b: dt.datetime) -> bool:
    import bisect

    i = bisect.bisect_left(sorted_moments, a)
    return i < len(sorted_moments) and sorted_moments[i] < b


def by_station(events: Iterable[LifeEvent]) -> dict[int, list[LifeEvent]]:
    out: dict[int, list[LifeEvent]] = defaultdict(list)
    for e in events:
        out[e.station_id].append(e)
    return out
