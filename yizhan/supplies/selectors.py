"""Reading stock: a station's shelf, what is about to expire in an officer's region, and
the alerts behind the reminders.

Dates: a batch is usable through its expiry day and expired from the day after; it is
"expiring" when it expires within `EXPIRING_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from django.db.models import Max, Q, QuerySet

from yizhan.accounts.selectors import Scope
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import (
    MovementKind,
    StationSupply,
    StockBatch,
    StockMovement,
    SupplyItem,
    in_season,
)

EXPIRING_DAYS = 30
URGENT_DAYS = 7
DAYS_CHOICES = (7, 30, 60)

State = Literal["expired", "expiring", "low", "ok"]
BatchState = Literal["expired", "expiring", "ok"]
Tier = Literal["expired", "expiring_7", "expiring_30", "low"]


def batch_state(expires_on: dt.date | None, today: dt.date) -> BatchState:
    """
    >>> d = dt.date(2026, 11, 23)
    >>> batch_state(d, d), batch_state(d - dt.timedelta(days=1), d), batch_state(None, d)
    ('expiring', 'expired', 'ok')
    >>> batch_state(d + dt.timedelta(days=31), d)
    'ok'
    """
    if expires_on is None:
        return "ok"
    if expires_on < today:
        return "expired"
    if (expires_on - today).days <= EXPIRING_DAYS:
        return "expiring"
    return "ok"


@dataclass(frozen=True)
class BatchRow:
    id: int
    batch_no: str
    expires_on: dt.date | None
    received_on: dt.date
    quantity: int
    days_to_expiry: int | None
    state: BatchState


@dataclass(frozen=True)
class StockRow:
    """One item on a station's shelf."""

    supply_id: int
    item: SupplyItem
    min_level: int
    on_hand: int
    usable: int
    expired_quantity: int
    earliest_expiry: dt.date | None
    days_to_expiry: int | None
    state: State
    low: bool
    batches: tuple[BatchRow, ...]


def _stock_row(supply: StationSupply, batches: list[StockBatch], today: dt.date) -> StockRow:
    rows = tuple(
        BatchRow(
            id=b.pk,
            batch_no=b.batch_no,
            expires_on=b.expires_on,
            received_on=b.received_on,
            quantity=b.quantity,
            days_to_expiry=(b.expires_on - today).days if b.expires_on else None,
            state=batch_state(b.expires_on, today),
        )
        for b in batches
    )
    on_hand = sum(b.quantity for b in rows)
    expired = sum(b.quantity for b in rows if b.state == "expired")
    usable = on_hand - expired
    dated = [b.expires_on for b in rows if b.expires_on is not None]
    earliest = min(dated) if dated else None
    # Nothing usable is low even without a threshold: the station has run out.
    low = usable < supply.min_level or usable == 0
    state: State
    if expired:
        state = "expired"
    elif any(b.state == "expiring" for b in rows):
        state = "expiring"
    elif low:
        state = "low"
    else:
        state = "ok"
    return StockRow(
        supply_id=supply.pk,
        item=supply.item,
        min_level=supply.min_level,
        on_hand=on_hand,
        usable=usable,
        expired_quantity=expired,
        earliest_expiry=earliest,
        days_to_expiry=(earliest - today).days if earliest else None,
        state=state,
        low=low,
        batches=rows,
    )


def station_stock(*, station: Station, today: dt.date) -> list[StockRow]:
    """Every item the station keeps (including those run out), in catalogue order, with
    its batches on the shelf first-expiring first."""
    supplies = list(
        StationSupply.objects.filter(station=station)
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    )
    batches: dict[int, list[StockBatch]] = defaultdict(list)
    for batch in StockBatch.objects.filter(
        station_supply__station=station, quantity__gt=0
    ).order_by("expires_on", "received_on", "id"):
        batches[batch.station_supply_id].append(batch)
    # NULL expiry sorts first on SQLite and last on PostgreSQL: put undated batches last.
    return [
        _stock_row(
            s,
            sorted(batches[s.pk], key=lambda b: (b.expires_on is None, b.expires_on or today)),
            today,
        )
        for s in supplies
    ]


def station_stock_item(*, station: Station, item: SupplyItem, today: dt.date) -> StockRow | None:
    return next((r for r in station_stock(station=station, today=today) if r.item == item), None)


def station_movements(*, station: Station) -> QuerySet[StockMovement]:
    """The station's movement history, newest first."""
    return (
        StockMovement.objects.filter(batch__station_supply__station=station)
        .select_related("batch__station_supply__item", "by")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class ExpiringRow:
    station_code: str
    station_name: str
    region_name: str
    item: str
    unit: str
    batch_id: int
    batch_no: str
    expires_on: dt.date
    days_to_expiry: int
    quantity: int
    state: BatchState


def region_expiring(
    *, scope: Scope, today: dt.date, within_days: int = EXPIRING_DAYS, region: Region | None = None
) -> list[ExpiringRow]:
    """Batches on the shelf in the scope (narrowed to ``region``'s subtree when given) that
    expired already or expire within ``within_days``, soonest first."""
    rows = StockBatch.objects.filter(
        scope.q("station_supply__station__region"),
        quantity__gt=0,
        expires_on__lte=today + dt.timedelta(days=within_days),
    )
    if region is not None:
        rows = rows.filter(region_subtree_q(region, field="station_supply__station__region"))
    rows = rows.select_related("station_supply__station__region", "station_supply__item").order_by(
        "expires_on", "station_supply__station__code", "station_supply__item__sort_order"
    )
    out = []
    for b in rows:
        station, item = b.station_supply.station, b.station_supply.item
        assert b.expires_on is not None
        out.append(
            ExpiringRow(
                station_code=station.code,
                station_name=station.name,
                region_name=station.region.name,
                item=item.label,
                unit=item.unit_label,
                batch_id=b.pk,
                batch_no=b.batch_no,
                expires_on=b.expires_on,
                days_to_expiry=(b.expires_on - today).days,
                quantity=b.quantity,
                state=batch_state(b.expires_on, today),
            )
        )
    return out


@dataclass(frozen=True)
class StockAlert:
    """Something a station's master and administrator should hear about."""

    station: Station
    item: SupplyItem
    supply_id: int
    tier: Tier
    quantity: int
    batch_id: int | None = None
    batch_no: str = ""
    expires_on: dt.date | None = None
    # Low stock: the last restock before it ran low, so a new shortage is a new alert.
    episode: int = 0

    @property
    def key(self) -> str:
        if self.tier == "low":
            return f"stock:{self.supply_id}:low:{self.episode}"
        return f"stock:{self.supply_id}:{self.batch_id}:{self.tier}"


def _tier(expires_on: dt.date, today: dt.date) -> Tier | None:
    days = (expires_on - today).days
    if days < 0:
        return "expired"
    if days <= URGENT_DAYS:
        return "expiring_7"
    if days <= EXPIRING_DAYS:
        return "expiring_30"
    return None


def stock_alerts(*, today: dt.date) -> list[StockAlert]:
    """At active stations: batches expired or expiring (within 7 days, within 30 days),
    and in-season items whose usable stock fell under the station's minimum."""
    active = Q(station_supply__station__status=StationStatus.ACTIVE)
    alerts: list[StockAlert] = []
    batches = (
        StockBatch.objects.filter(
            active, quantity__gt=0, expires_on__lte=today + dt.timedelta(days=EXPIRING_DAYS)
        )
        .select_related("station_supply__station", "station_supply__item")
        .order_by("expires_on", "id")
    )
    for b in batches:
        assert b.expires_on is not None
        tier = _tier(b.expires_on, today)
        if tier:
            alerts.append(
                StockAlert(
                    station=b.station_supply.station,
                    item=b.station_supply.item,
                    supply_id=b.station_supply_id,
                    tier=tier,
                    quantity=b.quantity,
                    batch_id=b.pk,
                    batch_no=b.batch_no,
                    expires_on=b.expires_on,
                )
            )
    supplies = (
        StationSupply.objects.filter(station__status=StationStatus.ACTIVE, min_level__gt=0)
        .select_related("station", "item")
        .annotate(
            episode=Max(
                "batches__movements__id",
                filter=Q(batches__movements__kind=MovementKind.RESTOCK),
            )
        )
        .order_by("station__code", "item__sort_order")
    )
    usable: dict[int, int] = defaultdict(int)
    for supply_id, qty in StockBatch.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        station_supply__station__status=StationStatus.ACTIVE,
        station_supply__min_level__gt=0,
        quantity__gt=0,
    ).values_list("station_supply_id", "quantity"):
        usable[supply_id] += qty
    for s in supplies:
        if in_season(s.item.season, today) and usable[s.pk] < s.min_level:
            alerts.append(
                StockAlert(
                    station=s.station,
                    item=s.item,
                    supply_id=s.pk,
                    tier="low",
                    quantity=usable[s.pk],
                    episode=s.episode or 0,  # type: ignore[attr-defined]
                )
            )
    return alerts
