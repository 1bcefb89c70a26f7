"""`manage.py evaluate`: the monthly evaluation from the command line (or cron on the
1st of each month): every district of a region, last month by default."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yizhan.core.errors import ApplicationError
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import selectors, services
from yizhan.evaluation.models import EvaluationRun, RunStatus
from yizhan.regions.models import Region


class Command(BaseCommand):
    help = (
        "Score every active station of a region for a month (default: last month) and "
        "apply the decisions: star levels, yellow and red cards, delisting proposals. "
        "Runs in this process; a rerun of the same month changes nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 230102")
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue the runs for the task worker (db_worker) instead of running here",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"region {options['region']!r} not found")
        today = timezone.now().astimezone(SHANGHAI).date()
        if options["month"]:
            try:
                month = dt.date.fromisoformat(f"{options['month']}-01")
            except ValueError as exc:
                raise CommandError(f"--month {options['month']!r}: expected YYYY-MM") from exc
        else:
            month = selectors.month_previous(today)
        try:
            runs = services.evaluation_start(
                user=None, region=region, month=month, enqueue=options["queue"]
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.extra or ''}".strip()) from exc
        for run in runs:
            if not options["queue"] and run.status == RunStatus.QUEUED:
                run = services.evaluation_run_execute(run_id=run.pk)
            run = EvaluationRun.objects.select_related("region").get(pk=run.pk)
            o, version = run.outcome, run.snapshot.get("version")
            self.stdout.write(
                f"{run.region.name} ({run.region.code}) {month:%Y-%m} v{version}: "
                f"{run.get_status_display()} {run.status}"
                + (
                    f" — {o.get('stations', 0)} stations, {o.get('scored', 0)} scored, "
                    f"{o.get('insufficient', 0)} insufficient evidence; stars changed "
                    f"{o.get('stars_changed', 0)}; yellow {o.get('yellow', 0)}, red "
                    f"{o.get('red', 0)}, lifted {o.get('lifted', 0)}, delisting proposals "
                    f"{o.get('proposals', 0)}"
                    + ("" if o.get("decides", True) else " (an older month: scores only)")
                    if run.status == RunStatus.DONE
                    else (f" — {run.error}" if run.error else "")
                )
            )
