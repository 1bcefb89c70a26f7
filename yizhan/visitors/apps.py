from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitorsConfig(AppConfig):
    name = "yizhan.visitors"
    verbose_name = _("匿名访客")
