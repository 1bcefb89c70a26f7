"""Demo stock for the demo city (Harbin Daoli, 230102): every active station keeps a
realistic shelf, and a few stations show each state the pages know — expired medicine at
two stations, batches expiring within a week, within a month, and items running low.

Seeded per station code, so the same station gets the same shelf on every machine; a
station that already keeps supplies is left alone (safe to run again).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import (
    MovementKind,
    StationSupply,
    StockBatch,
    StockMovement,
    SupplyItem,
    in_season,
)

DEMO_DISTRICT = "230102"
DEMO_NOTE = "演示数据"
# Every station keeps these; others are added at random.
CORE = ("water", "band-aid", "iodophor", "cold-medicine", "raincoat", "mask")
MIN_LEVELS = {"water": 24, "band-aid": 5, "mask": 10, "noodles": 10, "hand-warmer": 20}


@dataclass(frozen=True)
class DemoStock:
    stations: int
    batches: int


def _batch_no(rng: random.Random, received: dt.date) -> str:
    return f"{received:%Y%m}{rng.randint(100, 999)}"


@transaction.atomic
def demo_ensure(*, today: dt.date) -> DemoStock:
    """Stock the demo city's active stations that keep no supplies yet.

    The first two stations (by code) hold expired medicine, the next three a batch that
    expires within 7 days, the next two one within 30 days, and three more run low."""
    items = {i.code: i for i in SupplyItem.objects.all()}
    stations = list(
        Station.objects.filter(
            region__code__startswith=DEMO_DISTRICT, status=StationStatus.ACTIVE
        ).order_by("code")
    )
    stocked = set(
        StationSupply.objects.filter(station__in=stations).values_list("station_id", flat=True)
    )
    tz = timezone.get_current_timezone()
    new_stations = 0
    batches: list[tuple[StockBatch, dt.date]] = []
    for index, station in enumerate(stations):
        if station.pk in stocked:
            continue
        new_stations += 1
        rng = random.Random(f"supplies-demo:{station.code}")
        extra = [c for c in items if c not in CORE and in_season(items[c].season, today)]
        chosen = [c for c in CORE if c in items] + rng.sample(extra, k=min(len(extra), 3))
        for code in chosen:
            item = items[code]
            supply = StationSupply.objects.create(
                station=station, item=item, min_level=MIN_LEVELS.get(code, 0)
            )
            received = today - dt.timedelta(days=rng.randint(10, 120))
            quantity = rng.randint(max(supply.min_level, 6) + 5, max(supply.min_level, 6) * 3 + 20)
            expires = (
                today + dt.timedelta(days=rng.randint(90, 540)) if item.tracks_expiry else None
            )
            if index in (7, 8, 9) and code in MIN_LEVELS:
                quantity = max(1, supply.min_level // 4)  # running low
            batches.append(
                (
                    StockBatch(
                        station_supply=supply,
                        batch_no=_batch_no(rng, received) if item.tracks_expiry else "",
                        expires_on=expires,
                        quantity=quantity,
                        received_on=received,
                        note=DEMO_NOTE,
                    ),
                    received,
                )
            )
            scenario: tuple[int, int] | None = None
            if index in (0, 1) and code == "cold-medicine":
                scenario = (-rng.randint(3, 40), rng.randint(2, 6))  # expired
            elif index in (2, 3, 4) and code == "band-aid":
                scenario = (rng.randint(1, 7), rng.randint(2, 8))  # within a week
            elif index in (5, 6) and code == "iodophor":
                scenario = (rng.randint(8, 30), rng.randint(2, 8))  # within a month
            if scenario:
                days, qty = scenario
                old = today + dt.timedelta(days=days) - dt.timedelta(days=rng.randint(300, 700))
                batches.append(
                    (
                        StockBatch(
                            station_supply=supply,
                            batch_no=_batch_no(rng, old),
                            expires_on=today + dt.timedelta(days=days),
                            quantity=qty,
                            received_on=old,
                            note=DEMO_NOTE,
                        ),
                        old,
                    )
                )
    StockBatch.objects.bulk_create([b for b, _ in batches])
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                batch=b,
                kind=MovementKind.RESTOCK,
                quantity=b.quantity,
                at=dt.datetime.combine(received, dt.time(9, 30), tz),
                note=DEMO_NOTE,
            )
            for b, received in batches
        ]
    )
    return DemoStock(stations=new_stations, batches=len(batches))
