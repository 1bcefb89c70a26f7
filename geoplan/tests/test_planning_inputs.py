"""Demand files, OSM road networks and coverage by hour, on inputs small enough to
check by hand; bad files name the file, the line and the column."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import osmium
import pytest

from geoplan.coverage import Travel, coverage_by_hour, coverage_matrix, covered, gap_cells
from geoplan.demand import Demand, DemandFileError, bbox_inside, combine, read_demand
from geoplan.network import NetworkFileError, load_osm

HARBIN = bbox_inside(126.4, 45.6, 126.9, 45.9)


def problems(text: str, kind: str = "people_flow", **kw) -> list[str]:
    with pytest.raises(DemandFileError) as e:
        read_demand(io.StringIO(text), kind, name="flow.csv", **kw)
    assert str(e.value).startswith("flow.csv")
    return [str(p) for p in e.value.problems]


def test_a_people_flow_file_with_chinese_headers_and_h3_cells_reads():
    import h3

    cell = h3.latlng_to_cell(45.7733, 126.6175, 9)  # Central Street, Harbin
    text = f"网格,时段,人流量\n{cell},12,40\n{cell},13,10\n"
    d = read_demand(io.StringIO(text), "people_flow", name="flow.csv")
    assert d.hour.tolist() == [12, 13] and d.total == 50
    assert 45 < d.lat[0] < 46 and 126 < d.lon[0] < 127


def test_bad_demand_files_name_the_line_and_the_column():
    assert problems("lng,latitude,people\n126.6,45.7,-3\n126.6,abc,1\n") == [
        "第 2 行 people：不能为负数 (-3)",
        "第 3 行 latitude：不是数字 (abc)",
    ]
    assert "缺少列 count" in problems("lon,lat,visitors\n126.6,45.7,3\n")[0]
    assert problems("lon,lat,count,hour_of_week\n126.6,45.7,3,170\n") == [
        "第 2 行 hour_of_week：应为 0–167 的整数 (170)"
    ]
    assert "不是日期时间" in problems("lon,lat,time\n126.6,45.7,yesterday\n", "orders")[0]
    assert problems("lon,lat,count\n", "people_flow") == ["没有数据行"]


def test_points_outside_the_region_are_named():
    found = problems("lon,lat,count\n126.6,45.7,3\n116.4,39.9,5\n", inside=HARBIN)
    assert found == ["第 3 行 点 (116.40000, 39.90000) 不在本辖区内"]


def test_orders_get_their_hour_of_the_week_in_shanghai_time():
    text = "lon,lat,time\n126.6,45.7,2026-12-07 02:30\n126.6,45.7,2026-12-06T18:30:00+00:00\n"
    d = read_demand(io.StringIO(text), "orders", name="orders.csv")
    # Monday 02:30 is hour 2; Sunday 18:30 UTC is Monday 02:30 in Shanghai, too.
    assert d.hour.tolist() == [2, 2]


def test_gcj02_points_are_moved_to_wgs84():
    d = read_demand(io.StringIO("lon,lat\n126.6,45.7\n"), "merchants", name="m.csv", crs="gcj02")
    assert 0.003 < 126.6 - d.lon[0] < 0.008  # GCJ-02 lies a few hundred metres east


def test_parquet_reads_like_csv(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "flow.parquet"
    pq.write_table(pa.table({"lon": [126.6, 126.7], "lat": [45.7, 45.8], "count": [3, 4]}), path)
    assert read_demand(path, "people_flow").total == 7


def test_layers_combine_by_their_weights_not_their_units():
    flow = Demand(np.array([126.6]), np.array([45.7]), np.array([3_000_000.0]))
    orders = Demand(np.array([126.7, 126.8]), np.array([45.7, 45.7]), np.array([1.0, 3.0]))
    both = combine([(flow, 1.0), (orders, 1.0)])
    assert both.weight.tolist() == [1.0, 0.25, 0.75]


def test_at_two_in_the_morning_only_the_24_hour_station_counts():
    # Two points 300 m apart, demand every hour; a day station by one, a 24-hour one by
    # the other.
    d = Demand(
        np.array([126.600, 126.604]),
        np.array([45.75, 45.75]),
        np.array([168.0, 168.0]),
    )
    day = np.zeros(168, bool)
    day[[k * 24 + h for k in range(7) for h in range(8, 20)]] = True
    open_hours = np.vstack([day, np.ones(168, bool)])
    near = Travel(minutes=2, speed_kmh=4.8, detour=1.0)  # 160 m: each reaches only its own
    h = coverage_by_hour(
        near, d, np.array([126.600, 126.604]), np.array([45.75, 45.75]), open_hours
    )
    assert h.by_hour_share[2] == pytest.approx(0.5) and h.by_hour_share[12] == pytest.approx(1.0)
    assert h.share == pytest.approx((12 * 7 * 2 + 12 * 7) / (168 * 2))


def write_pbf(path: Path) -> None:
    """A real .osm.pbf built with pyosmium's writer: a 3 × 3 street grid (≈ 111 m
    between nodes), a footway spur, and a motorway across."""
    w = osmium.SimpleWriter(str(path))
    nid = 1
    ids = {}
    for r in range(3):
        for c in range(3):
            ids[r, c] = nid
            w.add_node(
                osmium.osm.mutable.Node(id=nid, location=(126.6 + c * 0.001431, 45.75 + r * 0.001))
            )
            nid += 1
    w.add_node(osmium.osm.mutable.Node(id=100, location=(126.6 - 0.001431, 45.75)))
    wid = 1
    for r in range(3):
        w.add_way(
            osmium.osm.mutable.Way(
                id=wid, nodes=[ids[r, c] for c in range(3)], tags={"highway": "residential"}
            )
        )
        wid += 1
    for c in range(3):
        w.add_way(
            osmium.osm.mutable.Way(
                id=wid, nodes=[ids[r, c] for r in range(3)], tags={"highway": "residential"}
            )
        )
        wid += 1
    w.add_way(osmium.osm.mutable.Way(id=50, nodes=[100, ids[0, 0]], tags={"highway": "footway"}))
    w.add_way(osmium.osm.mutable.Way(id=51, nodes=[100, ids[2, 2]], tags={"highway": "motorway"}))
    w.close()


def test_a_real_pbf_extract_becomes_a_walking_and_ebike_graph(tmp_path: Path):
    path = tmp_path / "grid.osm.pbf"
    write_pbf(path)
    net = load_osm(path)
    assert net.node_count == 10 and net.edge_count == 13  # 12 streets + the footway
    walk, bike = net.graph("walk"), net.graph("ebike")
    assert walk.nnz == 26 and bike.nnz == 24  # e-bikes stay off the footway
    # From the grid's corner, 5 minutes at 5 km/h (417 m) reach every node within 3
    # blocks (each ≈ 111 m) on foot, and the spur; not the far corner, 4 blocks away.
    reach = net.reach(np.array([126.6]), np.array([45.75]), mode="walk", speed_kmh=5, minutes=5)
    assert np.isfinite(reach.node_m).sum() == 9
    far = net.reach(np.array([126.6]), np.array([45.75]), mode="walk", speed_kmh=5, minutes=2.5)
    assert np.isfinite(far.node_m).sum() == 4  # the corner, its two neighbours, the spur
    # Coverage on the network equals the reach.
    t = Travel(minutes=2.5, speed_kmh=5, network=net, mode="walk")
    grid = np.array([[126.6 + c * 0.001431, 45.75 + r * 0.001] for r in range(3) for c in range(3)])
    hit = covered(t, grid[:, 0], grid[:, 1], np.array([126.6]), np.array([45.75]))
    assert hit.sum() == 3
    a = coverage_matrix(
        t, grid[:, 0], grid[:, 1], np.array([126.6, 126.60286]), np.array([45.75, 45.752])
    )
    assert a.shape == (9, 2) and int(a[:, 0].sum()) == 3


def test_files_that_are_not_road_networks_are_named(tmp_path: Path):
    junk = tmp_path / "roads.osm"
    junk.write_text("this is not xml")
    with pytest.raises(NetworkFileError, match="roads.osm：不是可读的 OSM 文件"):
        load_osm(junk)
    empty = tmp_path / "buildings.osm"
    empty.write_text(
        '<osm version="0.6"><node id="1" lat="45.7" lon="126.6"/>'
        '<node id="2" lat="45.71" lon="126.6"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>'
    )
    with pytest.raises(NetworkFileError, match="没有步行或电动车可走的道路"):
        load_osm(empty)


def test_gap_cells_sum_the_uncovered_demand():
    d = Demand(
        np.array([126.6, 126.6001, 126.7]), np.array([45.7, 45.7, 45.8]), np.array([2.0, 1.0, 4.0])
    )
    cells = gap_cells(d, np.array([2.0, 0.0, 0.0]))
    assert [(c.demand, c.uncovered) for c in cells] == [(4.0, 4.0), (3.0, 1.0)]
