"""Worker finder API: nearby, along a route, a station's detail, place search.

Thin: check the input (`params`), ask the index (`selectors`), shape (`cards`)."""

from __future__ import annotations

import datetime as dt

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Query, Router

from yizhan.core.errors import NotFound
from yizhan.core.schemas import ErrorOut
from yizhan.finder.cards import station_card
from yizhan.finder.index import FinderIndex
from yizhan.finder.params import Asked, route_check, search_check
from yizhan.finder.schemas import (
    CardOut,
    NearbyOut,
    NearbyQuery,
    OriginOut,
    PlaceOut,
    RouteIn,
    RouteOut,
    RouteQuery,
    StationDetailOut,
)
from yizhan.finder.selectors import finder_index, places_search, station_detail

router = Router()
MAX_AGE = 30


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _cache(response: HttpResponse, seconds: int = MAX_AGE) -> None:
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Vary"] = "Accept-Language"


def _asked(q: NearbyQuery | RouteIn | RouteQuery) -> Asked:
    return Asked(
        at=q.at,
        open_now=q.open_now,
        always_open=q.always_open,
        amenities=q.amenity,
        services=q.service,
        kinds=q.kind,
        free_supplies=q.free_supplies,
    )


def nearby_search(index: FinderIndex, q: NearbyQuery, now: dt.datetime) -> NearbyOut:
    s = search_check(
        lat=q.lat,
        lon=q.lon,
        crs=q.crs,
        radius_m=q.radius_m,
        limit=q.limit,
        asked=_asked(q),
        now=now,
        known_amenities=index.amenity_codes,
        known_services=index.service_codes,
    )
    found = index.nearby(s.lon, s.lat, s.asking.index_query(), limit=s.limit, radius_m=s.radius_m)
    labels = index.labels(_english())
    items = [station_card(f, crs=s.crs, now=s.asking.at, labels=labels) for f in found]
    assert q.lat is not None and q.lon is not None  # search_check refuses a missing point
    # The hottest call: the cards (built to CardOut's shape, which tests/test_openapi.py
    # checks against the published document) are not validated again field by field
    # (~2 ms for ten cards).
    return NearbyOut.model_construct(
        at=s.asking.at,
        origin=OriginOut.model_construct(lat=q.lat, lon=q.lon, crs=s.crs.value),
        count=len(items),
        items=items,
    )


def nearby_json(out: NearbyOut) -> dict[str, object]:
    """``out`` as JSON-ready data, field for field in NearbyOut's order, without pydantic's
    serializer: the cards are already plain data in CardOut's shape, and serialising them
    again costs the hottest request ~0.1 ms (bench-http-quick)."""
    origin = out.origin
    return {
        "at": out.at,
        "origin": {"lat": origin.lat, "lon": origin.lon, "crs": origin.crs},
        "count": out.count,
        "items": out.items,
    }


@router.get(
    "/nearby",
    response={200: NearbyOut, 422: ErrorOut},
    summary="Nearest stations / 附近驿站",
    description=(
        "The nearest active stations to a point, nearest first, each with its open state at "
        "`at` (now by default) and until when, distance and minutes on foot and by e-bike, "
        "amenities (out-of-order ones marked) and directions links. A station inside a "
        "temporary closure, or whose equipment asked for is out of order, is never "
        "returned as usable; mobile stations appear at the stop their timetable gives. "
        "Example: `/api/v1/finder/nearby?lat=45.7733&lon=126.6175&open_now=true&amenity=charging`."
    ),
)
def nearby_api(request: HttpRequest, q: Query[NearbyQuery]):  # type: ignore[no-untyped-def]
    now = timezone.now()
    out = nearby_search(finder_index(now=now), q, now)
    response = JsonResponse(
        nearby_json(out),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )
    _cache(response)
    return response


def _route(index: FinderIndex, body: RouteIn | RouteQuery, now: dt.datetime) -> RouteOut:
    r = route_check(
        route=body.route,
        crs=body.crs,
        max_off_m=body.max_off_m,
        speed=body.speed,
        asked=_asked(body),
        now=now,
        known_amenities=index.amenity_codes,
        known_services=index.service_codes,
    )
    found = index.along(
        r.lon,
        r.lat,
        r.asking.index_query(),
        max_off_m=r.max_off_m,
        speed_m_per_min=r.speed_m_per_min,
    )
    labels = index.labels(_english())
    items = [
        CardOut.model_validate(station_card(f, crs=r.crs, now=r.asking.at, labels=labels))
        for f in found
    ]
    return RouteOut(at=r.asking.at, length_m=round(r.length_m), count=len(items), items=items)


@router.post(
    "/along-route",
    response={200: RouteOut, 422: ErrorOut},
    summary="Stations along a route / 沿途驿站",
    description=(
        "Stations within `max_off_m` of a route (a polyline of up to 2,000 points and "
        "300 km), in route order (`along_m`). With `open_now`, a station must be open when "
        "the traveller, leaving at `at` on foot or by e-bike, reaches it."
    ),
)
def along_route_api(request: HttpRequest, body: RouteIn):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return _route(finder_index(now=now), body, now)


@router.get(
    "/along-route",
    response={200: RouteOut, 422: ErrorOut},
    summary="Stations along a route (GET) / 沿途驿站",
    description="As the POST form, with `route=lon,lat;lon,lat;...` in the query string.",
)
def along_route_get_api(request: HttpRequest, response: HttpResponse, q: Query[RouteQuery]):  # type: ignore[no-untyped-def]
    now = timezone.now()
    out = _route(finder_index(now=now), q, now)
    _cache(response)
    return out


@router.get(
    "/stations/{code}",
    response={200: StationDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Station for workers / 驿站详情",
    description="The station card plus its coming week's hours (holidays and 调休 shown), "
    "photos, staff in charge and, for a mobile station, its timetable.",
)
def station_api(request: HttpRequest, response: HttpResponse, code: str, crs: str = "wgs84"):  # type: ignore[no-untyped-def]
    now = timezone.now()
    out = station_detail(code=code, crs=crs, now=now, english=_english())
    if out is None:
        raise NotFound(f"没有编号为 {code} 的开放驿站 / no active station {code}")
    _cache(response)
    return StationDetailOut.model_validate(out)


@router.get(
    "/places",
    response={200: list[PlaceOut], 422: ErrorOut},
    summary="Find a place / 查找地点",
    description="Landmarks (railway stations, squares, hospitals), stations, mobile-station "
    "stops and regions whose name, other name or address holds `q` (哈尔滨火车站 finds "
    "哈尔滨站; full-width letters and spaces do not count), the place named exactly so "
    "first; with an Amap or Tianditu key configured, that geocoder fills in other "
    "addresses (`kind` = `geocoder`). Coordinates are WGS-84.",
)
def places_api(request: HttpRequest, response: HttpResponse, q: str = ""):  # type: ignore[no-untyped-def]
    _cache(response, 300)
    return [PlaceOut.model_validate(p) for p in places_search(text=q[:50], english=_english())]
