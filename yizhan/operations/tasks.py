"""Background jobs of station operations, run by `manage.py db_worker` or `manage.py remind`."""

from __future__ import annotations

from django.tasks import task

from yizhan.operations.services import inspection_reminders_send, rectifications_escalate


@task()
def rectifications_escalate_task() -> int:
    return rectifications_escalate()


@task()
def inspection_reminders_task() -> int:
    return inspection_reminders_send()
