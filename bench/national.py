"""A synthetic national registry for the finder benchmarks: 186,100 active stations.

    .venv/bin/python bench/national.py                 # summary of the synthetic records
    .venv/bin/python bench/national.py --db var/bench/national.sqlite3
                                                       # migrate + bulk-insert (cached)

Places follow `bench/bench_nearest.py`'s country: 400 city centres in the populated east
and centre, sizes by Zipf's law, stations normally scattered around each centre (one
synthetic city region per centre, under 31 provinces), but only inside China's outline
(the registry refuses points outside; centres or stations falling in Mongolia or the sea
are drawn again). What each station has is drawn to look like a real registry:

* opening hours: 250 distinct OSM strings (``24/7``, ``Mo-Su 08:00-20:00``,
  ``Mo-Fr 08:30-17:30; PH off``, lunch breaks, overnight shifts, weekend hours, seasons),
  the common ones much more frequent than the rest (Zipf); 6 % keep working-day hours;
* kinds: 3 % smart (24/7), 0.5 % mobile with 2–4 timetabled stops within ~3 km,
  some stops valid only from or until a date; the rest fixed;
* amenities from the catalogue, each with its own frequency (phone charging in ~70 %),
  3 % of the installed ones out of order; services in ~15 % each;
* temporary closures at 1 % of stations, placed relative to ``today`` (open-ended,
  ongoing for two days, an afternoon today, a day later in the week).

The same seed gives the same stations. `national_records` is pure (no Django); the
database writer sets Django up itself and refuses to touch a database other than the
file it is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan.borders import Territory  # noqa: E402
from yizhan.core.time import SHANGHAI  # noqa: E402
from yizhan.finder.index import AmenityState, StationRecord, StopRecord  # noqa: E402

STATIONS = 186_100
SEED = 2026
CITIES = 400
PROVINCES = 31
# Bump when the generator changes, so that a cached database is rebuilt.
GENERATOR_VERSION = 2

# The catalogue as seeded by stations/migrations/0002 (code, share of stations having it).
AMENITIES = (
    ("hot_water", 0.85),
    ("microwave", 0.6),
    ("fridge", 0.35),
    ("charging", 0.7),
    ("battery_swap", 0.12),
    ("toilet", 0.55),
    ("seats", 0.92),
    ("ac", 0.65),
    ("heater", 0.4),
    ("first_aid", 0.6),
    ("aed", 0.08),
    ("umbrella", 0.45),
    ("books", 0.5),
    ("wifi", 0.55),
    ("shower", 0.04),
    ("bed", 0.06),
    ("drinking_water", 0.8),
    ("sewing_kit", 0.3),
    ("tire_pump", 0.25),
    ("locker", 0.05),
)
SERVICES = (
    "legal_aid",
    "job_services",
    "training",
    "health_check",
    "haircut",
    "discount_meals",
    "union_membership",
    "psychological",
)
OUT_OF_ORDER = 0.03
SMART_SHARE, MOBILE_SHARE, WORKDAY_SHARE, CLOSURE_SHARE = 0.03, 0.005, 0.06, 0.01


def inside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points inside China's outline (the one the registry and the API check against,
    without its 15 km border band): ray casting, edge by edge over points sorted by
    latitude, so only the points level with an edge are looked at."""
    from yizhan.core.coords import CHINA_NAMES, CHINA_OUTLINE

    territory = Territory.from_topojson(CHINA_OUTLINE, CHINA_NAMES)
    order = np.argsort(lat)
    s_lat, s_lon = lat[order], lon[order]
    crossings = np.zeros(len(lat), dtype=np.int64)
    for x, y in territory.rings:
        for x0, y0, x1, y1 in zip(
            x[:-1].tolist(), y[:-1].tolist(), x[1:].tolist(), y[1:].tolist(), strict=True
        ):
            if y0 == y1:
                continue
            a, b = np.searchsorted(s_lat, [min(y0, y1), max(y0, y1)])
            if a == b:
                continue
            xs = x0 + (s_lat[a:b] - y0) * (x1 - x0) / (y1 - y0)
            crossings[a:b] += xs > s_lon[a:b]
    inside = np.empty(len(lat), dtype=bool)
    inside[order] = crossings % 2 == 1
    return inside


def synthetic_country(
    n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat, city of each station, and the city centres. The spread of
    bench_nearest.py's country, kept inside China: centres and stations that fall
    outside (Mongolia, the sea) are drawn again, as the registry refuses them."""
    lon_c = np.empty(0)
    lat_c = np.empty(0)
    while len(lon_c) < CITIES:
        x, y = rng.uniform(102, 122, CITIES), rng.uniform(22, 46, CITIES)
        keep = inside_china(x, y)
        lon_c = np.concatenate([lon_c, x[keep]])[:CITIES]
        lat_c = np.concatenate([lat_c, y[keep]])[:CITIES]
    weight = 1.0 / np.arange(1, CITIES + 1)
    counts = rng.multinomial(n, weight / weight.sum())
    sigma = 0.02 + 0.25 * np.sqrt(counts / counts.max())  # big cities spread wider
    city = np.repeat(np.arange(CITIES), counts)
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    for _ in range(100):
        c = city[todo]
        lon[todo] = rng.normal(lon_c[c], sigma[c] / np.cos(np.radians(lat_c[c])))
        lat[todo] = rng.normal(lat_c[c], sigma[c])
        todo = todo[~inside_china(lon[todo], lat[todo])]
        if not len(todo):
            break
    lon[todo], lat[todo] = lon_c[city[todo]], lat_c[city[todo]]
    return lon, lat, city, lon_c, lat_c


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_variants() -> list[str]:
    """The distinct opening-hours strings, most common first."""
    out = ["24/7", "Mo-Su 08:00-20:00", "Mo-Fr 08:30-17:30; PH off"]
    out += ["Mo-Su 07:00-12:00,13:30-21:00", "Mo-Su 18:00-08:00", "Mo-Fr 08:00-18:00"]
    starts = [6 * 60 + 30 * i for i in range(8)]  # 06:00 … 09:30
    ends = [17 * 60 + 30 * i for i in range(11)]  # 17:00 … 22:00
    daily = [f"Mo-Su {_hm(a)}-{_hm(b)}" for a in starts for b in ends]
    office = [
        f"Mo-Fr {_hm(a)}-{_hm(b)}; PH off"
        for a in (8 * 60, 8 * 60 + 30, 9 * 60)
        for b in (17 * 60, 17 * 60 + 30, 18 * 60)
    ]
    office_sat = [
        f"Mo-Fr {_hm(a)}-{_hm(b)}; Sa 09:00-12:00; PH off"
        for a in (8 * 60, 8 * 60 + 30)
        for b in (17 * 60, 17 * 60 + 30, 18 * 60)
    ]
    lunch = [
        f"Mo-Su {_hm(a)}-{_hm(l0)},{_hm(l1)}-{_hm(b)}"
        for a in (7 * 60, 7 * 60 + 30, 8 * 60, 8 * 60 + 30)
        for l0, l1 in ((11 * 60 + 30, 13 * 60), (12 * 60, 13 * 60 + 30), (12 * 60, 14 * 60))
        for b in (18 * 60, 20 * 60, 21 * 60)
    ]
    overnight = [
        f"Mo-Su {_hm(a)}-{_hm(b)}"
        for a in (17 * 60, 18 * 60, 19 * 60, 20 * 60)
        for b in (6 * 60, 7 * 60, 8 * 60)
    ]
    weekend = [
        f"Mo-Sa {_hm(a)}-{_hm(b)}; Su {_hm(c)}-17:00"
        for a in (7 * 60, 8 * 60, 9 * 60)
        for b in (18 * 60, 20 * 60, 21 * 60)
        for c in (9 * 60, 10 * 60)
    ]
    holiday = [
        f"Mo-Fr {_hm(a)}-20:00; Sa,Su 10:00-16:00; PH {_hm(a + 120)}-14:00"
        for a in (7 * 60, 8 * 60)
    ]
    seasons = [
        f"Jun-Sep Mo-Su {_hm(a)}-21:00; Oct-May Mo-Su {_hm(a + 60)}-18:00"
        for a in (6 * 60, 6 * 60 + 30, 7 * 60)
    ]
    split_week = [
        f"Mo-Fr {_hm(a)}-{_hm(b)}; Sa,Su {_hm(c)}-{_hm(d)}"
        for a in (7 * 60, 7 * 60 + 30, 8 * 60, 8 * 60 + 30)
        for b in (18 * 60, 19 * 60, 20 * 60)
        for c in (9 * 60, 9 * 60 + 30, 10 * 60)
        for d in (16 * 60, 17 * 60)
    ]
    night_office = [f"Mo-Fr 08:00-17:30,{_hm(a)}-23:00" for a in (19 * 60, 19 * 60 + 30)]
    for rule in (
        daily
        + office
        + office_sat
        + lunch
        + overnight
        + weekend
        + split_week
        + holiday
        + seasons
        + night_office
    ):
        if rule not in out:
            out.append(rule)
    return out


STOP_HOURS = (
    "Mo,We,Fr 11:00-14:00",
    "Tu,Th 11:00-14:00",
    "Mo-Fr 17:00-20:00",
    "Sa,Su 09:00-12:00",
    "Sa,Su 14:00-18:00",
    "Mo-Fr 06:30-09:00",
    "Tu,Th,Sa 16:00-21:00",
)


def national_records(
    n: int = STATIONS, *, seed: int = SEED, today: dt.date
) -> tuple[list[StationRecord], dict[str, np.ndarray]]:
    """The synthetic registry as finder records, and arrays the database writer and the
    load generator need (``city``, ``lon_c``, ``lat_c``: region of each station and the
    city centres)."""
    rng = np.random.default_rng(seed)
    lon, lat, city, lon_c, lat_c = synthetic_country(n, rng)
    variants = hours_variants()
    weight = 1.0 / np.arange(1, len(variants) + 1) ** 1.1
    hours = rng.choice(len(variants), n, p=weight / weight.sum())
    kind_draw = rng.random(n)
    workday = rng.random(n) < WORKDAY_SHARE
    has = rng.random((n, len(AMENITIES))) < np.array([p for _c, p in AMENITIES])
    broken = rng.random((n, len(AMENITIES))) < OUT_OF_ORDER
    services = rng.random((n, len(SERVICES))) < 0.15
    closed = rng.random(n) < CLOSURE_SHARE
    closure_kind = rng.integers(0, 4, n)
    stars = rng.integers(1, 6, n)
    midnight = dt.datetime.combine(today, dt.time(), SHANGHAI)
    closures_by_kind = (
        ((midnight - dt.timedelta(days=3), None, "设备维修，另行通知"),),
        ((midnight - dt.timedelta(hours=8), midnight + dt.timedelta(days=2), "装修"),),
        ((midnight + dt.timedelta(hours=13), midnight + dt.timedelta(hours=17), "停电"),),
        ((midnight + dt.timedelta(days=3), midnight + dt.timedelta(days=4), "消毒"),),
    )
    records: list[StationRecord] = []
    for i in range(n):
        if kind_draw[i] < SMART_SHARE:
            kind, rule = "smart", "24/7"
        elif kind_draw[i] < SMART_SHARE + MOBILE_SHARE:
            kind, rule = "mobile", "Mo-Su 06:30-21:00"
        else:
            kind, rule = "fixed", variants[hours[i]]
        stops: tuple[StopRecord, ...] = ()
        if kind == "mobile":
            k = 2 + i % 3
            first = (i // 7) % len(STOP_HOURS)
            stops = tuple(
                StopRecord(
                    place_name=f"停靠点{j + 1}",
                    lat=float(lat[i] + 0.02 * math.sin(j * 2.1 + i)),
                    lon=float(lon[i] + 0.02 * math.cos(j * 2.1 + i)),
                    hours=STOP_HOURS[(first + 2 * j) % len(STOP_HOURS)],
                    valid_from=today - dt.timedelta(days=30) if j == 0 else None,
                    valid_until=today + dt.timedelta(days=4) if j == k - 1 and i % 2 else None,
                )
                for j in range(k)
            )
        amenities = tuple(
            AmenityState(code, working=not broken[i, a], reason="" if not broken[i, a] else "故障")
            for a, (code, _p) in enumerate(AMENITIES)
            if has[i, a]
        )
        records.append(
            StationRecord(
                code=f"NB{int(city[i]):03d}-{i:06d}",
                name=f"工会驿站{i:06d}",
                kind=kind,
                lat=float(lat[i]),
                lon=float(lon[i]),
                address=f"城市{int(city[i]):03d}路{i % 997}号",
                region_name=f"城市{int(city[i]):03d}",
                opening_hours=rule,
                keeps_workday_hours=bool(workday[i]) and kind == "fixed" and rule != "24/7",
                amenities=amenities,
                services=tuple(s for j, s in enumerate(SERVICES) if services[i, j]),
                star_level=int(stars[i]),
                stops=stops,
                closures=closures_by_kind[closure_kind[i]] if closed[i] else (),
            )
        )
    return records, {"city": city, "lon_c": lon_c, "lat_c": lat_c}


def query_points(
    records: list[StationRecord], count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points near random stations (where people are), scattered ~1 km."""
    pick = rng.integers(0, len(records), count)
    lon = np.array([records[i].lon for i in pick]) + rng.normal(0, 0.01, count)
    lat = np.array([records[i].lat for i in pick]) + rng.normal(0, 0.01, count)
    return lon, lat


def code_version(root: Path = ROOT) -> str:
    """The commit measured, and any uncommitted changes to the code under test."""
    import subprocess

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "yizhan", "geoplan", "config").splitlines()
    text = f"code at {git('rev-parse', '--short', 'HEAD')}"
    if dirty:
        text += " + uncommitted changes to " + ", ".join(line[3:] for line in dirty)
    return text


def summary(records: list[StationRecord]) -> str:
    kinds = Counter(r.kind for r in records)
    rules = {r.opening_hours for r in records} | {s.hours for r in records for s in r.stops}
    amen = sum(len(r.amenities) for r in records)
    broken = sum(not a.working for r in records for a in r.amenities)
    return (
        f"{len(records):,} stations ({kinds['fixed']:,} fixed, {kinds['smart']:,} smart, "
        f"{kinds['mobile']:,} mobile with {sum(len(r.stops) for r in records):,} stops); "
        f"{len(rules)} distinct opening-hours strings; "
        f"{sum(r.keeps_workday_hours for r in records):,} keep working-day hours; "
        f"{amen:,} amenities ({broken:,} out of order); "
        f"{sum(1 for r in records if r.closures):,} with a temporary closure"
    )


# --------------------------------------------------------------------------- database


def _stamp(path: Path) -> Path:
    return path.with_suffix(".json")


def national_db(path: Path, *, n: int = STATIONS, seed: int = SEED, force: bool = False) -> str:
    """Migrate a SQLite file and bulk-insert the synthetic registry into it, unless the
    file already holds this generator's output (a JSON stamp beside it says so).
    Closures are written relative to today each time (they move with the calendar).
    Sets DATABASE_URL / YIZHAN_VAR_DIR and Django up in this process: call it before
    anything else touches Django, and only in a process of its own."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["YIZHAN_VAR_DIR"] = str(path.parent)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    want = {"generator": GENERATOR_VERSION, "stations": n, "seed": seed}
    stamp = _stamp(path)
    cached = (
        not force
        and path.exists()
        and stamp.exists()
        and {k: v for k, v in json.loads(stamp.read_text()).items() if k in want} == want
    )
    if not cached:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), stamp):
            p.unlink(missing_ok=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from yizhan.regions.models import Region, RegionLevel
    from yizhan.stations.models import (
        Amenity,
        MobileStop,
        Service,
        Station,
        StationAmenity,
        StationClosure,
        StationStatus,
    )

    today = dt.datetime.now(SHANGHAI).date()
    records, extra = national_records(n, seed=seed, today=today)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)  # also brings a cached file up to date
    call_command("createcachetable", verbosity=0)
    if not cached:
        amenity_id = dict(Amenity.objects.values_list("code", "id"))
        service_id = dict(Service.objects.values_list("code", "id"))
        with transaction.atomic():
            provinces = Region.objects.bulk_create(
                Region(
                    code=f"{11 + p}",
                    name=f"省份{p + 1:02d}",
                    level=RegionLevel.PROVINCE,
                )
                for p in range(PROVINCES)
            )
            cities = Region.objects.bulk_create(
                Region(
                    code=f"{11 + c % PROVINCES}{c // PROVINCES + 1:02d}",
                    name=f"城市{c:03d}",
                    level=RegionLevel.CITY,
                    parent=provinces[c % PROVINCES],
                    lat=float(extra["lat_c"][c]),
                    lon=float(extra["lon_c"][c]),
                )
                for c in range(CITIES)
            )
            city_ids = [c.pk for c in cities]
            city = extra["city"]
            batch = 5000
            for lo in range(0, len(records), batch):
                rows = records[lo : lo + batch]
                Station.objects.bulk_create(
                    Station(
                        id=lo + j + 1,
                        code=r.code,
                        name=r.name,
                        kind=r.kind,
                        region_id=city_ids[int(city[lo + j])],
                        address=r.address,
                        lat=r.lat,
                        lon=r.lon,
                        opening_hours=r.opening_hours,
                        keeps_workday_hours=r.keeps_workday_hours,
                        star_level=r.star_level,
                        status=StationStatus.ACTIVE,
                        last_verified_on=today,
                    )
                    for j, r in enumerate(rows)
                )
                StationAmenity.objects.bulk_create(
                    StationAmenity(
                        station_id=lo + j + 1,
                        amenity_id=amenity_id[a.code],
                        state="working" if a.working else "out_of_order",
                        reason=a.reason,
                    )
                    for j, r in enumerate(rows)
                    for a in r.amenities
                )
                Station.services.through.objects.bulk_create(
                    Station.services.through(station_id=lo + j + 1, service_id=service_id[s])
                    for j, r in enumerate(rows)
                    for s in r.services
                )
                MobileStop.objects.bulk_create(
                    MobileStop(
                        station_id=lo + j + 1,
                        place_name=s.place_name,
                        lat=s.lat,
                        lon=s.lon,
                        hours=s.hours,
                        valid_from=s.valid_from,
                        valid_until=s.valid_until,
                    )
                    for j, r in enumerate(rows)
                    for s in r.stops
                )
        stamp.write_text(json.dumps({**want, "written_on": str(today)}))
    # Closures (and stop validity dates) follow the calendar: rewrite them for today.
    stamped = json.loads(stamp.read_text())
    if stamped.get("closures_for") != str(today):
        with transaction.atomic():
            StationClosure.objects.all().delete()
            StationClosure.objects.bulk_create(
                StationClosure(station_id=i + 1, starts_at=a, ends_at=b, reason=why)
                for i, r in enumerate(records)
                for a, b, why in r.closures
            )
            if cached:
                MobileStop.objects.all().delete()
                MobileStop.objects.bulk_create(
                    MobileStop(
                        station_id=i + 1,
                        place_name=s.place_name,
                        lat=s.lat,
                        lon=s.lon,
                        hours=s.hours,
                        valid_from=s.valid_from,
                        valid_until=s.valid_until,
                    )
                    for i, r in enumerate(records)
                    for s in r.stops
                )
        stamp.write_text(json.dumps({**stamped, "closures_for": str(today)}))
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    active = Station.objects.filter(status=StationStatus.ACTIVE).count()
    return (
        f"{path}: {active:,} active stations, "
        f"{StationAmenity.objects.count():,} station amenities, "
        f"{MobileStop.objects.count():,} stops, {StationClosure.objects.count():,} closures, "
        f"{Region.objects.count()} regions "
        f"({'reused' if cached else 'written'} in {time.perf_counter() - t0:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=STATIONS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--db", type=Path, help="write (or reuse) this SQLite file")
    parser.add_argument("--force", action="store_true", help="rewrite even if cached")
    args = parser.parse_args()
    if args.db:
        print(national_db(args.db, n=args.stations, seed=args.seed, force=args.force))
        return
    t0 = time.perf_counter()
    records, _extra = national_records(
        args.stations, seed=args.seed, today=dt.datetime.now(SHANGHAI).date()
    )
    print(f"generated in {time.perf_counter() - t0:.1f} s: {summary(records)}")


if __name__ == "__main__":
    main()
