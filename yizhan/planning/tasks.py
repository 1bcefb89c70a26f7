"""Background jobs of planning, run by `manage.py db_worker`. Thin shells over services."""

from __future__ import annotations

from django.tasks import task

from yizhan.planning.services import progress_key, scenario_execute


@task()
def scenario_run_task(*, scenario_id: int) -> str:
    """Run one scenario (progress under ``planning:<id>``)."""
    return str(scenario_execute(scenario_id=scenario_id).status)


def scenario_interrupted(kwargs: dict[str, object]) -> None:
    """The worker running this scenario died (see core.heartbeat): it fails as "已中断";
    its last finished answer is kept and it may be run again."""
    from django.utils import timezone

    from yizhan.core.progress import progress_clear
    from yizhan.planning.models import LIVE_STATUSES, Scenario, ScenarioStatus

    scenario_id = int(str(kwargs["scenario_id"]))
    Scenario.objects.filter(pk=scenario_id, status__in=LIVE_STATUSES).update(
        status=ScenarioStatus.FAILED,
        error="已中断（后台任务进程意外退出），可以重新运行",
        finished_at=timezone.now(),
    )
    progress_clear(progress_key(scenario_id))
