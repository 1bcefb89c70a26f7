"""An outside geocoder for place search: Amap's (高德) Web service, used only when an
officer configures a key (``YIZHAN_AMAP_WEB_KEY``). Answers are GCJ-02 and are turned
into WGS-84 here; failures (no network, quota, bad key) give no places, never an error
page. Answers are cached for a day to spare the key's quota."""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from geoplan.crs import CRS, to_wgs84

log = logging.getLogger(__name__)
AMAP_GEOCODE_URL = "https://restapi.amap.com/v3/geocode/geo"
TIMEOUT_S = 2.0
CACHE_SECONDS = 24 * 3600


def _fetch(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        return data


def amap_geocode(
    *, text: str, key: str, city: str = "", fetch: Callable[[str], dict[str, Any]] = _fetch
) -> list[tuple[str, str, float, float]]:
    """(label, detail, lat, lon WGS-84) for each match Amap gives for ``text``."""
    params = {"key": key, "address": text, "output": "JSON"}
    if city:
        params["city"] = city
    url = f"{AMAP_GEOCODE_URL}?{urllib.parse.urlencode(params)}"
    cache_key = "amap-geo:" + urllib.parse.quote(f"{city}|{text}")[:200]
    hit = cache.get(cache_key)
    if hit is not None:
        return list(hit)
    try:
        data = fetch(url)
    except Exception as exc:  # network, timeout, bad JSON: search goes on without it
        log.warning("Amap geocoder unavailable: %s", exc)
        return []
    if str(data.get("status")) != "1":
        log.warning("Amap geocoder refused: %s", data.get("info"))
        return []
    out = []
    for g in data.get("geocodes") or []:
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
