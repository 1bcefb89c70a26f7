"""Registry API: list, detail and incremental sync. Thin: parse, call a selector, shape."""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Query, Router

from geoplan.crs import CRS, from_wgs84
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import FieldError, NotFound, ValidationFailed
from yizhan.core.schemas import ErrorOut
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import Station, StationStatus
from yizhan.stations.schemas import (
    ListQuery,
    RegionOut,
    ServiceOut,
    StaffOut,
    StationAmenityOut,
    StationOut,
    StationPage,
    StopOut,
    SyncOut,
    Tombstone,
)
from yizhan.stations.selectors import (
    StationFilters,
    mobile_station_position,
    station_get,
    stations_changed_since,
    stations_list,
)

router = Router()
PUBLIC_MAX_AGE = 60
PUBLIC_MAX_PAGE_SIZE = 100
# A row saved at T may commit after rows saved later (a long import). The sync cursor
# therefore never moves past now − this margin; rows inside it are sent again next time
# (clients replace by code, so a repeat is harmless). Longer than the longest commit.
SYNC_SAFETY = dt.timedelta(minutes=10)


def _is_public(request: HttpRequest) -> bool:
    return not (request.user.is_authenticated and request.user.is_staff)


def _cache(response: HttpResponse, request: HttpRequest) -> None:
    if _is_public(request):
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie, Accept-Language"


def station_out(station: Station, *, crs: CRS, now: dt.datetime, with_staff: bool) -> StationOut:
    lon, lat = from_wgs84(station.lon, station.lat, crs)
    hours = OpeningHours(station.opening_hours, station.keeps_workday_hours)

    def stop_out(stop):  # type: ignore[no-untyped-def]
        s_lon, s_lat = from_wgs84(stop.lon, stop.lat, crs)
        return StopOut(
            place_name=stop.place_name,
            address=stop.address,
            lat=round(s_lat, 7),
            lon=round(s_lon, 7),
            hours=stop.hours,
        )

    current = mobile_station_position(station=station, at=now) if station.stops.all() else None
    return StationOut(
        code=station.code,
        name=station.name,
        short_name=station.short_name,
        kind=station.kind,
        kind_label=station.get_kind_display(),
        status=station.status,
        status_label=station.get_status_display(),
        region=RegionOut(code=station.region.code, name=station.region.name),
        address=station.address,
        crs=crs,
        lat=round(lat, 7),
        lon=round(lon, 7),
        opening_hours=station.opening_hours,
        keeps_workday_hours=station.keeps_workday_hours,
        open_now=station.status == StationStatus.ACTIVE and hours.is_open(now),
        next_change=hours.next_change(now),
        amenities=[
            StationAmenityOut(
                code=sa.amenity.code,
                name=sa.amenity.name,
                name_en=sa.amenity.name_en,
                working=sa.state == "working",
                reason=sa.reason,
            )
            for sa in station.station_amenities.all()
        ],
        services=[
            ServiceOut(code=s.code, name=s.name, name_en=s.name_en) for s in station.services.all()
        ],
        star_level=station.star_level,
        feature=station.feature,
        phone=station.phone,
        floor_area_m2=station.floor_area_m2,
        capacity=station.capacity,
        photos=[p.image.url for p in station.photos.all()],
        stops=[stop_out(s) for s in station.stops.all()],
        current_stop=stop_out(current) if current else None,
        last_verified_on=station.last_verified_on,
        updated_at=station.updated_at,
        staff=(
            [StaffOut(role=s.role, name=s.name, phone=s.phone) for s in station.staff.all()]
            if with_staff
            else None
        ),
    )


# No list has this many pages; beyond it (page - 1) * page_size would overflow OFFSET.
MAX_PAGE = 1_000_000


@router.get(
    "",
    response={200: StationPage, 422: ErrorOut},
    summary="List stations / 驿站列表",
    description=(
        "Anonymous clients get active stations; signed-in officers get their region's "
        "stations in every status. Filter by `region` (GB/T 2260 code prefix), `kind` "
        "(fixed/mobile/smart), `status`, `star_level` and `q` (name, code or address). "
        "Example: `/api/v1/stations?region=230102001&kind=smart&crs=gcj02`."
    ),
)
def stations_list_api(request: HttpRequest, response: HttpResponse, query: Query[ListQuery]):  # type: ignore[no-untyped-def]
    public = _is_public(request)
    if not 1 <= query.page <= MAX_PAGE:  # a huge page would overflow the SQL OFFSET
        raise ValidationFailed(
            errors=[FieldError("page", f"1 ≤ page ≤ {MAX_PAGE}", value=str(query.page))]
        )
    most = PUBLIC_MAX_PAGE_SIZE if public else 500
    if not 1 <= query.page_size <= most:
        raise ValidationFailed(
            errors=[FieldError("page_size", f"1 ≤ page_size ≤ {most}", value=str(query.page_size))]
        )
    scope = user_scope(user=request.user)
    qs = stations_list(
        scope=scope,
        public=public,
        filters=StationFilters(
            region_code=query.region,
            kind=query.kind,
            status=query.status,
            star_level=query.star_level,
            q=query.q,
        ),
    )
    count = qs.count()
    start = (query.page - 1) * query.page_size
    now = timezone.now()
    items = [
        station_out(s, crs=query.crs, now=now, with_staff=not public)
        for s in qs[start : start + query.page_size]
    ]
    _cache(response, request)
    return StationPage(
        count=count,
        page=query.page,
        page_size=query.page_size,
        pages=max(1, math.ceil(count / query.page_size)),
        items=items,
    )


def _parse_cursor(since: str) -> tuple[dt.datetime, int] | None:
    if not since:
        return None
    stamp, _, last_id = since.partition("~")
    when = parse_datetime(stamp.replace(" ", "+"))
    if when is None:
        raise ValidationFailed(
            errors=[FieldError("since", "应为 ISO 8601 时间或上次返回的 next_since")]
        )
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when, int(last_id) if last_id.isdigit() else 0


@router.get(
    "/sync",
    response={200: SyncOut, 422: ErrorOut},
    summary="Incremental sync / 增量同步",
    description=(
        "Changes since `since` (an ISO 8601 time, or the `next_since` of the previous call). "
        "`changed` holds stations to add or replace; `removed` holds tombstones of stations "
        "that were suspended or delisted (and for officers nothing is removed: they see every "
        "status). Call again with `next_since` while `has_more` is true."
    ),
)
def stations_sync_api(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    response: HttpResponse,
    since: str = "",
    crs: CRS = CRS.WGS84,
    limit: int = 500,
):
    if not 1 <= limit <= 1000:
        raise ValidationFailed(errors=[FieldError("limit", "1 ≤ limit ≤ 1000", value=str(limit))])
    public = _is_public(request)
    qs = stations_changed_since(
        after=_parse_cursor(since), scope=user_scope(user=request.user), public=public
    )
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    now = timezone.now()
    changed, removed = [], []
    for s in rows:
        if public and s.status != StationStatus.ACTIVE:
            # The status reason is an officer's note, not for the public.
            removed.append(
                Tombstone(code=s.code, status=s.status, at=s.status_changed_at or s.updated_at)
            )
        else:
            changed.append(station_out(s, crs=crs, now=now, with_staff=not public))
    next_since = _next_cursor(rows, has_more=has_more, since=since, now=now)
    response["Cache-Control"] = "private, no-store"
    return SyncOut(changed=changed, removed=removed, next_since=next_since, has_more=has_more)


def _next_cursor(
    rows: list[Station], *, has_more: bool, since: str, now: dt.datetime
) -> str | None:
    if not rows:
        return since or None
    last = rows[-1]
    horizon = now - SYNC_SAFETY
    if not has_more and last.updated_at > horizon:
        # Hold the cursor back: a transaction still open now may commit rows stamped
        # earlier than the newest row sent.
        return f"{horizon.isoformat()}~0"
    return f"{last.updated_at.isoformat()}~{last.pk}"


@router.get(
    "/{code}",
    response={200: StationOut, (404, 422): ErrorOut},
    summary="Station detail / 驿站详情",
)
def station_detail_api(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    response: HttpResponse,
    code: str,
    crs: CRS = CRS.WGS84,
    at: dt.datetime | None = None,
):
    """`at` (ISO 8601) evaluates `open_now`, `next_change` and a mobile station's
    `current_stop` at that moment instead of now."""
    public = _is_public(request)
    station = station_get(code=code, scope=user_scope(user=request.user), public=public)
    if station is None:
        raise NotFound(f"没有编号为 {code} 的驿站")
    _cache(response, request)
    when = at or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return station_out(station, crs=crs, now=when, with_staff=not public)
