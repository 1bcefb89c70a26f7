from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "yizhan.devices"
    verbose_name = _("智能设备")

    def ready(self) -> None:
        from yizhan.core import evidence
        from yizhan.devices.selectors import life_events

        # Signs of life for the evidence app (doors, counters, heartbeats).
        evidence.source_register("devices", life_events, order=30)
