"""Background jobs of the evaluation, run by `manage.py db_worker`: one task per
district and month. Thin shells over services."""

from __future__ import annotations

from django.tasks import task

from yizhan.evaluation.services import evaluation_run_execute


@task()
def evaluation_run_task(*, run_id: int) -> dict[str, int]:
    """Score a district's month (progress under ``evaluation:<run id>``)."""
    run = evaluation_run_execute(run_id=run_id)
    return {k: v for k, v in run.outcome.items() if isinstance(v, int)}
