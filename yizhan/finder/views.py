"""Worker pages: find a station (nearby or along a route) and see one station.

Server-rendered so that the list works on any phone, without JavaScript and without map
tiles; `static/finder/finder.js` adds location, the map, one-tap filters and sharing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geoplan.crs import CRS
from yizhan.core.basemap import street_centres
from yizhan.core.errors import FieldError, ValidationFailed
from yizhan.core.ratelimit import rate_limited
from yizhan.finder.cards import kind_label, station_card
from yizhan.finder.index import FinderIndex
from yizhan.finder.params import Asked, route_check, search_check
from yizhan.finder.selectors import (
    Place,
    finder_index,
    place_find,
    places_search,
    station_detail,
)
from yizhan.lockers.selectors import lockers_offer_public
from yizhan.stations.hours import rule_words
from yizhan.volunteers.selectors import station_shifts_public

# One tap each, in this order (the "common ones").
QUICK_AMENITIES = ("charging", "hot_water", "microwave", "toilet", "battery_swap", "aed")


def _page(request: HttpRequest, nav: str, context: dict[str, Any]) -> dict[str, Any]:
    here = request.get_full_path()
    return {
        **context,
        "nav": nav,
        "messages_js": {
            "locating": _("正在定位…"),
            "denied": _("没有定位权限。请在手机设置中允许，或在下面输入地点。"),
            "failed": _("暂时无法定位，请在下面输入地点。"),
            "here": _("我的位置"),
            "copied": _("链接已复制"),
            "too_big": _("文件太大（最大 2 MB）"),
        },
        "lang_zh_url": translate_url(here, "zh-hans"),
        "lang_en_url": translate_url(here, "en"),
    }


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _map_point(lon: float, lat: float) -> tuple[float, float]:
    """[lat, lon] in WGS-84: core/basemap.js moves it onto the tiles (GCJ-02 on Amap)."""
    return round(lat, 7), round(lon, 7)


def _map_config(
    cards: list[dict[str, Any]],
    origin: tuple[float, float] | None,
    route: list[list[float]] | None = None,
) -> dict[str, Any]:
    return {
        "streets": street_centres((c.get("region", ""), c["_lon"], c["_lat"]) for c in cards),
        "origin": list(_map_point(*origin)) if origin else None,
        "route": [list(_map_point(lon, lat)) for lon, lat in (route or [])],
        "stations": [
            {
                "name": c["name"],
                "url": c["url"],
                "state": c["state"],
                "label": c["state_label"],
                "point": list(_map_point(c["_lon"], c["_lat"])),
            }
            for c in cards
        ],
    }


def _asked(request: HttpRequest) -> Asked:
    g = request.GET
    return Asked(
        at=g.get("at", ""),
        open_now=g.get("open_now", ""),
        always_open=g.get("always_open", ""),
        amenities=g.getlist("amenity"),
        services=g.getlist("service"),
        kinds=g.getlist("kind"),
        free_supplies=g.get("free_supplies", ""),
    )


def _checked[T](
    check: Callable[..., T],
    request: HttpRequest,
    index: FinderIndex,
    now: dt.datetime,
    **fields: Any,
) -> tuple[T | None, list[FieldError]]:
    """Run a search check with the page's filters: (the search, []) or (None, errors)."""
    try:
        checked = check(
            **fields,
            asked=_asked(request),
            now=now,
            known_amenities=index.amenity_codes,
            known_services=index.service_codes,
        )
    except ValidationFailed as exc:
        return None, exc.errors
    return checked, []


def _filters_context(request: HttpRequest, index: FinderIndex) -> dict[str, Any]:
    labels = index.labels(_english())
    chosen = set(request.GET.getlist("amenity"))
    return {
        "quick_amenities": [
            (c, labels.get("a:" + c, c), c in chosen)
            for c in QUICK_AMENITIES
            if c in index.amenity_codes
        ],
        "more_amenities": [
            (c, labels.get("a:" + c, c), c in chosen)
            for c in index.amenity_codes
            if c not in QUICK_AMENITIES
        ],
        "services": [
            (c, labels.get("s:" + c, c), c in request.GET.getlist("service"))
            for c in index.service_codes
        ],
        "kinds": [
            (k, kind_label(k), k in request.GET.getlist("kind"))
            for k in ("fixed", "mobile", "smart")
        ],
        # Chosen beyond the quick row: counted on the folded "更多筛选" (which stays
        # folded after a search, so the results stay above the fold on a phone).
        "more_chosen": len(set(request.GET.getlist("service")))
        + len(chosen - set(QUICK_AMENITIES))
        + len(set(request.GET.getlist("kind")))
        + bool(request.GET.get("at")),
        "free_supplies": request.GET.get("free_supplies") == "1",
    }


def _length(metres: int) -> str:
    if metres >= 1000:
        return _("%(km)s 公里") % {"km": f"{metres / 1000:.1f}"}
    return _("%(m)s 米") % {"m": metres}


# Closer than this to the route, a station is "on the route" (no detour to speak of).
ON_ROUTE_M = 30


def _page_labels(card: dict[str, Any]) -> dict[str, Any]:
    """Distances in words. Near a point: how far. Along a route (``along_m`` set) the
    card's two numbers are different things: ``along_m``, how far along the route from
    its start the station comes (the foot of the perpendicular), and ``distance_m``, how
    far off the route it lies (the detour, on which the minutes are counted)."""
    along = card["along_m"]
    if along is None:
        return {
            "distance_label": _length(card["distance_m"]),
            "along_label": "",
            "stars": range(card["star_level"] or 0),
        }
    off = card["distance_m"]
    return {
        "distance_label": _("距起点 %(d)s处") % {"d": _length(along)},
        "along_label": _("就在路线上")
        if off <= ON_ROUTE_M
        else _("离路线 %(d)s，拐过去步行约 %(w)s 分钟、电动车约 %(e)s 分钟")
        % {"d": _length(off), "w": card["walk_min"], "e": card["ebike_min"]},
        "stars": range(card["star_level"] or 0),
    }


def _cards(found: list[Any], crs: CRS, at: dt.datetime, index: FinderIndex) -> list[dict[str, Any]]:
    labels = index.labels(_english())
    out = []
    for f in found:
        card = station_card(f, crs=crs, now=at, labels=labels)
        card["_lon"], card["_lat"] = f.lon, f.lat
        card.update(_page_labels(card))
        out.append(card)
    return out


def _too_many(request: HttpRequest) -> HttpResponse | None:
    per_minute = int(settings.YIZHAN["FINDER_PAGE_RATE_PER_MINUTE"])
    if rate_limited(request, scope="finder-page", per_minute=per_minute):
        response = render(request, "finder/slow_down.html", _page(request, "", {}), status=429)
        response["Retry-After"] = "60"
        return response
    return None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if limited := _too_many(request):
        return limited
    now = timezone.now()
    index = finder_index(now=now)
    g = request.GET
    context: dict[str, Any] = {
        "q": g.get("q", "")[:50],
        "at": g.get("at", ""),
        **_filters_context(request, index),
    }
    context["open_now"] = g.get("open_now") == "1"
    context["always_open"] = g.get("always_open") == "1"
    lat, lon, crs = g.get("lat", ""), g.get("lon", ""), g.get("crs", "")
    places: list[Place] = []
    if not (lat and lon) and context["q"]:
        places = places_search(text=context["q"])
        if places:
            lat, lon, crs = str(places[0].lat), str(places[0].lon), "wgs84"
            context["place"] = places[0]
            context["other_places"] = places[1:]
        else:
            context["no_place"] = True
    status = 200
    point: dict[str, str] | None = None
    if lat and lon:
        s, context["errors"] = _checked(
            search_check,
            request,
            index,
            now,
            lat=lat,
            lon=lon,
            crs=crs,
            radius_m=g.get("radius_m"),
            limit=g.get("limit", "20"),
        )
        if s is None:
            status = 422
        else:
            found = index.nearby(
                s.lon, s.lat, s.asking.index_query(), limit=s.limit, radius_m=s.radius_m
            )
            cards = _cards(found, s.crs, s.asking.at, index)
            context.update(
                searched=True,
                cards=cards,
                lat=lat,
                lon=lon,
                crs=s.crs.value,
                at_label=s.asking.at if s.asking.at_given else None,
                map_config=_map_config(cards, (s.lon, s.lat)),
            )
            point = {"lat": f"{s.lat:.6f}", "lon": f"{s.lon:.6f}"}
    context.update(_also_links(point))
    return render(request, "finder/home.html", _page(request, "home", context), status=status)


def _field_words(field: str) -> str:
    """A search field as the route page's form names it, for its mistakes."""
    words = {
        "route": pgettext("finder field", "路线"),
        "max_off_m": pgettext("finder field", "最多偏离路线"),
        "speed": pgettext("finder field", "出行方式"),
        "at": pgettext("finder field", "出发时间"),
        "amenity": pgettext("finder field", "设施"),
        "service": pgettext("finder field", "服务"),
        "kind": pgettext("finder field", "驿站类型"),
        "crs": pgettext("finder field", "坐标系"),
    }
    return words.get(field) or pgettext("finder field", "输入")


def _with(request: HttpRequest, **changes: str) -> str:
    """This page's address with some of its query changed."""
    q = request.GET.copy()
    for k, v in changes.items():
        q[k] = v
    return f"{request.path}?{q.urlencode()}"


def _route_end(request: HttpRequest, role: str, text: str) -> tuple[Place | None, dict[str, Any]]:
    """One end of a route typed as a place: (the place, {}) or (None, what to tell the
    rider: a sentence, and places to choose from or near misses, each with its link)."""
    if not text:
        words = _("请填写起点，或在地图上画出路线。") if role == "start" else _("请填写终点。")
        return None, {"message": words, "error": True}
    found = place_find(text=text, pick=request.GET.get(f"{role}_pick", "")[:40], english=_english())
    if found.place is not None:
        return found.place, {}
    if found.choices:
        return None, {
            "message": _("“%(text)s”可能是以下 %(n)s 个地方，请选一个：")
            % {"text": text, "n": len(found.choices)},
            "places": [(p, _with(request, **{f"{role}_pick": p.pick})) for p in found.choices],
        }
    message = _("没有找到“%(text)s”，请换个说法或在地图上点选。") % {"text": text}
    return None, {
        "message": message,
        "error": True,
        "places": [
            (p, _with(request, **{role: p.label, f"{role}_pick": p.pick}))
            for p in found.suggestions
        ],
        "near_misses": bool(found.suggestions),
    }


def _route_groups(
    found: list[Any], cards: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(open when the rider gets there, the rest), each in route order; the rest say
    their hours in words beside when they open next."""
    open_cards, later = [], []
    for f, card in zip(found, cards, strict=True):
        if card["state"] == "open":
            open_cards.append(card)
            continue
        rule = f.stop.hours if f.stop else f.station.opening_hours
        workday = False if f.stop else f.station.keeps_workday_hours
        card["hours_words"] = rule_words(rule or "", workday=workday, english=_english())
        later.append(card)
    return open_cards, later


def _also_links(point: dict[str, str] | None) -> dict[str, str]:
    """The home page's small links to the lockers' pages: free supplies (this search,
    only stations whose lockers hand them out) and the donation exchange, both near the
    point searched (WGS-84) when there is one."""
    near = {**point, "crs": "wgs84"} if point else {}
    exchange = reverse("lockers_worker:exchange")
    return {
        "free_supplies_url": "?" + urlencode({**near, "free_supplies": "1"}),
        "exchange_url": exchange + "?" + urlencode(point) if point else exchange,
    }


@require_GET
def route(request: HttpRequest) -> HttpResponse:
    if limited := _too_many(request):
        return limited
    now = timezone.now()
    index = finder_index(now=now)
    g = request.GET
    context: dict[str, Any] = {
        "start": g.get("start", "")[:50],
        "end": g.get("end", "")[:50],
        "route_text": g.get("route", "")[:60_000],
        "max_off_m": g.get("max_off_m", "500"),
        "speed": g.get("speed", "ebike"),
        "open_now": g.get("open_now") == "1",
        "at": g.get("at", ""),
        "off_choices": (200, 500, 1000, 2000, 3000),
        "crs": g.get("crs", "wgs84")[:10],
        "draw_config": {
            **_map_config([], None),
            "center": list(_map_point(*index.centre)),
        },
        **_filters_context(request, index),
    }
    route_value: str = context["route_text"]
    route_crs = g.get("crs", "")
    status = 200
    if not route_value and (context["start"] or context["end"]):
        ends = []
        for role in ("start", "end"):
            place, said = _route_end(request, role, context[role])
            if place is not None:
                ends.append(place)
                context[f"{role}_place"] = place
                if g.get(f"{role}_pick") == place.pick:
                    context[f"{role}_pick"] = place.pick
            else:
                context[f"{role}_said"] = said
                status = 422 if said.get("error") else status
        if len(ends) == 2:
            route_value = f"{ends[0].lon},{ends[0].lat};{ends[1].lon},{ends[1].lat}"
            route_crs = "wgs84"  # places are WGS-84, whatever a drawn route set
            context["ends"] = ends
    if route_value and status == 200:
        r, errors = _checked(
            route_check,
            request,
            index,
            now,
            route=route_value,
            crs=route_crs,
            max_off_m=g.get("max_off_m", ""),
            speed=g.get("speed", "ebike"),
        )
        context["route_problems"] = [
            {"field": _field_words(e.field), "message": e.message, "value": e.value} for e in errors
        ]
        if r is None:
            status = 422
        else:
            found = index.along(
                r.lon,
                r.lat,
                r.asking.index_query(),
                max_off_m=r.max_off_m,
                speed_m_per_min=r.speed_m_per_min,
            )
            cards = _cards(found, r.crs, r.asking.at, index)
            context["open_cards"], context["later_cards"] = _route_groups(found, cards)
            context.update(
                searched=True,
                cards=cards,
                length_km=round(r.length_m / 1000, 1),
                map_config=_map_config(cards, None, np.column_stack((r.lon, r.lat)).tolist()),
            )
    return render(request, "finder/route.html", _page(request, "route", context), status=status)


@require_GET
def station(request: HttpRequest, code: str) -> HttpResponse:
    if limited := _too_many(request):
        return limited
    now = timezone.now()
    detail = station_detail(code=code[:40], crs="wgs84", now=now, english=_english())
    if detail is None:
        raise Http404(_("没有这个驿站，或它暂未开放"))
    lon, lat = float(detail["lon"]), float(detail["lat"])  # type: ignore[arg-type]
    detail["_lon"], detail["_lat"] = lon, lat
    detail.update(_page_labels(detail))
    # The registered rule in words (每天 18:00–次日 08:00), for people, not the OSM text.
    detail["opening_hours_words"] = rule_words(
        str(detail.get("opening_hours") or ""),
        workday=bool(detail.get("keeps_workday_hours")),
        english=_english(),
    )
    stops = detail.get("stops")
    for stop in stops if isinstance(stops, list) else []:
        if isinstance(stop, dict):
            stop["hours_words"] = rule_words(str(stop.get("hours", "")), english=_english())
    return render(
        request,
        "finder/station.html",
        _page(
            request,
            "",
            {
                "s": detail,
                "share_url": request.build_absolute_uri(),
                "map_config": _map_config([detail], None),
                "today": timezone.localdate(now),
                "shifts": station_shifts_public(code=str(detail["code"]), now=now),
                "free": lockers_offer_public(code=str(detail["code"]), now=now),
            },
        ),
    )
