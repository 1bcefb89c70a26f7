from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "yizhan.evidence"
    verbose_name = _("使用与开放数据")
