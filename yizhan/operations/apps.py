from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "yizhan.operations"
    verbose_name = _("驿站运营")
