from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "yizhan.volunteers"
    verbose_name = _("志愿者排班")

    def ready(self) -> None:
        from yizhan.core import reminders
        from yizhan.volunteers.services import shift_reminders_send

        reminders.register("shift reminders", lambda now: shift_reminders_send(now=now), order=40)
