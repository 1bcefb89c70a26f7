"""The scenario pipeline on a tiny instance worked out by hand, without the database.

Two stations about 7.8 km apart: A (street R1) open all week, B (street R2) open 08:00–20:00.
Walking 15 minutes at 5 km/h with detour 1.25 reaches 1 km in a straight line.
Demand (total 200):
  p1 100, all week, at A        → covered always
  p2  50, Monday 02:00, at B    → B is shut then: uncovered
  p3  30, Monday 12:00, at B    → covered
  p4  20, all week, 5.6 km from A, far from both → uncovered (nearest station A)
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from geoplan.coverage import Travel
from geoplan.demand import Demand
from yizhan.planning.pipeline import (
    STEPS,
    Band,
    Questions,
    ScenarioInput,
    Sites,
    scenario_answer,
)

A = (126.60, 45.75)
B = (126.70, 45.75)
P4 = (126.62, 45.80)


def hours(*spans: tuple[int, int]) -> np.ndarray:
    """168 flags, open in [a, b) of every day."""
    day = np.zeros(24, dtype=bool)
    for a, b in spans:
        day[a:b] = True
    return np.tile(day, 7)


NIGHT = hours((0, 6), (22, 24))  # 56 hours of the week


def instance(**ask) -> ScenarioInput:
    sites = Sites(
        codes=("A", "B"),
        names=("甲站", "乙站"),
        regions=("R1", "R2"),
        station_of=(0, 1),
        lon=np.array([A[0], B[0]]),
        lat=np.array([A[1], B[1]]),
        open=np.vstack([np.ones(168, dtype=bool), hours((8, 20))]),
        fixed=np.array([True, True]),
    )
    demand = Demand(
        lon=np.array([A[0], B[0], B[0], P4[0]]),
        lat=np.array([A[1], B[1], B[1], P4[1]]),
        weight=np.array([100.0, 50.0, 30.0, 20.0]),
        hour=np.array([-1, 2, 12, -1], dtype=np.int16),
    )
    questions = Questions(
        mode="walk",
        minutes=15.0,
        new_sites=1,
        new_site_hours=np.ones(168, dtype=bool),
        target_share=0.95,
        upgrades=1,
        night_hours="Mo-Su 00:00-06:00,22:00-24:00",
        night=NIGHT,
        buses=1,
        bands=(Band("Monday 2 a.m.", "Mo 02:00-03:00", np.arange(168) == 2),),
        grid_resolution=9,
        overlap_share=0.5,
        method="greedy",
    )
    questions = replace(questions, **ask)
    return ScenarioInput(
        demand=demand,
        travel=Travel(minutes=15.0, speed_kmh=5.0, detour=1.25),
        sites=sites,
        questions=questions,
        region_names={"R1": "一街", "R2": "二街"},
    )


@pytest.fixture(scope="module")
def answer():
    steps: list[str] = []
    out = scenario_answer(instance(), step=steps.append).as_dict()
    assert tuple(steps) == STEPS
    return out


def test_coverage_and_streets(answer):
    s = answer["summary"]
    assert (s["stations"], s["sites"], s["records"], s["candidates"]) == (2, 2, 4, 3)
    assert (s["travel"], s["limit_m"], s["radius_m"]) == ("straight", 1250, 1000)
    assert s["share"] == 0.65  # (100 + 30) / 200
    assert answer["by_region"] == [
        {
            "code": "R1",
            "name": "一街",
            "demand": 120.0,
            "demand_share": 0.6,  # of the 200: the column sums to 100 %
            "share": round(100 / 120, 6),
        },
        {"code": "R2", "name": "二街", "demand": 80.0, "demand_share": 0.4, "share": 0.375},
    ]
    # Monday 02:00: p1's and p4's even share of the hour and all of p2; only p1 covered
    spread = 120 / 168
    assert answer["demand_by_hour"][2] == round((spread + 50) / 200, 8)
    assert answer["by_hour"][2] == round((100 / 168) / (spread + 50), 6)
    assert answer["by_hour"][12] == round((100 / 168 + 30) / (spread + 30), 6)


def test_gaps_overlaps_and_closures(answer):
    # the uncovered weight sits in two hexagons, p2's (50) and p4's (20); p1's is covered
    assert [g["uncovered_share"] for g in answer["gaps"]] == [0.25, 0.1, 0.0]
    assert [g["demand_share"] for g in answer["gaps"]] == [0.4, 0.1, 0.5]
    assert answer["overlaps"] == []  # 7.8 km apart
    # closing B loses p2 and p3 (0.4), closing A loses p1 (0.5): least loss first
    assert [(c["code"], c["loss_share"]) for c in answer["closures"]] == [("B", 0.4), ("A", 0.5)]


def test_new_sites_and_set_cover(answer):
    siting = answer["siting"]
    assert (siting["k"], siting["share_before"], siting["share_after"]) == (1, 0.65, 0.9)
    (site,) = siting["sites"]
    assert (site["gain"], site["gain_share"]) == (50.0, 0.25)
    assert abs(site["lon"] - B[0]) < 0.005 and abs(site["lat"] - B[1]) < 0.005
    cover = answer["set_cover"]
    assert (cover["target"], cover["count"], cover["share_after"]) == (0.95, 2, 1.0)


def test_night_upgrade_and_mobile_band(answer):
    up = answer["upgrades"]
    night_demand = 120 * 56 / 168 + 50  # p1 and p4 spread, p2 at 02:00
    assert up["share_before"] == round((100 * 56 / 168) / night_demand, 6)
    assert up["share_after"] == round((100 * 56 / 168 + 50) / night_demand, 6)
    assert [(u["rank"], u["code"]) for u in up["stations"]] == [(1, "B")]
    (band,) = answer["mobile"]["bands"]
    in_band = 120 / 168 + 50
    assert band["share_before"] == round((100 / 168) / in_band, 6)
    assert band["share_after"] == round((100 / 168 + 50) / in_band, 6)
    assert [round(s["gain"], 6) for s in band["sites"]] == [50.0]


def test_stations_listed_and_the_same_answer_twice(answer):
    assert [(s["code"], s["always"], s["fixed"]) for s in answer["stations"]] == [
        ("A", True, True),
        ("B", False, True),
    ]
    again = scenario_answer(instance()).as_dict()
    for d in (again, answer):
        d["summary"] = {k: v for k, v in d["summary"].items() if k != "seconds"}
    assert again == answer


def test_nothing_asked_nothing_sited():
    out = scenario_answer(instance(target_share=0.6, new_sites=0, upgrades=0)).as_dict()
    assert out["siting"]["sites"] == [] and out["siting"]["share_after"] == 0.65
    assert out["set_cover"]["count"] == 0  # already above the target
    assert out["upgrades"]["stations"] == []


def test_the_pipeline_needs_no_django():
    code = (
        "import sys, yizhan.planning.pipeline; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_suggested_site_has_its_street_and_nearest_place(answer):
    """Without road names, the site is placed from its nearest station: B, in 二街."""
    (site,) = answer["siting"]["sites"]
    assert site["street"] == {"code": "R2", "name": "二街"}
    near = site["near"]
    assert (near["kind"], near["name"], near["address"]) == ("station", "乙站", "")
    assert 0 <= near["m"] < 400 and 0 <= near["dir"] < 8
    # every kind of suggested site carries them: the set cover's, the buses' stops
    for x in answer["set_cover"]["sites"] + answer["mobile"]["bands"][0]["sites"]:
        assert x["street"]["name"] in ("一街", "二街") and x["near"]["kind"] == "station"


def test_with_road_names_a_site_is_at_a_corner_or_beside_a_road():
    from geoplan.network import grid_network

    grid = grid_network(B[0] - 0.01, B[1] - 0.01, rows=23, cols=17, spacing_m=100)
    # east–west edges first (rows × (cols - 1)), then north–south: name each line
    rows, cols = 23, 17
    ew = np.repeat(np.arange(rows), cols - 1)
    ns = rows + np.tile(np.arange(cols), rows - 1)
    names = tuple(f"纬{r + 1}路" for r in range(rows)) + tuple(f"经{c + 1}路" for c in range(cols))
    named = replace(grid, edge_name=np.concatenate([ew, ns]).astype(np.int32), names=names)
    out = scenario_answer(replace(instance(), roads=named)).as_dict()
    (site,) = out["siting"]["sites"]
    assert site["street"]["name"] == "二街"
    near = site["near"]
    assert near["kind"] in ("corner", "road")
    assert all(n.startswith(("纬", "经")) for n in near.get("roads", [near.get("road")]))
    assert near["m"] <= 400


def test_a_network_far_from_the_region_is_said_not_to_overlap():
    """The same instance on a street grid about 1,000 km south: nothing joins it, the
    coverage is 0 and the answer says why instead of calling anything optimal."""
    from geoplan.network import grid_network

    far = grid_network(A[0], A[1] - 9.0, rows=10, cols=10, spacing_m=100)
    data = instance()
    data = replace(data, travel=replace(data.travel, network=far))
    out = scenario_answer(data).as_dict()
    s = out["summary"]
    assert s["share"] == 0.0 and s["no_overlap"] is True
    assert out["siting"]["sites"] == [] and out["siting"]["share_after"] == 0.0
    net = s["network"]
    assert net["demand_off_share"] == 1.0 and net["sites_off"] == 2
    assert net["station_gap_m"] > 990_000 and net["far_count"] == 2


def test_stations_far_from_the_main_network_are_counted():
    """A grid around A only: B (7.8 km east) and its demand are off it."""
    from geoplan.network import grid_network

    near_a = grid_network(A[0] - 0.01, A[1] - 0.01, rows=21, cols=21, spacing_m=100)
    data = instance()
    data = replace(data, travel=replace(data.travel, network=near_a))
    s = scenario_answer(data).as_dict()["summary"]
    assert s["no_overlap"] is False
    net = s["network"]
    assert (net["main_nodes"], net["used_nodes"], net["fragments"]) == (441, 441, 0)
    assert net["far_count"] == 1 and net["far"][0]["code"] == "B"
    assert net["far"][0]["m"] > 6000
    assert net["demand_off_share"] == 0.5  # p2, p3 (at B) and p4: 100 of 200
