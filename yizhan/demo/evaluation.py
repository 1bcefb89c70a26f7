"""The monthly evaluation in the demo city: most of Daoli's stations published to Amap
(上图, as the console's publishing pack records it), the district officer's assessment of
each station's location (the one six-haves item only a person can judge), and last
month evaluated from the demo's evidence.

Seeded and idempotent: listings and assessments are written once; a second run of the
evaluation repeats no decision."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import selectors, services
from yizhan.evaluation.models import EvaluationRun, RunStatus, SixHaveCheck
from yizhan.regions.models import Region
from yizhan.stations.models import Station, StationChange, StationListing, StationStatus
from yizhan.stations.selectors import station_listings_pending
from yizhan.stations.services import station_listings_mark

DEMO_DISTRICT = "230102"
# Stations the district has not put on the map yet, and whose site the officer judged
# poor ("too far from where riders wait").
NOT_LISTED = ("HRB-DL-F013", "HRB-DL-F027", "HRB-DL-F041", "HRB-DL-M04")
POOR_SITES = ("HRB-DL-F027", "HRB-DL-F046")


@dataclass(frozen=True)
class DemoEvaluation:
    listed: int
    assessed: int
    runs: int
    outcome: dict[str, object]


def _listings_backdate(stations: list[Station], *, now: dt.datetime) -> None:
    """The district put its stations on the map weeks or months ago, each after it opened
    (a month is evaluated on the listings it had): move the records just written there."""
    rng = random.Random(13)
    for s in stations:
        when = now - dt.timedelta(days=rng.randint(40, 150))
        if s.created_at is not None:
            when = max(when, s.created_at + dt.timedelta(days=3))
        # After the station's other history, so that its record reads in order.
        last = (
            StationChange.objects.filter(station=s)
            .exclude(action=StationChange.Action.PUBLISH)
            .aggregate(last=Max("changed_at"))["last"]
        )
        if last is not None:
            when = max(when, last + dt.timedelta(minutes=1))
        when = min(when, now)
        StationListing.objects.filter(station=s).update(listed_at=when)
        StationChange.objects.filter(station=s, action=StationChange.Action.PUBLISH).update(
            changed_at=when
        )


def demo_ensure(*, now: dt.datetime, officer: User) -> DemoEvaluation:
    stations = list(
        Station.objects.filter(
            region__code__startswith=DEMO_DISTRICT, status=StationStatus.ACTIVE
        ).order_by("code")
    )
    listed = assessed = 0
    with transaction.atomic():
        if not StationListing.objects.filter(station__in=stations).exists():
            pending = [
                p
                for p in station_listings_pending(
                    stations=[s for s in stations if s.code not in NOT_LISTED], platform="amap"
                )
                if p.markable
            ]
            listed = station_listings_mark(
                stations=[p.station for p in pending],
                platform="amap",
                fingerprints={p.station.pk: p.fingerprint for p in pending},
                user=officer,
            )
            _listings_backdate([p.station for p in pending], now=now)
        if not SixHaveCheck.objects.filter(station__in=stations).exists():
            rng = random.Random(11)
            for s in stations:
                poor = s.code in POOR_SITES
                services.six_have_check_record(
                    user=officer,
                    station=s,
                    code="location",
                    ok=not poor,
                    note="离骑手聚集点太远" if poor else "",
                    now=now - dt.timedelta(days=rng.randint(20, 200)),
                )
                assessed += 1
    district = Region.objects.get(code=DEMO_DISTRICT)
    month = selectors.month_previous(now.astimezone(SHANGHAI).date())
    runs = services.evaluation_start(
        user=officer, region=district, month=month, now=now, enqueue=False
    )
    outcome: dict[str, object] = {}
    for run in runs:
        if run.status == RunStatus.QUEUED:
            run = services.evaluation_run_execute(run_id=run.pk)
        outcome = EvaluationRun.objects.get(pk=run.pk).outcome
    return DemoEvaluation(listed, assessed, len(runs), outcome)
