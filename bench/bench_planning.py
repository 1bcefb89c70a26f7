"""Planning speed and quality: geoplan against PySAL spopt (PuLP/CBC) in the same run.

    make bench-planning                      # installs spopt into .venv-bench first
    .venv-bench/bin/python bench/bench_planning.py [--skip-spopt] [--seed 1]

1. **Maximal covering, city size.** 10,000 demand points × 2,000 candidates, p = 200,
   1.2 km radius, clustered like a city (40 centres of three spreads over Harbin's main
   districts; log-normal weights). geoplan builds the coverage matrix (k-d tree) and solves
   greedily with swaps; spopt builds ``MCLP.from_cost_matrix`` from the dense distance
   matrix and solves with CBC. Both coverages are recomputed here from the selected sites.
   HiGHS (``scipy.optimize.milp``) is then given ``--highs-s`` seconds for a proven bound;
   CBC is given ``--cbc-s`` seconds (it returns its best solution when stopped).
2. **Maximal covering, small.** 2,000 × 400, p = 40: HiGHS proves the optimum, so the
   greedy answer's distance from it is exact.
3. **Coverage share.** 1,000,000 demand points × 6,000 stations, 1.2 km: ``covered()``
   (best of 5; the input arrays are ready).
4. **15-minute reach on a road network.** A 708 × 708 street grid (1,000,000 edges, 100 m
   blocks), 1,000 stations: ``RoadNetwork.reach`` (one multi-source Dijkstra), best of 3,
   with and without building the CSR graph.

Prints a JSON summary and Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan.coverage import Travel, coverage_matrix, covered  # noqa: E402
from geoplan.location import MaximalCovering  # noqa: E402
from geoplan.network import grid_network  # noqa: E402
from geoplan.spatial import EARTH_RADIUS_M  # noqa: E402

RADIUS_M = 1200.0
TRAVEL = Travel(minutes=15, speed_kmh=4.8, detour=1.0)  # 1,200 m straight


def city(rng: np.random.Generator, n: int, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = rng.integers(0, len(centres), n)
    spread = rng.choice([0.004, 0.01, 0.03], n, p=[0.3, 0.4, 0.3])
    lon = centres[k, 0] + rng.normal(0, 1, n) * spread / np.cos(np.radians(45.75))
    lat = centres[k, 1] + rng.normal(0, 1, n) * spread
    return lon, lat


def instance(seed: int, n: int, c: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    centres = np.column_stack([rng.uniform(126.45, 126.80, 40), rng.uniform(45.62, 45.88, 40)])
    dl, da = city(rng, n, centres)
    cl, ca = city(rng, c, centres)
    return dl, da, cl, ca, rng.lognormal(0, 1, n)


def haversine_matrix(dl: np.ndarray, da: np.ndarray, cl: np.ndarray, ca: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(da)[:, None], np.radians(ca)[None, :]
    dlon = np.radians(cl[None, :] - dl[:, None])
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    out: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return out


def share_of(selected: list[int], dist: np.ndarray, w: np.ndarray) -> float:
    hit = (dist[:, selected] <= RADIUS_M).any(axis=1)
    return float(w[hit].sum() / w.sum())


def mclp(
    seed: int, n: int, c: int, p: int, spopt: bool, highs_s: float, cbc_s: float = 600.0
) -> dict[str, Any]:
    dl, da, cl, ca, w = instance(seed, n, c)
    out: dict[str, Any] = {"demand": n, "candidates": c, "p": p}
    t = time.perf_counter()
    a = coverage_matrix(TRAVEL, dl, da, cl, ca)
    model = MaximalCovering.from_matrix(a, w)
    g = model.solve(p, method="greedy")
    out["geoplan_s"] = time.perf_counter() - t
    dist = haversine_matrix(dl, da, cl, ca)
    out["geoplan_share"] = share_of(g.selected.tolist(), dist, w)
    out["geoplan_model_share"] = g.covered_share
    t = time.perf_counter()
    ex = model.solve(p, method="exact", time_limit_s=highs_s)
    out["highs_s"] = time.perf_counter() - t
    out["highs_share"] = ex.covered_share
    out["highs_optimal"] = ex.optimal
    out["highs_bound_share"] = (
        None if ex.upper_bound_weight is None else ex.upper_bound_weight / ex.total_weight
    )
    if spopt:
        import pulp
        from spopt.locate import MCLP

        t = time.perf_counter()
        m = MCLP.from_cost_matrix(dist, w, service_radius=RADIUS_M, p_facilities=p)
        out["spopt_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        m.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cbc_s))
        out["spopt_solve_s"] = time.perf_counter() - t
        out["cbc_time_limited"] = out["spopt_solve_s"] >= 0.95 * cbc_s
        out["spopt_s"] = out["spopt_build_s"] + out["spopt_solve_s"]
        chosen = [j for j, v in enumerate(m.fac_vars) if v.value() and v.value() > 0.5]
        out["spopt_share"] = share_of(chosen, dist, w)
        out["speedup"] = out["spopt_s"] / out["geoplan_s"]
        out["share_diff_pp"] = 100 * (out["geoplan_share"] - out["spopt_share"])
    return out


def best_of(k: int, f: Any) -> float:
    times = []
    for _ in range(k):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def coverage_share(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    centres = np.column_stack([rng.uniform(126.3, 127.0, 80), rng.uniform(45.5, 46.0, 80)])
    dl, da = city(rng, 1_000_000, centres)
    sl, sa = city(rng, 6_000, centres)
    hit = covered(TRAVEL, dl, da, sl, sa)
    return {
        "points": 1_000_000,
        "stations": 6_000,
        "share": float(hit.mean()),
        "seconds": best_of(5, lambda: covered(TRAVEL, dl, da, sl, sa)),
    }


def network_reach(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    net = grid_network(126.3, 45.5, rows=708, cols=708, spacing_m=100)
    pick = rng.choice(net.node_count, 1000, replace=False)
    lon, lat = net.lon[pick] + 0.0003, net.lat[pick]  # stations a little off the road
    g = net.graph("walk")
    reach = net.reach(lon, lat, mode="walk", speed_kmh=5, minutes=15, graph=g)
    return {
        "nodes": net.node_count,
        "edges": net.edge_count,
        "stations": 1000,
        "reached_nodes": int(np.isfinite(reach.node_m).sum()),
        "reach_s": best_of(
            3, lambda: net.reach(lon, lat, mode="walk", speed_kmh=5, minutes=15, graph=g)
        ),
        "with_graph_s": best_of(
            3, lambda: net.reach(lon, lat, mode="walk", speed_kmh=5, minutes=15)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-spopt", action="store_true")
    parser.add_argument("--highs-s", type=float, default=120.0)
    parser.add_argument("--cbc-s", type=float, default=600.0, help="CBC's time limit (spopt)")
    args = parser.parse_args()
    spopt = not args.skip_spopt
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "mclp_city": mclp(args.seed, 10_000, 2_000, 200, spopt, args.highs_s, args.cbc_s),
        "mclp_small": mclp(args.seed, 2_000, 400, 40, spopt, args.highs_s, args.cbc_s),
        "coverage_share": coverage_share(args.seed),
        "network_reach": network_reach(args.seed),
    }
    print(json.dumps(result, indent=2))
    c, s = result["mclp_city"], result["mclp_small"]
    print("\n| benchmark | geoplan | reference | target |\n|---|---|---|---|")
    for name, r in (("MCLP 10,000 × 2,000, p = 200", c), ("MCLP 2,000 × 400, p = 40", s)):
        ref = (
            f"spopt/CBC {r['spopt_share']:.2%} in {r['spopt_s']:.1f} s "
            f"(build {r['spopt_build_s']:.1f} s"
            + (", CBC stopped at its time limit" if r["cbc_time_limited"] else "")
            + "); "
            if "spopt_s" in r
            else ""
        )
        bound = r["highs_bound_share"]
        ref += (
            f"HiGHS {'optimum' if r['highs_optimal'] else 'best'} {r['highs_share']:.2%}"
            + ("" if r["highs_optimal"] or bound is None else f", bound {bound:.2%}")
            + f" in {r['highs_s']:.1f} s"
        )
        print(f"| {name} | {r['geoplan_share']:.2%} in {r['geoplan_s']:.2f} s | {ref} | |")
    cs, nr = result["coverage_share"], result["network_reach"]
    print(
        f"| coverage share, 1,000,000 × 6,000 | {cs['seconds']:.3f} s "
        f"({cs['share']:.1%}) | | 0.4 s |"
    )
    print(
        f"| reach, 1,000 stations, {nr['edges']:,} edges | {nr['reach_s']:.2f} s "
        f"({nr['with_graph_s']:.2f} s with the graph built) | | 5 s |"
    )


if __name__ == "__main__":
    main()
