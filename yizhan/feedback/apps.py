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

        from yizhan.core import hooks, reminders
        from yizhan.feedback.selectors import reports_for_day
        from yizhan.feedback.services import reports_overdue_notify

        # Operations' day shows the reports waiting for a person (it cannot import us:
        # we issue its rectification orders).
        hooks.reports_for_day.register(reports_for_day)
        from yizhan.feedback.selectors import report_figures

        # The officer's day counts the reports waiting and overdue in the region.
        hooks.day_figures_register("feedback", report_figures, order=20)
        reminders.register("reports overdue", lambda now: reports_overdue_notify(now=now), order=15)
