"""People who sign in: union officers scoped to a region (later also station staff)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserRole(models.TextChoices):
    """What a person does in Yizhan. Station roles (station master, administrator, butler,
    one-day master) are per station, in `stations.StationStaff`; these are per region."""

    OFFICER = "officer", pgettext_lazy("user role", "工会干部")
    INSPECTOR = "inspector", pgettext_lazy("user role", "督查员")
    STAFF = "staff", pgettext_lazy("user role", "驿站人员")
    WORKER = "worker", pgettext_lazy("user role", "注册劳动者")


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
    role = models.CharField(
        _("身份"),
        max_length=10,
        choices=UserRole.choices,
        default=UserRole.OFFICER,
        help_text=_(
            "工会干部和督查员按管辖区域工作；驿站人员的岗位见驿站人员表；"
            "注册劳动者可以接受暗访任务。"
        ),
    )

    def get_full_name(self) -> str:
        """Chinese names read family name first, with no space (李红); others as Django
        writes them (first last)."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}"
        return super().get_full_name()

    @property
    def display_name(self) -> str:
        """The name to show: the full name, else the username."""
        return self.get_full_name() or self.username

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")  # type: ignore[assignment]
        verbose_name_plural = pgettext_lazy("plural", "用户")  # type: ignore[assignment]
