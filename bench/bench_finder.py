"""The worker finder's nearest-open query at national scale, in process, against
PostgreSQL/PostGIS answering the same question.

    .venv/bin/python bench/bench_finder.py                 # finder + PostGIS comparison
    .venv/bin/python bench/bench_finder.py --no-postgis    # finder only

186,100 synthetic active stations (`bench/national.py`: cities by Zipf's law, 250 real
OSM opening-hours strings, working-day hours, mobile stations with stops, temporary
closures, amenities with some out of order) become `StationRecord`s and the real
`FinderIndex` (`yizhan/finder/index.py`) is built from them, timed. Then 20,000 queries
at points near random stations, at random instants of the coming week, through
`FinderIndex.nearby` (exact open check included), nearest first; the filter cases are
interleaved query by query, so a noisy moment on a shared machine touches all alike.

PostgreSQL: a throwaway PostgreSQL 15 cluster with PostGIS (installed with apt when
missing) in a temporary directory, on a Unix socket; one table with an entry per place
(a mobile station's stops are entries, as in the index): ``geog geography(Point)``
(GiST), the same amenity/service/kind bits as ``int8``, and the entry's open intervals
for the week (closures subtracted) as a ``tstzmultirange`` — the exact intervals the
finder's index holds. The query is PostGIS's index-assisted KNN::

    SELECT station, ST_Distance(geog, p) FROM finder_entry
    WHERE bits & $need = $need AND open @> $at ORDER BY geog <-> p LIMIT 5

prepared, from Python (psycopg 3), the same points and instants, and compared with the
finder's own loop. A tight loop keeps the finder's data in the CPU caches; inside a web
request other work runs in between, so the finder is also timed with each query right
after a PostGIS round trip. The cluster is stopped and deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import AMENITIES, SERVICES, code_version, national_records, query_points, summary  # noqa: E402

from yizhan.core.time import SHANGHAI  # noqa: E402
from yizhan.finder.index import FinderIndex, Query  # noqa: E402

PG_VERSION = 15


def pct(ns: list[int] | np.ndarray) -> tuple[float, float]:
    us = np.asarray(ns) / 1000
    return float(np.percentile(us, 50)), float(np.percentile(us, 99))


def show(label: str, ns: list[int] | np.ndarray) -> str:
    p50, p99 = pct(ns)
    return f"{label:<58} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs"


# --------------------------------------------------------------------------- PostgreSQL


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port(first: int) -> int:
    for port in range(first, first + 50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


class ThrowawayPostgis:
    """initdb + pg_ctl start in a temporary directory; stop() deletes it."""

    def __init__(self) -> None:
        bindir = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
        if not (bindir / "pg_ctl").exists():
            raise SystemExit(f"PostgreSQL {PG_VERSION} is not installed ({bindir})")
        control = Path(f"/usr/share/postgresql/{PG_VERSION}/extension/postgis.control")
        if not control.exists():
            print(f"installing postgresql-{PG_VERSION}-postgis-3 with apt …", flush=True)
            subprocess.run(
                ["apt-get", "install", "-y", "-q", f"postgresql-{PG_VERSION}-postgis-3"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="yizhan-bench-pg.", dir="/tmp"))
        self.dir.chmod(0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = _free_port(54339)
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--auth-local=trust",
                    "--auth-host=reject",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB "
            "-c jit=off -c timezone=Asia/Shanghai"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.dir / "server.log"),
                    "-w",
                    "-o",
                    options,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout.strip()

    def dsn(self) -> str:
        return f"host={self.dir} port={self.port} user=postgres dbname=postgres"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def _multirange(spans: list[tuple[dt.datetime, dt.datetime]]) -> str:
    return "{" + ",".join(f'["{a.isoformat()}","{b.isoformat()}")' for a, b in spans) + "}"


def postgis_load(conn: object, index: FinderIndex) -> float:
    """The index's entries as a PostGIS table; returns seconds taken."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    t0 = time.perf_counter()
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.execute("DROP TABLE IF EXISTS finder_entry")
    conn.execute(
        """CREATE TABLE finder_entry (
            id int PRIMARY KEY,
            station int NOT NULL,
            geog geography(Point, 4326) NOT NULL,
            bits int8 NOT NULL,
            open tstzmultirange NOT NULL)"""
    )
    lon, lat = _entry_lonlat(index)
    bits = index.spatial.amenity_bits
    text = {row: _multirange(spans) for row, spans in enumerate(index.intervals)}
    with conn.cursor() as cur:
        with cur.copy("COPY finder_entry (id, station, geog, bits, open) FROM STDIN") as copy:
            for e in range(len(index.station_of)):
                copy.write_row(
                    (
                        e,
                        int(index.station_of[e]),
                        f"SRID=4326;POINT({lon[e]!r} {lat[e]!r})",
                        int(bits[e]),
                        text[int(index.open_rows[e])],
                    )
                )
    conn.execute("CREATE INDEX finder_entry_geog ON finder_entry USING gist (geog)")
    conn.execute("VACUUM ANALYZE finder_entry")
    return time.perf_counter() - t0


def _entry_lonlat(index: FinderIndex) -> tuple[list[float], list[float]]:
    lon, lat = [], []
    for e in range(len(index.station_of)):
        rec = index.stations[int(index.station_of[e])]
        stop = int(index.stop_of[e])
        lon.append(rec.stops[stop].lon if stop >= 0 else rec.lon)
        lat.append(rec.stops[stop].lat if stop >= 0 else rec.lat)
    return lon, lat


POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
KNN = f"""SELECT station, ST_Distance(geog, {POINT})
FROM finder_entry
WHERE bits & %(need)s = %(need)s AND open @> %(at)s::timestamptz
ORDER BY geog <-> {POINT}
LIMIT %(k)s"""


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=186_100)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--pg-queries", type=int, default=5_000)
    parser.add_argument("--no-postgis", action="store_true")
    args = parser.parse_args()

    now = dt.datetime.now(SHANGHAI)
    today = now.date()
    t0 = time.perf_counter()
    records, _extra = national_records(args.stations, today=today)
    gen_s = time.perf_counter() - t0
    amenity_codes = [c for c, _p in AMENITIES]

    t0 = time.perf_counter()
    index = FinderIndex.build(
        records, today=today, amenity_codes=amenity_codes, service_codes=list(SERVICES)
    )
    build_s = time.perf_counter() - t0

    rng = np.random.default_rng(7)
    qlon, qlat = query_points(records, args.queries, rng)
    start = index.window_start
    offsets = rng.uniform(0, 7 * 86400, args.queries)
    ats = [start + dt.timedelta(seconds=float(s)) for s in offsets]

    charging = ("charging",)
    cases = {
        "5 nearest open now with phone charging (the target)": dict(
            open_only=True, amenities=charging
        ),
        "5 nearest open now": dict(open_only=True),
        "5 nearest open now, charging + microwave + toilet": dict(
            open_only=True, amenities=("charging", "microwave", "toilet")
        ),
        "5 nearest, no filter (open state still computed)": dict(),
    }
    for i in range(500):  # warm up
        index.nearby(
            qlon[i], qlat[i], Query(at=ats[i], open_only=True, amenities=charging), limit=5
        )

    # Cases interleaved query by query, so that a noisy moment on a shared machine
    # touches them all alike.
    clock = time.perf_counter_ns
    need = 1 << amenity_codes.index("charging")
    slots = [index.slot(at) for at in ats]
    queries = {label: [Query(at=at, **kw) for at in ats] for label, kw in cases.items()}  # type: ignore[arg-type]
    timings = {label: np.empty(args.queries, dtype=np.int64) for label in cases}
    found = dict.fromkeys(cases, 0)
    answers: list[list[str]] = []
    geo = np.empty(args.queries, dtype=np.int64)
    for i in range(args.queries):
        for label, qs in queries.items():
            t = clock()
            hits = index.nearby(qlon[i], qlat[i], qs[i], limit=5)
            timings[label][i] = clock() - t
            found[label] += len(hits)
            if not answers or len(answers) == i:
                answers.append([f.station.code for f in hits])
        # The geoplan layer alone on the same query (what the finder adds is the rest).
        t = clock()
        index.spatial.nearest(qlon[i], qlat[i], k=5, require_bits=need, open_slot=slots[i])
        geo[i] = clock() - t
    returned = {label: n / args.queries for label, n in found.items()}

    print(
        f"{platform.node()}: Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    print(code_version())
    print(f"synthetic registry, generated in {gen_s:.1f} s: {summary(records)}")
    print(
        f"FinderIndex.build                                          {build_s:8.2f} s "
        f"({len(index.station_of):,} entries, {index.patterns.shape[0]:,} open-slot patterns "
        f"× {index.patterns.shape[1]:,} slots, {index.patterns.nbytes / 1e6:.1f} MB)"
    )
    print(f"{args.queries:,} queries near random stations, random instants of the week:")
    for label, ns in timings.items():
        print(show(f"FinderIndex.nearby: {label}", ns) + f"   ({returned[label]:.2f} found)")
    print(show("geoplan StationIndex.nearest alone (charging, open slot)", geo))

    if args.no_postgis:
        return

    import psycopg

    pg = ThrowawayPostgis()
    try:
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            load_s = postgis_load(conn, index)
            postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]  # type: ignore[index]
            n = min(args.pg_queries, args.queries)
            params = [
                {
                    "lon": float(qlon[i]),
                    "lat": float(qlat[i]),
                    "need": need,
                    "at": ats[i],
                    "k": 5,
                }
                for i in range(n)
            ]
            cur = conn.cursor()
            for p in params[:300]:  # warm up (and let psycopg prepare)
                cur.execute(KNN, p, prepare=True).fetchall()
            target = queries[next(iter(cases))]
            ns_pg = np.empty(n, dtype=np.int64)
            agree = 0
            for i, p in enumerate(params):
                t = clock()
                rows = cur.execute(KNN, p, prepare=True).fetchall()
                ns_pg[i] = clock() - t
                agree += [records[s].code for s, _d in rows] == answers[i]
            # The finder again, each query straight after a PostGIS round trip: what the
            # caches keep of its data after other work (as inside a web request).
            ns_cold = np.empty(n, dtype=np.int64)
            for i, p in enumerate(params):
                cur.execute(KNN, p, prepare=True).fetchall()
                t = clock()
                index.nearby(qlon[i], qlat[i], target[i], limit=5)
                ns_cold[i] = clock() - t
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + KNN, params[0]).fetchall()
            server_ms = []
            for p in params[:500]:
                out = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + KNN, p).fetchone()
                server_ms.append(out[0][0]["Execution Time"])  # type: ignore[index]
    finally:
        pg.stop()

    f50, f99 = pct(timings[next(iter(cases))][:n])
    c50, c99 = pct(ns_cold)
    p50, p99 = pct(ns_pg)
    print(f"\n{pg.version}, PostGIS {postgis}; table + GiST index loaded in {load_s:.1f} s")
    print("plan of the first query:")
    for (line,) in plan:
        print("    " + line)
    print(f"{n:,} queries, same points and instants, 5 nearest open with charging:")
    print(show("PostGIS KNN, prepared, psycopg over a Unix socket", ns_pg))
    s50, s99 = np.percentile(server_ms, 50) * 1000, np.percentile(server_ms, 99) * 1000
    print(
        f"{'PostGIS, server-side Execution Time (EXPLAIN ANALYZE)':<58} p50 {s50:8.1f} µs"
        f"   p99 {s99:8.1f} µs"
    )
    print(show("FinderIndex.nearby, same queries (loop above)", timings[next(iter(cases))][:n]))
    print(show("FinderIndex.nearby, each right after a PostGIS query", ns_cold))
    print(
        f"finder faster than PostGIS: p50 {p50 / f50:.1f}× (after other work {p50 / c50:.1f}×), "
        f"p99 {p99 / f99:.1f}× ({p99 / c99:.1f}×); "
        f"same 5 stations in the same order in {agree / n:.1%} of queries"
    )


if __name__ == "__main__":
    main()
