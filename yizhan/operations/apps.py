from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "yizhan.operations"
    verbose_name = _("驿站运营")

    def ready(self) -> None:
        from yizhan.core import evidence
        from yizhan.operations.selectors import life_events

        # Signs of life for the evidence app (opening log).
        evidence.source_register("operations", life_events, order=10)

        from yizhan.core import reminders
        from yizhan.operations.services import inspection_reminders_send, rectifications_escalate

        reminders.register(
            "rectifications escalated", lambda now: rectifications_escalate(now=now), order=10
        )
        reminders.register(
            "inspection reminders", lambda now: inspection_reminders_send(now=now), order=20
        )
