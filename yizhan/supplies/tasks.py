"""Background jobs of the supplies app, run by `manage.py db_worker`. Thin shells."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from yizhan.supplies.services import supplies_reminders_send


@task()
def supplies_reminders_task() -> int:
    """Expiry and low-stock reminders to station masters and administrators."""
    return supplies_reminders_send(now=timezone.now())
