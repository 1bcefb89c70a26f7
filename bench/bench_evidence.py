"""A city's monthly usage and opening compliance for 1,000 stations (target: under 10 s).

    .venv/bin/python bench/bench_evidence.py [--stations 1000] [--days 30]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_evidence.py   # PostgreSQL

Writes a synthetic city into var/bench/evidence.sqlite3 (or the PostgreSQL database in
DATABASE_URL, which must be a throwaway one: scripts/pg-test start), once per settings:
1,000 active stations (6 % smart, open 24/7 with door controllers) under 10 districts,
opening hours drawn from six common rules, and a month of evidence — the staff's opening
log on most days, workers' check-ins (about eight a day per station, lunch and evening
peaks, from a pool of regulars) and ratings, and at smart stations door openings, a
people counter every 15 minutes and a heartbeat every 5 minutes. Then it times what the
dashboard does for the whole city and month: `station_days` (every source read, usage and
compliance per station-day) and `summarise`, three times, and prints the best and worst.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOURS = [
    "Mo-Su 08:00-20:00",
    "Mo-Fr 08:30-17:30; PH off",
    "Mo-Su 07:00-21:00",
    "Mo-Sa 09:00-18:00",
    "Mo-Su 06:30-22:00",
    "Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
]
CITY = "2399"  # a synthetic city code under a synthetic province


def setup(database_url: str | None, name: str = "evidence") -> None:
    if database_url is None:
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    # Progress of long jobs: on PostgreSQL the database cache, on its own alias.
    call_command(
        "createcachetable",
        database="cache" if "cache" in settings.DATABASES else "default",
        verbosity=0,
    )


def build(n: int, days: int, today: dt.date, seed: int = 7) -> None:
    from django.db import transaction

    from yizhan.accounts.models import User
    from yizhan.core.time import SHANGHAI
    from yizhan.devices.models import Device, DeviceEvent
    from yizhan.feedback.models import CheckIn, Rating
    from yizhan.operations.models import OpeningLog
    from yizhan.regions.models import Region
    from yizhan.stations.models import Station
    from yizhan.visitors.models import Visitor

    if Station.objects.filter(code__startswith="BENCH-").count() == n:
        print(f"reusing {n} stations and their evidence")
        return
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with transaction.atomic():
        province, _ = Region.objects.get_or_create(
            code="23", defaults={"name": "省", "level": "province"}
        )
        city, _ = Region.objects.get_or_create(
            code=CITY, defaults={"name": "基准市", "level": "city", "parent": province}
        )
        districts = [
            Region.objects.get_or_create(
                code=f"{CITY}{d:02d}",
                defaults={"name": f"区{d}", "level": "district", "parent": city},
            )[0]
            for d in range(1, 11)
        ]
        staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"role": "staff"})
        stations = Station.objects.bulk_create(
            Station(
                code=f"BENCH-{i:04d}",
                name=f"基准驿站{i}",
                kind="smart" if i % 16 == 0 else "fixed",
                region=districts[i % 10],
                address="基准路",
                lat=45.7 + rng.uniform(-0.2, 0.2),
                lon=126.6 + rng.uniform(-0.3, 0.3),
                opening_hours="24/7" if i % 16 == 0 else rng.choice(HOURS),
                status="active",
            )
            for i in range(n)
        )
        visitors = Visitor.objects.bulk_create(
            Visitor(
                key_hash=f"{k:064x}",
                occupation=rng.choice(
                    ["rider", "rider", "courier", "driver", "sanitation", "other"]
                ),
                first_seen=dt.datetime(2026, 1, 1, tzinfo=SHANGHAI),
                last_seen=dt.datetime(2026, 1, 1, tzinfo=SHANGHAI),
            )
            for k in range(20_000)
        )
        logs, checkins, ratings, events, devices = [], [], [], [], []
        for s in stations:
            door = None
            if s.kind == "smart":
                door = Device(station=s, kind="door", serial=f"B-{s.code}")
                devices.append(door)
        Device.objects.bulk_create(devices)
        doors = {d.station_id: d for d in devices}
        for s in stations:
            regulars = rng.sample(visitors, 60)
            for back in range(days, 0, -1):
                day = today - dt.timedelta(days=back)
                base = dt.datetime.combine(day, dt.time(), SHANGHAI)
                if s.kind != "smart" and rng.random() < 0.85:
                    logs.append(
                        OpeningLog(
                            station=s,
                            action="opened",
                            at=base + dt.timedelta(hours=8, minutes=rng.randint(0, 30)),
                            user=staff,
                        )
                    )
                    logs.append(
                        OpeningLog(
                            station=s,
                            action="closed",
                            at=base + dt.timedelta(hours=rng.randint(12, 20)),
                            user=staff,
                        )
                    )
                for _ in range(rng.randint(3, 14)):
                    hour = rng.choice([11, 12, 12, 13, 17, 18, 18, 19, 9, 15, 21])
                    v = rng.choice(regulars)
                    at = base + dt.timedelta(hours=hour, minutes=rng.randint(0, 59))
                    checkins.append(CheckIn(station=s, visitor=v, at=at, occupation=v.occupation))
                    if rng.random() < 0.15:
                        ratings.append(
                            Rating(
                                station=s,
                                visitor=v,
                                at=at,
                                day=day,
                                stars=rng.randint(3, 5),
                                tags=["clean"],
                                checked_in=True,
                                weight=1.0,
                            )
                        )
                door = doors.get(s.pk)
                if door is not None:
                    for m in range(0, 24 * 60, 5):
                        events.append(
                            DeviceEvent(
                                device=door,
                                station=s,
                                event_id=f"{day}-hb-{m}",
                                kind="heartbeat",
                                at=base + dt.timedelta(minutes=m),
                            )
                        )
                    for m in range(0, 24 * 60, 15):
                        events.append(
                            DeviceEvent(
                                device=door,
                                station=s,
                                event_id=f"{day}-c-{m}",
                                kind="count",
                                count=rng.randint(0, 4),
                                at=base + dt.timedelta(minutes=m),
                            )
                        )
                    for k in range(40):
                        events.append(
                            DeviceEvent(
                                device=door,
                                station=s,
                                event_id=f"{day}-d-{k}",
                                kind="door_open",
                                method="face",
                                occupation="rider",
                                person=f"{rng.randint(0, 300):x}",
                                at=base + dt.timedelta(minutes=rng.randint(0, 24 * 60 - 1)),
                            )
                        )
        OpeningLog.objects.bulk_create(logs, batch_size=5000)
        CheckIn.objects.bulk_create(checkins, batch_size=5000)
        Rating.objects.bulk_create(ratings, batch_size=5000, ignore_conflicts=True)
        DeviceEvent.objects.bulk_create(events, batch_size=5000)
    print(
        f"built {n} stations, {len(logs)} opening-log taps, {len(checkins)} check-ins, "
        f"{len(ratings)} ratings, {len(events)} device events in {time.perf_counter() - t0:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    setup(os.environ.get("DATABASE_URL"))
    from django.db import connection

    from yizhan.core.time import SHANGHAI
    from yizhan.evidence import selectors
    from yizhan.stations.models import Station

    today = dt.datetime.now(SHANGHAI).date()
    build(args.stations, args.days, today)
    stations = list(Station.objects.filter(code__startswith="BENCH-").select_related("region"))
    first, last = today - dt.timedelta(days=args.days), today - dt.timedelta(days=1)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        days = selectors.station_days(stations=stations, first=first, last=last)
        summary = selectors.summarise(days)
        times.append(time.perf_counter() - t0)
    visits = sum(s.visits for s in summary)
    share = sum(s.alive_minutes for s in summary) / max(1, sum(s.declared_minutes for s in summary))
    print(
        f"{connection.vendor}: {len(stations)} stations × {args.days} days = "
        f"{len(days)} station-days, "
        f"{visits} visits, compliance {share:.1%}; month computed in best {min(times):.2f} s, "
        f"worst {max(times):.2f} s (target < 10 s) on {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
