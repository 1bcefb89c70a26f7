from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockersConfig(AppConfig):
    name = "yizhan.lockers"
    verbose_name = _("智能柜与爱心互献")
