"""`manage.py simulate_devices [--date YYYY-MM-DD] [--stations CODE,...]`: play a day of
door, counter, heartbeat and power events at smart stations through the signed upload
endpoint (devices are registered when missing). Today is played up to now. Playing a day
again stores nothing new (the events' ids are the same)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yizhan.core.time import SHANGHAI
from yizhan.demo.simulator import simulate_day
from yizhan.stations.models import Station, StationKind, StationStatus

DEMO_DISTRICT = "230102"


class Command(BaseCommand):
    help = "Play a realistic day of device events at smart stations (default: the demo city's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today, up to now)")
        parser.add_argument("--stations", help="station codes, comma separated")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        today = now.astimezone(SHANGHAI).date()
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else today
        except ValueError:
            raise CommandError("--date: expected YYYY-MM-DD") from None
        if day > today:
            raise CommandError("--date: a day that has not happened yet")
        if options["stations"]:
            codes = [c.strip() for c in options["stations"].split(",") if c.strip()]
            stations = list(Station.objects.filter(code__in=codes).order_by("code"))
            missing = sorted(set(codes) - {s.code for s in stations})
            if missing:
                raise CommandError(f"--stations: unknown {', '.join(missing)}")
        else:
            stations = list(
                Station.objects.filter(
                    kind=StationKind.SMART,
                    status=StationStatus.ACTIVE,
                    region__code__startswith=DEMO_DISTRICT,
                ).order_by("code")
            )
            if not stations:
                raise CommandError("no active smart stations in the demo city; use --stations")
        until = now if day == today else None
        for station in stations:
            r = simulate_day(station=station, day=day, until=until)
            bad = sorted({s for s in r.statuses if s != 200})
            self.stdout.write(
                f"{station.code} {day}: {r.door_opens} door opens, {r.counted} people counted; "
                f"sent {r.sent} in {r.requests} batches: {r.accepted} new, "
                f"{r.duplicates} duplicates, {r.rejected} rejected"
                + (f"; HTTP {bad}" if bad else "")
            )
