from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "yizhan.stations"
    label = "stations"
    verbose_name = _("驿站登记")

    def ready(self) -> None:
        from yizhan.core import heartbeat
        from yizhan.stations.tasks import station_import_commit_task, station_import_interrupted

        heartbeat.on_interrupted(station_import_commit_task, station_import_interrupted)
