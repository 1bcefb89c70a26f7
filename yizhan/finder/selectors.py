"""Reading for the worker finder: the registry as the index's plain records and its
version stamp (the per-process cache that keeps the index is `finder.cache`), a
station's coming week, and place search over the registry and region names."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from geoplan.route import segment_lengths_m
from yizhan.core.placenames import (
    name_bigrams,
    name_key,
    name_likeness,
    name_plain,
    name_rank,
    name_variants,
)
from yizhan.core.time import SHANGHAI
from yizhan.finder import geocode
from yizhan.finder.cache import cached_index
from yizhan.finder.index import (
    LOOKAHEAD_DAYS,
    WINDOW_DAYS,
    AmenityState,
    FinderIndex,
    Query,
    StationRecord,
    StopRecord,
)
from yizhan.lockers.selectors import stations_handing_out_supplies, supplies_version
from yizhan.operations.models import SeasonalMode
from yizhan.operations.selectors import season_for, seasonal_modes_on
from yizhan.regions.models import Landmark, Region
from yizhan.stations.models import (
    Amenity,
    MobileStop,
    Service,
    Station,
    StationAmenity,
    StationClosure,
    StationStatus,
)
from yizhan.stations.selectors import station_week
from yizhan.volunteers.selectors import volunteer_open_spans, volunteers_version


def finder_version(*, today: dt.date) -> str:
    """A stamp that changes whenever anything the index shows changes (or the day)."""
    s = Station.objects.aggregate(
        n=Count("id", filter=Q(status=StationStatus.ACTIVE)), t=Max("updated_at")
    )
    # Amenity rows are only added or removed with their station (whose updated_at moves);
    # their own state changes move their indexed updated_at.
    a = StationAmenity.objects.aggregate(t=Max("updated_at"))
    c = StationClosure.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    # The catalogues are small (tens of rows) and have no timestamps: hash their names.
    cat = hashlib.sha1(
        repr(
            (
                list(Amenity.objects.order_by("id").values_list("code", "name", "name_en")),
                list(Service.objects.order_by("id").values_list("code", "name", "name_en")),
            )
        ).encode()
    ).hexdigest()[:12]
    # Seasonal modes (few rows) and volunteer shifts add to what a card says.
    m = SeasonalMode.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    v = volunteers_version()
    # Lockers set up to hand out supplies (the 免费物资 mark).
    f = supplies_version()
    return f"{today}|{s['n']}|{s['t']}|{a['t']}|{c['n']}|{c['t']}|{cat}|{m['n']}|{m['t']}|{v}|{f}"


def finder_records(
    *, window_start: dt.datetime, window_end: dt.datetime, today: dt.date | None = None
) -> list[StationRecord]:
    """Every active station as plain data, in eight queries whatever the count: with the
    spans volunteers keep it open in the window, its region's seasonal mode on ``today``
    (the window's first day unless given), and whether its lockers hand out free
    supplies."""
    active = Q(station__status=StationStatus.ACTIVE)
    # Most stations share their amenity states and service lists: one object each, not
    # one per station (186,100 stations would otherwise hold over a million).
    shared: dict[Any, Any] = {}
    amenities: dict[int, list[AmenityState]] = defaultdict(list)
    for sid, code, state, reason, fix_on in (
        StationAmenity.objects.filter(active)
        .order_by("station_id", "amenity__sort_order")
        .values_list("station_id", "amenity__code", "state", "reason", "expected_fix_on")
    ):
        key = (code, state, reason, fix_on)
        entry = shared.get(key)
        if entry is None:
            entry = shared[key] = AmenityState(code, state == "working", reason, fix_on)
        amenities[sid].append(entry)
    services: dict[int, list[str]] = defaultdict(list)
    for sid, code in (
        Station.services.through.objects.filter(active)
        .order_by("station_id", "service__sort_order")
        .values_list("station_id", "service__code")
    ):
        services[sid].append(code)
    stops: dict[int, list[StopRecord]] = defaultdict(list)
    for sid, place, lat, lon, hours, valid_from, valid_until in (
        MobileStop.objects.filter(active)
        .order_by("station_id", "id")
        .values_list("station_id", "place_name", "lat", "lon", "hours", "valid_from", "valid_until")
    ):
        stops[sid].append(StopRecord(place, lat, lon, hours, valid_from, valid_until))
    closures: dict[int, list[tuple[dt.datetime, dt.datetime | None, str]]] = defaultdict(list)
    for sid, a, b, reason in (
        StationClosure.objects.filter(active, starts_at__lt=window_end)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=window_start))
        .values_list("station_id", "starts_at", "ends_at", "reason")
    ):
        closures[sid].append((a, b, reason))
    extra = volunteer_open_spans(window_start=window_start, window_end=window_end)
    day = today or window_start.astimezone(SHANGHAI).date()
    modes = seasonal_modes_on(day=day)
    seasons: dict[str, str] = {}
    ratings = _ratings(since=window_start - dt.timedelta(days=90))
    free = stations_handing_out_supplies()
    rows = (
        Station.objects.filter(status=StationStatus.ACTIVE)
        .order_by("id")
        .values_list(
            "id",
            "code",
            "name",
            "kind",
            "lat",
            "lon",
            "address",
            "region__name",
            "region__code",
            "opening_hours",
            "keeps_workday_hours",
            "star_level",
            "feature",
            "phone",
            "last_verified_on",
        )
    )
    out = []
    for (
        sid,
        code,
        name,
        kind,
        lat,
        lon,
        address,
        region,
        region_code,
        hours,
        workday,
        star,
        feature,
        phone,
        seen,
    ) in rows:
        out.append(
            StationRecord(
                code=code,
                name=name,
                kind=kind,
                lat=lat,
                lon=lon,
                address=address,
                region_name=region,
                opening_hours=hours,
                keeps_workday_hours=workday,
                amenities=shared.setdefault(t := tuple(amenities.get(sid, ())), t),
                services=shared.setdefault(u := tuple(services.get(sid, ())), u),
                star_level=star,
                feature=feature,
                phone=phone,
                last_verified_on=seen,
                rating=ratings.get(sid, (None, 0))[0],
                rating_count=ratings.get(sid, (None, 0))[1],
                stops=tuple(stops.get(sid, ())) if kind == "mobile" else (),
                closures=tuple(closures.get(sid, ())),
                extra_open=tuple(extra.get(sid, ())),
                region_code=region_code,
                season=_season(seasons, region_code, day, modes),
                free_supplies=sid in free,
            )
        )
    return out


def _season(memo: dict[str, str], code: str, day: dt.date, modes: list[Any]) -> str:
    """The region's mode (remembered per region: thousands of stations share a few)."""
    if not modes:
        return ""
    if code not in memo:
        memo[code] = season_for(code, day, modes)
    return memo[code]


def _ratings(*, since: dt.datetime) -> dict[int, tuple[float, int]]:
    """Station id → (weighted average stars, ratings) since ``since``, one query."""
    try:
        from yizhan.feedback.models import Rating
    except ImportError:  # the feedback app not installed
        return {}
    rows = (
        Rating.objects.filter(at__gte=since, station__status=StationStatus.ACTIVE)
        .values("station_id")
        .annotate(w=Sum("weight"), ws=Sum(F("weight") * F("stars")), n=Count("id"))
    )
    return {r["station_id"]: (round(r["ws"] / r["w"], 1), r["n"]) for r in rows if r["w"]}


def finder_index_build(*, today: dt.date, version: str = "") -> FinderIndex:
    start = dt.datetime.combine(today, dt.time(), SHANGHAI)
    end = start + dt.timedelta(days=WINDOW_DAYS + LOOKAHEAD_DAYS)
    amenities = list(
        Amenity.objects.order_by("sort_order", "id").values_list("code", "name", "name_en")
    )
    services = list(
        Service.objects.order_by("sort_order", "id").values_list("code", "name", "name_en")
    )
    return FinderIndex.build(
        finder_records(window_start=start, window_end=end, today=today),
        today=today,
        amenity_codes=[a[0] for a in amenities],
        service_codes=[s[0] for s in services],
        version=version,
        catalogue={
            **{f"a:{c}": (n, e or n) for c, n, e in amenities},
            **{f"s:{c}": (n, e or n) for c, n, e in services},
        },
    )


def finder_index(*, now: dt.datetime | None = None) -> FinderIndex:
    """This process's index (`finder.cache`), checked against the registry at most every
    ``FINDER_RECHECK_SECONDS`` and rebuilt when it changed, when it is older than
    ``cache.MAX_AGE_SECONDS``, or when the local day turned; in a background thread with
    ``FINDER_BACKGROUND_REBUILD`` (the default outside tests), except the first build and
    the one after midnight."""
    return cached_index(now=now, version=finder_version, build=finder_index_build)


# --------------------------------------------------------------------------- week


# --------------------------------------------------------------------------- places


# Places of one name closer than this are the same place.
SAME_PLACE_M = 500
# Within one rank, the registry's own places before a geocoder's guess.
KIND_ORDER = {"landmark": 0, "station": 1, "stop": 2, "region": 3, "geocoder": 4}


@dataclass(frozen=True)
class Place:
    label: str
    detail: str
    lat: float
    lon: float
    kind: str  # "landmark", "station", "stop", "region", "geocoder"
    # How well it answers the text (`core.placenames.name_rank`): 0 its name, 1 a name
    # starting with the text, 2 a name holding it, 3 an address holding it.
    rank: int = 2

    @property
    def pick(self) -> str:
        """The place among a text's answers, as a link or form carries the rider's choice."""
        return f"{self.lat:.6f},{self.lon:.6f}"


def _variants_q(fields: tuple[str, ...], variants: list[str]) -> Q:
    q = Q()
    for v in variants:
        for f in fields:
            q |= Q(**{f"{f}__icontains": v})
    return q


def places_search(*, text: str, limit: int = 8, english: bool = False) -> list[Place]:
    """Landmarks (by name, other names or address), stations (by name, short name, code or
    address), mobile stops and regions matching ``text`` the way a rider means it
    (`core.placenames`: 哈尔滨火车站 is 哈尔滨站, full-width and spaces do not count); the
    place named exactly so first, then names starting with it, names holding it and
    addresses holding it. With an outside geocoder configured (`finder.geocode`) and no
    place of the registry named exactly so, the geocoder's places follow."""
    plain = name_plain(text)[:50]
    if not name_key(plain):
        return []
    variants = name_variants(plain)
    out: list[Place] = []
    landmarks = (
        Landmark.objects.filter(_variants_q(("name", "name_en", "aliases", "address"), variants))
        .select_related("region")
        .order_by(Length("name"), "name")[: limit * 3]
    )
    for m in landmarks:
        rank = name_rank(plain, [m.name, m.name_en, *m.alias_list], [m.address])
        if rank is not None:
            label = m.name_en if english and m.name_en else m.name
            out.append(Place(label, m.address or m.region.name, m.lat, m.lon, "landmark", rank))
    active = Station.objects.filter(status=StationStatus.ACTIVE).select_related("region")
    by_name = active.filter(
        _variants_q(("name", "short_name"), variants) | Q(code__iexact=plain)
    ).order_by(Length("name"), "name")[: limit * 3]
    by_address = active.filter(_variants_q(("address",), variants)).order_by("name")[:limit]
    seen: set[int] = set()
    for s in [*by_name, *by_address]:
        rank = name_rank(plain, [s.name, s.short_name, s.code], [s.address])
        if s.pk not in seen and rank is not None:
            seen.add(s.pk)
            out.append(Place(s.name, s.address or s.region.name, s.lat, s.lon, "station", rank))
    stops = MobileStop.objects.filter(station__status=StationStatus.ACTIVE).filter(
        _variants_q(("place_name", "address"), variants)
    )[:limit]
    for p in stops:
        rank = name_rank(plain, [p.place_name], [p.address])
        if rank is not None:
            out.append(Place(p.place_name, p.address, p.lat, p.lon, "stop", rank))
    regions = Region.objects.filter(_variants_q(("name",), variants), lat__isnull=False).order_by(
        Length("code"), "code"
    )[:limit]
    for r in regions:
        rank = name_rank(plain, [r.name])
        if rank is not None and r.lat is not None and r.lon is not None:
            out.append(Place(r.name, r.code, float(r.lat), float(r.lon), "region", rank))
    out.sort(key=lambda p: (p.rank, KIND_ORDER[p.kind], len(p.label), p.label))
    if len(out) < limit and not any(p.rank == 0 for p in out):
        for label, detail, lat, lon in geocode.geocoder_search(text=plain):
            out.append(Place(label, detail, lat, lon, "geocoder", 1))
    return _distinct(out)[:limit]


def _distinct(places: list[Place]) -> list[Place]:
    """One of each place (a landmark and a station may share name and spot)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in places:
        key = (name_key(p.label), p.pick)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def places_suggest(*, text: str, limit: int = 5, english: bool = False) -> list[Place]:
    """Places whose names are like ``text`` when nothing is named so ("中央大道" →
    中央大街): most of the text's pieces (`core.placenames.name_bigrams`) first. The
    registry only; no geocoder."""
    pieces = name_bigrams(text)
    if not pieces:
        return []
    scored: list[tuple[float, Place]] = []

    def consider(names: list[str], place: Place) -> None:
        score = max(name_likeness(text, n) for n in names if n)
        if score >= 0.3:
            scored.append((score, place))

    for m in Landmark.objects.filter(_variants_q(("name", "name_en", "aliases"), pieces))[:50]:
        label = m.name_en if english and m.name_en else m.name
        consider(
            [m.name, m.name_en, *m.alias_list],
            Place(label, m.address, m.lat, m.lon, "landmark"),
        )
    for s in Station.objects.filter(
        _variants_q(("name",), pieces), status=StationStatus.ACTIVE
    ).order_by(Length("name"))[:50]:
        consider([s.name], Place(s.name, s.address, s.lat, s.lon, "station"))
    for r in Region.objects.filter(_variants_q(("name",), pieces), lat__isnull=False)[:50]:
        if r.lat is not None and r.lon is not None:
            consider([r.name], Place(r.name, r.code, float(r.lat), float(r.lon), "region"))
    scored.sort(key=lambda sp: (-sp[0], KIND_ORDER[sp[1].kind], len(sp[1].label)))
    return _distinct([p for _score, p in scored])[:limit]


@dataclass(frozen=True)
class PlaceFound:
    """What a typed place comes to: the one place meant, or the places it may mean (the
    rider chooses), or nothing with near misses to offer."""

    text: str
    place: Place | None = None
    choices: tuple[Place, ...] = ()
    suggestions: tuple[Place, ...] = ()


def place_find(*, text: str, pick: str = "", english: bool = False) -> PlaceFound:
    """The place ``text`` means: the one answer, or the one named exactly so, or the one
    the rider picked among the answers (``pick``, `Place.pick`; a pick that is not among
    the text's answers, say after the text was changed, is ignored)."""
    hits = places_search(text=text, english=english)
    if pick:
        for h in hits:
            if h.pick == pick:
                return PlaceFound(text, place=h)
    if not hits:
        return PlaceFound(text, suggestions=tuple(places_suggest(text=text, english=english)))
    exact = [h for h in hits if h.rank == 0]
    if len(hits) == 1:
        return PlaceFound(text, place=hits[0])
    # Places named exactly so and standing together (a landmark and the mobile stop at
    # it) are one place: the first (a landmark before a station, `KIND_ORDER`).
    if exact and all(_apart_m(exact[0], h) <= SAME_PLACE_M for h in exact):
        return PlaceFound(text, place=exact[0])
    return PlaceFound(text, choices=tuple(hits))


def _apart_m(a: Place, b: Place) -> float:
    return float(segment_lengths_m(np.array([a.lon, b.lon]), np.array([a.lat, b.lat]))[0])


# --------------------------------------------------------------------------- detail


def station_detail(
    *, code: str, crs: str, now: dt.datetime, english: bool
) -> dict[str, object] | None:
    """Everything the station page and the detail API show, or None when the station is
    not active (the public sees active stations only)."""
    from geoplan.crs import from_wgs84
    from yizhan.finder.cards import station_card
    from yizhan.finder.params import crs_check

    index = finder_index(now=now)
    found = index.station(code, now)
    if found is None:
        return None
    the_crs = crs_check(crs)
    station = (
        Station.objects.filter(code=code, status=StationStatus.ACTIVE)
        .prefetch_related("photos", "staff", "stops", "closures")
        .first()
    )
    if station is None:
        return None
    card = station_card(found, crs=the_crs, now=now, labels=index.labels(english))
    today = timezone.localtime(now).date()
    closures = [(c.starts_at, c.ends_at, c.reason) for c in station.closures.all()]
    week = station_week(
        rule=station.opening_hours,
        workday=station.keeps_workday_hours,
        closures=closures,
        today=today,
        extra=found.station.extra_open if not found.station.stops else (),
    )
    names = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    names_en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    def span(a: dt.datetime, b: dt.datetime) -> str:
        if b - a >= dt.timedelta(days=1):
            return str(_("全天"))
        end = b.astimezone(SHANGHAI)
        stop = "24:00" if end.time() == dt.time() and end > a else end.strftime("%H:%M")
        return f"{a.astimezone(SHANGHAI):%H:%M}–{stop}"

    def stop_out(p: MobileStop) -> dict[str, str | float]:
        lon, lat = from_wgs84(p.lon, p.lat, the_crs)
        return {
            "place_name": p.place_name,
            "address": p.address,
            "hours": p.hours,
            "lat": round(lat, 7),
            "lon": round(lon, 7),
        }

    return {
        **card,
        "feature": station.feature,
        "phone": station.phone,
        "keeps_workday_hours": station.keeps_workday_hours,
        "floor_area_m2": station.floor_area_m2,
        "capacity": station.capacity,
        "photos": [p.image.url for p in station.photos.all()],
        "staff": [{"role": m.get_role_display(), "name": m.name} for m in station.staff.all()],
        "week": None
        if week is None
        else [
            {
                "date": d.day,
                "weekday": (names_en if english else names)[d.day.weekday()],
                "intervals": [span(a, b) for a, b in d.intervals],
                "holiday": d.holiday,
                "makeup_workday": d.makeup_workday,
                "closed_by": d.closed_by,
                "closed_until": d.closed_until,
                # Pages only (the API's DayOut leaves it out; its intervals include them).
                "volunteer": [span(a, b) for a, b in d.volunteer],
            }
            for d in week
        ],
        "stops": [stop_out(p) for p in station.stops.all()],
    }


def stations_nearby_codes(
    *, lat: float, lon: float, limit: int = 30, now: dt.datetime | None = None
) -> list[str]:
    """The codes of the active stations nearest a point (WGS-84), nearest first, open or
    not: for lists that are about a station's things rather than its hours (the donation
    exchange)."""
    now = now or timezone.now()
    found = finder_index(now=now).nearby(lon, lat, Query(at=now), limit=limit)
    return [f.station.code for f in found]
