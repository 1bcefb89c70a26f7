"""People who sign in: union officers scoped to a region (later also station staff)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class User(AbstractUser):
    # An officer sees and changes only this region's subtree. Superusers are national.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("管辖区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
        help_text=_("工会干部只能查看和修改该区域及其下级区域的数据。"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")  # type: ignore[assignment]
        verbose_name_plural = pgettext_lazy("plural", "用户")  # type: ignore[assignment]
