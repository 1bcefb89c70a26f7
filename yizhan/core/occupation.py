"""The occupation categories workers give (no more than that is asked of them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class Occupation(models.TextChoices):
    RIDER = "rider", pgettext_lazy("occupation", "外卖骑手")
    COURIER = "courier", pgettext_lazy("occupation", "快递员")
    DRIVER = "driver", pgettext_lazy("occupation", "司机")
    SANITATION = "sanitation", pgettext_lazy("occupation", "环卫工人")
    OTHER = "other", pgettext_lazy("occupation", "其他")
    UNKNOWN = "", pgettext_lazy("occupation", "未说明")
