"""The station registry: stations, their amenities, services, staff, photos, timetables,
status history and publishing records."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yizhan.core.photos import PhotoField
from yizhan.stations.rules import LISTING_NAME_MAX, NAME_MAX
from yizhan.stations.validators import (
    validate_opening_hours,
    validate_station_code,
)


class StationKind(models.TextChoices):
    FIXED = "fixed", pgettext_lazy("station kind", "固定驿站")
    MOBILE = "mobile", pgettext_lazy("station kind", "流动驿站")
    SMART = "smart", pgettext_lazy("station kind", "智能驿站(24小时)")


class StationStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("station status", "规划中")
    ACTIVE = "active", pgettext_lazy("station status", "运营中")
    SUSPENDED = "suspended", pgettext_lazy("station status", "暂停")
    DELISTED = "delisted", pgettext_lazy("station status", "已摘牌")


class AmenityState(models.TextChoices):
    WORKING = "working", pgettext_lazy("amenity state", "正常")
    OUT_OF_ORDER = "out_of_order", pgettext_lazy("amenity state", "故障")


class StaffRole(models.TextChoices):
    MASTER = "master", pgettext_lazy("staff role", "站长")
    ADMINISTRATOR = "administrator", pgettext_lazy("staff role", "管理员")
    BUTLER = "butler", pgettext_lazy("staff role", "驿站管家")
    ONE_DAY_MASTER = "one_day_master", pgettext_lazy("staff role", "一日站长")
    CONTACT = "contact", pgettext_lazy("staff role", "联系人")


def catalogue_label(name: str, name_en: str) -> str:
    """A catalogue entry's name in the active language (the catalogue is data, not code,
    so it carries its own English rather than going through gettext)."""
    return name_en if (get_language() or "").startswith("en") and name_en else name


class Amenity(models.Model):
    """Catalogue entry: hot water, microwave, charging, AED... (seeded by a data migration)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(_("英文名称"), max_length=64)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("设施")
        verbose_name_plural = _("设施目录")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return catalogue_label(self.name, self.name_en)

    @property
    def label(self) -> str:
        """The name in the language of the request (English where one is given)."""
        return self.name_en if get_language() == "en" and self.name_en else self.name


class Service(models.Model):
    """Catalogue entry: legal aid, job services, health check, haircut..."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(_("英文名称"), max_length=64)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务")
        verbose_name_plural = _("服务目录")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return catalogue_label(self.name, self.name_en)


class Station(models.Model):
    code = models.CharField(
        _("驿站编号"),
        max_length=32,
        unique=True,
        validators=[validate_station_code],
        help_text=_("全局唯一，例如 HRB-DL-001；导入时按编号更新。"),
    )
    name = models.CharField(_("名称"), max_length=NAME_MAX)
    # The name sent to the map platforms (上图) when the full name is over their limit;
    # the pack never shortens a name by itself.
    short_name = models.CharField(
        _("上图简称"),
        max_length=LISTING_NAME_MAX,
        blank=True,
        help_text=format_lazy(
            _(
                "名称超过 {limit} 个字时，向高德、百度地图上图使用的名称，"
                "例如“工会驿站（中央大街店）”。留空则使用名称。"
            ),
            limit=LISTING_NAME_MAX,
        ),
    )
    kind = models.CharField(_("类型"), max_length=8, choices=StationKind.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    address = models.CharField(_("地址"), max_length=200)
    # WGS-84, degrees. Entered in any CRS and converted by the services.
    lat = models.FloatField(_("纬度(WGS-84)"))
    lon = models.FloatField(_("经度(WGS-84)"))
    opening_hours = models.CharField(
        _("开放时间"),
        max_length=255,
        validators=[validate_opening_hours],
        help_text=_("OSM opening_hours 语法，例如 “Mo-Fr 08:00-18:00; PH off” 或 “24/7”。"),
    )
    keeps_workday_hours = models.BooleanField(
        _("按工作日开放"),
        default=False,
        help_text=_("法定节假日(含调休放假)闭站，调休上班日按工作日时间开放。"),
    )
    amenities = models.ManyToManyField(
        Amenity, through="StationAmenity", verbose_name=_("设施"), related_name="stations"
    )
    services = models.ManyToManyField(
        Service, verbose_name=_("服务"), related_name="stations", blank=True
    )
    floor_area_m2 = models.PositiveIntegerField(_("面积(㎡)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("可容纳人数"), null=True, blank=True)
    star_level = models.PositiveSmallIntegerField(
        _("星级"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feature = models.CharField(_("一站一特色"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=StationStatus.choices, default=StationStatus.PLANNED
    )
    status_reason = models.CharField(_("状态说明"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    last_verified_on = models.DateField(_("最近核实日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Touched by every service that changes the station or anything shown with it; the
    # sync API's cursor.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("驿站")
        verbose_name_plural = pgettext_lazy("plural", "驿站")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["status", "kind"], name="station_status_kind"),
            models.Index(fields=["lat", "lon"], name="station_lat_lon"),
        ]
        constraints = [
            models.CheckConstraint(
                name="station_star_level_1_to_5",
                condition=models.Q(star_level__isnull=True)
                | models.Q(star_level__gte=1, star_level__lte=5),
            ),
            models.CheckConstraint(
                name="station_lat_lon_in_china",
                condition=models.Q(lat__gte=3.8, lat__lte=53.6, lon__gte=73.4, lon__lte=135.1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StationAmenity(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="station_amenities", verbose_name=_("驿站")
    )
    amenity = models.ForeignKey(Amenity, on_delete=models.PROTECT, verbose_name=_("设施"))
    state = models.CharField(
        _("状态"), max_length=12, choices=AmenityState.choices, default=AmenityState.WORKING
    )
    reason = models.CharField(_("故障原因"), max_length=200, blank=True)
    expected_fix_on = models.DateField(_("预计修复日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("驿站设施")
        verbose_name_plural = pgettext_lazy("plural", "驿站设施")
        constraints = [
            models.UniqueConstraint(fields=["station", "amenity"], name="station_amenity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.amenity} ({self.get_state_display()})"


class StationStaff(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="staff", verbose_name=_("驿站")
    )
    role = models.CharField(_("角色"), max_length=16, choices=StaffRole.choices)
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="station_roles",
        verbose_name=_("账户"),
    )

    class Meta:
        verbose_name = _("驿站人员")
        verbose_name_plural = pgettext_lazy("plural", "驿站人员")
        ordering = ["station", "role", "name"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class StationPhoto(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="photos", verbose_name=_("驿站")
    )
    image = PhotoField(_("照片"), upload_to="stations/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("驿站照片")
        verbose_name_plural = pgettext_lazy("plural", "驿站照片")
        ordering = ["station", "sort_order", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""


class MobileStop(models.Model):
    """One stop of a mobile station's timetable: a place and the times it stands there.

    The time window is an OSM opening_hours string ("Sa,Su 17:00-21:00"), evaluated with
    the same Chinese calendar as station hours.
    """

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="stops", verbose_name=_("流动驿站")
    )
    place_name = models.CharField(_("停靠点"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度(WGS-84)"))
    lon = models.FloatField(_("经度(WGS-84)"))
    hours = models.CharField(
        _("停靠时间"),
        max_length=255,
        validators=[validate_opening_hours],
        help_text=_("OSM opening_hours 语法，例如 “Mo-Fr 11:00-14:00”。"),
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("流动驿站停靠点")
        verbose_name_plural = _("流动驿站时刻表")
        ordering = ["station", "id"]

    def __str__(self) -> str:
        return f"{self.place_name} {self.hours}"


class ClosureSource(models.TextChoices):
    STAFF = "staff", _("驿站人员")
    OFFICER = "officer", _("工会干部")
    DEVICE = "device", _("设备数据")
    REPORT = "report", _("职工反映")


class StationClosure(models.Model):
    """A stretch of time in which the station is shut whatever its hours say: repairs,
    a padlocked door reported and confirmed, a smart station's device offline. The finder
    never shows a station as usable inside one. ``ends_at`` empty: until further notice."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="closures", verbose_name=_("驿站")
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(
        _("结束时间"), null=True, blank=True, help_text=_("留空表示直至另行通知。")
    )
    reason = models.CharField(_("原因"), max_length=200)
    source = models.CharField(
        _("来源"), max_length=8, choices=ClosureSource.choices, default=ClosureSource.STAFF
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("临时闭站")
        verbose_name_plural = _("临时闭站")
        ordering = ["station", "-starts_at"]
        constraints = [
            models.CheckConstraint(
                name="closure_ends_after_start",
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.starts_at:%Y-%m-%d %H:%M} {self.reason}"


class StationChange(models.Model):
    """Who changed what, when and why: one row per create, edit, status change or import."""

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("change action", "新建")
        UPDATE = "update", pgettext_lazy("change action", "修改")
        STATUS = "status", pgettext_lazy("change action", "状态变更")
        IMPORT = "import", pgettext_lazy("change action", "导入")
        VERIFY = "verify", pgettext_lazy("change action", "核实")
        PUBLISH = "publish", pgettext_lazy("change action", "上图")

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="changes", verbose_name=_("驿站")
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("操作人"),
    )
    changed_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = pgettext_lazy("plural", "变更记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.station} · {self.get_action_display()} · {self.changed_at:%Y-%m-%d}"


class MapPlatform(models.TextChoices):
    AMAP = "amap", pgettext_lazy("map platform", "高德地图")
    BAIDU = "baidu", pgettext_lazy("map platform", "百度地图")


class StationListing(models.Model):
    """A station as last published (上图) to one map platform, with a fingerprint of
    the fields sent, so that what changed since can be listed."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="listings", verbose_name=_("驿站")
    )
    platform = models.CharField(_("平台"), max_length=8, choices=MapPlatform.choices)
    fingerprint = models.CharField(_("内容指纹"), max_length=64)
    listed_at = models.DateTimeField(_("上图时间"))
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("操作人"),
    )

    class Meta:
        verbose_name = _("上图记录")
        verbose_name_plural = pgettext_lazy("plural", "上图记录")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "platform"], name="listing_station_platform"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.platform}"


class StationImport(models.Model):
    """An uploaded spreadsheet: checked first (dry run), committed on confirmation.

    The file is kept in the database, not on local disk, so that any app server or worker
    can commit what another validated."""

    class Status(models.TextChoices):
        VALID = "valid", pgettext_lazy("import status", "校验通过")
        INVALID = "invalid", pgettext_lazy("import status", "有错误")
        COMMITTING = "committing", pgettext_lazy("import status", "正在导入")
        COMMITTED = "committed", pgettext_lazy("import status", "已导入")

    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    default_crs = models.CharField(_("默认坐标系"), max_length=8, default="wgs84")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    report = models.JSONField(_("校验报告"), default=dict, blank=True)
    # Set when the officer confirms; the task worker commits the file in the background.
    queued_at = models.DateTimeField(_("确认导入时间"), null=True, blank=True)
    commit_error = models.CharField(_("导入失败原因"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    # How to read and what to commit: the column mapping, the region rows belong to,
    # each duplicate's decision, whether rows with errors are left out (see imports).
    options = models.JSONField(_("导入选项"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = pgettext_lazy("plural", "导入记录")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class LedgerWord(models.Model):
    """A word an officer's ledger uses for a station kind or an amenity, added in the
    console so that the next upload understands it ("爱心驿站" → fixed, "热饭" →
    microwave). The built-in words are in ``io.vocabulary``; these are added to them."""

    class What(models.TextChoices):
        KIND = "kind", pgettext_lazy("ledger word", "驿站类型")
        AMENITY = "amenity", pgettext_lazy("ledger word", "设施")

    what = models.CharField(_("类别"), max_length=8, choices=What.choices)
    word = models.CharField(_("台账用语"), max_length=40)
    code = models.CharField(_("对应"), max_length=32)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("添加人"),
    )
    added_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("台账用语")
        verbose_name_plural = pgettext_lazy("plural", "台账用语")
        ordering = ["what", "word"]
        constraints = [
            models.UniqueConstraint(fields=["what", "word"], name="ledger_word_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.word} → {self.code}"


class LedgerColumn(models.Model):
    """What one officer said a column header of their ledger means, remembered for their
    next upload (``header`` is folded: width, case and spaces)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ledger_columns",
        verbose_name=_("用户"),
    )
    header = models.CharField(_("表头"), max_length=100)
    key = models.CharField(_("对应字段"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("台账列对应")
        verbose_name_plural = pgettext_lazy("plural", "台账列对应")
        constraints = [
            models.UniqueConstraint(fields=["user", "header"], name="ledger_column_user_header"),
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.key or '-'}"


class CalendarDay(models.Model):
    """A local correction of China's official calendar (调休): the State Council publishes
    next year's holidays and make-up working days in November or December, and the
    ``holidays`` package learns them only in a later release. An officer enters them here;
    ``stations.hours`` (PH, working-day hours) uses them over the package's data."""

    class Kind(models.TextChoices):
        OFF = "off", pgettext_lazy("calendar day", "放假")
        WORK = "work", pgettext_lazy("calendar day", "调休上班")

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=4, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=60, blank=True, help_text=_("如：春节"))

    class Meta:
        verbose_name = _("节假日调休")
        verbose_name_plural = pgettext_lazy("plural", "节假日调休")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"
