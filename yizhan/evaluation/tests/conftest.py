"""The operations tests' district (two stations, their staff, officers at street,
district and city level) and clock, with helpers that write a month of evidence through
the services people use: opening-log taps, workers' check-ins, ratings and reports,
inspections. November 2026 has 21 weekdays and 9 weekend days."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence

import pytest

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import selectors, services
from yizhan.evaluation.models import EvaluationRun
from yizhan.feedback.services import checkin_record, rating_submit, report_submit
from yizhan.operations import regime
from yizhan.operations.models import Inspection, OpeningLog
from yizhan.operations.selectors import checklist_current
from yizhan.operations.tests.conftest import _fresh_finder, clock, daoli  # noqa: F401
from yizhan.regions.models import Region
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import Station

NOVEMBER = dt.date(2026, 11, 1)


def days_of(month: dt.date) -> Iterator[dt.date]:
    day = month
    while day.month == month.month:
        yield day
        day += dt.timedelta(days=1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def open_spans(station: Station, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    hours = OpeningHours.parse(station.opening_hours)
    return hours.intervals(at(day, 0), at(day, 0) + dt.timedelta(days=1))


def staffed(station: Station, month: dt.date, user: User, officer: User | None = None) -> None:
    """The station opens and closes on time every day it declares, with daily and weekly
    inspections done (and the district's monthly one when ``officer`` is given)."""
    daily = checklist_current(tier="daily")
    weekly = checklist_current(tier="weekly")
    if officer is not None:
        _inspection(
            station, "monthly", checklist_current(tier="monthly"), officer, at(month, 10), month
        )
    weeks: set[dt.date] = set()
    for day in days_of(month):
        spans = open_spans(station, day)
        for a, b in spans:
            OpeningLog.objects.create(station=station, action="opened", at=a, user=user)
            OpeningLog.objects.create(station=station, action="closed", at=b, user=user)
        if spans:
            _inspection(station, "daily", daily, user, spans[0][0], day)
            week = regime.period_start("week", day)
            if week not in weeks:
                weeks.add(week)
                _inspection(station, "weekly", weekly, user, spans[0][0], week)


def _inspection(
    station: Station, tier: str, checklist: object, user: User, when: dt.datetime, period: dt.date
) -> None:
    Inspection.objects.create(
        station=station,
        tier=tier,
        checklist=checklist,
        inspector=user,
        submitted_at=when + dt.timedelta(minutes=20),
        period_start=period,
        client_id=uuid.uuid4(),
    )


def visited(
    station: Station,
    month: dt.date,
    *,
    per_day: int,
    stars: int | None = None,
    tags: Sequence[str] = (),
    hours: Sequence[int] = (12,),
) -> None:
    """``per_day`` different workers check in on each day the station is open (at the
    given hours), and rate it when ``stars`` is given."""
    for day in days_of(month):
        if not open_spans(station, day):
            continue
        for n in range(per_day):
            key = f"worker-{station.pk}-{n:03d}-yizhan"
            when = at(day, hours[n % len(hours)], (7 * n) % 60)
            checkin_record(station=station, visitor_key=key, occupation="rider", now=when)
            if stars is not None:
                rating_submit(
                    station=station,
                    visitor_key=key,
                    stars=stars,
                    tags=tags,
                    now=when + dt.timedelta(minutes=5),
                )


def reported_locked(station: Station, month: dt.date, *, people: int = 6) -> None:
    """Workers find the door padlocked in opening hours, every few days."""
    for n, day in enumerate(list(days_of(month))[::5]):
        for k in range(people // 3 or 1):
            report_submit(
                station=station,
                visitor_key=f"locked-{station.pk}-{n}-{k}-yizhan",
                category="door_locked",
                text="门锁着，进不去",
                now=at(day, 12, 10 + k),
            )


def evaluate(region: Region, month: dt.date, user: User | None = None) -> list[EvaluationRun]:
    """Start the month's run and execute it here (tests run inside one transaction, so
    the task queued on commit never fires by itself)."""
    runs = services.evaluation_start(user=user, region=region, month=month)
    return [services.evaluation_run_execute(run_id=r.pk) for r in runs]


@pytest.fixture
def model(db):  # noqa: ANN001
    return selectors.model_published()
