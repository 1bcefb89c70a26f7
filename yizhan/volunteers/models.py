"""Volunteer shifts: a station's runners publish shifts for one-day masters (一日站长) and
butlers (驿站管家); registered workers and staff sign up, check in and check out.

A shift with ``extends_hours`` keeps the station open for its whole span even outside
the published opening hours — but only once at least one volunteer holds an active
sign-up (an empty shift opens nothing). The finder shows such spans as "志愿者值守"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.stations.models import StaffRole

MAX_SHIFT_HOURS = 16
CHECK_IN_EARLY_MINUTES = 30
AWAY_METRES = 300


class ShiftRole(models.TextChoices):
    """The volunteer roles of `stations.StaffRole` (same values)."""

    ONE_DAY_MASTER = StaffRole.ONE_DAY_MASTER.value, pgettext_lazy("staff role", "一日站长")
    BUTLER = StaffRole.BUTLER.value, pgettext_lazy("staff role", "驿站管家")


class Shift(models.Model):
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="shifts",
        verbose_name=_("驿站"),
    )
    role = models.CharField(_("岗位"), max_length=16, choices=ShiftRole.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveSmallIntegerField(_("名额"), default=1)
    extends_hours = models.BooleanField(
        _("延长开放"),
        default=True,
        help_text=_("有志愿者报名后，值班时段内驿站开放，即使在公布的开放时间之外。"),
    )
    title = models.CharField(_("标题"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    published = models.BooleanField(_("已发布"), default=True)
    cancelled = models.BooleanField(_("已取消"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("志愿值班")
        verbose_name_plural = pgettext_lazy("plural", "志愿值班")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["station", "starts_at"], name="shift_station_starts"),
            models.Index(fields=["starts_at"], name="shift_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                name="shift_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
            models.CheckConstraint(name="shift_slots_positive", condition=Q(slots__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_role_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", pgettext_lazy("signup status", "已报名")
    CANCELLED = "cancelled", pgettext_lazy("signup status", "已取消")


class ShiftSignup(models.Model):
    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="signups", verbose_name=_("值班")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shift_signups",
        verbose_name=_("志愿者"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=SignupStatus.choices, default=SignupStatus.SIGNED_UP
    )
    signed_up_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    lat = models.FloatField(_("签到纬度"), null=True, blank=True)
    lon = models.FloatField(_("签到经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    distance_m = models.FloatField(_("签到时距驿站(米)"), null=True, blank=True)
    away = models.BooleanField(_("签到时不在驿站"), default=False)
    no_position = models.BooleanField(_("签到未定位"), default=False)
    out_distance_m = models.FloatField(_("签退时距驿站(米)"), null=True, blank=True)
    out_away = models.BooleanField(_("签退时不在驿站"), default=False)
    out_no_position = models.BooleanField(_("签退未定位"), default=False)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("值班报名")
        verbose_name_plural = pgettext_lazy("plural", "值班报名")
        ordering = ["signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "user"],
                condition=Q(status="signed_up"),
                name="shift_signup_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.user_id} {self.status}"
