"""Background jobs of notifications, run by `manage.py db_worker`: each SMS is sent here,
never inside a web request, and retried with exponential backoff."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from yizhan.notifications.services import SMS_RETRY, sms_attempt


@task()
def sms_send_task(delivery_id: int) -> str:
    outcome = sms_attempt(delivery_id)
    if outcome.status == SMS_RETRY:
        sms_enqueue(delivery_id, delay=outcome.delay)
    return outcome.status


def sms_enqueue(delivery_id: int, *, delay: timedelta | None = None) -> None:
    """Queue an attempt, ``delay`` from now where the task backend can defer (the database
    queue can; the in-process one used by tests runs it at once)."""
    runner = sms_send_task
    if delay and runner.get_backend().supports_defer:
        runner = runner.using(run_after=timezone.now() + delay)
    runner.enqueue(delivery_id=delivery_id)
