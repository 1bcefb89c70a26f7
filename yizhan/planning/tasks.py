"""Background jobs of planning, run by `manage.py db_worker`. Thin shells over services."""

from __future__ import annotations

from django.tasks import task

from yizhan.planning.services import scenario_execute


@task()
def scenario_run_task(*, scenario_id: int) -> str:
    """Run one scenario (progress under ``planning:<id>``)."""
    return str(scenario_execute(scenario_id=scenario_id).status)
