"""GB/T 2260 administrative regions (province → city → district → street → community).

Codes are kept in their short, prefix form (23, 2301, 230102, 230102001, 230102001001),
so a region's subtree is every code that starts with its own: one indexed prefix query.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    PROVINCE = "province", pgettext_lazy("region level", "省")
    CITY = "city", pgettext_lazy("region level", "市")
    DISTRICT = "district", pgettext_lazy("region level", "区县")
    STREET = "street", pgettext_lazy("region level", "街道/乡镇")
    COMMUNITY = "community", pgettext_lazy("region level", "社区/村")


# Length of the short code at each level.
LEVEL_CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.STREET: 9,
    RegionLevel.COMMUNITY: 12,
}
LEVEL_BY_LENGTH = {length: level for level, length in LEVEL_CODE_LENGTH.items()}


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Approximate centre, WGS-84; used to place maps and demo data, never for scoping.
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    # The months of 夏季 hours in ledgers (winter is the rest); unset = the parent's, and
    # May–September at the top.
    summer_from = models.PositiveSmallIntegerField(
        _("夏季开始月份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    summer_to = models.PositiveSmallIntegerField(
        _("夏季结束月份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="region_code_length_matches_level",
                condition=(
                    models.Q(level="province", code__regex=r"^[0-9]{2}$")
                    | models.Q(level="city", code__regex=r"^[0-9]{4}$")
                    | models.Q(level="district", code__regex=r"^[0-9]{6}$")
                    | models.Q(level="street", code__regex=r"^[0-9]{9}$")
                    | models.Q(level="community", code__regex=r"^[0-9]{12}$")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def full_name(self) -> str:
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))
