"""Background jobs of the regions, run by `manage.py db_worker`. Thin shells over services."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from yizhan.regions.services import region_load_run


@task()
def region_load_task(*, load_id: int) -> dict[str, Any]:
    """Load the whole country's regions (progress under ``region_load:<load id>``)."""
    load = region_load_run(load_id=load_id)
    return {"status": load.status, **load.result}
