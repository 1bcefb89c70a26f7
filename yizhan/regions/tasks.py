"""Background jobs of the regions, run by `manage.py db_worker`. Thin shells over services."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from yizhan.regions.services import region_load_run

INTERRUPTED = "已中断（后台任务进程意外退出），未写入任何数据，可以重新导入"


@task()
def region_load_task(*, load_id: int) -> dict[str, Any]:
    """Load the whole country's regions (progress under ``region_load:<load id>``)."""
    load = region_load_run(load_id=load_id)
    return {"status": load.status, **load.result}


def region_load_interrupted(kwargs: dict[str, Any]) -> None:
    """The worker running this load died (see core.heartbeat): the load is one
    transaction, so nothing was written; it fails as "已中断" and may be started again."""
    from django.utils import timezone

    from yizhan.core.progress import progress_set
    from yizhan.regions.models import LIVE_LOAD_STATUSES, LoadStatus, RegionLoad
    from yizhan.regions.selectors import region_load_progress_key

    load_id = int(kwargs["load_id"])
    RegionLoad.objects.filter(pk=load_id, status__in=LIVE_LOAD_STATUSES).update(
        status=LoadStatus.FAILED, finished_at=timezone.now(), error=INTERRUPTED
    )
    progress_set(region_load_progress_key(RegionLoad(pk=load_id)), done=0, total=0, phase="failed")
