from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "yizhan.evidence"
    verbose_name = _("使用与开放数据")

    def ready(self) -> None:
        from yizhan.core import hooks
        from yizhan.evidence.selectors import flag_figures

        # The officer's day shows these figures (operations may not import us).
        hooks.day_figures_register("evidence", flag_figures, order=40)
