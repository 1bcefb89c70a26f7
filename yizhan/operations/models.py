"""Running a station: the opening log, the inspection regime (tiers, versioned checklists,
inspections, assignments), rectification orders, equipment history and seasonal modes.

Times are the server's: a phone says where it is, never when."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yizhan.core.photos import PhotoField


class Season(models.TextChoices):
    SUMMER = "summer", pgettext_lazy("season", "夏季·送清凉")
    WINTER = "winter", pgettext_lazy("season", "冬季·送温暖")


class SeasonalMode(models.Model):
    """Summer (送清凉) or winter (送温暖) mode for a region and its subtree between two
    dates. The most specific region wins where modes overlap."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="seasonal_modes",
        verbose_name=_("区域"),
    )
    season = models.CharField(_("季节模式"), max_length=8, choices=Season.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("设置人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("季节模式")
        verbose_name_plural = pgettext_lazy("plural", "季节模式")
        ordering = ["-starts_on", "region__code"]
        constraints = [
            models.CheckConstraint(
                name="seasonal_mode_dates_in_order", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.get_season_display()} {self.starts_on}–{self.ends_on}"


class OpeningAction(models.TextChoices):
    OPENED = "opened", pgettext_lazy("opening action", "开门")
    CLOSED = "closed", pgettext_lazy("opening action", "关门")


class OpeningLog(models.Model):
    """One tap "opened" or "closed": the station's own evidence of being open."""

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="opening_log",
        verbose_name=_("驿站"),
    )
    action = models.CharField(_("动作"), max_length=8, choices=OpeningAction.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    distance_m = models.FloatField(_("距驿站(米)"), null=True, blank=True)
    away = models.BooleanField(_("不在驿站"), default=False)
    no_position = models.BooleanField(_("未定位"), default=False)
    client_id = models.UUIDField(_("请求编号"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("开闭站记录")
        verbose_name_plural = pgettext_lazy("plural", "开闭站记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["station", "at"], name="opening_log_station_at")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Tier(models.TextChoices):
    DAILY = "daily", pgettext_lazy("inspection tier", "日巡")
    WEEKLY = "weekly", pgettext_lazy("inspection tier", "周巡")
    MONTHLY = "monthly", pgettext_lazy("inspection tier", "月巡")
    SPOT = "spot", pgettext_lazy("inspection tier", "抽检")
    MYSTERY = "mystery", pgettext_lazy("inspection tier", "暗访")


class Performer(models.TextChoices):
    ADMINISTRATOR = "administrator", pgettext_lazy("performer", "驿站管理员")
    MASTER = "master", pgettext_lazy("performer", "站长")
    DISTRICT = "district", pgettext_lazy("performer", "区级工会")
    CITY = "city", pgettext_lazy("performer", "市级工会")
    WORKER = "worker", pgettext_lazy("performer", "劳动者(暗访)")


class Period(models.TextChoices):
    DAY = "day", pgettext_lazy("period", "每天(开放日)")
    WEEK = "week", pgettext_lazy("period", "每周")
    MONTH = "month", pgettext_lazy("period", "每月")
    ASSIGNED = "assigned", pgettext_lazy("period", "按派发任务")


class InspectionRule(models.Model):
    """The regime as data: who does each tier and how often."""

    tier = models.CharField(_("巡查层级"), max_length=8, choices=Tier.choices, unique=True)
    performer = models.CharField(_("执行人"), max_length=16, choices=Performer.choices)
    period = models.CharField(_("频次"), max_length=10, choices=Period.choices)
    # Spot checks: the share of a region's stations the system draws each month.
    draw_share = models.FloatField(_("抽检比例"), default=0.0)
    away_limit_m = models.PositiveIntegerField(
        _("允许偏离(米)"), default=300, help_text=_("超过此距离的巡查标记为“不在驿站”。")
    )

    class Meta:
        verbose_name = _("巡查规则")
        verbose_name_plural = pgettext_lazy("plural", "巡查规则")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_tier_display())


class Checklist(models.Model):
    """One version of a tier's checklist. Inspections keep the version they answered; a
    change is a new version, published when ready."""

    tier = models.CharField(_("巡查层级"), max_length=8, choices=Tier.choices)
    version = models.PositiveIntegerField(_("版本"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡查清单")
        verbose_name_plural = pgettext_lazy("plural", "巡查清单")
        ordering = ["tier", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "version"], name="checklist_tier_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} v{self.version}"


class ItemKind(models.TextChoices):
    YES_NO = "yes_no", pgettext_lazy("item kind", "是/否")
    NUMBER = "number", pgettext_lazy("item kind", "数值")
    TEXT = "text", pgettext_lazy("item kind", "文字")


class ItemSeason(models.TextChoices):
    ALL = "all", pgettext_lazy("item season", "全年")
    SUMMER = "summer", pgettext_lazy("item season", "仅夏季模式")
    WINTER = "winter", pgettext_lazy("item season", "仅冬季模式")


class Severity(models.TextChoices):
    LOW = "low", pgettext_lazy("severity", "一般")
    MEDIUM = "medium", pgettext_lazy("severity", "较重")
    HIGH = "high", pgettext_lazy("severity", "严重")
    CRITICAL = "critical", pgettext_lazy("severity", "紧急")


class ChecklistItem(models.Model):
    """One question of a checklist version."""

    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("清单")
    )
    code = models.SlugField(_("代码"), max_length=40)
    text = models.CharField(_("检查内容"), max_length=120)
    text_en = models.CharField(_("英文"), max_length=160, blank=True)
    kind = models.CharField(_("类型"), max_length=8, choices=ItemKind.choices, default="yes_no")
    # Yes/no items pass on "yes"; number items pass within [ok_min, ok_max].
    ok_min = models.FloatField(_("合格下限"), null=True, blank=True)
    ok_max = models.FloatField(_("合格上限"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=12, blank=True)
    season = models.CharField(
        _("适用季节"), max_length=8, choices=ItemSeason.choices, default=ItemSeason.ALL
    )
    severity = models.CharField(
        _("不合格时整改等级"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    photo_on_fail = models.BooleanField(_("不合格须拍照"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = pgettext_lazy("plural", "检查项")
        ordering = ["checklist", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="checklist_item_code")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        """The question in the language of the request (English where one is given)."""
        return self.text_en if get_language() == "en" and self.text_en else self.text


class AssignmentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("assignment status", "待执行")
    DONE = "done", pgettext_lazy("assignment status", "已完成")
    CANCELLED = "cancelled", pgettext_lazy("assignment status", "已取消")


class InspectionAssignment(models.Model):
    """A spot check drawn by the system or a mystery visit given to a registered worker."""

    tier = models.CharField(_("巡查层级"), max_length=8, choices=Tier.choices)
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="inspection_assignments",
        verbose_name=_("驿站"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_assignments",
        verbose_name=_("执行人"),
    )
    due_on = models.DateField(_("截止日期"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("派发人"),
    )
    assigned_at = models.DateTimeField(_("派发时间"), auto_now_add=True)
    draw = models.CharField(_("抽取批次"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AssignmentStatus.choices, default="open"
    )

    class Meta:
        verbose_name = _("巡查任务")
        verbose_name_plural = pgettext_lazy("plural", "巡查任务")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "station"],
                condition=Q(status="open"),
                name="assignment_one_open_per_station_tier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.station_id} {self.due_on}"


class Inspection(models.Model):
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="inspections",
        verbose_name=_("驿站"),
    )
    tier = models.CharField(_("巡查层级"), max_length=8, choices=Tier.choices)
    checklist = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("清单版本")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("巡查人"),
    )
    assignment = models.OneToOneField(
        InspectionAssignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection",
        verbose_name=_("任务"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    # The period (day, week's Monday, month's first day) it counts for: always the one
    # it was submitted in.
    period_start = models.DateField(_("所属周期"))
    late = models.BooleanField(_("逾期完成"), default=False)
    season = models.CharField(_("季节模式"), max_length=8, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    distance_m = models.FloatField(_("距驿站(米)"), null=True, blank=True)
    away = models.BooleanField(_("不在驿站"), default=False)
    no_position = models.BooleanField(_("未定位"), default=False)
    failed_count = models.PositiveSmallIntegerField(_("不合格项"), default=0)
    note = models.TextField(_("备注"), blank=True)
    client_id = models.UUIDField(_("请求编号"), unique=True)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = pgettext_lazy("plural", "巡查记录")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["station", "tier", "period_start"], name="inspection_period")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_tier_display()} {self.submitted_at:%Y-%m-%d}"


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("巡查")
    )
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, verbose_name=_("检查项"))
    value = models.CharField(_("结果"), max_length=200, blank=True)
    ok = models.BooleanField(_("合格"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = pgettext_lazy("plural", "检查结果")
        ordering = ["inspection", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("巡查")
    )
    item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("检查项")
    )
    image = PhotoField(_("照片"), upload_to="inspections/%Y/%m/")

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = pgettext_lazy("plural", "巡查照片")

    def __str__(self) -> str:
        return str(self.image.name)


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification status", "待整改")
    FIXED = "fixed", pgettext_lazy("rectification status", "待复核")
    CLOSED = "closed", pgettext_lazy("rectification status", "已销号")


class RectificationSource(models.TextChoices):
    INSPECTION = "inspection", pgettext_lazy("rectification source", "巡查")
    REPORT = "report", pgettext_lazy("rectification source", "群众反映")
    OFFICER = "officer", pgettext_lazy("rectification source", "工会督办")
    EVIDENCE = "evidence", pgettext_lazy("rectification source", "数据监测")


class EscalationLevel(models.IntegerChoices):
    STATION = 0, pgettext_lazy("escalation level", "驿站")
    STREET = 1, pgettext_lazy("escalation level", "街道工会")
    DISTRICT = 2, pgettext_lazy("escalation level", "区级工会")
    CITY = 3, pgettext_lazy("escalation level", "市级工会")


class AssigneeBasis(models.TextChoices):
    """Why the responsible person (责任人) holds an order."""

    MASTER = "master", pgettext_lazy("assignee basis", "站长")
    ADMINISTRATOR = "administrator", pgettext_lazy("assignee basis", "管理员")
    # The station has no master or administrator who can sign in.
    ISSUER = "issuer", pgettext_lazy("assignee basis", "下发人代管")
    # ... and nobody issued it (a worker's report): the nearest union level's officer.
    OFFICER = "officer", pgettext_lazy("assignee basis", "工会代管")
    CHOSEN = "chosen", pgettext_lazy("assignee basis", "指定")


class Rectification(models.Model):
    """A finding to put right by a deadline, fixed with evidence, checked by its issuer,
    and escalated one level up each time it runs past the time its level was given.

    ``deadline`` is the station's and never moves; ``level_deadline`` is when the order,
    still open, moves up from the union level it was escalated to (None while it is at
    the station: its ``deadline`` applies). The findings that opened it and that joined
    it later are its ``findings``."""

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="rectifications",
        verbose_name=_("驿站"),
    )
    title = models.CharField(_("问题"), max_length=120)
    detail = models.TextField(_("详情"), blank=True)
    severity = models.CharField(_("等级"), max_length=8, choices=Severity.choices)
    source = models.CharField(_("来源"), max_length=10, choices=RectificationSource.choices)
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
        verbose_name=_("巡查"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("检查项"),
    )
    # Where other sources (worker reports, evidence) link their own record: "report:42".
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications_issued",
        verbose_name=_("下发人"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications_assigned",
        verbose_name=_("责任人"),
    )
    assignee_basis = models.CharField(
        _("责任人依据"), max_length=16, choices=AssigneeBasis.choices, blank=True
    )
    created_at = models.DateTimeField(_("下发时间"), db_index=True)
    deadline = models.DateTimeField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=RectificationStatus.choices, default="open"
    )
    level = models.PositiveSmallIntegerField(
        _("督办层级"), choices=EscalationLevel.choices, default=EscalationLevel.STATION
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    level_deadline = models.DateTimeField(_("本级督办期限"), null=True, blank=True)
    fix_note = models.TextField(_("整改说明"), blank=True)
    fix_photo = PhotoField(_("整改照片"), upload_to="rectifications/%Y/%m/", blank=True)
    fixed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("整改人"),
    )
    checked_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("复核人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("整改单")
        verbose_name_plural = pgettext_lazy("plural", "整改单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="rectification_open_deadline"),
            models.Index(fields=["station", "status"], name="rectification_station"),
        ]
        constraints = [
            # One open order per finding source: a second report of the same thing joins it.
            models.UniqueConstraint(
                fields=["station", "source_ref"],
                condition=~Q(status="closed") & ~Q(source_ref=""),
                name="rectification_one_open_per_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.title}"

    @property
    def label(self) -> str:
        """The finding's checklist question in the request's language, else the title."""
        return self.item.label if self.item_id and self.item else self.title

    @property
    def escalates_at(self) -> dt.datetime:
        """When the order, still open then, moves up a level (or, at the top, is
        reported again)."""
        return self.level_deadline or self.deadline


class RectificationFinding(models.Model):
    """One time the thing an order is about was found: the finding that opened the order
    and every repeat that joined it while it was open (再次发现)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="findings", verbose_name=_("整改单")
    )
    at = models.DateTimeField(_("发现时间"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发现人"),
    )
    source = models.CharField(_("来源"), max_length=10, choices=RectificationSource.choices)
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name=_("巡查"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("检查项"),
    )
    # The failed answer ("no", "72"), as the inspection recorded it.
    value = models.CharField(_("结果"), max_length=200, blank=True)
    detail = models.TextField(_("详情"), blank=True)

    class Meta:
        verbose_name = _("发现记录")
        verbose_name_plural = pgettext_lazy("plural", "发现记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """What was found, in the request's language."""
        return self.item.label if self.item_id and self.item else self.rectification.title


class RectificationEvent(models.Model):
    class Action(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("rectification action", "下发")
        FIXED = "fixed", pgettext_lazy("rectification action", "提交整改")
        REJECTED = "rejected", pgettext_lazy("rectification action", "复核未通过")
        CLOSED = "closed", pgettext_lazy("rectification action", "复核销号")
        ESCALATED = "escalated", pgettext_lazy("rectification action", "逾期升级")
        REASSIGNED = "reassigned", pgettext_lazy("rectification action", "改派")
        AGAIN = "again", pgettext_lazy("rectification action", "再次发现")

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events", verbose_name=_("整改单")
    )
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # A repeat finding's event names what was found (shown in the reader's language).
    finding = models.ForeignKey(
        RectificationFinding,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发现记录"),
    )

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = pgettext_lazy("plural", "整改记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class EquipmentLog(models.Model):
    """Each time staff mark an amenity out of order or fixed."""

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="equipment_log",
        verbose_name=_("驿站"),
    )
    amenity = models.ForeignKey(
        "stations.Amenity", on_delete=models.PROTECT, related_name="+", verbose_name=_("设施")
    )
    state = models.CharField(_("状态"), max_length=12)
    reason = models.CharField(_("故障原因"), max_length=200, blank=True)
    expected_fix_on = models.DateField(_("预计修复日期"), null=True, blank=True)
    at = models.DateTimeField(_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("设施状态记录")
        verbose_name_plural = pgettext_lazy("plural", "设施状态记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.amenity_id} {self.state}"
