from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "yizhan.planning"
    verbose_name = _("布局规划")
