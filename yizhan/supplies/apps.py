from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "yizhan.supplies"
    verbose_name = _("物资")

    def ready(self) -> None:
        from yizhan.core import reminders
        from yizhan.supplies.services import supplies_reminders_send

        reminders.register(
            "stock reminders", lambda now: supplies_reminders_send(now=now), order=30
        )
