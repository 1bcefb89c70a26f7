"""Devices at smart stations (door access, people counters, lockers, gateways), their
signing secrets and the events they upload.

`DeviceEvent` is the big table (millions of rows a day nationally). It holds no
biometric data, no names and no card numbers: an occupation category and, at most, a
keyed hash of the pseudonymous token the device gives. On PostgreSQL it is ready to be
partitioned by month on ``at`` (see docs/devices.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.core.occupation import Occupation
from yizhan.stations.models import Station


class DeviceKind(models.TextChoices):
    DOOR = "door", pgettext_lazy("device kind", "门禁")
    COUNTER = "counter", pgettext_lazy("device kind", "客流计数")
    LOCKER = "locker", pgettext_lazy("device kind", "智能柜")
    GATEWAY = "gateway", pgettext_lazy("device kind", "网关")


class EventKind(models.TextChoices):
    DOOR_OPEN = "door_open", pgettext_lazy("device event", "开门")
    COUNT = "count", pgettext_lazy("device event", "客流计数")
    HEARTBEAT = "heartbeat", pgettext_lazy("device event", "心跳")
    POWER = "power", pgettext_lazy("device event", "电源")
    ALARM = "alarm", pgettext_lazy("device event", "告警")


class DoorMethod(models.TextChoices):
    FACE = "face", pgettext_lazy("door method", "刷脸")
    QR = "qr", pgettext_lazy("door method", "扫码")
    ID_CARD = "id_card", pgettext_lazy("door method", "身份证")
    OTHER = "other", pgettext_lazy("door method", "其他")
    NONE = "", pgettext_lazy("door method", "无")


class Device(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="devices", verbose_name=_("驿站")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=DeviceKind.choices)
    serial = models.CharField(
        _("序列号"),
        max_length=64,
        unique=True,
        help_text=_("设备出厂序列号，设备上传时用作身份"),
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    last_seen_at = models.DateTimeField(_("最近上报"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("智能设备")
        verbose_name_plural = _("智能设备")
        ordering = ("station", "kind", "serial")

    def __str__(self) -> str:
        return f"{self.serial} ({self.get_kind_display()})"


class DeviceSecret(models.Model):
    """A signing key. Live while ``retired_at`` is empty or in the future; during a
    rotation the old key stays live for a day beside the new one (never more than two)."""

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="secrets", verbose_name=_("设备")
    )
    # HMAC needs the key itself, so it cannot be hashed; it is shown once, at creation.
    secret = models.CharField(_("密钥"), max_length=128)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备密钥")
        verbose_name_plural = _("设备密钥")
        indexes = [models.Index(fields=["device", "retired_at"], name="devsecret_device_retired")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.created_at:%Y-%m-%d %H:%M}"


class DeviceNonce(models.Model):
    """Nonces seen within the timestamp window: a replayed request is refused in every
    process because the pair is unique in the database. Old rows are pruned."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="devnonce_device_nonce_uniq")
        ]
        indexes = [models.Index(fields=["seen_at"], name="devnonce_seen_at")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.nonce}"


class DeviceEvent(models.Model):
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    # Denormalised from the device at ingestion: the device's station, never the event's.
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="device_events", db_index=False
    )
    event_id = models.CharField(_("设备事件号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("发生时间"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    method = models.CharField(_("开门方式"), max_length=8, choices=DoorMethod.choices, blank=True)
    occupation = models.CharField(
        _("职业类别"), max_length=16, choices=Occupation.choices, blank=True
    )
    # A keyed hash (server secret, per station) of the device's pseudonymous token.
    person = models.CharField(_("匿名人员标识"), max_length=64, blank=True)
    count = models.PositiveIntegerField(_("人数"), default=0)
    payload = models.JSONField(_("附加数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "event_id"], name="devevent_device_event_uniq"
            )
        ]
        indexes = [models.Index(fields=["station", "at"], name="devevent_station_at")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.event_id}"
