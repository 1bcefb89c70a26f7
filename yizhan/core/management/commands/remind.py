"""`manage.py remind`: the regime's clock. Run it every 15 minutes (cron or a systemd timer):
escalates overdue rectification orders and sends due-inspection, expiring-stock and
volunteer-shift reminders; returns uncollected locker reservations and donation claims to
stock. Each notice goes out once and each return happens once, so running it often is
safe. What runs, and in which order, is `yizhan.core.reminders`' registry, which the apps
fill in their `AppConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from yizhan.core import reminders


class Command(BaseCommand):
    help = "Escalate overdue rectifications and send due reminders (safe to run often)."

    def handle(self, *args: Any, **options: Any) -> None:
        results = reminders.run_all(timezone.now())
        for what, n in results.items():
            self.stdout.write(f"{what}: {n}")
