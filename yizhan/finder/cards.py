"""What a worker sees of one station in a result: the same dictionary feeds the JSON API
and the pages, so that both always say the same thing. Labels are in the active
language; codes and times are there for programs."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from geoplan.crs import CRS, from_wgs84, gcj02_to_bd09, wgs84_to_gcj02
from yizhan.core.time import SHANGHAI, when_words
from yizhan.finder.index import Found


def kind_label(kind: str) -> str:
    return {
        "fixed": pgettext("station kind", "固定驿站"),
        "mobile": pgettext("station kind", "流动驿站"),
        "smart": pgettext("station kind", "智能驿站"),
    }.get(kind, kind)


SEASON_AMENITIES = {"summer": {"ac", "drinking_water"}, "winter": {"heater", "hot_water"}}


def seasonal_badge(season: str, working: set[str]) -> str:
    """The badge a station shows: its region's seasonal mode ("summer" 送清凉 / "winter"
    送温暖, set by the region's officer, see `operations.seasons.season_for`), and only
    where equipment for it works (summer: air conditioning or drinking water; winter:
    heating or hot water).

    >>> seasonal_badge("summer", {"ac"}), seasonal_badge("winter", {"ac"})
    ('summer', '')
    >>> seasonal_badge("winter", {"heater", "toilet"}), seasonal_badge("", {"heater"})
    ('winter', '')
    """
    return season if working & SEASON_AMENITIES.get(season, set()) else ""


def seasonal_label(code: str) -> str:
    return {"summer": _("送清凉"), "winter": _("送温暖")}.get(code, "")


def when_label(at: dt.datetime, now: dt.datetime) -> str:
    """ "22:00", "明天 08:00", "周六 09:00" (local time; `core.time.when_words`, which
    every deadline a worker reads shares), and "午夜" for the coming midnight."""
    local = at.astimezone(SHANGHAI)
    days = (local.date() - now.astimezone(SHANGHAI).date()).days
    if days == 0:  # the common answer, on the hottest path: the clock alone
        return f"{local:%H:%M}"
    if days == 1 and local.hour == local.minute == 0:
        return _("午夜")
    return when_words(local, now=now, today_word=False)


def state_label(found: Found, now: dt.datetime) -> tuple[str, str]:
    """(css class, words) for the open state: "open", "closed" or "unknown"."""
    s = found.state
    if not s.known:
        return "unknown", _("开放时间未知")
    if s.is_open:
        if s.volunteer:
            if s.until is None:
                return "open", _("志愿者值守中")
            return "open", _("志愿者值守，%(time)s 关门") % {"time": when_label(s.until, now)}
        if found.always_open and s.until is None:
            return "open", _("24小时开放")
        if s.until is None:
            return "open", _("开放中")
        return "open", _("开放中，%(time)s 关门") % {"time": when_label(s.until, now)}
    if s.closure_reason:
        text = _("临时关闭：%(reason)s") % {"reason": s.closure_reason}
        if s.until:
            text += _("；%(time)s 开门") % {"time": when_label(s.until, now)}
        return "closed", text
    if s.until is None:
        return "closed", _("已关门，近 10 天内不开放")
    return "closed", _("已关门，%(time)s 开门") % {"time": when_label(s.until, now)}


@lru_cache(maxsize=65_536)
def directions(lon: float, lat: float, name: str) -> dict[str, str]:
    """Links that open navigation in Amap (GCJ-02), Baidu Maps (BD-09) and any map app
    (``geo:``, WGS-84 by RFC 5870). Cached: the same stations come up again and again."""
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
    q = quote(name, safe="")
    amap = (
        f"https://uri.amap.com/navigation?to={g_lon:.6f}%2C{g_lat:.6f}%2C{q}"
        "&mode=ride&coordinate=gaode&callnative=1&src=yizhan"
    )
    baidu = (
        f"https://api.map.baidu.com/marker?location={b_lat:.6f}%2C{b_lon:.6f}&title={q}"
        f"&content={q}&coord_type=bd09ll&output=html&src=webapp.yizhan.finder"
    )
    geo = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({q})"
    return {"amap": amap, "baidu": baidu, "geo": geo}


def station_card(
    found: Found, *, crs: CRS, now: dt.datetime, labels: dict[str, str]
) -> dict[str, Any]:
    rec = found.station
    lon, lat = from_wgs84(found.lon, found.lat, crs)
    css, words = state_label(found, now)
    working = {a.code for a in rec.amenities if a.working}
    season = seasonal_badge(rec.season, working)
    return {
        "code": rec.code,
        "name": rec.name,
        "kind": rec.kind,
        "kind_label": kind_label(rec.kind),
        "address": rec.address,
        "region": rec.region_name,
        "crs": crs.value,
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "distance_m": round(found.distance_m),
        "walk_min": found.walk_min,
        "ebike_min": found.ebike_min,
        "along_m": None if found.along_m is None else round(found.along_m),
        "hours_known": found.state.known,
        "open_now": found.state.is_open if found.state.known else None,
        "open_until": found.state.until if found.state.is_open else None,
        "opens_at": found.state.until if not found.state.is_open else None,
        "state": css,
        "state_label": words,
        "closed_reason": found.state.closure_reason,
        "always_open": found.always_open,
        "opening_hours": rec.opening_hours,
        "star_level": rec.star_level,
        "amenities": [
            {
                "code": a.code,
                "name": labels.get("a:" + a.code, a.code),
                "working": a.working,
                "reason": a.reason,
                "expected_fix_on": a.expected_fix_on,
            }
            for a in rec.amenities
        ],
        "services": [{"code": s, "name": labels.get("s:" + s, s)} for s in rec.services],
        "seasonal": season or None,
        "seasonal_label": seasonal_label(season),
        "free_supplies": rec.free_supplies,
        "rating": rec.rating,
        "rating_count": rec.rating_count,
        "last_verified_on": rec.last_verified_on,
        "stop": found.stop.place_name if found.stop else None,
        "url": reverse("finder:station", kwargs={"code": rec.code}),
        "directions": directions(found.lon, found.lat, rec.name),
    }
