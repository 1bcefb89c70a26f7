"""Monthly evaluation: the written, versioned model officers edit (indicators and their
weights, per-kind norms, star requirements, the six-haves), the runs that apply it to a
district's month, the stored results with their evidence, and the decisions they lead to
(star levels, yellow and red cards, delisting proposals).

A published model is never edited: a change is a new version (copied from the last one,
edited as a draft, then published). A run copies the model it started with into its
``snapshot`` and computes from that copy only, so a version published meanwhile does not
mix into it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yizhan.stations.models import StationKind, validate_opening_hours


class ModelStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("model status", "草稿")
    PUBLISHED = "published", pgettext_lazy("model status", "现行")
    RETIRED = "retired", pgettext_lazy("model status", "已停用")


class EvaluationModel(models.Model):
    """One version of the evaluation rules. Exactly one is published at a time."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=80)
    status = models.CharField(
        _("状态"), max_length=10, choices=ModelStatus.choices, default=ModelStatus.DRAFT
    )
    note = models.TextField(_("修订说明"), blank=True)
    min_evidence_share = models.FloatField(
        _("最低证据权重"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("有数据的指标权重合计低于此比例时，结论为“证据不足”，不评分、不发牌。"),
    )
    yellow_below = models.FloatField(
        _("黄牌分数线"),
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("综合得分低于此分发黄牌；各指标另有单项红线。"),
    )
    yellow_grace_months = models.PositiveSmallIntegerField(
        _("黄牌整改期(月)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("整改期到发牌后第 N 个整月的月底；那个月的评估决定是否升级。"),
    )
    red_grace_months = models.PositiveSmallIntegerField(
        _("红牌整改期(月)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("整改期到发牌后第 N 个整月的月底；那个月的评估决定是否提出摘牌建议。"),
    )
    response_days = models.PositiveSmallIntegerField(
        _("站长答复期(天)"),
        default=7,
        help_text=_("摘牌建议提出后，站长可在此期限内答复；期满或站长答复后方可审批。"),
    )
    star_step = models.PositiveSmallIntegerField(
        _("每月最多升级"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("星级每月最多上升的级数；设施不达标时立即降至相应星级。"),
    )
    top_share = models.FloatField(
        _("最美驿站比例"), default=0.15, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    top_min_stars = models.PositiveSmallIntegerField(
        _("最美驿站最低星级"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("当月评定星级低于此级的驿站不进入最美驿站候选。"),
    )
    upgrade_share = models.FloatField(
        _("智能化升级比例"), default=0.15, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    night_from_hour = models.PositiveSmallIntegerField(
        _("夜间开始(时)"), default=20, validators=[MaxValueValidator(23)]
    )
    night_to_hour = models.PositiveSmallIntegerField(
        _("夜间结束(时)"), default=6, validators=[MaxValueValidator(23)]
    )
    upgrade_weight_night = models.FloatField(_("升级权重：夜间需求"), default=0.4)
    upgrade_weight_usage = models.FloatField(_("升级权重：使用量"), default=0.3)
    upgrade_weight_pressure = models.FloatField(
        _("升级权重：闭站时段需求"),
        default=0.3,
        help_text=_("未开放时段的到访、扫码和“开放时间未开门”反映。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("评估模型")
        verbose_name_plural = pgettext_lazy("plural", "评估模型")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="evaluation_model_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name} ({self.get_status_display()})"


class IndicatorCode(models.TextChoices):
    OPENING = "opening", pgettext_lazy("indicator", "开放合规")
    USAGE = "usage", pgettext_lazy("indicator", "使用量")
    SATISFACTION = "satisfaction", pgettext_lazy("indicator", "满意度")
    INSPECTION = "inspection", pgettext_lazy("indicator", "巡查完成")
    RECTIFICATION = "rectification", pgettext_lazy("indicator", "整改及时")
    COMPLAINTS = "complaints", pgettext_lazy("indicator", "投诉")


class Indicator(models.Model):
    """A weighted indicator. Its value maps linearly onto 0–100 points between ``floor``
    (0 points) and ``target`` (100 points); a floor above the target means lower is
    better (complaints). A value worse than ``card_threshold`` issues a yellow card by
    itself, whatever the total."""

    model = models.ForeignKey(
        EvaluationModel, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("模型")
    )
    code = models.CharField(_("指标"), max_length=16, choices=IndicatorCode.choices)
    weight = models.FloatField(_("权重"), validators=[MinValueValidator(0)])
    floor = models.FloatField(_("0分值"))
    target = models.FloatField(_("满分值"))
    card_threshold = models.FloatField(
        _("单项红线"),
        null=True,
        blank=True,
        help_text=_("指标值差于此值即发黄牌；留空表示只计分。"),
    )
    min_evidence = models.PositiveIntegerField(
        _("最少证据数"),
        default=0,
        help_text=_("满意度：评价条数；投诉：到访人次。不足时该指标记为“证据不足”。"),
    )

    class Meta:
        verbose_name = _("评估指标")
        verbose_name_plural = pgettext_lazy("plural", "评估指标")
        ordering = ["model", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="indicator_once_per_model"),
            models.CheckConstraint(
                condition=~Q(floor=models.F("target")), name="indicator_floor_not_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ×{self.weight:g}"


class KindNorm(models.Model):
    """What the union requires of each kind of station: hours it must be open whatever it
    declares, a least opening every day (weekends and holidays included), and the visits
    a day it should expect. Both requirements are judged together with what it declares."""

    model = models.ForeignKey(
        EvaluationModel, on_delete=models.CASCADE, related_name="norms", verbose_name=_("模型")
    )
    kind = models.CharField(_("驿站类型"), max_length=8, choices=StationKind.choices)
    required_hours = models.CharField(
        _("最低开放时间"),
        max_length=255,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_("OSM opening_hours 语法，例如 “Mo-Su 09:00-18:00”；留空表示只按公示时间考核。"),
    )
    min_daily_hours = models.FloatField(
        _("每天最少开放(小时)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
        help_text=_("含周末和节假日；某天公示开放不足此时长，差额计为应开未开。0 表示不要求。"),
    )
    expected_daily_visits = models.PositiveIntegerField(_("预期日均到访"), default=15)

    class Meta:
        verbose_name = _("类型标准")
        verbose_name_plural = pgettext_lazy("plural", "类型标准")
        ordering = ["model", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["model", "kind"], name="norm_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.required_hours or '—'}"


class StarLevel(models.Model):
    """What a star level needs: a score and facilities (for example five stars: 90
    points, 30 m², room for 20 and a working AED)."""

    model = models.ForeignKey(
        EvaluationModel,
        on_delete=models.CASCADE,
        related_name="star_levels",
        verbose_name=_("模型"),
    )
    level = models.PositiveSmallIntegerField(
        _("星级"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_score = models.FloatField(
        _("最低得分"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    min_area_m2 = models.PositiveIntegerField(_("最小面积(㎡)"), null=True, blank=True)
    min_capacity = models.PositiveIntegerField(_("最少容纳人数"), null=True, blank=True)
    amenities = models.ManyToManyField(
        "stations.Amenity", blank=True, related_name="+", verbose_name=_("必备设施(须正常)")
    )
    six_haves_min = models.PositiveSmallIntegerField(
        _("“六有”至少达标项"), default=6, validators=[MaxValueValidator(6)]
    )

    class Meta:
        verbose_name = _("星级标准")
        verbose_name_plural = pgettext_lazy("plural", "星级标准")
        ordering = ["model", "level"]
        constraints = [
            models.UniqueConstraint(fields=["model", "level"], name="star_level_once_per_model"),
        ]

    def __str__(self) -> str:
        return f"{self.level}★ ≥ {self.min_score:g}"


class SixHaveCode(models.TextChoices):
    SIGN = "sign", pgettext_lazy("six haves", "有统一的标识名称")
    LOCATION = "location", pgettext_lazy("six haves", "有合理的站点布局")
    FACILITIES = "facilities", pgettext_lazy("six haves", "有健全的服务设施")
    FUNCTIONS = "functions", pgettext_lazy("six haves", "有完善的服务功能")
    RULES = "rules", pgettext_lazy("six haves", "有规范的管理制度")
    MAP = "map", pgettext_lazy("six haves", "有地图可查")


class SixHaveRule(models.TextChoices):
    NAME_CONTAINS = "name_contains", pgettext_lazy("six haves rule", "名称包含(参数：文字)")
    AMENITIES = "amenities", pgettext_lazy("six haves rule", "设施齐全且正常(选择设施)")
    SERVICES_MIN = "services_min", pgettext_lazy("six haves rule", "服务项目不少于(参数：数量)")
    STAFF_ROLES = (
        "staff_roles",
        pgettext_lazy("six haves rule", "人员到位(参数：master,administrator)"),
    )
    LISTED = "listed", pgettext_lazy("six haves rule", "已上图(高德或百度)")
    OFFICER = "officer", pgettext_lazy("six haves rule", "工会干部核定")


class SixHave(models.Model):
    """One item of the six-haves standard and how Yizhan checks it: from the registry
    where it can, by an officer's assessment where only a person can tell."""

    model = models.ForeignKey(
        EvaluationModel, on_delete=models.CASCADE, related_name="six_haves", verbose_name=_("模型")
    )
    code = models.CharField(_("项目"), max_length=12, choices=SixHaveCode.choices)
    text = models.CharField(_("标准"), max_length=120)
    text_en = models.CharField(_("英文"), max_length=160, blank=True)
    rule = models.CharField(_("核验方式"), max_length=16, choices=SixHaveRule.choices)
    param = models.CharField(_("参数"), max_length=100, blank=True)
    amenities = models.ManyToManyField(
        "stations.Amenity", blank=True, related_name="+", verbose_name=_("设施")
    )

    class Meta:
        verbose_name = _("“六有”标准")
        verbose_name_plural = pgettext_lazy("plural", "“六有”标准")
        ordering = ["model", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="six_have_once_per_model"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        return self.text_en if get_language() == "en" and self.text_en else self.text


class SixHaveCheck(models.Model):
    """An officer's assessment of a six-haves item at a station (valid for a year)."""

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="six_have_checks",
        verbose_name=_("驿站"),
    )
    code = models.CharField(_("项目"), max_length=12, choices=SixHaveCode.choices)
    ok = models.BooleanField(_("达标"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核定人"),
    )
    checked_at = models.DateTimeField(_("核定时间"))

    class Meta:
        verbose_name = _("“六有”核定")
        verbose_name_plural = pgettext_lazy("plural", "“六有”核定")
        ordering = ["station", "code", "-checked_at"]
        indexes = [models.Index(fields=["station", "code", "checked_at"], name="six_check_latest")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.code} {'✓' if self.ok else '✗'}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("run status", "排队中")
    RUNNING = "running", pgettext_lazy("run status", "评估中")
    DONE = "done", pgettext_lazy("run status", "已完成")
    FAILED = "failed", pgettext_lazy("run status", "失败")


class EvaluationRun(models.Model):
    """One district's month under one model version. Results are written all at once at
    the end; a rerun of the same month replaces the scores and repeats no decision."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    month = models.DateField(_("评估月份"), help_text=_("该月第一天。"))
    model = models.ForeignKey(
        EvaluationModel, on_delete=models.PROTECT, related_name="runs", verbose_name=_("模型版本")
    )
    snapshot = models.JSONField(_("模型快照"), default=dict)
    status = models.CharField(
        _("状态"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    queued_at = models.DateTimeField(_("发起时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Whether this run could change stars and cards (the newest month of its district).
    decides = models.BooleanField(_("作出处理决定"), default=False)
    outcome = models.JSONField(_("结果概要"), default=dict, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评估批次")
        verbose_name_plural = pgettext_lazy("plural", "评估批次")
        ordering = ["-month", "-queued_at", "-id"]
        constraints = [
            # One run at a time per district and month: a second click joins the first.
            models.UniqueConstraint(
                fields=["region", "month"],
                condition=Q(status__in=["queued", "running"]),
                name="evaluation_run_one_live_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} v{self.model_id} {self.status}"


class ScoreStatus(models.TextChoices):
    SCORED = "scored", pgettext_lazy("score status", "已评分")
    INSUFFICIENT = "insufficient", pgettext_lazy("score status", "证据不足")


class StationScore(models.Model):
    """A station's month: every indicator's value, points and evidence, the six-haves,
    the star level before and after, and the decisions taken."""

    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="scores", verbose_name=_("驿站")
    )
    month = models.DateField(_("评估月份"))
    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="scores", verbose_name=_("评估批次")
    )
    model_version = models.PositiveIntegerField(_("模型版本"))
    status = models.CharField(_("结论"), max_length=12, choices=ScoreStatus.choices)
    score = models.FloatField(_("综合得分"), null=True, blank=True)
    indicators = models.JSONField(_("指标明细"), default=list)
    six_haves = models.JSONField(_("“六有”"), default=list)
    six_haves_met = models.PositiveSmallIntegerField(_("“六有”达标项"), default=0)
    star_before = models.PositiveSmallIntegerField(_("原星级"), null=True, blank=True)
    star_target = models.PositiveSmallIntegerField(_("应评星级"), null=True, blank=True)
    star_after = models.PositiveSmallIntegerField(_("评定星级"), null=True, blank=True)
    star_why = models.CharField(_("星级说明"), max_length=300, blank=True)
    triggers = models.JSONField(_("触发红黄牌的原因"), default=list, blank=True)
    decision = models.CharField(_("处理"), max_length=300, blank=True)
    # The card the station held once this month was decided ("yellow", "red" or "").
    card = models.CharField(_("月末红黄牌"), max_length=6, blank=True)
    # For the upgrade ranking: visits, night visits, demand while declared closed.
    visits = models.PositiveIntegerField(_("到访人次"), default=0)
    night_visits = models.PositiveIntegerField(_("夜间到访"), default=0)
    closed_demand = models.PositiveIntegerField(_("闭站时段需求"), default=0)
    # The station as it stood in the month: what its facts and hours were read from
    # (``history.Stood.to_json``), so a rerun can say which of them changed.
    inputs = models.JSONField(_("评估依据的驿站信息"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("月度评估结果")
        verbose_name_plural = pgettext_lazy("plural", "月度评估结果")
        ordering = ["-month", "station"]
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="score_once_per_month"),
        ]
        indexes = [models.Index(fields=["month", "status"], name="score_month_status")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m} {self.score}"


class MonthSnapshot(models.Model):
    """What the registry said of a station when its month was first evaluated (facilities,
    services, staff, hours, area…). Read wherever the station's history is silent, and
    reused by every rerun of the month, so that what changed since cannot move a month
    already judged. The stations with a snapshot are the stations the month grades."""

    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("驿站")
    )
    month = models.DateField(_("评估月份"))
    taken_at = models.DateTimeField(_("首次评估时间"))
    registry = models.JSONField(_("登记信息"), default=dict)

    class Meta:
        verbose_name = _("月度评估快照")
        verbose_name_plural = pgettext_lazy("plural", "月度评估快照")
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="snapshot_once_per_month"),
        ]
        indexes = [models.Index(fields=["month"], name="snapshot_month")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class CardKind(models.TextChoices):
    YELLOW = "yellow", pgettext_lazy("card", "黄牌")
    RED = "red", pgettext_lazy("card", "红牌")


class CardStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("card status", "整改中")
    LIFTED = "lifted", pgettext_lazy("card status", "已撤销")
    ESCALATED = "escalated", pgettext_lazy("card status", "已升级为红牌")
    DELISTED = "delisted", pgettext_lazy("card status", "已摘牌")


class Card(models.Model):
    """A warning with the reason and a deadline. A yellow card past its deadline with the
    problem still there turns red; a red card past its deadline leads to a delisting
    proposal. A month that no longer shows the problem lifts the card."""

    station = models.ForeignKey(
        "stations.Station", on_delete=models.CASCADE, related_name="cards", verbose_name=_("驿站")
    )
    kind = models.CharField(_("类别"), max_length=6, choices=CardKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    month = models.DateField(_("评估月份"))
    issued_at = models.DateTimeField(_("发牌时间"))
    deadline = models.DateField(_("整改期限"))
    reason = models.TextField(_("原因"))
    triggers = models.JSONField(_("触发指标"), default=list)
    score = models.ForeignKey(
        StationScore,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cards",
        verbose_name=_("评估结果"),
    )
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next",
        verbose_name=_("前一张牌"),
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The evaluated month whose result lifted it (empty when an officer lifted it by hand).
    closed_month = models.DateField(_("撤销依据月份"), null=True, blank=True)
    closed_note = models.CharField(_("结束说明"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )

    class Meta:
        verbose_name = _("红黄牌")
        verbose_name_plural = pgettext_lazy("plural", "红黄牌")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station"], condition=Q(status="active"), name="card_one_active"
            ),
            models.UniqueConstraint(
                fields=["station", "month", "kind"], name="card_once_per_month_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_kind_display()} {self.month:%Y-%m}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("proposal status", "待审批")
    APPROVED = "approved", pgettext_lazy("proposal status", "已批准摘牌")
    REJECTED = "rejected", pgettext_lazy("proposal status", "未批准")
    WITHDRAWN = "withdrawn", pgettext_lazy("proposal status", "已撤回(整改达标)")


class DelistingProposal(models.Model):
    """A red card ran past its deadline: the station should leave the network. The station
    master may answer first; a city officer approves (the station is delisted) or rejects
    (the red card gets a new deadline), with a note either way."""

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        related_name="delisting_proposals",
        verbose_name=_("驿站"),
    )
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("红牌")
    )
    month = models.DateField(_("评估月份"))
    created_at = models.DateTimeField(_("提出时间"))
    respond_by = models.DateField(_("答复期限"))
    reason = models.TextField(_("理由"))
    response = models.TextField(_("站长答复"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("答复人"),
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("摘牌建议")
        verbose_name_plural = pgettext_lazy("plural", "摘牌建议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station"], condition=Q(status="pending"), name="proposal_one_pending"
            ),
            models.UniqueConstraint(fields=["card", "month"], name="proposal_once_per_card_month"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m} {self.status}"
