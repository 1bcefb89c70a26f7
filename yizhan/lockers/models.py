"""Smart lockers that hand out free supplies, and the donation exchange (爱心互献).

A locker belongs to a station and, when it talks to Yizhan, to a registered device of
kind "locker" (signed calls, as every device). Each compartment holds a stack of one
supply item with one expiry date; ``available`` is what can still be promised. A
reservation takes one unit from ``available`` at once (a conditional update, so two
workers can never both take the last one) and gives a short pickup code; the locker
checks the code, opens that compartment and the code is spent. An uncollected
reservation expires and its unit returns to ``available``.

The exchange: staff register a donated item at a station; a worker claims it and gets a
claim code to show at the station within a window; staff check the code and hand it
over. An item has at most one live claim (a unique key), so two workers cannot both
win it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.core.photos import PhotoField


class CompartmentSize(models.TextChoices):
    SMALL = "S", pgettext_lazy("compartment size", "小格")
    MEDIUM = "M", pgettext_lazy("compartment size", "中格")
    LARGE = "L", pgettext_lazy("compartment size", "大格")


class Locker(models.Model):
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="lockers", verbose_name=_("驿站")
    )
    name = models.CharField(_("名称"), max_length=60)
    device = models.OneToOneField(
        "devices.Device",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="locker",
        verbose_name=_("智能柜设备"),
        help_text=_("在“智能设备”中登记的智能柜；取件码经它签名的请求核验。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("智能柜")
        verbose_name_plural = pgettext_lazy("plural", "智能柜")
        ordering = ["station", "id"]

    def __str__(self) -> str:
        return f"{self.station_id} {self.name}"


class Compartment(models.Model):
    locker = models.ForeignKey(
        Locker, on_delete=models.CASCADE, related_name="compartments", verbose_name=_("智能柜")
    )
    number = models.PositiveSmallIntegerField(_("格口号"))
    size = models.CharField(
        _("尺寸"), max_length=1, choices=CompartmentSize.choices, default=CompartmentSize.MEDIUM
    )
    item = models.ForeignKey(
        "supplies.SupplyItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("物资"),
    )
    # Units that can still be promised to a worker (loaded, less reserved and taken).
    available = models.PositiveIntegerField(_("可预约数量"), default=0)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    unit_value = models.DecimalField(_("单件价值(元)"), max_digits=8, decimal_places=2, default=0)
    out_of_order = models.BooleanField(_("格口故障"), default=False)
    loaded_at = models.DateTimeField(_("最近装货"), null=True, blank=True)

    class Meta:
        verbose_name = _("格口")
        verbose_name_plural = pgettext_lazy("plural", "格口")
        ordering = ["locker", "number"]
        constraints = [
            models.UniqueConstraint(fields=["locker", "number"], name="compartment_number_once"),
            models.CheckConstraint(
                condition=Q(available=0) | Q(item__isnull=False),
                name="compartment_stock_has_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locker_id}#{self.number}"


class LoadKind(models.TextChoices):
    LOAD = "load", pgettext_lazy("locker load", "装货")
    REMOVE = "remove", pgettext_lazy("locker load", "取出")
    EXPIRED = "expired", pgettext_lazy("locker load", "过期下架")


class CompartmentLoad(models.Model):
    """Every time staff put units in or take them out (the stock's record)."""

    compartment = models.ForeignKey(
        Compartment, on_delete=models.CASCADE, related_name="loads", verbose_name=_("格口")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=LoadKind.choices)
    item = models.ForeignKey(
        "supplies.SupplyItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("物资")
    )
    quantity = models.IntegerField(_("数量变化"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("装货记录")
        verbose_name_plural = pgettext_lazy("plural", "装货记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.compartment} {self.kind} {self.quantity:+d}"


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", pgettext_lazy("reservation status", "待取")
    OPENED = "opened", pgettext_lazy("reservation status", "已开格")
    PICKED_UP = "picked_up", pgettext_lazy("reservation status", "已领取")
    EXPIRED = "expired", pgettext_lazy("reservation status", "已过期")
    CANCELLED = "cancelled", pgettext_lazy("reservation status", "已取消")


LIVE_RESERVATION = ("reserved", "opened")
HANDED_OUT = ("opened", "picked_up")


class Reservation(models.Model):
    """One unit promised to one worker, collected with ``code`` before ``expires_at``."""

    visitor = models.ForeignKey(
        "visitors.Visitor",
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name=_("访客"),
    )
    occupation = models.CharField(_("职业"), max_length=12, blank=True)
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    locker = models.ForeignKey(
        Locker, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("智能柜")
    )
    compartment = models.ForeignKey(
        Compartment, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("格口")
    )
    item = models.ForeignKey(
        "supplies.SupplyItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("物资")
    )
    code = models.CharField(_("取件码"), max_length=8)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ReservationStatus.choices,
        default=ReservationStatus.RESERVED,
    )
    week = models.DateField(_("所属周"), help_text=_("该周周一，按周计算领取限额。"))
    created_at = models.DateTimeField(_("预约时间"))
    expires_at = models.DateTimeField(_("取件截止"))
    opened_at = models.DateTimeField(_("开格时间"), null=True, blank=True)
    picked_at = models.DateTimeField(_("领取确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("智能柜预约")
        verbose_name_plural = pgettext_lazy("plural", "智能柜预约")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A code names one live reservation at its locker.
            models.UniqueConstraint(
                fields=["locker", "code"],
                condition=Q(status__in=["reserved", "opened"]),
                name="reservation_code_live_once",
            ),
        ]
        indexes = [
            models.Index(fields=["visitor", "item", "week"], name="reservation_quota"),
            models.Index(fields=["status", "expires_at"], name="reservation_expiry"),
            models.Index(fields=["station", "created_at"], name="reservation_station"),
        ]

    def __str__(self) -> str:
        return f"{self.locker_id} {self.item_id} {self.status}"


class Refusal(models.Model):
    """A worker asked for an item and did not get it: gone, or over their quota (the
    officers' stock-out figures)."""

    OUT_OF_STOCK = "out_of_stock"
    QUOTA = "quota"

    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    item = models.ForeignKey(
        "supplies.SupplyItem", on_delete=models.CASCADE, related_name="+", verbose_name=_("物资")
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    reason = models.CharField(_("原因"), max_length=12)

    class Meta:
        verbose_name = _("未领到记录")
        verbose_name_plural = pgettext_lazy("plural", "未领到记录")
        indexes = [models.Index(fields=["station", "at"], name="refusal_station_at")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.item_id} {self.reason}"


class LockerQuota(models.Model):
    """How many of an item (or of every item) one worker may reserve a week in a region;
    the most specific region and item win."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    item = models.ForeignKey(
        "supplies.SupplyItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("物资"),
        help_text=_("留空表示该区域所有物资。"),
    )
    per_week = models.PositiveSmallIntegerField(_("每人每周限领"))

    class Meta:
        verbose_name = _("领取限额")
        verbose_name_plural = pgettext_lazy("plural", "领取限额")
        ordering = ["region__code", "item"]
        constraints = [
            models.UniqueConstraint(fields=["region", "item"], name="quota_region_item_once"),
            models.UniqueConstraint(
                fields=["region"], condition=Q(item__isnull=True), name="quota_region_all_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.item_id or '*'} {self.per_week}/week"


class CodeAttempt(models.Model):
    """A pickup or claim code tried at a locker or a station, for throttling guesses in
    every process (the codes themselves are not kept)."""

    locker = models.ForeignKey(
        Locker, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Station", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    ok = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["locker", "at"], name="code_attempt_locker"),
            models.Index(fields=["station", "at"], name="code_attempt_station"),
        ]

    def __str__(self) -> str:
        return f"{self.locker_id or self.station_id} {self.at:%H:%M} {'ok' if self.ok else 'x'}"


# ---------------------------------------------------------------- the donation exchange


class DonationCategory(models.TextChoices):
    COATS = "coats", pgettext_lazy("donation category", "外套衣物")
    WARMTH = "warmth", pgettext_lazy("donation category", "手套帽子围巾")
    RAIN = "rain", pgettext_lazy("donation category", "雨具")
    BAGS = "bags", pgettext_lazy("donation category", "箱包")
    BOOKS = "books", pgettext_lazy("donation category", "图书")
    ELECTRONICS = "electronics", pgettext_lazy("donation category", "充电宝/数码配件")
    HOUSEHOLD = "household", pgettext_lazy("donation category", "生活用品")
    CHILDREN = "children", pgettext_lazy("donation category", "儿童用品")
    FOOD = "food", pgettext_lazy("donation category", "未开封食品")
    OTHER = "other", pgettext_lazy("donation category", "其他")


# Not taken at any station, for hygiene or safety: what a worker cannot use second-hand.
REFUSED_CATEGORIES = {
    "underwear": pgettext_lazy("refused donation", "内衣内裤"),
    "socks": pgettext_lazy("refused donation", "袜子"),
    "shoes": pgettext_lazy("refused donation", "鞋"),
    "medicine": pgettext_lazy("refused donation", "药品"),
    "opened_food": pgettext_lazy("refused donation", "已开封食品"),
    "cosmetics": pgettext_lazy("refused donation", "化妆品"),
}


class ItemCondition(models.TextChoices):
    NEW = "new", pgettext_lazy("item condition", "全新")
    LIKE_NEW = "like_new", pgettext_lazy("item condition", "几乎全新")
    GOOD = "good", pgettext_lazy("item condition", "完好可用")


class DonationStatus(models.TextChoices):
    LISTED = "listed", pgettext_lazy("donation status", "可领取")
    CLAIMED = "claimed", pgettext_lazy("donation status", "已被预定")
    HANDED_OVER = "handed_over", pgettext_lazy("donation status", "已领走")
    WITHDRAWN = "withdrawn", pgettext_lazy("donation status", "已下架")


class Donation(models.Model):
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="donations",
        verbose_name=_("驿站"),
    )
    category = models.CharField(_("类别"), max_length=12, choices=DonationCategory.choices)
    title = models.CharField(_("物品"), max_length=60)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    condition = models.CharField(_("成色"), max_length=10, choices=ItemCondition.choices)
    photo = PhotoField(_("照片"), upload_to="donations/%Y/%m/", blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=DonationStatus.choices, default=DonationStatus.LISTED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"))
    handed_over_at = models.DateTimeField(_("领走时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("爱心互献物品")
        verbose_name_plural = pgettext_lazy("plural", "爱心互献物品")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="donation_station_status")]

    def __str__(self) -> str:
        return self.title


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("claim status", "待领取")
    HANDED_OVER = "handed_over", pgettext_lazy("claim status", "已领取")
    EXPIRED = "expired", pgettext_lazy("claim status", "已过期")
    CANCELLED = "cancelled", pgettext_lazy("claim status", "已取消")


class Claim(models.Model):
    donation = models.ForeignKey(
        Donation, on_delete=models.CASCADE, related_name="claims", verbose_name=_("物品")
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    visitor = models.ForeignKey(
        "visitors.Visitor", on_delete=models.CASCADE, related_name="claims", verbose_name=_("访客")
    )
    occupation = models.CharField(_("职业"), max_length=12, blank=True)
    code = models.CharField(_("领取码"), max_length=8)
    status = models.CharField(
        _("状态"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("预定时间"))
    expires_at = models.DateTimeField(_("领取截止"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("领取码")
        verbose_name_plural = pgettext_lazy("plural", "领取码")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live claim per item: the second worker to try is told it is taken.
            models.UniqueConstraint(
                fields=["donation"], condition=Q(status="active"), name="claim_one_live"
            ),
            models.UniqueConstraint(
                fields=["station", "code"], condition=Q(status="active"), name="claim_code_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donation_id} {self.status}"
