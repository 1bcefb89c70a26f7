"""Coordinates a person or a client typed: which system they are in (WGS-84, GCJ-02 for
Amap and Tencent, BD-09 for Baidu), checked for swapped or foreign points and converted to
the WGS-84 the registry stores. Pure rules over plain values (no database); the registry's
forms and imports and the finder's queries all say the same words for the same mistake.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from geoplan.borders import Territory
from geoplan.crs import CRS, out_of_china, to_wgs84
from yizhan.core.errors import RuleError

log = logging.getLogger(__name__)

# Mainland China plus Hainan/South China Sea islands, generously boxed (WGS-84).
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)


def parse_crs(value: str | None, default: CRS = CRS.WGS84) -> CRS:
    """Accept "wgs84", "WGS-84", "GCJ02", "gcj-02", "BD09", "百度", "高德"...

    >>> parse_crs("GCJ-02"), parse_crs("百度"), parse_crs("")
    (<CRS.GCJ02: 'gcj02'>, <CRS.BD09: 'bd09'>, <CRS.WGS84: 'wgs84'>)
    """
    text = (value or "").strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if not text:
        return default
    aliases = {
        "wgs84": CRS.WGS84,
        "gps": CRS.WGS84,
        "gcj02": CRS.GCJ02,
        "高德": CRS.GCJ02,
        "腾讯": CRS.GCJ02,
        "火星": CRS.GCJ02,
        "bd09": CRS.BD09,
        "bd09ll": CRS.BD09,
        "百度": CRS.BD09,
    }
    if text not in aliases:
        raise RuleError("crs", f"未知坐标系 “{value}”，应为 WGS84、GCJ02 或 BD09")
    return aliases[text]


def coordinates_to_wgs84(lon: object, lat: object, crs: CRS | str) -> tuple[float, float]:
    """Check a point entered in ``crs`` and return it in WGS-84 (lon, lat).

    >>> coordinates_to_wgs84(126.6175, 45.7733, "wgs84")
    (126.6175, 45.7733)
    >>> coordinates_to_wgs84(45.7733, 126.6175, "wgs84")
    Traceback (most recent call last):
    ...
    yizhan.core.errors.RuleError: 经纬度可能填反了：经度 45.7733、纬度 126.6175；中国境内经度约73–135，纬度约4–54
    """
    try:
        lon_f = float(str(lon).strip())
        lat_f = float(str(lat).strip())
    except (TypeError, ValueError):
        field = "lon" if not _is_number(lon) else "lat"
        raise RuleError(field, "经纬度必须是数字(十进制度)") from None
    in_box = CHINA_LAT[0] <= lat_f <= CHINA_LAT[1] and CHINA_LON[0] <= lon_f <= CHINA_LON[1]
    swapped = CHINA_LAT[0] <= lon_f <= CHINA_LAT[1] and CHINA_LON[0] <= lat_f <= CHINA_LON[1]
    if not in_box and swapped:
        raise RuleError(
            "lon",
            f"经纬度可能填反了：经度 {lon_f}、纬度 {lat_f}；中国境内经度约73–135，纬度约4–54",
        )
    if not (-180 <= lon_f <= 180):
        raise RuleError("lon", f"经度 {lon_f:g} 超出 -180…180")
    if not (-90 <= lat_f <= 90):
        raise RuleError("lat", f"纬度 {lat_f:g} 超出 -90…90")
    if not in_box or out_of_china(lon_f, lat_f):
        raise RuleError("lon", f"坐标 ({lon_f}, {lat_f}) 不在中国境内")
    wgs = to_wgs84(lon_f, lat_f, crs)
    if not in_china(*wgs):
        raise RuleError("lon", f"坐标 ({lon_f}, {lat_f}) 不在中国境内")
    return wgs


# China's outline (Natural Earth 1:50m via the world-atlas npm package: mainland, Hainan,
# Taiwan, Hong Kong, Macao), with a band along the border for the outline's coarseness.
CHINA_OUTLINE = (
    Path(__file__).resolve().parents[2] / "node_modules" / "world-atlas" / "countries-50m.json"
)
CHINA_NAMES = {"China", "Taiwan", "Hong Kong", "Macao"}
BORDER_TOLERANCE_M = 15_000
# The South China Sea islands (三沙) are too small for the 1:50m outline.
SOUTH_CHINA_SEA = (109.6, 7.5, 117.0, 17.5)


@cache
def _china() -> Territory | None:
    try:
        return Territory.from_topojson(CHINA_OUTLINE, CHINA_NAMES)
    except OSError:
        log.warning("China outline %s missing (run npm ci); using a bounding box", CHINA_OUTLINE)
        return None


def in_china(lon: float, lat: float) -> bool:
    """WGS-84 point in China (within 15 km of its border counts).

    >>> in_china(126.6175, 45.7733), in_china(126.978, 37.5665), in_china(105.834, 21.028)
    (True, False, False)
    """
    w, s, e, n = SOUTH_CHINA_SEA
    if w <= lon <= e and s <= lat <= n:
        return True
    outline = _china()
    if outline is None:
        return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]
    return outline.contains(lon, lat, tolerance_m=BORDER_TOLERANCE_M)


def _is_number(value: object) -> bool:
    try:
        float(str(value).strip())
    except (TypeError, ValueError):
        return False
    return True
