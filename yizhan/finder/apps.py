from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinderConfig(AppConfig):
    name = "yizhan.finder"
    verbose_name = _("找驿站")
