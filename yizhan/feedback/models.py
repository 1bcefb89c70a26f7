"""Workers' feedback from a station's QR codes: check-ins, ratings, problem reports and
needs surveys (调研).

A worker is known only by a `Visitor` (`yizhan.visitors`): a keyed hash of a random id
kept in their phone's cookie (or sent by a mini-program), and the occupation category
they chose. A phone number is stored only on a report whose author asked for a reply."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yizhan.core.occupation import Occupation
from yizhan.core.photos import PhotoField
from yizhan.visitors.models import Visitor

# A check-in this recent makes a rating "checked in" (full weight).
CHECKED_IN_HOURS = 12
# Reports of one category at one station merge into the open one made this recently.
MERGE_WINDOW = dt.timedelta(hours=72)
RATING_COMMENT_MAX = 200
REPORT_TEXT_MAX = 500


def follow_token() -> str:
    return secrets.token_urlsafe(16)


def late_words(minutes: int | None) -> str:
    """ "离线提交，晚到 N 分钟" for a record sent late, "" for one that came at once."""
    if minutes is None:
        return ""
    if minutes > 24 * 60:
        return gettext("离线提交，晚到超过 24 小时（按收到时间记）")
    if minutes < 120:
        return ngettext("离线提交，晚到 %(n)s 分钟", "离线提交，晚到 %(n)s 分钟", minutes) % {
            "n": minutes
        }
    hours = minutes // 60
    return ngettext("离线提交，晚到 %(n)s 小时", "离线提交，晚到 %(n)s 小时", hours) % {"n": hours}


class SentLate(models.Model):
    """A record a phone's offline queue may have sent late: made offline, it arrived
    ``late_minutes`` after (empty: it came at once). Its time is the phone's when that
    was within the last 24 hours (`yizhan.core.time.client_time`)."""

    late_minutes = models.PositiveIntegerField(
        _("晚到（分钟）"),
        null=True,
        blank=True,
        help_text=_("离线时提交、联网后才发出：晚到的分钟数"),
    )

    class Meta:
        abstract = True

    def get_late_display(self) -> str:
        return late_words(self.late_minutes)


class CheckIn(SentLate):
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("访客")
    )
    at = models.DateTimeField(_("时间"))
    occupation = models.CharField(_("职业"), max_length=12, choices=Occupation.choices, blank=True)
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "签到")
        verbose_name_plural = pgettext_lazy("plural", "签到")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["station", "at"], name="checkin_station_at"),
            models.Index(fields=["visitor", "at"], name="checkin_visitor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.at:%Y-%m-%d %H:%M}"


class RatingTag(models.TextChoices):
    CLEAN = "clean", pgettext_lazy("rating tag", "干净整洁")
    HOT_WATER = "hot_water", pgettext_lazy("rating tag", "有热水")
    CHARGER_WORKED = "charger_worked", pgettext_lazy("rating tag", "充电正常")
    STAFF_FRIENDLY = "staff_friendly", pgettext_lazy("rating tag", "服务热情")
    DOOR_LOCKED = "door_locked", pgettext_lazy("rating tag", "门锁着")
    CLOSED_IN_HOURS = "closed_in_hours", pgettext_lazy("rating tag", "开放时间关门")
    EXPIRED_MEDICINE = "expired_medicine", pgettext_lazy("rating tag", "药品过期")
    DIRTY = "dirty", pgettext_lazy("rating tag", "不干净")
    BROKEN_EQUIPMENT = "broken_equipment", pgettext_lazy("rating tag", "设备坏了")


POSITIVE_TAGS = frozenset({"clean", "hot_water", "charger_worked", "staff_friendly"})


class Rating(SentLate):
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("访客")
    )
    at = models.DateTimeField(_("时间"))
    day = models.DateField(_("日期"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    tags = models.JSONField(_("标签"), default=list, blank=True)
    comment = models.CharField(_("留言"), max_length=RATING_COMMENT_MAX, blank=True)
    occupation = models.CharField(_("职业"), max_length=12, choices=Occupation.choices, blank=True)
    checked_in = models.BooleanField(_("已签到"), default=False)
    flagged = models.BooleanField(_("存疑"), default=False)
    weight = models.FloatField(_("权重"), default=1.0)
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "评价")
        verbose_name_plural = pgettext_lazy("plural", "评价")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["station", "at"], name="rating_station_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "visitor", "day"], name="rating_one_per_visitor_day"
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} {self.stars}★"

    def tag_labels(self) -> list[str]:
        labels = dict(RatingTag.choices)
        return [str(labels.get(t, t)) for t in self.tags]


class ReportCategory(models.TextChoices):
    CLOSED_IN_HOURS = "closed_in_hours", pgettext_lazy("report category", "开放时间未开门")
    DOOR_LOCKED = "door_locked", pgettext_lazy("report category", "门锁进不去")
    EXPIRED_MEDICINE = "expired_medicine", pgettext_lazy("report category", "药品过期")
    BROKEN_EQUIPMENT = "broken_equipment", pgettext_lazy("report category", "设备损坏")
    DIRTY = "dirty", pgettext_lazy("report category", "卫生差")
    NO_WATER = "no_water", pgettext_lazy("report category", "没有热水")
    OTHER = "other", pgettext_lazy("report category", "其他")


# Categories that open a rectification order by themselves, and at which severity.
AUTO_ORDER_SEVERITY = {
    "closed_in_hours": "critical",
    "door_locked": "critical",
    "expired_medicine": "high",
}


class ReportStatus(models.TextChoices):
    """A report's way: 待受理 (no one at the station has acknowledged it yet) → 已受理 →
    处理中 → 已解决 (or 已关闭, nothing to do). Past `settings.YIZHAN["REPORT_ACK_HOURS"]`
    still 待受理, it is overdue."""

    OPEN = "open", pgettext_lazy("report status", "待受理")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("report status", "已受理")
    IN_PROGRESS = "in_progress", pgettext_lazy("report status", "处理中")
    FIXED = "fixed", pgettext_lazy("report status", "已解决")
    CLOSED = "closed", pgettext_lazy("report status", "已关闭")


# Still to be dealt with: a new report of the same kind merges into one of these.
REPORT_UNRESOLVED = ("open", "acknowledged", "in_progress")
# What station staff may set a report to (待受理 is where a report starts, not a choice).
REPORT_STAFF_STATUSES = ("acknowledged", "in_progress", "fixed", "closed")


class FixedAnswer(models.TextChoices):
    YES = "yes", pgettext_lazy("fixed answer", "修好了")
    NO = "no", pgettext_lazy("fixed answer", "没修好")


class Report(SentLate):
    """A problem at a station, as workers reported it (merged: ``count`` reporters)."""

    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    category = models.CharField(_("类别"), max_length=20, choices=ReportCategory.choices)
    text = models.CharField(_("描述"), max_length=REPORT_TEXT_MAX, blank=True)
    photo = PhotoField(_("照片"), upload_to="feedback/%Y/%m/", blank=True)
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="reports", verbose_name=_("访客")
    )
    occupation = models.CharField(_("职业"), max_length=12, choices=Occupation.choices, blank=True)
    phone = models.CharField(_("回复电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("反映时间"))
    count = models.PositiveIntegerField(_("反映人次"), default=1)
    last_reported_at = models.DateTimeField(_("最近反映"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    rectification = models.ForeignKey(
        "operations.Rectification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("整改单"),
    )
    follow_token = models.CharField(
        _("跟进码"), max_length=32, unique=True, default=follow_token, editable=False
    )
    fixed_confirmed = models.CharField(
        _("反映人确认"), max_length=3, choices=FixedAnswer.choices, blank=True, default=""
    )
    fixed_confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "问题反映")
        verbose_name_plural = pgettext_lazy("plural", "问题反映")
        ordering = ["-last_reported_at", "-id"]
        indexes = [
            models.Index(fields=["station", "category", "created_at"], name="report_merge"),
            models.Index(fields=["created_at"], name="report_created"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.category} ×{self.count}"

    @property
    def shown_status(self) -> str:
        """The status a reader sees: the linked order's progress when there is one."""
        order = self.rectification
        if order is None:
            return self.status
        if order.status == "closed":
            return ReportStatus.FIXED
        return ReportStatus.IN_PROGRESS

    def get_shown_status_display(self) -> str:
        return str(dict(ReportStatus.choices)[self.shown_status])


class ReportEcho(SentLate):
    """A later reporter of a merged report (their own words, photo and reply number)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="echoes", verbose_name=_("问题反映")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="+", verbose_name=_("访客")
    )
    at = models.DateTimeField(_("时间"))
    text = models.CharField(_("描述"), max_length=REPORT_TEXT_MAX, blank=True)
    photo = PhotoField(_("照片"), upload_to="feedback/%Y/%m/", blank=True)
    occupation = models.CharField(_("职业"), max_length=12, choices=Occupation.choices, blank=True)
    phone = models.CharField(_("回复电话"), max_length=20, blank=True)
    client_id = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True)
    # Each later reporter follows the report by their own link and answers "修好了吗？"
    # for themselves (empty only on echoes made before links were per person).
    follow_token = models.CharField(
        _("跟进码"),
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        default=follow_token,
        editable=False,
    )
    fixed_confirmed = models.CharField(
        _("反映人确认"), max_length=3, choices=FixedAnswer.choices, blank=True, default=""
    )
    fixed_confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "重复反映")
        verbose_name_plural = pgettext_lazy("plural", "重复反映")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at:%Y-%m-%d %H:%M}"


class ReportEvent(models.Model):
    """A status change of a report, when and by whom (the worker's timeline, without the
    name; ``user`` is empty for a change the system made)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("问题反映")
    )
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices)
    at = models.DateTimeField(_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "反映处理记录")
        verbose_name_plural = pgettext_lazy("plural", "反映处理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", pgettext_lazy("question kind", "单选")
    MULTI = "multi", pgettext_lazy("question kind", "多选")
    TEXT = "text", pgettext_lazy("question kind", "填空")


class Survey(models.Model):
    """A short needs survey (调研) for a region's stations (or chosen ones)."""

    title = models.CharField(_("标题"), max_length=80)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    stations = models.ManyToManyField(
        "stations.Station", blank=True, related_name="+", verbose_name=_("驿站（空为全部）")
    )
    # [{"code": "q1", "text": "...", "kind": "single|multi|text", "options": [...]}]
    questions = models.JSONField(_("问题"), default=list)
    opens_at = models.DateTimeField(_("开始"))
    closes_at = models.DateTimeField(_("结束"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = pgettext_lazy("model", "调研")
        verbose_name_plural = pgettext_lazy("plural", "调研")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opens"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SurveyAnswer(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="answers", verbose_name=_("调研")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="+", verbose_name=_("访客")
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    occupation = models.CharField(_("职业"), max_length=12, choices=Occupation.choices, blank=True)
    answers = models.JSONField(_("回答"), default=dict)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = pgettext_lazy("model", "调研回答")
        verbose_name_plural = pgettext_lazy("plural", "调研回答")
        constraints = [
            models.UniqueConstraint(fields=["survey", "visitor"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.at:%Y-%m-%d}"
