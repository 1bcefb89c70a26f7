"""Background jobs of the volunteers app, run by `manage.py db_worker`. Thin shells."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from yizhan.volunteers.services import shift_reminders_send


@task()
def shift_reminders_task() -> int:
    """Remind volunteers of shifts starting within 24 hours (once each)."""
    return shift_reminders_send(now=timezone.now())
