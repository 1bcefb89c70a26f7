"""The base map every Leaflet map draws on: one tile setting (``YIZHAN_TILES``), read here.

`static/core/basemap.js` (loaded by every map page through ``{% basemap %}``) builds the
tile layer from :func:`tile_settings`, converts every point WGS-84 → the tiles' system
(GCJ-02 on Amap) and back for clicks, and, without tiles or when they fail to load, draws a
plain background with a scale bar and the street names from :func:`street_centres`.
See docs/maps.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

PROVIDERS = ("none", "tianditu", "amap", "osm", "custom")

_TIANDITU = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="  # noqa: E501
_AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"  # noqa: E501
_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tile_settings() -> dict[str, Any]:
    """What basemap.js needs: the layers, their coordinate system and attribution.

    ``layers`` is empty for "none" (and for Tianditu without a key): the plain map."""
    conf = settings.YIZHAN
    provider = str(conf.get("TILES") or "none")
    review = str(conf.get("TILE_REVIEW_NO") or "")
    layers: list[dict[str, Any]] = []
    attribution = ""
    crs = str(conf.get("TILE_CRS") or "wgs84")
    if provider == "tianditu":
        key = str(conf.get("TIANDITU_TILE_KEY") or "")
        if key:
            sub = "01234567"
            layers = [
                {"url": _TIANDITU.replace("{layer}", "vec") + key, "subdomains": sub},
                {"url": _TIANDITU.replace("{layer}", "cva") + key, "subdomains": sub},
            ]
        attribution = _("© 天地图 国家地理信息公共服务平台")
        crs = "wgs84"
    elif provider == "amap":
        layers = [{"url": _AMAP, "subdomains": "1234"}]
        attribution = _("© 高德地图 AutoNavi")
        crs = "gcj02"
    elif provider == "osm":
        layers = [{"url": _OSM, "subdomains": "abc"}]
        attribution = "© OpenStreetMap contributors"
        crs = "wgs84"
    elif provider == "custom" and conf.get("TILE_URL"):
        layers = [{"url": str(conf["TILE_URL"]), "subdomains": "abc"}]
        attribution = str(conf.get("TILE_ATTRIBUTION") or "")
    else:
        provider, crs = "none", "wgs84"
    if review:
        attribution = f"{attribution} · {_('审图号')}:{review}" if attribution else review
    return {
        "provider": provider,
        "layers": layers,
        "crs": crs,
        "attribution": attribution,
        "max_zoom": 18,
    }


def street_centres(rows: Iterable[tuple[str, float | None, float | None]]) -> list[dict[str, Any]]:
    """Each street's (region's) name at the mean WGS-84 position of its stations on the map.

    ``rows`` are (region name, lon, lat), one per station; stations without a position or
    region are skipped.

    >>> street_centres([("道里", 126.6, 45.7), ("道里", 126.62, 45.72), ("南岗", 126.7, 45.7)])
    [{'name': '南岗', 'lon': 126.7, 'lat': 45.7, 'count': 1}, {'name': '道里', 'lon': 126.61, 'lat': 45.71, 'count': 2}]
    """  # noqa: E501
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for name, lon, lat in rows:
        if not name or lon is None or lat is None:
            continue
        acc = sums[name]
        acc[0] += float(lon)
        acc[1] += float(lat)
        acc[2] += 1
    return [
        {
            "name": name,
            "lon": round(lon / n, 6),
            "lat": round(lat / n, 6),
            "count": int(n),
        }
        for name, (lon, lat, n) in sorted(sums.items())
    ]
