"""Base maps (issue 19, point 2), through core/basemap.js, on the finder's station page.

- On Amap tiles (GCJ-02; the tile server faked at the boundary with a blank PNG) a station
  stored at a WGS-84 point is drawn at its GCJ-02 position, the JS transform agrees with
  geoplan/crs.py both ways within 0.5 m, and the attribution carries the 审图号.
- Without tiles, and when the tiles cannot be reached, the map is a plain background with a
  scale bar and the street's name, never a grey box.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from geoplan.crs import gcj02_to_wgs84, wgs84_to_gcj02
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.models import Station

pytestmark = pytest.mark.browser

# A 1x1 transparent PNG: every tile the fake server answers.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
LAT, LON = 45.7733, 126.6175  # 中央大街, Harbin (WGS-84)
# Points across China for the JS-vs-Python comparison (lat, lon).
POINTS = [(45.7733, 126.6175), (39.915, 116.404), (31.2304, 121.4737), (22.5431, 114.0579)]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two (lat, lon) points a few metres apart."""
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


@pytest.fixture
def station(transactional_db: None) -> Station:
    region = Region.objects.create(code="230102001", name="兆麟街道", level=RegionLevel.STREET)
    return Station.objects.create(
        code="MAP-1",
        name="中央大街驿站",
        kind="fixed",
        region=region,
        address="中央大街 1 号",
        lat=LAT,
        lon=LON,
        opening_hours="Mo-Su 08:00-18:00",
        status="active",
    )


def tiles(settings: Any, **values: str) -> None:
    settings.YIZHAN = {**settings.YIZHAN, **values}


def test_amap_tiles_draw_a_wgs84_station_at_its_gcj02_position(
    page: Page, station: Station, settings: Any
) -> None:
    tiles(settings, TILES="amap", TILE_CRS="gcj02", TILE_REVIEW_NO="GS(2024)0001号")
    asked: list[str] = []

    def fake_amap(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)

    page.route("https://webrd0*.is.autonavi.com/**", fake_amap)
    page.goto(f"/s/{station.code}/")
    el = page.locator("#map")
    expect(el).to_have_attribute("data-basemap", "amap")
    expect(el.locator(".leaflet-control-attribution")).to_contain_text("高德")
    expect(el.locator(".leaflet-control-attribution")).to_contain_text("审图号:GS(2024)0001号")
    expect(el.locator(".leaflet-control-scale-line")).to_be_visible()
    drawn = page.evaluate(
        """() => {
          var out = [];
          window.YizhanMap.maps[0].eachLayer(function (l) {
            if (!(l instanceof L.Marker) || !l.options.title) return;
            out.push([l.getLatLng().lat, l.getLatLng().lng]);
          });
          return out;
        }"""
    )
    glon, glat = wgs84_to_gcj02(LON, LAT)
    assert len(drawn) == 1
    assert metres(tuple(drawn[0]), (glat, glon)) < 0.5
    # The shift is real (hundreds of metres here), so the test could tell the difference.
    assert metres((glat, glon), (LAT, LON)) > 100
    assert asked and all("style=8" in url for url in asked)
    # The transform agrees with geoplan/crs.py both ways; a click converts back to WGS-84.
    got = page.evaluate(
        """(points) => points.map(function (p) {
          var g = window.YizhanMap.toMap(p[0], p[1]);
          var w = window.YizhanMap.fromMap({ lat: g[0], lng: g[1] });
          var back = window.YizhanMap.gcj02ToWgs84(p[0], p[1]);
          return [g, [w.lat, w.lon], back];
        })""",
        [list(p) for p in POINTS],
    )
    for (lat, lon), (g, w, back) in zip(POINTS, got, strict=True):
        plon, plat = wgs84_to_gcj02(lon, lat)
        assert metres(tuple(g), (plat, plon)) < 0.5
        assert metres(tuple(w), (lat, lon)) < 0.5
        blon, blat = gcj02_to_wgs84(lon, lat)
        assert metres(tuple(back), (blat, blon)) < 0.5


def test_without_tiles_the_map_shows_street_names_and_a_scale_bar(
    page: Page, station: Station, settings: Any
) -> None:
    # The default: no tile server at all.
    page.goto(f"/s/{station.code}/")
    el = page.locator("#map")
    expect(el).to_have_attribute("data-basemap", "plain")
    expect(el).to_have_class(re.compile(r"\byz-plain\b"))
    expect(el.locator(".yz-street")).to_have_text("兆麟街道")
    expect(el.locator(".yz-street span")).to_be_visible()
    expect(el.locator(".leaflet-control-scale-line")).to_be_visible()
    assert el.locator("img.leaflet-tile").count() == 0
    # Tiles chosen but unreachable (offline, blocked): the same plain map, quickly.
    tiles(settings, TILES="osm", TILE_CRS="wgs84")
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"/s/{station.code}/")
    expect(el).to_have_attribute("data-basemap", "plain")
    expect(el.locator(".yz-street")).to_have_text("兆麟街道")
    expect(el.locator(".leaflet-control-scale-line")).to_be_visible()
