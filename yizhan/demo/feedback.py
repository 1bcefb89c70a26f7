"""Workers' feedback in the demo city: 30 days of QR check-ins and ratings at 道里区's
active stations from a pool of pseudonymous riders, couriers, drivers and sanitation
workers; a handful of problem reports, among them one merged from three workers, a
locked door that opened a rectification order by itself, and a broken charger at the
demo master's station waiting in their day.

Seeded (the same data every run) and idempotent: nothing is added when the demo visitors
already exist."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from yizhan.core.time import SHANGHAI
from yizhan.demo.operations import DEMO_STATION
from yizhan.demo.stations import history_days
from yizhan.feedback.models import CheckIn, Rating
from yizhan.feedback.services import report_submit
from yizhan.stations.models import Station, StationStatus
from yizhan.visitors.models import Visitor
from yizhan.visitors.selectors import visitor_hash

DEMO_DISTRICT = "230102"
DAYS = 30
VISITORS = 400
OCCUPATIONS = ("rider",) * 5 + ("courier",) * 3 + ("driver",) * 2 + ("sanitation",) * 2 + ("other",)
GOOD_TAGS = ("clean", "hot_water", "charger_worked", "staff_friendly")
BAD_TAGS = ("dirty", "broken_equipment", "door_locked")


@dataclass(frozen=True)
class DemoFeedback:
    checkins: int
    ratings: int
    reports: int


def demo_key(n: int) -> str:
    """The raw visitor id of demo worker ``n`` (what their phone's cookie would hold)."""
    return f"demo-worker-{n:05d}-yizhan"


@transaction.atomic
def demo_ensure(*, now: dt.datetime) -> DemoFeedback:
    stations = list(
        Station.objects.filter(
            region__code__startswith=DEMO_DISTRICT, status=StationStatus.ACTIVE
        ).order_by("code")
    )
    if not stations or Visitor.objects.filter(key_hash=visitor_hash(demo_key(0))).exists():
        return DemoFeedback(0, 0, 0)
    rng = random.Random(5)
    days = history_days(now.astimezone(SHANGHAI).date(), at_least=DAYS)
    first = now - dt.timedelta(days=days)
    visitors = Visitor.objects.bulk_create(
        [
            Visitor(
                key_hash=visitor_hash(demo_key(n)),
                occupation=rng.choice(OCCUPATIONS),
                first_seen=first,
                last_seen=now,
            )
            for n in range(VISITORS)
        ]
    )
    # Each station its own pull (a busy one near the delivery hubs, a quiet one in the
    # suburbs) and its own regulars; each its own standard (stars around its mean).
    checkins: list[CheckIn] = []
    ratings: list[Rating] = []
    rated: set[tuple[int, int, dt.date]] = set()
    for station in stations:
        busy = rng.choice((2, 4, 6, 10, 16))
        mean = rng.choice((3.2, 3.9, 4.3, 4.6, 4.8))
        regulars = rng.sample(visitors, 40)
        for d in range(days):
            day = (now - dt.timedelta(days=days - d)).astimezone(SHANGHAI).date()
            for _ in range(max(0, int(rng.gauss(busy, busy / 3)))):
                visitor = rng.choice(regulars)
                hour = rng.choice((7, 8, 11, 11, 12, 12, 13, 14, 17, 18, 18, 19, 20))
                at = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), SHANGHAI)
                if at >= now:
                    continue
                checkins.append(
                    CheckIn(station=station, visitor=visitor, at=at, occupation=visitor.occupation)
                )
                key = (station.pk, visitor.pk, day)
                if rng.random() < 0.25 and key not in rated:
                    rated.add(key)
                    stars = max(1, min(5, round(rng.gauss(mean, 0.8))))
                    pool = GOOD_TAGS if stars >= 4 else BAD_TAGS + GOOD_TAGS[:1]
                    ratings.append(
                        Rating(
                            station=station,
                            visitor=visitor,
                            at=at + dt.timedelta(minutes=rng.randrange(5, 40)),
                            day=day,
                            stars=stars,
                            tags=rng.sample(pool, k=rng.randrange(0, 3)),
                            occupation=visitor.occupation,
                            checked_in=True,
                            flagged=False,
                            weight=1.0,
                        )
                    )
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
    # A few ratings from people who never checked in: kept, flagged, half weight.
    for n, station in enumerate(stations[:5]):
        visitor = visitors[-1 - n]
        day = (now - dt.timedelta(days=2)).astimezone(SHANGHAI).date()
        if (station.pk, visitor.pk, day) not in rated:
            ratings.append(
                Rating(
                    station=station,
                    visitor=visitor,
                    at=dt.datetime.combine(day, dt.time(15, 0), SHANGHAI),
                    day=day,
                    stars=1,
                    tags=["dirty"],
                    occupation=visitor.occupation,
                    checked_in=False,
                    flagged=True,
                    weight=0.5,
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=2000)
    reports = 0
    # (station index, category, [(visitor, hours ago, text)]): three workers about one
    # dirty toilet (merged), a locked door (opens an order), and two one-off reports.
    plan = (
        (1, "dirty", [(11, 60, "厕所很脏，没人打扫"), (23, 40, "卫生间有异味"), (35, 20, "")]),
        (2, "door_locked", [(12, 30, "中午12点门锁着，进不去")]),
        (3, "no_water", [(13, 50, "饮水机没有热水")]),
        (4, "broken_equipment", [(14, 200, "微波炉不加热")]),
    )
    for index, category, entries in plan:
        if index >= len(stations):
            continue
        for n, hours_ago, text in entries:
            report_submit(
                station=stations[index],
                visitor_key=demo_key(n),
                category=category,
                text=text,
                now=now - dt.timedelta(hours=hours_ago),
            )
            reports += 1
    # The station whose master and administrator sign in to the demo: a rider reported a
    # broken charger this morning and asked to be called back; it waits in their day (and,
    # like the older reports above, would reach the inspector's if left a day).
    own = next((s for s in stations if s.code == DEMO_STATION), None)
    if own is not None:
        report_submit(
            station=own,
            visitor_key=demo_key(15),
            category="broken_equipment",
            text="充电柜坏了，插上没反应",
            phone="13912345678",
            now=now - dt.timedelta(hours=3),
        )
        reports += 1
    return DemoFeedback(len(checkins), len(ratings), reports)
