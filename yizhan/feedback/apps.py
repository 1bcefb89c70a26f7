from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "yizhan.feedback"
    verbose_name = _("劳动者反馈")
