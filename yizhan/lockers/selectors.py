"""Reading lockers and the exchange: what a station offers now, a worker's reservations
and claims, quotas, restock suggestions, and the officers' figures."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from yizhan.accounts.selectors import Scope
from yizhan.core.time import local_date
from yizhan.lockers.models import (
    HANDED_OUT,
    Claim,
    ClaimStatus,
    Compartment,
    Donation,
    DonationStatus,
    Locker,
    LockerQuota,
    Refusal,
    Reservation,
    ReservationStatus,
)
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import SupplyItem
from yizhan.visitors.selectors import visitor_hash

DEMAND_WEEKS = 4  # recent weeks a restock suggestion reads
RESTOCK_MARGIN = 1.2  # a fifth more than the recent weekly demand


def quota_per_week(*, region: Region, item: SupplyItem) -> int:
    """The weekly quota of ``item`` per worker in ``region``."""
    return quota_rule(region=region, item=item)[0]


def quota_rule(*, region: Region, item: SupplyItem) -> tuple[int, str]:
    """The weekly quota of ``item`` per worker in ``region`` and the code of the region
    whose rule it is (what the worker took there counts): the most specific region's
    rule, an item's own before the all-items one; else the deployment's default,
    counted everywhere (code "")."""
    codes = [region.code[:n] for n in (12, 9, 6, 4, 2) if len(region.code) >= n]
    rules = {
        (q.region.code, q.item_id): q.per_week
        for q in LockerQuota.objects.filter(region__code__in=codes)
        .filter(Q(item=item) | Q(item__isnull=True))
        .select_related("region")
    }
    for code in codes:  # the longest code first
        for key in ((code, item.pk), (code, None)):
            if key in rules:
                return rules[key], code
    return int(settings.YIZHAN["LOCKER_QUOTA_PER_WEEK"]), ""


def compartments_offering(
    *, station: Station, item: SupplyItem, now: dt.datetime
) -> list[Compartment]:
    """Compartments that can give ``item`` now: an active locker, in working order, in
    date; the earliest expiry first (first expired, first out)."""
    today = local_date(now)
    qs = Compartment.objects.filter(
        locker__station=station,
        locker__active=True,
        item=item,
        available__gt=0,
        out_of_order=False,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    return sorted(qs, key=lambda c: (c.expires_on or dt.date.max, c.locker_id, c.number))


@dataclass(frozen=True)
class Offer:
    item: SupplyItem
    available: int
    expires_on: dt.date | None


def station_offer(*, station: Station, now: dt.datetime) -> list[Offer]:
    """What a worker can reserve at ``station`` now, per item."""
    today = local_date(now)
    rows: dict[int, list[Compartment]] = defaultdict(list)
    for c in (
        Compartment.objects.filter(
            locker__station=station, locker__active=True, out_of_order=False, available__gt=0
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("item")
    ):
        if c.item is not None:
            rows[c.item.pk].append(c)
    offers = [
        Offer(
            cs[0].item,  # type: ignore[arg-type]
            sum(c.available for c in cs),
            min((c.expires_on for c in cs if c.expires_on), default=None),
        )
        for cs in rows.values()
    ]
    return sorted(offers, key=lambda o: (o.item.sort_order, o.item.code))


def stations_with_lockers(*, station_ids: Sequence[int]) -> set[int]:
    return set(
        Locker.objects.filter(station_id__in=station_ids, active=True).values_list(
            "station_id", flat=True
        )
    )


def stations_handing_out_supplies() -> set[int]:
    """Ids of the stations whose active lockers are set up to hand out free supplies (a
    compartment holds an item): the finder's 免费物资 mark, built into its index. What is
    in stock right now is `station_offer`'s (the station's free page)."""
    return set(
        Compartment.objects.filter(locker__active=True, item__isnull=False)
        .values_list("locker__station_id", flat=True)
        .distinct()
    )


def supplies_version() -> str:
    """A stamp that moves when `stations_handing_out_supplies` would answer otherwise
    (the finder's index version; one aggregate query)."""
    got = Compartment.objects.filter(locker__active=True, item__isnull=False).aggregate(
        n=Count("locker__station_id", distinct=True),
        t=Sum("locker__station_id", distinct=True),
    )
    return f"{got['n']}:{got['t']}"


def reservations_of(*, visitor_key: str, limit: int = 20) -> list[Reservation]:
    return list(
        Reservation.objects.filter(visitor__key_hash=visitor_hash(visitor_key))
        .select_related("station", "item", "compartment", "locker")
        .order_by("-created_at")[:limit]
    )


def reservation_of(*, visitor_key: str, pk: int) -> Reservation | None:
    return (
        Reservation.objects.filter(pk=pk, visitor__key_hash=visitor_hash(visitor_key))
        .select_related("station", "item", "compartment", "locker")
        .first()
    )


def claims_of(*, visitor_key: str, limit: int = 20) -> list[Claim]:
    return list(
        Claim.objects.filter(visitor__key_hash=visitor_hash(visitor_key))
        .select_related("station", "donation")
        .order_by("-created_at")[:limit]
    )


def claim_of(*, visitor_key: str, pk: int) -> Claim | None:
    return (
        Claim.objects.filter(pk=pk, visitor__key_hash=visitor_hash(visitor_key))
        .select_related("station", "donation")
        .first()
    )


def donations_listed(
    *, station_ids: Sequence[int] | None = None, category: str = "", limit: int = 100
) -> QuerySet[Donation]:
    qs = Donation.objects.filter(
        status=DonationStatus.LISTED, station__status=StationStatus.ACTIVE
    ).select_related("station")
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-created_at")[:limit]


# ---------------------------------------------------------------- staff


@dataclass
class CompartmentView:
    compartment: Compartment
    reserved: int
    handed_out_4w: int
    expiring: bool
    expired: bool


@dataclass
class LockerView:
    locker: Locker
    compartments: list[CompartmentView]
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class Suggestion:
    item: SupplyItem
    weekly_demand: float
    in_stock: int
    suggested: int


def restock_suggestions(
    *, lockers: Sequence[Locker], now: dt.datetime, weeks: int = DEMAND_WEEKS
) -> dict[int, list[Suggestion]]:
    """Locker id → per item, how many to load for the coming week: the recent weekly
    demand (hand-outs plus the requests refused for want of stock, over ``weeks``),
    a fifth more for safety, less what is in date and not promised.

    Hand-outs are read per item across the locker's station, so a locker whose one
    compartment of noodles ran dry is told how many noodles it is short."""
    since = now - dt.timedelta(weeks=weeks)
    today = local_date(now)
    out: dict[int, list[Suggestion]] = {}
    for locker in lockers:
        given = Counter(
            Reservation.objects.filter(
                locker=locker, status__in=HANDED_OUT, created_at__gte=since
            ).values_list("item_id", flat=True)
        )
        refused = Counter(
            Refusal.objects.filter(
                station_id=locker.station_id, reason=Refusal.OUT_OF_STOCK, at__gte=since
            ).values_list("item_id", flat=True)
        )
        stock: Counter[int] = Counter()
        items: dict[int, SupplyItem] = {}
        for c in locker.compartments.select_related("item"):
            if c.item is None:
                continue
            items[c.item.pk] = c.item
            if c.expires_on is None or c.expires_on >= today:
                stock[c.item.pk] += c.available
        for item in SupplyItem.objects.filter(pk__in=set(given) | set(refused)):
            items.setdefault(item.pk, item)
        rows = []
        for pk, item in items.items():
            weekly = (given.get(pk, 0) + refused.get(pk, 0)) / weeks
            suggested = max(0, math.ceil(weekly * RESTOCK_MARGIN) - stock.get(pk, 0))
            rows.append(Suggestion(item, round(weekly, 1), stock.get(pk, 0), suggested))
        out[locker.pk] = sorted(rows, key=lambda s: -s.suggested)
    return out


def station_lockers(*, station: Station, now: dt.datetime) -> list[LockerView]:
    """A station's lockers, compartment by compartment, with what to restock."""
    today = local_date(now)
    lockers = list(Locker.objects.filter(station=station).order_by("id"))
    reserved = Counter(
        Reservation.objects.filter(
            locker__in=lockers, status=ReservationStatus.RESERVED
        ).values_list("compartment_id", flat=True)
    )
    since = now - dt.timedelta(weeks=DEMAND_WEEKS)
    given = Counter(
        Reservation.objects.filter(
            locker__in=lockers, status__in=HANDED_OUT, created_at__gte=since
        ).values_list("compartment_id", flat=True)
    )
    suggestions = restock_suggestions(lockers=lockers, now=now)
    out = []
    for locker in lockers:
        views = [
            CompartmentView(
                c,
                reserved.get(c.pk, 0),
                given.get(c.pk, 0),
                bool(c.expires_on and today <= c.expires_on <= today + dt.timedelta(days=7)),
                bool(c.expires_on and c.expires_on < today),
            )
            for c in locker.compartments.select_related("item").order_by("number")
        ]
        out.append(LockerView(locker, views, suggestions.get(locker.pk, [])))
    return out


def recent_reservations(*, station: Station, limit: int = 30) -> list[Reservation]:
    return list(
        Reservation.objects.filter(station=station)
        .select_related("item", "compartment")
        .order_by("-created_at")[:limit]
    )


def station_donations(*, station: Station) -> list[Donation]:
    return list(
        Donation.objects.filter(station=station)
        .exclude(status=DonationStatus.WITHDRAWN)
        .prefetch_related("claims")
        .order_by("status", "-created_at")[:200]
    )


# ---------------------------------------------------------------- officers


@dataclass
class StationFigures:
    station: Station
    lockers: int = 0
    handed_out: int = 0
    value: Decimal = Decimal(0)
    reservations: int = 0
    expired: int = 0
    stock_outs: int = 0
    over_quota: int = 0
    in_stock: int = 0
    expiring: int = 0
    empty_compartments: int = 0
    items: Counter[str] = field(default_factory=Counter)


@dataclass
class ExchangeFigures:
    registered: int = 0
    claimed: int = 0
    handed_over: int = 0
    expired: int = 0
    listed_now: int = 0


def officer_figures(
    *, scope: Scope, region: Region | None, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> tuple[list[StationFigures], ExchangeFigures]:
    """Per station with a locker in scope: hand-outs and their value, reservations and
    expiries, stock-outs and quota refusals in [start, end); stock in date now, expiring
    within 7 days, empty compartments. And the exchange's flow over the same period."""
    today = local_date(now)
    stations = Station.objects.filter(scope.q("region"))
    if region is not None:
        stations = stations.filter(region_subtree_q(region))
    with_lockers = stations.filter(lockers__isnull=False).distinct().select_related("region")
    figures = {s.pk: StationFigures(s) for s in with_lockers.order_by("code")}
    ids = list(figures)
    for sid, n in (
        Locker.objects.filter(station_id__in=ids)
        .values("station_id")
        .annotate(n=Count("id"))
        .values_list("station_id", "n")
    ):
        figures[sid].lockers = n
    period = Reservation.objects.filter(
        station_id__in=ids, created_at__gte=start, created_at__lt=end
    )
    for sid, status, name, value in period.values_list(
        "station_id", "status", "item__name", "compartment__unit_value"
    ):
        f = figures[sid]
        f.reservations += 1
        if status in HANDED_OUT:
            f.handed_out += 1
            f.value += value or Decimal(0)
            f.items[name] += 1
        elif status == ReservationStatus.EXPIRED:
            f.expired += 1
    for sid, reason, n in (
        Refusal.objects.filter(station_id__in=ids, at__gte=start, at__lt=end)
        .values("station_id", "reason")
        .annotate(n=Count("id"))
        .values_list("station_id", "reason", "n")
    ):
        if reason == Refusal.OUT_OF_STOCK:
            figures[sid].stock_outs += n
        else:
            figures[sid].over_quota += n
    for c in Compartment.objects.filter(locker__station_id__in=ids).select_related("locker"):
        f = figures[c.locker.station_id]
        in_date = c.expires_on is None or c.expires_on >= today
        if c.available and in_date:
            f.in_stock += c.available
        if c.available and c.expires_on and today <= c.expires_on <= today + dt.timedelta(days=7):
            f.expiring += c.available
        if not c.available:
            f.empty_compartments += 1
    donations = Donation.objects.filter(station__in=stations)
    claims = Claim.objects.filter(station__in=stations, created_at__gte=start, created_at__lt=end)
    exchange = ExchangeFigures(
        registered=donations.filter(created_at__gte=start, created_at__lt=end).count(),
        claimed=claims.count(),
        handed_over=claims.filter(status=ClaimStatus.HANDED_OVER).count(),
        expired=claims.filter(status=ClaimStatus.EXPIRED).count(),
        listed_now=donations.filter(status=DonationStatus.LISTED).count(),
    )
    return sorted(figures.values(), key=lambda f: -f.handed_out), exchange


def expiring_stock(
    *, scope: Scope, region: Region | None, now: dt.datetime, days: int = 7
) -> list[Compartment]:
    today = local_date(now)
    qs = Compartment.objects.filter(
        scope.q("locker__station__region"),
        available__gt=0,
        expires_on__isnull=False,
        expires_on__lte=today + dt.timedelta(days=days),
    )
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="locker__station__region"))
    return list(qs.select_related("locker__station", "item").order_by("expires_on"))


def lockers_offer_public(*, code: str, now: dt.datetime) -> list[Offer]:
    """What an active station's lockers give now, by the station's code (the finder's
    station page)."""
    station = Station.objects.filter(code=code, status=StationStatus.ACTIVE).first()
    return [] if station is None else station_offer(station=station, now=now)
