from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "yizhan.feedback"
    verbose_name = _("劳动者反馈")

    def ready(self) -> None:
        from yizhan.core import evidence
        from yizhan.feedback.selectors import life_events

        # Signs of life for the evidence app (check-ins, ratings, reports).
        evidence.source_register("feedback", life_events, order=20)
