"""Road networks as OSM extracts really come: fragments beside the main streets, named
roads, and extracts of the wrong city. Stations join the largest connected part; a
suggested site is named by its roads; a layer far from the region is seen as such."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geoplan.coverage import Travel, coverage_matrix, covered
from geoplan.extent import overlap
from geoplan.network import RoadNetwork, load_osm
from geoplan.places import RoadNames, compass, nearest_city

LAT0, LON0 = 45.770, 126.610  # Daoli, Harbin
DLAT = 100 / 111_195  # 100 m
DLON = DLAT / np.cos(np.radians(LAT0))


def osm(ways: list[tuple[list[tuple[float, float]], dict[str, str]]]) -> str:
    """An .osm document: each way a list of (lon, lat) and its tags; nodes at the same
    place (to 7 decimals) are one node, as in OSM."""
    ids: dict[tuple[float, float], int] = {}
    nodes, body = [], []
    for w, (pts, tags) in enumerate(ways, start=1):
        refs = []
        for lon, lat in pts:
            key = (round(lon, 7), round(lat, 7))
            if key not in ids:
                ids[key] = len(ids) + 1
                nodes.append(f'<node id="{ids[key]}" lat="{key[1]:.7f}" lon="{key[0]:.7f}"/>')
            refs.append(f'<nd ref="{ids[key]}"/>')
        tag = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body.append(f'<way id="{w}">{"".join(refs)}{tag}</way>')
    return f'<osm version="0.6">{"".join(nodes)}{"".join(body)}</osm>'


def grid_ways(
    rows: int, cols: int, lon0: float = LON0, lat0: float = LAT0, named: bool = True
) -> list[tuple[list[tuple[float, float]], dict[str, str]]]:
    """A grid of rows × cols nodes 100 m apart: east–west 一道街… and north–south 一大街…"""
    out = []
    for r in range(rows):
        tags = {"highway": "residential", **({"name": f"{r + 1}道街"} if named else {})}
        out.append(([(lon0 + c * DLON, lat0 + r * DLAT) for c in range(cols)], tags))
    for c in range(cols):
        tags = {"highway": "residential", **({"name": f"{c + 1}大街"} if named else {})}
        out.append(([(lon0 + c * DLON, lat0 + r * DLAT) for r in range(rows)], tags))
    return out


@pytest.fixture
def city(tmp_path: Path) -> tuple[RoadNetwork, tuple[float, float]]:
    """A 6 × 6 street grid (500 m square) and, 300 m east of it, a car park's aisles: a
    31-node parking fragment reaching 59 m, joined to nothing. The station stands 20 m
    from the car park and 250 m from the grid's nearest corner."""
    ways = grid_ways(6, 6)
    park_lon = LON0 + 5 * DLON + 3.0 * DLON  # 300 m east of the grid's east edge
    aisle = [(park_lon + i * (59 / 30) / 100 * DLON, LAT0) for i in range(31)]  # 59 m
    ways.append((aisle, {"highway": "service", "service": "parking_aisle"}))
    path = tmp_path / "daoli.osm"
    path.write_text(osm(ways))
    station = (park_lon - 0.2 * DLON, LAT0)  # 20 m west of the car park's first node
    return load_osm(path), station


def test_a_station_beside_a_fragment_joins_the_main_streets(city):
    net, (slon, slat) = city
    parts = net.parts("walk")
    assert (parts.main_nodes, parts.used_nodes, parts.others) == (36, 67, 1)
    node, off = net.snap(np.array([slon]), np.array([slat]), "walk")
    # The grid's south-east corner (node 6 of the first row), 280 m away, not the car park.
    assert net.lon[node[0]] == pytest.approx(LON0 + 5 * DLON)
    assert off[0] == pytest.approx(280, abs=2)
    # Walking 15 minutes (1,250 m): the station reaches the grid's far corner (280 m to
    # the road, then 1,000 m along it is too far) but the middle of the grid, yes.
    travel = Travel(minutes=15, speed_kmh=5, detour=1.0, network=net, mode="walk")
    middle = (np.array([LON0 + 3 * DLON]), np.array([LAT0 + 2 * DLAT]))
    far = (np.array([LON0]), np.array([LAT0 + 5 * DLAT]))
    assert covered(travel, *middle, np.array([slon]), np.array([slat])).tolist() == [True]
    assert covered(travel, *far, np.array([slon]), np.array([slat])).tolist() == [False]
    # The same in the coverage matrix the solvers use.
    a = coverage_matrix(
        travel,
        np.array([middle[0][0], far[0][0]]),
        np.array([middle[1][0], far[1][0]]),
        np.array([slon]),
        np.array([slat]),
    )
    assert a.toarray().ravel().tolist() == [1, 0]


def test_a_fragment_larger_than_nothing_but_smaller_than_the_city_is_left(tmp_path):
    """Two parts of 4 and 9 nodes: the 9 win whichever is read first."""
    small = grid_ways(2, 2, lon0=LON0 + 20 * DLON, named=False)
    big = grid_ways(3, 3, named=False)
    for order in ((small + big), (big + small)):
        path = tmp_path / "two.osm"
        path.write_text(osm(order))
        net = load_osm(path)
        assert net.parts("ebike").main_nodes == 9
        node, _off = net.snap(np.array([LON0 + 19 * DLON]), np.array([LAT0]), "ebike")
        assert net.lon[node[0]] == pytest.approx(LON0 + 2 * DLON)


def test_road_names_are_kept_and_travel_through_storage(tmp_path):
    ways = grid_ways(3, 3)
    ways[0][1]["name:zh"] = "中央大街"  # the Chinese name wins over the plain one
    ways[1][1].pop("name")
    ways[1][1]["ref"] = "X123"  # a road known only by its number
    path = tmp_path / "named.osm"
    path.write_text(osm(ways))
    net = load_osm(path)
    assert net.edge_name is not None
    assert set(net.names) == {"中央大街", "X123", "3道街", "1大街", "2大街", "3大街"}
    again = RoadNetwork.from_bytes(net.to_bytes())
    assert again.names == net.names and again.edge_name.tolist() == net.edge_name.tolist()
    # A network kept before names were: it reads, without names, and places by nothing.
    bare = RoadNetwork(net.lon, net.lat, net.tail, net.head, net.length_m, net.modes)
    old = RoadNetwork.from_bytes(bare.to_bytes())
    assert old.names == () and old.edge_name is None and RoadNames.of(old) is None


def test_a_site_is_named_by_its_corner_or_its_road(tmp_path):
    path = tmp_path / "named.osm"
    path.write_text(osm(grid_ways(6, 6)))
    roads = RoadNames.of(load_osm(path))
    assert roads is not None
    # 30 m from the crossing of 3道街 (row 3) and 4大街 (column 4)
    at = (np.array([LON0 + 3 * DLON + 0.3 * DLON]), np.array([LAT0 + 2 * DLAT]))
    ((a, b, m),) = roads.corner(*at, within_m=120)
    assert {a, b} == {"3道街", "4大街"} and m == pytest.approx(30, abs=1)
    # Half-way along a block of 3道街, 40 m north of it: 50 m from either corner's
    # cross street, so the road it faces is 3道街, 40 m away.
    mid = (np.array([LON0 + 2.5 * DLON]), np.array([LAT0 + 2.4 * DLAT]))
    assert roads.corner(*mid, within_m=60) == [None]
    assert roads.road(*mid, within_m=400) == [("3道街", 40.0)]
    # 1 km outside the grid: no corner, no road within 400 m.
    out = (np.array([LON0 - 10 * DLON]), np.array([LAT0]))
    assert roads.corner(*out, within_m=120) == [None] and roads.road(*out, within_m=400) == [None]


def test_the_compass_and_the_cities():
    assert [compass(0, 0, x, y) for x, y in ((0, 1), (1, 1), (1, 0), (0, -1), (-1, 1))] == [
        0,
        1,
        2,
        4,
        7,
    ]
    assert nearest_city(126.62, 45.76) == ("哈尔滨", "Harbin")
    assert nearest_city(123.40, 41.82) == ("沈阳", "Shenyang")
    assert nearest_city(126.6, 36.8) is None  # the Yellow Sea


def test_a_layer_of_another_city_does_not_overlap_the_region(tmp_path):
    path = tmp_path / "daoli.osm"
    path.write_text(osm(grid_ways(6, 6)))
    net = load_osm(path)
    stations = (np.array([LON0 + 1 * DLON, LON0 + 4 * DLON]), np.array([LAT0, LAT0 + 3 * DLAT]))
    assert overlap(net.lon, net.lat, *stations, near_m=1000).kind == "full"
    # The same extract moved about 1,000 km south (9°): nothing near, and it says how far.
    far = overlap(net.lon, net.lat - 9.0, *stations, near_m=1000)
    assert far.kind == "none" and far.near == 0
    assert far.distance_m == pytest.approx(1_000_800, rel=0.01)
    assert far.gap_m > 990_000
    # A station 3 km east of the grid: partly covered.
    wider = (np.append(stations[0], LON0 + 35 * DLON), np.append(stations[1], LAT0))
    part = overlap(net.lon, net.lat, *wider, near_m=1000)
    assert (part.kind, part.near, part.points) == ("partial", 2, 3)
