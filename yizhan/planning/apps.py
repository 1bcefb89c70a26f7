from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "yizhan.planning"
    verbose_name = _("布局规划")

    def ready(self) -> None:
        from yizhan.core import heartbeat
        from yizhan.planning.tasks import scenario_interrupted, scenario_run_task

        heartbeat.on_interrupted(scenario_run_task, scenario_interrupted)
