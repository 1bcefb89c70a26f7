"""A city's monthly evaluation: 1,000 stations under 10 districts, last month scored
(target: under 60 s for the city on 2 cores, one task worker).

    .venv/bin/python bench/bench_evaluation.py [--stations 1000]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_evaluation.py   # PostgreSQL

The synthetic city is bench_evidence.py's (opening log, workers' check-ins and ratings,
smart stations' devices), written for every day from the first of last month to
yesterday into var/bench/evaluation.sqlite3 (or the throwaway PostgreSQL database in
DATABASE_URL). Then it times what a city officer's click does: one run per district,
each reading the month's evidence, scoring every station and writing the results, stars
and cards in one transaction, run one after another as a single worker would. It
times a rerun of the same month too (the results replaced, no decision repeated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

from bench_evidence import CITY, build, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    args = parser.parse_args()
    setup(os.environ.get("DATABASE_URL"), name="evaluation")
    from collections import Counter

    from django.db import connection

    from yizhan.core.time import SHANGHAI
    from yizhan.evaluation import selectors, services
    from yizhan.evaluation.models import Card, StationScore
    from yizhan.regions.models import Region

    today = dt.datetime.now(SHANGHAI).date()
    month = selectors.month_previous(today)
    build(args.stations, (today - month).days, today)
    city = Region.objects.get(code=CITY)
    timings = []
    for attempt in ("first run", "rerun"):
        t0 = time.perf_counter()
        runs = services.evaluation_start(user=None, region=city, month=month)
        slowest = 0.0
        for run in runs:
            t1 = time.perf_counter()
            services.evaluation_run_execute(run_id=run.pk)
            slowest = max(slowest, time.perf_counter() - t1)
        timings.append((attempt, time.perf_counter() - t0, slowest, len(runs)))
    scores = StationScore.objects.filter(month=month)
    status = Counter(scores.values_list("status", flat=True))
    cards = Counter(Card.objects.filter(month=month).values_list("kind", flat=True))
    for attempt, total, slowest, n in timings:
        print(
            f"{connection.vendor} {attempt}: {n} districts, {scores.count()} stations "
            f"({status.get('scored', 0)} scored, {status.get('insufficient', 0)} insufficient), "
            f"{month:%Y-%m} in {total:.1f} s (slowest district {slowest:.1f} s; target < 60 s)"
        )
    print(
        f"cards issued for {month:%Y-%m}: {dict(cards)}; on {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
