"""Nearest 5 open stations with an amenity, in process, at national scale.

    .venv/bin/python bench/bench_nearest.py [--stations 186100] [--queries 20000]

186,100 synthetic stations spread like China's cities: 400 city centres in the populated
east and centre, sizes following Zipf's law, stations normally scattered around each
centre. Each station gets amenities (bit 0 = phone charging, in ~70 %) and one of five
weekly opening patterns expanded to the 672 quarter hours of a week (24/7, 08-20 daily,
weekdays 08:30-17:30, 07-21 with a lunch break, overnight 18-08). Queries are taken near
random stations (where people are), at random quarter hours.

Prints p50/p99 of: the bare cKDTree 5-nearest query, and geoplan's filtered query
(charging + open now). Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geoplan.spatial import StationIndex, unit_vectors  # noqa: E402

SLOTS = 7 * 96


def week_pattern(days: range, start_h: float, end_h: float) -> np.ndarray:
    slots = np.zeros(SLOTS, dtype=bool)
    for day in days:
        a = int(day * 96 + start_h * 4)
        b = int(day * 96 + end_h * 4)
        if b <= a:  # overnight
            slots[a : (day + 1) * 96] = True
            slots[((day + 1) % 7) * 96 : ((day + 1) % 7) * 96 + int(end_h * 4)] = True
        else:
            slots[a:b] = True
    return slots


def patterns() -> np.ndarray:
    lunch = week_pattern(range(7), 7, 21)
    lunch[[d * 96 + q for d in range(7) for q in range(46, 52)]] = False
    return np.stack(
        [
            np.ones(SLOTS, dtype=bool),
            week_pattern(range(7), 8, 20),
            week_pattern(range(5), 8.5, 17.5),
            lunch,
            week_pattern(range(7), 18, 8),
        ]
    )


def synthetic_country(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    cities = 400
    lon_c = rng.uniform(102, 122, cities)
    lat_c = rng.uniform(22, 46, cities)
    weight = 1.0 / np.arange(1, cities + 1)
    counts = rng.multinomial(n, weight / weight.sum())
    sigma = 0.02 + 0.25 * np.sqrt(counts / counts.max())  # big cities spread wider
    city = np.repeat(np.arange(cities), counts)
    lon = rng.normal(lon_c[city], sigma[city] / np.cos(np.radians(lat_c[city])))
    lat = rng.normal(lat_c[city], sigma[city])
    return lon, lat


def percentiles(ns: list[int]) -> str:
    us = np.array(ns) / 1000
    return f"p50 {np.percentile(us, 50):7.1f} µs   p99 {np.percentile(us, 99):7.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=186_100)
    parser.add_argument("--queries", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    lon, lat = synthetic_country(args.stations, rng)
    charging = (rng.random(args.stations) < 0.7).astype(np.uint64)
    other = rng.integers(0, 2**20, args.stations).astype(np.uint64) << np.uint64(1)
    open_slots = patterns()[rng.choice(5, args.stations, p=[0.1, 0.4, 0.25, 0.15, 0.1])]

    t0 = time.perf_counter()
    index = StationIndex.build(
        lon_deg=lon, lat_deg=lat, amenity_bits=charging | other, open_slots=open_slots
    )
    build_s = time.perf_counter() - t0

    pick = rng.integers(0, args.stations, args.queries)
    qlon = lon[pick] + rng.normal(0, 0.01, args.queries)
    qlat = lat[pick] + rng.normal(0, 0.01, args.queries)
    qslot = rng.integers(0, SLOTS, args.queries)
    points = unit_vectors(qlon, qlat)

    for i in range(500):  # warm up
        index.tree.query(points[i], k=5)
        index.nearest(qlon[i], qlat[i], k=5, require_bits=1, open_slot=int(qslot[i]))

    bare, filtered = [], []
    found = 0
    clock = time.perf_counter_ns
    for i in range(args.queries):
        t = clock()
        index.tree.query(points[i], k=5)
        bare.append(clock() - t)
        t = clock()
        hits = index.nearest(qlon[i], qlat[i], k=5, require_bits=1, open_slot=int(qslot[i]))
        filtered.append(clock() - t)
        found += len(hits.index)

    print(
        f"{args.stations:,} stations, {args.queries:,} queries; Python "
        f"{platform.python_version()} on {platform.machine()} {platform.system()}, "
        f"numpy {np.__version__}"
    )
    print(f"index build                                 {build_s:7.2f} s")
    print(f"cKDTree alone, 5 nearest                    {percentiles(bare)}")
    print(f"5 nearest open now with charging (geoplan)  {percentiles(filtered)}")
    print(f"mean stations returned                      {found / args.queries:.2f}")


if __name__ == "__main__":
    main()
