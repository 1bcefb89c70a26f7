from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "yizhan.evaluation"
    verbose_name = _("评估定级")
