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

        # The console's 节假日调休 corrects the official calendar (stations.hours).
        from django.db.models.signals import post_delete, post_save

        from yizhan.stations import hours
        from yizhan.stations.models import CalendarDay
        from yizhan.stations.selectors import calendar_override

        hours.set_calendar_override(calendar_override)
        for signal in (post_save, post_delete):
            signal.connect(
                lambda **kwargs: hours.calendar_override_changed(),
                sender=CalendarDay,
                weak=False,
                dispatch_uid=f"calendar-day-{signal is post_save}",
            )
