"""Supplies kept at a station (medicine, water, hand warmers, raincoats ...), in batches
with expiry dates, and every movement in or out.

A batch's ``quantity`` is what is on the shelf now; movements are the record of how it got
there. A movement's ``quantity`` is signed: restock adds (> 0), use and discard take away
(< 0), a stocktake adjusts either way (0 records a count that matched).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.stations.models import Station, catalogue_label


class SupplyCategory(models.TextChoices):
    MEDICINE = "medicine", pgettext_lazy("supply category", "药品")
    DRINK = "drink", pgettext_lazy("supply category", "饮品")
    WARMTH = "warmth", pgettext_lazy("supply category", "保暖")
    RAIN = "rain", pgettext_lazy("supply category", "雨具")
    FOOD = "food", pgettext_lazy("supply category", "食品")
    HYGIENE = "hygiene", pgettext_lazy("supply category", "卫生")
    OTHER = "other", pgettext_lazy("supply category", "其他")


class Season(models.TextChoices):
    ALL = "all", pgettext_lazy("season", "全年")
    SUMMER = "summer", pgettext_lazy("season", "夏季")
    WINTER = "winter", pgettext_lazy("season", "冬季")


def in_season(season: str, day: dt.date) -> bool:
    """Summer (送清凉) is June to September, winter (送温暖) November to March, as the
    finder's seasonal badge counts them.

    >>> in_season("summer", dt.date(2026, 7, 1)), in_season("winter", dt.date(2026, 7, 1))
    (True, False)
    >>> in_season("winter", dt.date(2026, 1, 5)), in_season("all", dt.date(2026, 4, 1))
    (True, True)
    """
    if season == Season.SUMMER:
        return 6 <= day.month <= 9
    if season == Season.WINTER:
        return day.month >= 11 or day.month <= 3
    return True


# Units officers write in the catalogue, in English.
UNIT_WORDS_EN = {
    "瓶": "bottles",
    "盒": "boxes",
    "件": "items",
    "包": "packs",
    "袋": "bags",
    "个": "pcs",
    "支": "pcs",
    "把": "pcs",
    "片": "pcs",
    "双": "pairs",
    "副": "pairs",
    "套": "sets",
    "条": "pcs",
    "份": "servings",
    "箱": "cases",
    "卷": "rolls",
    "桶": "barrels",
    "听": "cans",
    "罐": "cans",
}


class SupplyItem(models.Model):
    """One kind of supply in the catalogue (the same list for every station)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    category = models.CharField(
        _("类别"), max_length=10, choices=SupplyCategory.choices, default=SupplyCategory.OTHER
    )
    unit = models.CharField(_("单位"), max_length=8, default="盒", help_text=_("盒、瓶、件、包等"))
    tracks_expiry = models.BooleanField(
        _("管理有效期"), default=True, help_text=_("药品、食品等入库时必须填写有效期。")
    )
    season = models.CharField(_("季节"), max_length=6, choices=Season.choices, default=Season.ALL)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("物资品类")
        verbose_name_plural = pgettext_lazy("plural", "物资品类")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return catalogue_label(self.name, self.name_en)

    @property
    def unit_label(self) -> str:
        """The unit in the page's language: 瓶 on Chinese pages, "bottles" on English ones
        (a unit nobody listed is shown as written)."""
        return catalogue_label(self.unit, UNIT_WORDS_EN.get(self.unit, ""))


class StationSupply(models.Model):
    """An item a station keeps, with the level under which it counts as running low."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="supplies", verbose_name=_("驿站")
    )
    item = models.ForeignKey(
        SupplyItem, on_delete=models.PROTECT, related_name="stations", verbose_name=_("物资")
    )
    min_level = models.PositiveIntegerField(
        _("最低库存"), default=0, help_text=_("可用数量低于此值时提醒补货；0 表示不提醒。")
    )

    class Meta:
        verbose_name = _("驿站物资")
        verbose_name_plural = pgettext_lazy("plural", "驿站物资")
        ordering = ["station__code", "item__sort_order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["station", "item"], name="station_supply_once")
        ]

    def __str__(self) -> str:
        return f"{self.station.code} · {self.item}"


class StockBatch(models.Model):
    """One delivery of an item at a station: what is left of it and when it expires."""

    station_supply = models.ForeignKey(
        StationSupply, on_delete=models.CASCADE, related_name="batches", verbose_name=_("驿站物资")
    )
    batch_no = models.CharField(_("批号"), max_length=40, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("结存数量"), default=0)
    received_on = models.DateField(_("入库日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("物资批次")
        verbose_name_plural = pgettext_lazy("plural", "物资批次")
        ordering = ["expires_on", "received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_batch_quantity_not_negative"
            )
        ]
        indexes = [models.Index(fields=["expires_on"], name="stock_batch_expiry")]

    def __str__(self) -> str:
        return f"{self.station_supply} · {self.batch_no or '-'}"

    def expired(self, today: dt.date) -> bool:
        """Usable through its expiry day; expired from the day after."""
        return self.expires_on is not None and self.expires_on < today


class MovementKind(models.TextChoices):
    RESTOCK = "restock", pgettext_lazy("stock movement", "入库")
    USE = "use", pgettext_lazy("stock movement", "领用")
    DISCARD = "discard", pgettext_lazy("stock movement", "报废")
    ADJUST = "adjust", pgettext_lazy("stock movement", "盘点调整")


class StockMovement(models.Model):
    batch = models.ForeignKey(
        StockBatch, on_delete=models.CASCADE, related_name="movements", verbose_name=_("批次")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=MovementKind.choices)
    # Signed: restock > 0, use and discard < 0, adjust either (0: counted, no difference).
    quantity = models.IntegerField(_("数量变化"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stock_movements",
        verbose_name=_("经办人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The form or app's id for one submission: a retry of the same submission records
    # nothing new. A use that takes from two batches writes one row per batch.
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = pgettext_lazy("plural", "出入库记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="restock", quantity__gt=0)
                    | Q(kind__in=["use", "discard"], quantity__lt=0)
                    | Q(kind="adjust")
                ),
                name="stock_movement_sign_by_kind",
            ),
            models.UniqueConstraint(
                fields=["client_id", "batch"],
                condition=Q(client_id__isnull=False),
                name="stock_movement_client_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"
