"""Reading the station registry. Every officer-facing query takes the caller's Scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from yizhan.accounts.selectors import Scope
from yizhan.stations.exports import PendingListing, listings_pending
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import (
    MobileStop,
    Station,
    StationAmenity,
    StationStatus,
)


def stations_base() -> QuerySet[Station]:
    """Stations with everything a list, an export or the API shows, in a fixed number of
    queries whatever the count."""
    return Station.objects.select_related("region", "region__parent").prefetch_related(
        Prefetch(
            "station_amenities",
            queryset=StationAmenity.objects.select_related("amenity").order_by(
                "amenity__sort_order"
            ),
        ),
        "services",
        "staff",
        "photos",
        Prefetch("stops", queryset=MobileStop.objects.order_by("id")),
    )


@dataclass(frozen=True)
class StationFilters:
    region_code: str = ""
    kind: str = ""
    status: str = ""
    star_level: int | None = None
    q: str = ""


def stations_visible(*, scope: Scope, public: bool) -> QuerySet[Station]:
    """What a caller may see: officers their region's stations in any status; the public
    (anonymous API clients, workers) active stations everywhere."""
    if public:
        return stations_base().filter(status=StationStatus.ACTIVE)
    return stations_base().filter(scope.q("region"))


def stations_list(
    *, scope: Scope, public: bool, filters: StationFilters | None = None
) -> QuerySet[Station]:
    qs = stations_visible(scope=scope, public=public)
    f = filters or StationFilters()
    if f.region_code:
        qs = qs.filter(region__code__startswith=f.region_code)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.star_level is not None:
        qs = qs.filter(star_level=f.star_level)
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q) | Q(address__icontains=f.q))
    return qs.order_by("code")


def station_get(*, code: str, scope: Scope, public: bool) -> Station | None:
    return stations_visible(scope=scope, public=public).filter(code=code).first()


def stations_changed_since(
    *, after: tuple[dt.datetime, int] | None, scope: Scope, public: bool
) -> QuerySet[Station]:
    """Stations changed after the cursor ``(updated_at, id)`` (all when None), oldest first.

    The id breaks ties between rows saved in the same microsecond, so paging never skips
    one. Public callers get every station whose record changed, so that a station which
    left the active set can be sent as a tombstone; a first sync (no cursor) gets only
    active ones."""
    if public:
        # Stations never shown to the public (still planned) are not news to it.
        qs = stations_base().exclude(status=StationStatus.PLANNED)
    else:
        qs = stations_base().filter(scope.q("region"))
    if after is not None:
        when, last_id = after
        qs = qs.filter(Q(updated_at__gt=when) | Q(updated_at=when, id__gt=last_id))
    elif public:
        qs = qs.filter(status=StationStatus.ACTIVE)
    return qs.order_by("updated_at", "id")


def mobile_station_position(*, station: Station, at: dt.datetime) -> MobileStop | None:
    """Where a mobile station stands at ``at`` according to its timetable, or None."""
    day = timezone.localtime(at).date()
    for stop in station.stops.all():
        if stop.valid_from and day < stop.valid_from:
            continue
        if stop.valid_until and day > stop.valid_until:
            continue
        if OpeningHours(stop.hours, station.keeps_workday_hours).is_open(at):
            return stop
    return None


def station_listings_pending(*, stations: Iterable[Station], platform: str) -> list[PendingListing]:
    """The stations the publishing pack would put on ``platform``'s map (new, or changed
    since they were marked as published) or take off it, each with the fingerprint that
    `services.station_listings_mark` records."""
    return listings_pending(stations=stations, platform=platform)
