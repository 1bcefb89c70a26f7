from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "yizhan.regions"
    label = "regions"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from yizhan.core import heartbeat
        from yizhan.regions.tasks import region_load_interrupted, region_load_task

        heartbeat.on_interrupted(region_load_task, region_load_interrupted)
