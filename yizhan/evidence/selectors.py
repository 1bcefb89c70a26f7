"""Usage and opening compliance per station and day, from every source of evidence.

Sources give `LifeEvent` rows (`yizhan/core/evidence.py`); declared opening comes from
the registry's hours, volunteer-staffed spans and temporary closures. Computed on demand
(a district-month is a fraction of a second); the monthly evaluation run stores results."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.evidence import LifeEvent, events_from_sources
from yizhan.core.time import SHANGHAI
from yizhan.evidence import rules
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.hours import (
    InvalidOpeningHours,
    OpeningHours,
    subtract_intervals,
    union_intervals,
)
from yizhan.stations.models import Station, StationClosure, StationStatus

Interval = tuple[dt.datetime, dt.datetime]


def life_events(
    *, station_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> list[LifeEvent]:
    """Every sign of life from every source within [start, end): the sources registered in
    `yizhan.core.evidence` by the apps that keep them (operations, feedback, devices)."""
    return events_from_sources(station_ids=station_ids, start=start, end=end)


@lru_cache(maxsize=4096)
def _hours(rule: str, workday: bool, start: dt.datetime, end: dt.datetime) -> tuple[Interval, ...]:
    try:
        return tuple(OpeningHours.parse(rule, workday=workday).intervals(start, end))
    except (InvalidOpeningHours, ValueError):
        return ()


HoursPeriods = Sequence[tuple[dt.datetime, str, bool]]


def declared_open(
    *,
    stations: Sequence[Station],
    start: dt.datetime,
    end: dt.datetime,
    hours: Mapping[int, HoursPeriods] | None = None,
) -> dict[int, list[Interval]]:
    """Station id → when it declared itself open in [start, end): its published hours and
    volunteer-staffed spans, less temporary closures (a declared closure is not a lie).
    ``hours`` (station id → (since, rule, keeps workday hours) in time order) gives the
    hours as they ran, each rule until the next one; without it, the station's hours now."""
    ids = [s.pk for s in stations]
    closures: dict[int, list[Interval]] = defaultdict(list)
    for sid, a, b in (
        StationClosure.objects.filter(station_id__in=ids, starts_at__lt=end)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=start))
        .values_list("station_id", "starts_at", "ends_at")
    ):
        closures[sid].append((max(a, start), min(b or end, end)))
    extra: dict[int, list[Interval]] = defaultdict(list)
    try:
        from yizhan.volunteers.selectors import volunteer_open_spans

        for sid, shifts in volunteer_open_spans(window_start=start, window_end=end).items():
            extra[sid] = [(max(a, start), min(b, end)) for a, b, _label in shifts]
    except ImportError:
        pass
    out = {}
    for s in stations:
        periods = (hours or {}).get(s.pk) or [(start, s.opening_hours, s.keeps_workday_hours)]
        spans = []
        for i, (since, rule, workday) in enumerate(periods):
            until = periods[i + 1][0] if i + 1 < len(periods) else end
            a0, b0 = max(since, start), min(until, end)
            if a0 < b0:
                spans += [(max(a, a0), min(b, b0)) for a, b in _hours(rule, workday, start, end)]
        spans = [(a, b) for a, b in spans if b > a]
        if extra.get(s.pk):
            spans = union_intervals(spans, extra[s.pk])
        out[s.pk] = subtract_intervals(spans, closures.get(s.pk, []))
    return out


def _day_bounds(day: dt.date) -> Interval:
    a = dt.datetime.combine(day, dt.time(), SHANGHAI)
    return a, a + dt.timedelta(days=1)


@dataclass
class StationDay:
    station: Station
    day: dt.date
    usage: rules.Usage
    compliance: rules.DayCompliance
    # With ``required`` hours given: compliance over declared ∪ required time, the
    # minutes required but not declared, and visits or "shut" reports outside declared time.
    judged: rules.DayCompliance | None = None
    undeclared_minutes: int = 0
    closed_demand: int = 0
    events: int = 0  # every sign of life or report of the day, from any source


def _minutes(spans: Sequence[Interval]) -> int:
    return int(sum((b - a).total_seconds() for a, b in spans) // 60)


def required_open(
    *,
    stations: Sequence[Station],
    rules_by_kind: dict[str, str],
    start: dt.datetime,
    end: dt.datetime,
    kinds: Mapping[int, str] | None = None,
) -> dict[int, list[Interval]]:
    """Station id → the time its kind must be open in [start, end) (an OSM rule per kind;
    public holidays follow the rule's own ``PH`` terms). ``kinds`` (station id → kind)
    gives the kind a station was then, in place of its kind now."""
    out: dict[int, list[Interval]] = {}
    for s in stations:
        rule = rules_by_kind.get((kinds or {}).get(s.pk, s.kind), "")
        if rule:
            out[s.pk] = list(_hours(rule, False, start, end))
    return out


def station_days(
    *,
    stations: Sequence[Station],
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    required: dict[int, list[Interval]] | None = None,
    hours: Mapping[int, HoursPeriods] | None = None,
) -> list[StationDay]:
    """Usage and opening compliance for each station and local day from ``first`` to
    ``last`` inclusive: one query per source, whatever the number of stations. Declared
    time still to come (the rest of today) is not judged. ``required`` (station id → the
    time it must be open whatever it declares) adds a judgement over both. ``hours``: the
    hours as they ran (see `declared_open`)."""
    start, _ = _day_bounds(first)
    _, end = _day_bounds(last)
    end = max(start, min(end, now or timezone.now()))
    declared = declared_open(stations=stations, start=start, end=end, hours=hours)
    events = life_events(station_ids=[s.pk for s in stations], start=start, end=end)
    per: dict[tuple[int, dt.date], list[LifeEvent]] = defaultdict(list)
    for e in events:
        per[(e.station_id, e.at.astimezone(SHANGHAI).date())].append(e)
    staff: dict[int, list[LifeEvent]] = defaultdict(list)
    for e in events:
        if e.source in rules.STAFF_SOURCES:
            staff[e.station_id].append(e)
    out = []
    for s in stations:
        spans = declared.get(s.pk, [])
        # Staffed spans across days: a night shift closing after midnight is one span.
        staffed = rules.staffed_spans_across(staff.get(s.pk, []), SHANGHAI, end)
        day = first
        while day <= last:
            a, b = _day_bounds(day)
            todays = [(max(x, a), min(y, b)) for x, y in spans if y > a and x < b]
            worked = [(max(x, a), min(y, b)) for x, y in staffed if y > a and x < b]
            evs = per.get((s.pk, day), [])
            result = StationDay(
                s,
                day,
                rules.usage(evs, SHANGHAI),
                rules.day_compliance(todays, evs, spans=worked),
                events=len(evs),
            )
            if required is not None:
                must = [
                    (max(x, a), min(y, b, end))
                    for x, y in required.get(s.pk, [])
                    if y > a and x < min(b, end)
                ]
                both = union_intervals(todays, must)
                result.judged = rules.day_compliance(both, evs, spans=worked)
                result.undeclared_minutes = _minutes(both) - _minutes(todays)
                result.closed_demand = rules.outside_demand(todays, evs)
            out.append(result)
            day += dt.timedelta(days=1)
    return out


def stations_in(*, scope: Scope, region: Region | None) -> list[Station]:
    qs = Station.objects.filter(scope.q("region"), status=StationStatus.ACTIVE)
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="region"))
    return list(qs.select_related("region").order_by("code"))


@dataclass
class StationSummary:
    """A station over a period: what an officer's table shows."""

    station: Station
    visits: int = 0
    person_visits: int = 0
    declared_minutes: int = 0
    alive_minutes: int = 0
    flagged_days: list[dt.date] = field(default_factory=list)
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    occupations: Counter[str] = field(default_factory=Counter)

    @property
    def compliance(self) -> float | None:
        return None if not self.declared_minutes else self.alive_minutes / self.declared_minutes

    @property
    def dead_hours(self) -> float:
        return (self.declared_minutes - self.alive_minutes) / 60


def summarise(days: Sequence[StationDay]) -> list[StationSummary]:
    acc: dict[int, StationSummary] = {}
    for d in days:
        s = acc.setdefault(d.station.pk, StationSummary(d.station))
        s.visits += d.usage.visits
        s.person_visits += d.usage.person_visits
        s.declared_minutes += d.compliance.declared_minutes
        s.alive_minutes += d.compliance.alive_minutes
        if d.compliance.flagged:
            s.flagged_days.append(d.day)
        for h, n in enumerate(d.usage.by_hour):
            s.by_hour[h] += n
        s.occupations.update(d.usage.occupations)
    return list(acc.values())


def daily_trend(days: Sequence[StationDay]) -> list[tuple[dt.date, int, float | None]]:
    """(day, visits, compliance share) summed over the stations."""
    visits: Counter[dt.date] = Counter()
    declared: Counter[dt.date] = Counter()
    alive: Counter[dt.date] = Counter()
    for d in days:
        visits[d.day] += d.usage.visits
        declared[d.day] += d.compliance.declared_minutes
        alive[d.day] += d.compliance.alive_minutes
    return [
        (day, visits[day], alive[day] / declared[day] if declared[day] else None)
        for day in sorted(set(visits) | set(declared))
    ]


def as_row(s: StationSummary) -> dict[str, Any]:
    return {
        "code": s.station.code,
        "name": s.station.name,
        "region": s.station.region.name,
        "visits": s.visits,
        "compliance": s.compliance,
        "dead_hours": round(s.dead_hours, 1),
        "flagged_days": len(s.flagged_days),
    }


def flag_figures(*, user: User, now: dt.datetime) -> dict[str, int]:
    """For the officer's day (`yizhan.core.hooks.day_figures`): the stations of ``user``'s
    region flagged yesterday (declared open, no sign of life for `rules.DEAD_FLAG` or
    longer): the 被标记的驿站 the dashboard shows for that one day. One local day is
    read (a few queries, one per source), not the dashboard's month."""
    yesterday = now.astimezone(SHANGHAI).date() - dt.timedelta(days=1)
    stations = stations_in(scope=user_scope(user=user), region=user.region)
    days = station_days(stations=stations, first=yesterday, last=yesterday, now=now)
    return {"evidence.flagged_yesterday": sum(1 for d in days if d.compliance.flagged)}
