from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignageConfig(AppConfig):
    name = "yizhan.signage"
    verbose_name = _("公示牌")
