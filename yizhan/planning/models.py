"""Planning: the demand layers and road networks officers upload, and the scenarios that
ask geoplan where stations are missing, overlap, should open at night or should park.

Layers and networks are stored parsed, as numpy ``.npz`` bytes in the database (not as
files on one server's disk), so that any web or task process can use them. A scenario's
result is written once, whole, when its run finishes; a failed or cancelled run leaves
none. Planning never changes the registry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LayerKind(models.TextChoices):
    PEOPLE_FLOW = "people_flow", _("人流量(网格/点, 分时段)")
    ORDERS = "orders", _("订单(点, 带时间)")
    MERCHANTS = "merchants", _("商户(点)")


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", "WGS-84 (GPS)"
    GCJ02 = "gcj02", _("GCJ-02 (高德/腾讯)")
    BD09 = "bd09", _("BD-09 (百度)")


class DemandLayer(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=12, choices=LayerKind.choices)
    source_name = models.CharField(_("源文件"), max_length=200)
    crs = models.CharField(
        _("坐标系"), max_length=6, choices=CoordinateSystem.choices, default="wgs84"
    )
    records = models.PositiveIntegerField(_("记录数"))
    total = models.FloatField(_("合计"))
    data = models.BinaryField(_("数据"))
    synthetic = models.BooleanField(_("示例数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("需求图层")
        verbose_name_plural = _("需求图层")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class RoadNetwork(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    name = models.CharField(_("名称"), max_length=80)
    source_name = models.CharField(_("源文件"), max_length=200)
    nodes = models.PositiveIntegerField(_("节点数"))
    edges = models.PositiveIntegerField(_("路段数"))
    data = models.BinaryField(_("数据"))
    # How the extract sits over the region when it was uploaded: of the region's
    # ``points`` (its stations, or its streets' centres when it had none), how many lie
    # within ``near_m`` of the roads ({} when the region had no points to compare).
    fit = models.JSONField(_("与辖区的重叠"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("路网")
        verbose_name_plural = _("路网")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("scenario status", "未运行")
    QUEUED = "queued", pgettext_lazy("scenario status", "排队中")
    RUNNING = "running", pgettext_lazy("scenario status", "计算中")
    DONE = "done", pgettext_lazy("scenario status", "已完成")
    FAILED = "failed", pgettext_lazy("scenario status", "失败")
    CANCELLED = "cancelled", pgettext_lazy("scenario status", "已取消")


LIVE_STATUSES = (ScenarioStatus.QUEUED, ScenarioStatus.RUNNING)


class Scenario(models.Model):
    """A planning question with its settings (``params``, checked by
    ``services.scenario_params_clean``) and, once run, its whole answer (``result``)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    name = models.CharField(_("名称"), max_length=80)
    params = models.JSONField(_("参数"), default=dict)
    network = models.ForeignKey(
        RoadNetwork, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("路网")
    )
    layers = models.ManyToManyField(DemandLayer, verbose_name=_("需求图层"), related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=ScenarioStatus.choices, default=ScenarioStatus.DRAFT
    )
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(_("错误"), blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规划方案")
        verbose_name_plural = _("规划方案")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
