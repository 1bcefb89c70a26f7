"""Stations along a route, against brute force and on cases worked by hand."""

import numpy as np
import pytest

from geoplan.route import along_route, densify, segment_lengths_m
from geoplan.spatial import EARTH_RADIUS_M, StationIndex


def test_corridor_keeps_near_stations_in_route_order():
    # An L-shaped route: 2 km east, then 2 km north. Stations beside each leg and one far.
    lat0, lon0 = 45.76, 126.6
    mx = np.pi / 180 * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    my = np.pi / 180 * EARTH_RADIUS_M
    route_x, route_y = np.array([0, 2000, 2000]), np.array([0, 0, 2000])
    # (x, y) in metres: beside the 2nd leg, beside the 1st leg, 1 km away, at the corner.
    sx = np.array([2150, 500, 1000, 2000])
    sy = np.array([1500, -100, 1000, 0])
    index = StationIndex.build(lon_deg=lon0 + sx / mx, lat_deg=lat0 + sy / my)
    hits = along_route(index, lon0 + route_x / mx, lat0 + route_y / my, max_off_m=200)
    assert hits.index.tolist() == [1, 3, 0]
    assert hits.off_route_m == pytest.approx([100, 0, 150], abs=1)
    assert hits.along_m == pytest.approx([500, 2000, 3500], abs=3)


def test_no_station_in_the_corridor_is_missed_on_a_long_route():
    rng = np.random.default_rng(7)
    lon = rng.uniform(120, 122, 5_000)
    lat = rng.uniform(30, 32, 5_000)
    index = StationIndex.build(lon_deg=lon, lat_deg=lat)
    route_lon = np.array([120.1, 121.9, 121.0])
    route_lat = np.array([30.1, 31.0, 31.9])  # ~ 290 km
    hits = along_route(index, route_lon, route_lat, max_off_m=1_000)
    # Brute force on a dense sampling of the route (every 20 m, so within 10 m).
    dense_lon, dense_lat = densify(route_lon, route_lat, 20.0)
    kx = np.pi / 180 * EARTH_RADIUS_M * np.cos(np.radians(lat))
    ky = np.pi / 180 * EARTH_RADIUS_M
    best = np.full(len(lon), np.inf)
    for a in range(0, len(dense_lon), 500):
        dx = (lon[:, None] - dense_lon[None, a : a + 500]) * kx[:, None]
        dy = (lat[:, None] - dense_lat[None, a : a + 500]) * ky
        best = np.minimum(best, np.hypot(dx, dy).min(axis=1))
    expected = set(np.flatnonzero(best <= 990).tolist())
    got = set(hits.index.tolist())
    assert expected <= got
    assert got <= set(np.flatnonzero(best <= 1_010).tolist())
    assert np.all(np.diff(hits.along_m) >= 0)
    # Chainage follows the drawn segments: their length within 0.01 %.
    assert hits.along_m[-1] <= segment_lengths_m(route_lon, route_lat).sum() * 1.0001


def test_bad_routes_are_refused():
    index = StationIndex.build(lon_deg=np.array([126.6]), lat_deg=np.array([45.7]))
    with pytest.raises(ValueError):
        along_route(index, np.array([126.6]), np.array([45.7]), max_off_m=100)
    with pytest.raises(ValueError):
        along_route(index, np.array([126.6, 126.7]), np.array([45.7, 45.7]), max_off_m=0)
