"""Locker reservations through the production server on PostgreSQL: the rate it
sustains, and that it never oversells while sustaining it.

    .venv/bin/python bench/bench_lockers.py                  # ≈ 1.5 min
    .venv/bin/python bench/bench_lockers.py --duration 20 --clients 8 --workers 2

Database: PostgreSQL. ``DATABASE_URL`` if it names one, else a throwaway server started
with ``scripts/pg-test`` (its own state file and port, stopped at the end); migrated and
the cache table created. One smart station with a 40-compartment locker.

Server: gunicorn (``--workers`` sync workers) on ``config.wsgi`` with
``config.settings.production`` on 127.0.0.1. The per-address limits (the API's anonymous
rate and the lockers' writes per minute) are lifted: every client here is one address.

1. **Sustained.** 40 compartments × 500 noodles. ``--clients`` processes each post
   reservations (``POST /api/v1/lockers/reservations``, a new worker each time, keep-alive)
   as fast as the server answers for ``--duration`` s. Rate = reservations made ÷ wall
   time. Then the rows are counted against the answers: every 200 is one reservation.
2. **Contended.** The locker emptied and 100 units loaded (10 compartments × 10);
   ``--clients`` processes post 1,000 reservations between them at once. Exactly 100
   must succeed and 900 be told "out of stock" (409), no compartment below zero.

Prints a JSON summary and a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench_ingest import Server, free_port, manage, pg_start, pg_stop, server_env  # noqa: E402

PATH = "/api/v1/lockers/reservations"
PG_STATE = ROOT / "var" / "pg-bench-lockers.state"
STATION = "BENCH-L01"


def shell(env: dict[str, str], code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"manage.py shell failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def stock(env: dict[str, str], compartments: int, units: int) -> dict[str, int]:
    """A fresh locker at the bench station with ``compartments`` × ``units`` noodles."""
    return shell(
        env,
        f"""
import datetime as dt, json
from yizhan.accounts.models import User
from yizhan.lockers import services
from yizhan.lockers.models import Locker, Reservation, Refusal
from yizhan.regions.models import Region
from yizhan.stations.models import Station
from yizhan.supplies.models import SupplyItem
parent = None
for code, name, level in (
    ("23", "黑龙江省", "province"), ("2301", "哈尔滨市", "city"), ("230102", "道里区", "district")
):
    parent, _ = Region.objects.get_or_create(
        code=code, defaults={{"name": name, "level": level, "parent": parent}}
    )
st, _ = Station.objects.get_or_create(
    code="{STATION}",
    defaults=dict(name="压测智能驿站", kind="smart", region=parent, address="道里区",
                  lat=45.77, lon=126.61, opening_hours="24/7", status="active"),
)
Reservation.objects.filter(station=st).delete()
Refusal.objects.filter(station=st).delete()
Locker.objects.filter(station=st).delete()
root, _ = User.objects.get_or_create(username="bench-root", defaults={{"is_superuser": True}})
locker = services.locker_register(
    user=root, station=st, name="压测柜", sizes=["M"] * {compartments}
)
noodles = SupplyItem.objects.get(code="noodles")
for c in locker.compartments.all():
    services.compartment_load(user=root, compartment=c, item=noodles, quantity={units},
                              expires_on=dt.date.today() + dt.timedelta(days=90))
print(json.dumps({{"loaded": {compartments} * {units}}}))
""",
    )


def counts(env: dict[str, str]) -> dict[str, int]:
    return shell(
        env,
        f"""
import json
from django.db.models import Sum, Min
from yizhan.lockers.models import Compartment, Reservation
live = Reservation.objects.filter(station__code="{STATION}")
c = Compartment.objects.filter(locker__station__code="{STATION}")
codes = list(live.values_list("code", flat=True))
print(json.dumps({{
    "reservations": live.count(),
    "available": c.aggregate(n=Sum("available"))["n"] or 0,
    "lowest": c.aggregate(n=Min("available"))["n"] or 0,
    "distinct_codes": len(set(codes)),
}}))
""",
    )


def client(idx: int, port: int, seconds: float, attempts: int, out: Any) -> None:
    """Post reservations, a new worker each, for ``seconds`` or ``attempts`` requests."""
    body = json.dumps({"station": STATION, "item": "noodles"}).encode()
    statuses: dict[int, int] = {}
    n = 0
    t_end = time.time() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.time() < t_end and (attempts <= 0 or n < attempts):
        headers = {
            "Content-Type": "application/json",
            "X-Visitor": f"bench-{idx:02d}-{n:07d}-worker",
        }
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
        except (OSError, http.client.HTTPException):
            statuses[0] = statuses.get(0, 0) + 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n += 1
    conn.close()
    out.put(statuses)


def run_clients(
    port: int, clients: int, seconds: float, attempts: int
) -> tuple[dict[int, int], float]:
    out: Any = mp.Queue()
    procs = [
        mp.Process(target=client, args=(i, port, seconds, attempts, out)) for i in range(clients)
    ]
    t0 = time.time()
    for p in procs:
        p.start()
    total: dict[int, int] = {}
    for _p in procs:
        for k, v in out.get().items():
            total[k] = total.get(k, 0) + v
    for p in procs:
        p.join()
    return total, time.time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    own_pg = not os.environ.get("DATABASE_URL", "").startswith("postgres")
    url = pg_start(PG_STATE, 54421) if own_pg else os.environ["DATABASE_URL"]
    env = {
        **server_env(url),
        "YIZHAN_VAR_DIR": str(ROOT / "var" / "bench-lockers"),
        "YIZHAN_API_ANON_RATE": "off",
        "YIZHAN_LOCKER_WRITES_PER_MINUTE": "100000000",
        "YIZHAN_LOCKER_QUOTA_PER_WEEK": "1",
    }
    server = Server(env, free_port(), args.workers)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable", "--database", "cache")
        loaded = stock(env, 40, 500)["loaded"]
        server.start()
        sustained, wall = run_clients(server.port, args.clients, args.duration, 0)
        rows = counts(env)
        made = sustained.get(200, 0)
        stock(env, 10, 10)
        contended, c_wall = run_clients(server.port, args.clients, 120, 1000 // args.clients)
        c_rows = counts(env)
    finally:
        server.stop()
        if own_pg:
            pg_stop(PG_STATE)
    summary = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "workers": args.workers,
        "clients": args.clients,
        "sustained": {
            "seconds": round(wall, 1),
            "answers": sustained,
            "reservations_per_s": round(made / wall, 1),
            "rows": rows["reservations"],
            "stock_left": rows["available"],
            "loaded": loaded,
            "codes_unique": rows["distinct_codes"] == rows["reservations"],
        },
        "contended": {
            "seconds": round(c_wall, 1),
            "answers": contended,
            "rows": c_rows["reservations"],
            "lowest_compartment": c_rows["lowest"],
        },
    }
    print(json.dumps(summary, indent=2))
    ok = (
        rows["reservations"] == made
        and rows["available"] == loaded - made
        and contended.get(200) == 100
        and c_rows["reservations"] == 100
        and c_rows["lowest"] == 0
    )
    rate = summary["sustained"]["reservations_per_s"]  # type: ignore[index]
    print(
        "\n| server | reservations/s sustained | rows = 200 answers | 1,000 at once, 100 units |"
        "\n|---|---|---|---|"
        f"\n| gunicorn ×{args.workers}, {args.clients} clients | **{rate}** "
        f"| {rows['reservations']} = {made} "
        f"| {contended.get(200, 0)} × 200, {contended.get(409, 0)} × 409 |"
    )
    if not ok:
        raise SystemExit("oversold or lost: see the summary above")


if __name__ == "__main__":
    main()
