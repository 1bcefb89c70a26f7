from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "yizhan.evaluation"
    verbose_name = _("评估定级")

    def ready(self) -> None:
        from yizhan.core import hooks
        from yizhan.evaluation.selectors import card_figures

        # The officer's day shows these figures (operations may not import us).
        hooks.day_figures_register("evaluation", card_figures, order=30)
