"""`manage.py remind`: the regime's clock. Run it every 15 minutes (cron or a systemd timer):
escalates overdue rectification orders and sends due-inspection, expiring-stock and
volunteer-shift reminders; returns uncollected locker reservations and donation claims to
stock. Each notice goes out once and each return happens once, so running it often is
safe."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from yizhan.lockers.services import claims_expire, reservations_expire
from yizhan.operations.services import inspection_reminders_send, rectifications_escalate
from yizhan.supplies.services import supplies_reminders_send
from yizhan.volunteers.services import shift_reminders_send


class Command(BaseCommand):
    help = "Escalate overdue rectifications and send due reminders (safe to run often)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        results = {
            "rectifications escalated": rectifications_escalate(now=now),
            "inspection reminders": inspection_reminders_send(now=now),
            "stock reminders": supplies_reminders_send(now=now),
            "shift reminders": shift_reminders_send(now=now),
            "locker reservations expired": reservations_expire(now=now),
            "donation claims expired": claims_expire(now=now),
        }
        for what, n in results.items():
            self.stdout.write(f"{what}: {n}")
