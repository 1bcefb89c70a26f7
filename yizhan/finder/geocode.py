"""An outside geocoder for place search, used only when an officer configures a key
(`config/env.py`): Amap's (高德) Web service (``YIZHAN_AMAP_WEB_KEY``), answering in
GCJ-02, turned into WGS-84 here; or Tianditu's (天地图) geocoder (``YIZHAN_TIANDITU_KEY``),
answering in CGCS2000, which is WGS-84 to within centimetres. ``YIZHAN_GEOCODER`` picks
one when both keys are set (``amap`` or ``tianditu``; ``off`` for none).

Failures (no network, quota, bad key, an answer that is not JSON) give no places, never
an error page; they are remembered for `FAILURE_SECONDS`, so that a geocoder that is down
costs one slow request a minute, not one per search. Answers are cached for a day to spare
the key's quota. The HTTP fetch is a parameter: tests hand in their own."""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from geoplan.crs import CRS, to_wgs84

log = logging.getLogger(__name__)
AMAP_GEOCODE_URL = "https://restapi.amap.com/v3/geocode/geo"
TIANDITU_GEOCODE_URL = "https://api.tianditu.gov.cn/geocoder"
TIMEOUT_S = 1.5
CACHE_SECONDS = 24 * 3600
FAILURE_SECONDS = 60
# Answers this coarse are a geocoder's fallback for text it did not understand (the
# city's centre for "火星基地"), not the place asked for.
COARSE_LEVELS = frozenset({"国家", "省", "市", "城市", "省级", "地市级"})

Fetch = Callable[[str], dict[str, Any]]
Hit = tuple[str, str, float, float]  # (label, detail, lat, lon WGS-84)


def _fetch(url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"User-Agent": "Yizhan/1.0 (place search)"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        return data


def _cache_key(provider: str, city: str, text: str) -> str:
    return f"{provider}-geo:" + urllib.parse.quote(f"{city}|{text}")[:200]


def _down_key(provider: str) -> str:
    return f"geocoder-down:{provider}"


def _ask(provider: str, url: str, fetch: Fetch) -> dict[str, Any] | None:
    """The geocoder's answer, or None when it failed (remembered for a minute)."""
    if cache.get(_down_key(provider)):
        return None
    try:
        data = fetch(url)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except Exception as exc:  # network, timeout, bad JSON: search goes on without it
        log.warning("%s geocoder unavailable: %s", provider, exc)
        cache.set(_down_key(provider), True, FAILURE_SECONDS)
        return None
    return data


def _refused(provider: str, why: object) -> list[Hit]:
    log.warning("%s geocoder refused: %s", provider, why)
    cache.set(_down_key(provider), True, FAILURE_SECONDS)
    return []


def amap_geocode(*, text: str, key: str, city: str = "", fetch: Fetch = _fetch) -> list[Hit]:
    """(label, detail, lat, lon WGS-84) for each match Amap gives for ``text``."""
    cache_key = _cache_key("amap", city, text)
    hit = cache.get(cache_key)
    if hit is not None:
        return list(hit)
    params = {"key": key, "address": text, "output": "JSON"}
    if city:
        params["city"] = city
    data = _ask("amap", f"{AMAP_GEOCODE_URL}?{urllib.parse.urlencode(params)}", fetch)
    if data is None:
        return []
    if str(data.get("status")) != "1":
        return _refused("amap", data.get("info"))
    out = []
    for g in data.get("geocodes") or []:
        if not isinstance(g, dict) or str(g.get("level") or "") in COARSE_LEVELS:
            continue
        try:
            g_lon, g_lat = (float(v) for v in str(g["location"]).split(","))
        except (KeyError, ValueError):
            continue
        lon, lat = to_wgs84(g_lon, g_lat, CRS.GCJ02)
        label = str(g.get("formatted_address") or text)
        detail = str(g.get("district") or g.get("city") or "")
        out.append((label, detail, lat, lon))
    cache.set(cache_key, out, CACHE_SECONDS)
    return out


def tianditu_geocode(*, text: str, key: str, city: str = "", fetch: Fetch = _fetch) -> list[Hit]:
    """The place Tianditu's geocoder gives for ``text`` (at most one), WGS-84: Tianditu
    answers in CGCS2000, which differs from WGS-84 by centimetres. ``city`` is put in
    front of a text that does not name it (the geocoder has no city parameter)."""
    cache_key = _cache_key("tianditu", city, text)
    hit = cache.get(cache_key)
    if hit is not None:
        return list(hit)
    asked = text if not city or city in text else city + text
    ds = json.dumps({"keyWord": asked}, ensure_ascii=False, separators=(",", ":"))
    url = f"{TIANDITU_GEOCODE_URL}?{urllib.parse.urlencode({'ds': ds, 'tk': key})}"
    data = _ask("tianditu", url, fetch)
    if data is None:
        return []
    if str(data.get("status")) != "0":
        return _refused("tianditu", data.get("msg"))
    out: list[Hit] = []
    where = data.get("location")
    if isinstance(where, dict) and str(where.get("level") or "") not in COARSE_LEVELS:
        try:
            lon, lat = float(where["lon"]), float(where["lat"])
        except (KeyError, TypeError, ValueError):
            lon = lat = float("nan")
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            out.append((text, "", lat, lon))
    cache.set(cache_key, out, CACHE_SECONDS)
    return out


def geocoder_choice() -> tuple[str, str] | None:
    """(provider, key) of the configured geocoder, or None: ``YIZHAN_GEOCODER`` when it
    names one whose key is set, else the first with a key (Amap, then Tianditu)."""
    conf = settings.YIZHAN
    keys = {
        "amap": str(conf.get("AMAP_WEB_KEY") or ""),
        "tianditu": str(conf.get("TIANDITU_KEY") or ""),
    }
    wanted = str(conf.get("GEOCODER") or "").strip().lower()
    if wanted == "off":
        return None
    if wanted in keys:
        return (wanted, keys[wanted]) if keys[wanted] else None
    for provider, key in keys.items():
        if key:
            return provider, key
    return None


def geocoder_search(*, text: str, fetch: Fetch | None = None) -> list[Hit]:
    """The configured geocoder's places for ``text`` ([] without one, or when it fails)."""
    choice = geocoder_choice()
    if choice is None:
        return []
    provider, key = choice
    city = str(settings.YIZHAN.get("GEOCODER_CITY") or "")
    ask = fetch or _fetch
    if provider == "tianditu":
        return tianditu_geocode(text=text, key=key, city=city, fetch=ask)
    return amap_geocode(text=text, key=key, city=city, fetch=ask)
