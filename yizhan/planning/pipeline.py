"""A scenario's computation as a pure pipeline: arrays in, one answer out.

No database here (and no Django): ``planning/services.py`` turns the registry and the
uploaded layers into a `ScenarioInput` — the sites with their 168-hour open masks, the
weighted demand, the travel settings and the questions asked, each hour rule already
turned into a mask of the reference week — and keeps the `ScenarioAnswer` this returns.

`scenario_answer` asks geoplan, in order: coverage by hour and by street, the gap
hexagons, overlapping pairs, the next ``new_sites`` sites, the fewest sites that reach
``target_share``, closure candidates, 24-hour upgrades and the mobile stations'
timetable. ``step(name)`` is called before each step (progress, and a cancel between
steps). Everything is deterministic: the same input gives the same answer.

Every suggested site (a new station, a set-cover site, a mobile stop) carries its
``street`` — the street of its nearest station, as the per-street table counts demand —
and ``near``, the nearest place a person can find: the corner of two named roads
(``corner``), else a named road and how far (``road``), both from the road network's
OSM names, else the nearest station, its address, direction and distance
(``station``). The words are the page's (`planning/words.py`): the answer stays in data.

On a road network the answer also says how the stations joined it (``summary.network``):
the network's largest connected part, the stations further than ``SNAP_FAR_M`` from it,
and whether the network misses the stations or the demand altogether
(``summary.no_overlap``), when its "0 %" is no finding and nothing is optimal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geoplan.coverage import (
    Travel,
    coverage_matrix,
    gap_cells,
    nearest_site,
    overlapping_pairs,
    pattern_reach,
)
from geoplan.demand import Demand
from geoplan.location import MaximalCovering, Method, SetCovering, marginal_loss
from geoplan.network import Mode, RoadNetwork
from geoplan.places import RoadNames, compass, great_circle_m, round_m

HOURS_PER_WEEK = 168
#: The steps `scenario_answer` reports, in order.
STEPS = ("coverage", "gaps", "siting", "set_cover", "closures", "mobile")
#: A station further than this from the road network's main part is named in the answer.
SNAP_FAR_M = 200.0
#: A suggested site is "at the corner of A and B" within this of the crossing …
CORNER_WITHIN_M = 120.0
#: … else "N m from A" within this of a named road, else placed from the nearest station.
ROAD_WITHIN_M = 400.0


@dataclass(frozen=True)
class Sites:
    """Where people can rest: one row per fixed or smart station, one per timetabled
    stop of a mobile station (the stops share their station)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    regions: tuple[str, ...]  # the street (region code) of each site
    station_of: tuple[int, ...]  # the station behind each site
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    open: NDArray[np.bool_]  # (sites, 168): open in that hour of the reference week
    fixed: NDArray[np.bool_]  # not a mobile stop
    addresses: tuple[str, ...] = ()  # the station's (a stop's own) address, if known

    @property
    def always(self) -> NDArray[np.bool_]:
        """Open all 168 hours."""
        out: NDArray[np.bool_] = (
            self.open.all(axis=1) if len(self.codes) else np.zeros(0, dtype=bool)
        )
        return out


@dataclass(frozen=True)
class Band:
    """A time band the mobile stations should serve."""

    label: str
    hours: str  # the rule, shown back
    mask: NDArray[np.bool_]  # 168


@dataclass(frozen=True)
class Questions:
    """What the officer asked (values shown back in the answer as given)."""

    mode: str
    minutes: float
    new_sites: int
    new_site_hours: NDArray[np.bool_]  # 168: when a new site would be open
    target_share: float
    upgrades: int
    night_hours: str  # the rule, shown back
    night: NDArray[np.bool_]  # 168
    buses: int
    bands: tuple[Band, ...]
    grid_resolution: int  # H3 resolution of the candidate sites
    overlap_share: float
    method: Method  # "auto", "greedy" or "exact"


@dataclass(frozen=True)
class ScenarioInput:
    demand: Demand
    travel: Travel
    sites: Sites
    questions: Questions
    region_names: Mapping[str, str] = field(default_factory=dict)  # street code → name
    #: Where road names come from (the travel network by default; any of the region's).
    roads: RoadNetwork | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ScenarioAnswer:
    """The answer, in the shape kept as a scenario's result (`as_dict`)."""

    summary: dict[str, Any]
    by_hour: list[float]
    demand_by_hour: list[float]
    by_region: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    overlaps: list[dict[str, Any]]
    siting: dict[str, Any]
    set_cover: dict[str, Any]
    closures: list[dict[str, Any]]
    upgrades: dict[str, Any]
    mobile: dict[str, Any]
    stations: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "by_hour": self.by_hour,
            "demand_by_hour": self.demand_by_hour,
            "by_region": self.by_region,
            "gaps": self.gaps,
            "overlaps": self.overlaps,
            "siting": self.siting,
            "set_cover": self.set_cover,
            "closures": self.closures,
            "upgrades": self.upgrades,
            "mobile": self.mobile,
            "stations": self.stations,
        }


def candidates(demand: Demand, resolution: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Candidate sites: the centre of every H3 cell (resolution 9: 0.1 km², about 350 m
    apart) that holds demand."""
    import h3

    spots = np.unique(np.round(np.column_stack([demand.lon, demand.lat]), 5), axis=0)
    cells = sorted({h3.latlng_to_cell(float(y), float(x), resolution) for x, y in spots})
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=float).reshape(-1, 2)
    return centres[:, 1].copy(), centres[:, 0].copy()


def _share(x: float, total: float) -> float:
    return round(x / total, 6) if total else 0.0


class Places:
    """Each candidate's street and nearest named place (see the module), worked out once
    for the candidates some answer picks."""

    def __init__(
        self,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        sites: Sites,
        region_names: Mapping[str, str],
        roads: RoadNetwork | None,
    ) -> None:
        self.lon, self.lat, self.sites, self.region_names = lon, lat, sites, region_names
        self.roads = RoadNames.of(roads) if roads is not None else None
        self.known: dict[int, dict[str, Any]] = {}

    def of(self, picked: NDArray[np.intp]) -> list[dict[str, Any]]:
        new = np.array(sorted({int(j) for j in picked} - self.known.keys()), dtype=np.intp)
        if len(new):
            for j, place in zip(new.tolist(), self._work_out(new), strict=True):
                self.known[j] = place
        return [self.known[int(j)] for j in picked]

    def _work_out(self, js: NDArray[np.intp]) -> list[dict[str, Any]]:
        lon, lat, sites = self.lon[js], self.lat[js], self.sites
        out: list[dict[str, Any]] = [{"street": None, "near": None} for _ in js]
        if len(sites.codes):
            nearest = nearest_site(lon, lat, sites.lon, sites.lat)
            for row, k in zip(out, nearest.tolist(), strict=True):
                code = sites.regions[k]
                row["street"] = {"code": code, "name": self.region_names.get(code, code)}
        corners = roads = None
        if self.roads is not None:
            corners = self.roads.corner(lon, lat, within_m=CORNER_WITHIN_M)
            roads = self.roads.road(lon, lat, within_m=ROAD_WITHIN_M)
        for i, row in enumerate(out):
            if corners is not None and (c := corners[i]) is not None:
                row["near"] = {"kind": "corner", "roads": [c[0], c[1]], "m": c[2]}
            elif roads is not None and (r := roads[i]) is not None:
                row["near"] = {"kind": "road", "road": r[0], "m": r[1]}
            elif len(sites.codes):
                k = int(nearest[i])
                m = float(
                    great_circle_m(
                        float(sites.lon[k]), float(sites.lat[k]), lon[i : i + 1], lat[i : i + 1]
                    )[0]
                )
                row["near"] = {
                    "kind": "station",
                    "name": sites.names[k],
                    "address": sites.addresses[k] if sites.addresses else "",
                    "m": round_m(m),
                    # from the station to the site: "350 m north-east of the station"
                    "dir": compass(float(sites.lon[k]), float(sites.lat[k]), lon[i], lat[i]),
                }
        return out


def _site_rows(
    result: Any,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    total: float,
    places: Places,
) -> list[dict[str, Any]]:
    where = places.of(np.asarray(result.selected, dtype=np.intp))
    return [
        {
            "rank": r + 1,
            "lon": round(float(lon[j]), 6),
            "lat": round(float(lat[j]), 6),
            "gain": round(float(g), 6),
            "gain_share": _share(float(g), total),
            **place,
        }
        for r, (j, g, place) in enumerate(zip(result.selected, result.gains, where, strict=True))
    ]


def network_fit(
    travel: Travel, demand: Demand, sites: Sites, mode: str
) -> tuple[dict[str, Any] | None, bool]:
    """How the stations and the demand join the road network (None without one), and
    whether the network misses either altogether (no overlap: its coverage is no finding).

    A point joins at the nearest node of the network's largest connected part; a point
    further from it than the travel limit can never be reached.
    """
    net = travel.network
    if net is None:
        return None, False
    m: Mode = "ebike" if mode == "ebike" else "walk"
    parts = net.parts(m)
    limit = travel.limit_m
    _dn, d_off = net.snap(demand.lon, demand.lat, m)
    off_weight = float(demand.weight[d_off > limit].sum())
    out: dict[str, Any] = {
        "main_nodes": parts.main_nodes,
        "used_nodes": parts.used_nodes,
        "fragments": parts.others,
        "far_m": SNAP_FAR_M,
        "far_count": 0,
        "far": [],
        "demand_off_share": _share(off_weight, demand.total),
        "demand_gap_m": round(float(d_off.min())) if demand.size else 0,
        "sites_off": 0,
        "station_gap_m": 0,
    }
    no_overlap = bool(demand.size) and off_weight >= demand.total
    if len(sites.codes):
        _sn, off = net.snap(sites.lon, sites.lat, m)
        far = np.flatnonzero(off > SNAP_FAR_M)
        far = far[np.lexsort((far, -off[far]))]  # furthest first
        out["far_count"] = len(far)
        out["far"] = [
            {"code": sites.codes[k], "name": sites.names[k], "m": round(float(off[k]))}
            for k in far[:20]
        ]
        out["sites_off"] = int((off > limit).sum())
        out["station_gap_m"] = round(float(off.min()))
        no_overlap = no_overlap or out["sites_off"] == len(sites.codes)
    return out, no_overlap


def scenario_answer(
    data: ScenarioInput,
    *,
    step: Callable[[str], None] = lambda _s: None,
    started: float | None = None,
) -> ScenarioAnswer:
    """The whole answer for one scenario. ``started`` (a `time.perf_counter` reading)
    is when the run began, for the seconds it reports; by default, now."""
    started = time.perf_counter() if started is None else started
    demand, travel, sites, q = data.demand, data.travel, data.sites, data.questions
    total = demand.total

    step("coverage")
    reach = pattern_reach(travel, demand, sites.lon, sites.lat, sites.open)
    hourly = reach.hourly()
    night_demand = float(demand.in_hours(q.night).sum())
    night_unc = reach.uncovered_in(q.night)
    # per street: each record goes to the street of its nearest station
    by_region: list[dict[str, Any]] = []
    if len(sites.lon):
        codes = np.array(sites.regions)[nearest_site(demand.lon, demand.lat, sites.lon, sites.lat)]
        for code in sorted(set(codes.tolist())):
            mask = codes == code
            d = float(demand.weight[mask].sum())
            c = float(hourly.covered_weight[mask].sum())
            by_region.append(
                {
                    "code": code,
                    "name": data.region_names.get(code, code),
                    "demand": round(d, 6),
                    # The street's part of all the demand: the column sums to 100 %.
                    "demand_share": _share(d, total),
                    "share": _share(c, d),
                }
            )

    step("gaps")
    gaps = gap_cells(demand, hourly.covered_weight, resolution=8)
    fixed_idx = np.flatnonzero(sites.fixed)
    a_fixed = coverage_matrix(
        travel, demand.lon, demand.lat, sites.lon[fixed_idx], sites.lat[fixed_idx]
    )
    overlaps = [
        {
            "a": sites.codes[fixed_idx[o.a]],
            "a_name": sites.names[fixed_idx[o.a]],
            "b": sites.codes[fixed_idx[o.b]],
            "b_name": sites.names[fixed_idx[o.b]],
            "shared_share": _share(o.shared, total),
            "share": round(o.share, 4),
            "a_lonlat": [float(sites.lon[fixed_idx[o.a]]), float(sites.lat[fixed_idx[o.a]])],
            "b_lonlat": [float(sites.lon[fixed_idx[o.b]]), float(sites.lat[fixed_idx[o.b]])],
        }
        for o in overlapping_pairs(a_fixed, demand.weight, min_share=q.overlap_share)[:50]
    ]

    step("siting")
    cand_lon, cand_lat = candidates(demand, q.grid_resolution)
    places = Places(
        cand_lon,
        cand_lat,
        sites,
        data.region_names,
        data.roads if data.roads is not None else travel.network,
    )
    a_cand = coverage_matrix(travel, demand.lon, demand.lat, cand_lon, cand_lat)
    gain_w = reach.uncovered_in(q.new_site_hours)
    base = float(hourly.covered_weight.sum())
    mclp = MaximalCovering.from_matrix(a_cand, gain_w, base_weight=base, total_weight=total)
    siting = mclp.solve(q.new_sites, method=q.method, time_limit_s=60)

    step("set_cover")
    set_cover: dict[str, Any]
    try:
        scp = SetCovering.from_matrix(a_cand, gain_w, base_weight=base, total_weight=total).solve(
            q.target_share, method=q.method, time_limit_s=60
        )
        set_cover = {
            "target": q.target_share,
            "count": int(scp.selected.size),
            "share_after": round(scp.covered_share, 6),
            "optimal": scp.optimal,
            "sites": _site_rows(scp, cand_lon, cand_lat, total, places),
        }
    except ValueError:
        best = base + float(gain_w[np.asarray(a_cand.sum(axis=1)).ravel() > 0].sum())
        set_cover = {
            "target": q.target_share,
            "count": None,
            "unreachable": True,
            "best_share": _share(best, total),
            "sites": [],
        }

    step("closures")
    loss = marginal_loss(a_fixed, demand.weight)
    closures = sorted(
        (
            {
                "code": sites.codes[fixed_idx[j]],
                "name": sites.names[fixed_idx[j]],
                "loss_share": _share(float(loss[j]), total),
                "lonlat": [float(sites.lon[fixed_idx[j]]), float(sites.lat[fixed_idx[j]])],
            }
            for j in range(len(fixed_idx))
        ),
        key=lambda r: (r["loss_share"], r["code"]),
    )[:15]
    # the fixed stations not open all night: columns of the fixed stations' matrix
    always = sites.always
    part_time = np.flatnonzero(~always[fixed_idx])
    up_idx = fixed_idx[part_time]
    a_up = a_fixed[:, part_time]
    night_base = night_demand - float(night_unc.sum())
    ups = MaximalCovering.from_matrix(
        a_up, night_unc, base_weight=night_base, total_weight=night_demand
    ).solve(min(q.upgrades, len(up_idx)), method=q.method, time_limit_s=30)
    upgrades = {
        "night_hours": q.night_hours,
        "share_before": _share(night_base, night_demand),
        "share_after": round(ups.covered_share, 6),
        "stations": [
            {
                "rank": r + 1,
                "code": sites.codes[up_idx[j]],
                "name": sites.names[up_idx[j]],
                "gain_share": _share(float(g), night_demand),
                "lonlat": [float(sites.lon[up_idx[j]]), float(sites.lat[up_idx[j]])],
            }
            for r, (j, g) in enumerate(zip(ups.selected, ups.gains, strict=True))
            if g > 0
        ],
    }

    step("mobile")
    bands = []
    for b in q.bands:
        in_band = float(demand.in_hours(b.mask).sum())
        unc = reach.uncovered_in(b.mask)
        band_base = in_band - float(unc.sum())
        r = MaximalCovering.from_matrix(
            a_cand, unc, base_weight=band_base, total_weight=in_band
        ).solve(q.buses, method=q.method, time_limit_s=30)
        bands.append(
            {
                "label": b.label,
                "hours": b.hours,
                "share_before": _share(band_base, in_band),
                "share_after": round(r.covered_share, 6),
                "sites": [
                    s for s in _site_rows(r, cand_lon, cand_lat, in_band, places) if s["gain"] > 0
                ],
            }
        )

    fit, no_overlap = network_fit(travel, demand, sites, q.mode)
    return ScenarioAnswer(
        summary={
            "stations": len(set(sites.station_of)),
            "sites": len(sites.codes),
            "records": demand.size,
            "candidates": len(cand_lon),
            "travel": "network" if travel.network else "straight",
            "mode": q.mode,
            "minutes": q.minutes,
            "limit_m": round(travel.limit_m),
            "radius_m": round(travel.radius_m),
            "share": round(hourly.share, 6),
            "night_share": upgrades["share_before"],
            "network": fit,
            "no_overlap": no_overlap,
            "seconds": round(time.perf_counter() - started, 3),
        },
        by_hour=[round(float(x), 6) for x in hourly.by_hour_share],
        demand_by_hour=[round(float(x) / total, 8) for x in hourly.demand_by_hour],
        by_region=by_region,
        gaps=[
            {
                "cell": g.cell,
                "lon": round(g.lon, 6),
                "lat": round(g.lat, 6),
                "demand_share": _share(g.demand, total),
                "uncovered_share": _share(g.uncovered, total),
            }
            for g in gaps[:400]
        ],
        overlaps=overlaps,
        siting={
            "k": q.new_sites,
            "share_before": round(siting.base_share, 6),
            "share_after": round(siting.covered_share, 6),
            "method": siting.method,
            "optimal": siting.optimal,
            "gap_pp": None if siting.gap_pp is None else round(siting.gap_pp, 4),
            # A site that wins nothing is no suggestion (when the k asked exceed what
            # helps, or when nothing joins the road network).
            "sites": [
                x for x in _site_rows(siting, cand_lon, cand_lat, total, places) if x["gain"] > 0
            ],
        },
        set_cover=set_cover,
        closures=closures,
        upgrades=upgrades,
        mobile={"buses": q.buses, "bands": bands},
        stations=[
            {
                "code": c,
                "name": n,
                "lon": float(x),
                "lat": float(y),
                "always": bool(a),
                "fixed": bool(f),
            }
            for c, n, x, y, a, f in zip(
                sites.codes,
                sites.names,
                sites.lon,
                sites.lat,
                always,
                sites.fixed,
                strict=True,
            )
        ],
    )
