"""Checking a finder search, from the API or the page: every mistake is reported with
the field it is in, and nothing is searched until all fields are right.

A pure module over plain values (strings from a query string or typed values from the
API), no database; messages are in the active language.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from geoplan.crs import CRS
from geoplan.route import segment_lengths_m
from yizhan.core.coords import coordinates_to_wgs84, parse_crs
from yizhan.core.errors import FieldError, RuleError, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.finder.index import EBIKE_M_PER_MIN, KINDS, WALK_M_PER_MIN, Query

MAX_RADIUS_M = 50_000
MAX_LIMIT = 50
MAX_AHEAD = dt.timedelta(days=7)
MAX_ROUTE_POINTS = 2_000
MAX_ROUTE_M = 300_000
MAX_OFF_ROUTE_M = 3_000


@dataclass(frozen=True)
class Asking:
    """The checked "when and what" of a search (shared by nearby and along a route)."""

    at: dt.datetime
    at_given: bool
    open_now: bool
    always_open: bool
    amenities: tuple[str, ...]
    services: tuple[str, ...]
    kinds: tuple[str, ...]
    free_supplies: bool = False

    def index_query(self) -> Query:
        return Query(
            at=self.at,
            open_only=self.open_now,
            always_open=self.always_open,
            amenities=self.amenities,
            services=self.services,
            kinds=self.kinds,
            free_supplies=self.free_supplies,
        )


@dataclass(frozen=True)
class Search:
    lon: float  # WGS-84
    lat: float
    crs: CRS  # the caller's, for coordinates in the answer
    radius_m: float
    limit: int
    asking: Asking


@dataclass(frozen=True)
class RouteSearch:
    lon: np.ndarray  # WGS-84 vertices
    lat: np.ndarray
    length_m: float
    crs: CRS
    max_off_m: float
    speed: str  # "walk" or "ebike"
    asking: Asking

    @property
    def speed_m_per_min(self) -> float:
        return WALK_M_PER_MIN if self.speed == "walk" else EBIKE_M_PER_MIN


def _coordinate_message(e: RuleError, lon: object, lat: object) -> str:
    """The registry's coordinate rules speak Chinese to officers; workers get the same
    finding in their own language."""
    if "填反" in e.message:
        return _(
            "经纬度可能填反了：经度 %(lon)s、纬度 %(lat)s（中国境内经度约 73–135，纬度约 4–54）"
        ) % {
            "lon": lon,
            "lat": lat,
        }
    if "数字" in e.message:
        return _("经纬度必须是数字(十进制度)")
    if "超出" in e.message:
        return _("超出范围：经度 -180…180，纬度 -90…90")
    if "中国" in e.message:
        return _("坐标 (%(lon)s, %(lat)s) 不在中国境内") % {"lon": lon, "lat": lat}
    return e.message


@dataclass(frozen=True)
class Asked:
    """What every finder search asks besides where: raw values from a query string or
    the API, checked by `search_check` / `route_check`."""

    at: object = None
    open_now: object = False
    always_open: object = False
    amenities: object = None
    services: object = None
    kinds: object = None
    free_supplies: object = False


def _check_crs(errors: list[FieldError], crs: object) -> CRS:
    try:
        return crs if isinstance(crs, CRS) else parse_crs(str(crs or ""))
    except RuleError as e:
        errors.append(
            FieldError(e.field, _("未知坐标系，应为 wgs84、gcj02 或 bd09"), value=str(crs)[:20])
        )
        return CRS.WGS84


def crs_check(crs: object) -> CRS:
    """The coordinate system a caller named, or ValidationFailed naming ``crs``."""
    errors: list[FieldError] = []
    the_crs = _check_crs(errors, crs)
    if errors:
        raise ValidationFailed(errors=errors)
    return the_crs


def _check_asked(
    errors: list[FieldError],
    asked: Asked,
    now: dt.datetime,
    known_amenities: Iterable[str],
    known_services: Iterable[str],
) -> Asking:
    when, given = _time(errors, asked.at, now)
    a, s, k = _filters(
        errors, asked.amenities, asked.services, asked.kinds, known_amenities, known_services
    )
    return Asking(
        at=when,
        at_given=given,
        open_now=_flag(asked.open_now),
        always_open=_flag(asked.always_open),
        amenities=a,
        services=s,
        kinds=k,
        free_supplies=_flag(asked.free_supplies),
    )


def _codes(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


def _number(
    errors: list[FieldError], name: str, raw: object, default: float, lo: float, hi: float
) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        errors.append(FieldError(name, _("应为数字"), value=str(raw)[:50]))
        return default
    if not (math.isfinite(value) and lo <= value <= hi):
        errors.append(
            FieldError(
                name,
                _("应在 %(lo)s 到 %(hi)s 之间") % {"lo": f"{lo:g}", "hi": f"{hi:g}"},
                value=str(raw)[:50],
            )
        )
        return default
    return value


def _flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


def _time(errors: list[FieldError], raw: object, now: dt.datetime) -> tuple[dt.datetime, bool]:
    if raw is None or raw == "":
        return now.astimezone(SHANGHAI), False
    if isinstance(raw, dt.datetime):
        when = raw
    else:
        text = str(raw).strip().replace(" ", "T", 1) if "T" not in str(raw) else str(raw).strip()
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            errors.append(
                FieldError(
                    "at",
                    _("应为时间，如 2026-11-23T22:30"),
                    value=str(raw)[:50],
                )
            )
            return now.astimezone(SHANGHAI), False
    if when.tzinfo is None:
        when = when.replace(tzinfo=SHANGHAI)
    today = dt.datetime.combine(now.astimezone(SHANGHAI).date(), dt.time(), SHANGHAI)
    if not today <= when <= now + MAX_AHEAD:
        errors.append(
            FieldError(
                "at",
                _("只能查询今天起 7 天之内"),
                value=str(raw)[:50],
            )
        )
        return now.astimezone(SHANGHAI), False
    return when, True


def _filters(
    errors: list[FieldError],
    amenities: object,
    services: object,
    kinds: object,
    known_amenities: Iterable[str],
    known_services: Iterable[str],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    a, s, k = _codes(amenities), _codes(services), _codes(kinds)  # type: ignore[arg-type]
    for field, values, known in (
        ("amenity", a, set(known_amenities)),
        ("service", s, set(known_services)),
        ("kind", k, set(KINDS)),
    ):
        for v in values:
            if v not in known:
                errors.append(
                    FieldError(
                        field,
                        _("未知代码，可选：%(codes)s") % {"codes": ", ".join(sorted(known))},
                        value=v[:50],
                    )
                )
    return a, s, k


def search_check(
    *,
    lat: object,
    lon: object,
    crs: object = "",
    radius_m: object = None,
    limit: object = None,
    asked: Asked,
    now: dt.datetime,
    known_amenities: Iterable[str],
    known_services: Iterable[str],
) -> Search:
    errors: list[FieldError] = []
    the_crs = _check_crs(errors, crs)
    w_lon = w_lat = 0.0
    if lat in (None, "") or lon in (None, ""):
        errors.append(FieldError("lat" if lat in (None, "") else "lon", _("需要位置")))
    else:
        try:
            w_lon, w_lat = coordinates_to_wgs84(lon, lat, the_crs)
        except RuleError as e:
            errors.append(
                FieldError(
                    e.field,
                    _coordinate_message(e, lon, lat),
                    value=str(lon if e.field == "lon" else lat)[:30],
                )
            )
    c = _check_asked(errors, asked, now, known_amenities, known_services)
    radius = _number(errors, "radius_m", radius_m, 20_000, 10, MAX_RADIUS_M)
    how_many = _number(errors, "limit", limit, 10, 1, MAX_LIMIT)
    if how_many != int(how_many):
        errors.append(FieldError("limit", _("应为整数"), value=str(limit)))
    if errors:
        raise ValidationFailed(errors=errors)
    return Search(lon=w_lon, lat=w_lat, crs=the_crs, radius_m=radius, limit=int(how_many), asking=c)


def route_points(raw: object) -> list[tuple[object, object]]:
    """A route as ``[[lon, lat], ...]``, a GeoJSON LineString (or a Feature holding one),
    or the text ``"lon,lat;lon,lat;..."``. Raises ValueError with a readable message."""
    value = raw
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(_("不是有效的 JSON：%(why)s") % {"why": exc.msg}) from None
        else:
            pairs = [p for p in text.replace("\n", ";").split(";") if p.strip()]
            value = [p.split(",") for p in pairs]
    if isinstance(value, dict):
        if value.get("type") == "Feature":
            value = value.get("geometry") or {}
        if value.get("type") == "FeatureCollection":
            features = value.get("features") or []
            value = (features[0].get("geometry") or {}) if features else {}
        if value.get("type") != "LineString":
            raise ValueError(_("GeoJSON 应为 LineString"))
        value = value.get("coordinates")
    if not isinstance(value, list) or not all(
        isinstance(p, list | tuple) and len(p) >= 2 for p in value
    ):
        raise ValueError(_("应为 [[经度, 纬度], ...]"))
    return [(p[0], p[1]) for p in value]


def route_check(
    *,
    route: object,
    crs: object = "",
    max_off_m: object = None,
    speed: object = "ebike",
    asked: Asked,
    now: dt.datetime,
    known_amenities: Iterable[str],
    known_services: Iterable[str],
) -> RouteSearch:
    errors: list[FieldError] = []
    the_crs = _check_crs(errors, crs)
    lons: list[float] = []
    lats: list[float] = []
    try:
        points = route_points(route)
        if len(points) < 2:
            raise ValueError(_("至少需要起点和终点两个点"))
        if len(points) > MAX_ROUTE_POINTS:
            raise ValueError(_("最多 %(n)s 个点") % {"n": MAX_ROUTE_POINTS})
        for i, (x, y) in enumerate(points):
            try:
                w = coordinates_to_wgs84(x, y, the_crs)
            except RuleError as e:
                raise ValueError(
                    _("第 %(n)s 个点：%(why)s") % {"n": i + 1, "why": _coordinate_message(e, x, y)}
                ) from None
            lons.append(w[0])
            lats.append(w[1])
    except ValueError as exc:
        errors.append(FieldError("route", str(exc)))
    length = 0.0
    if len(lons) >= 2:
        length = float(segment_lengths_m(np.array(lons), np.array(lats)).sum())
        if length > MAX_ROUTE_M:
            errors.append(
                FieldError(
                    "route",
                    _("路线过长：%(km)s 公里，最长 %(most)s 公里")
                    % {"km": f"{length / 1000:.0f}", "most": MAX_ROUTE_M // 1000},
                    value=f"{length:.0f}",
                )
            )
    c = _check_asked(errors, asked, now, known_amenities, known_services)
    off = _number(errors, "max_off_m", max_off_m, 500, 10, MAX_OFF_ROUTE_M)
    pace = str(speed or "ebike")
    if pace not in {"walk", "ebike"}:
        errors.append(FieldError("speed", _("应为 walk 或 ebike"), value=pace[:20]))
    if errors:
        raise ValidationFailed(errors=errors)
    return RouteSearch(
        lon=np.array(lons),
        lat=np.array(lats),
        length_m=length,
        crs=the_crs,
        max_off_m=off,
        speed=pace,
        asking=c,
    )
