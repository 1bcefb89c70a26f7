"""Writes for smart-station devices: registering a device, rotating and retiring its
secrets, authenticating a signed upload and storing its events idempotently."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.errors import (
    ApplicationError,
    FieldError,
    ValidationFailed,
)
from yizhan.core.ratelimit import hit
from yizhan.devices import signing
from yizhan.devices.models import Device, DeviceEvent, DeviceKind, DeviceNonce, DeviceSecret
from yizhan.devices.signing import sign_request as sign_request  # a device's side (simulator)
from yizhan.devices.validation import MAX_EVENTS, EventRow, batch_check
from yizhan.stations.access import station_access_require
from yizhan.stations.models import Station

ROTATION_OVERLAP = dt.timedelta(hours=24)
NONCE_KEEP = dt.timedelta(seconds=3 * signing.WINDOW_S)
DEFAULT_BATCHES_PER_MINUTE = 120


class DeviceAuthFailed(ApplicationError):
    status_code = 401


class DeviceReplay(ApplicationError):
    status_code = 409


class DeviceRateLimited(ApplicationError):
    status_code = 429


def _auth_failed() -> DeviceAuthFailed:
    # One message for every reason (unknown device, bad signature, stale clock), so a
    # caller learns nothing about which serials exist.
    return DeviceAuthFailed(_("设备认证失败"))


# --- registry ---------------------------------------------------------------------------


@transaction.atomic
def device_register(
    *, user: User | None, station: Station, kind: str, serial: str, name: str = ""
) -> tuple[Device, str]:
    """A new device with its first secret. The secret is returned once and never shown
    again: the caller displays it for the installer to enter into the device."""
    if user is not None:  # None: the system itself (demo, simulator, commands)
        station_access_require(
            user=user,
            station=station,
            need="supervise",
            message=_("该驿站不在您的管辖范围内"),
        )
    serial = serial.strip()
    errors = []
    if not serial or len(serial) > signing.SERIAL_MAX or not serial.isascii():
        errors.append(FieldError("serial", _("序列号应为1至64个ASCII字符")))
    elif Device.objects.filter(serial=serial).exists():
        errors.append(FieldError("serial", _("该序列号已登记"), value=serial))
    if kind not in DeviceKind.values:
        errors.append(FieldError("kind", _("设备类型无效"), value=kind))
    if errors:
        raise ValidationFailed(errors=errors)
    device = Device.objects.create(station=station, kind=kind, serial=serial, name=name)
    secret = signing.new_secret()
    DeviceSecret.objects.create(device=device, secret=secret)
    return device, secret


@transaction.atomic
def device_secret_rotate(
    *, user: User | None, device: Device, now: dt.datetime | None = None
) -> str:
    """A new secret for ``device``. The secret in use stays live for 24 hours so the
    device can be switched over; one left from an earlier rotation retires now (never
    more than two live secrets)."""
    now = now or timezone.now()
    device = Device.objects.select_for_update().select_related("station__region").get(pk=device.pk)
    if user is not None:  # None: the system itself (demo, simulator, commands)
        station_access_require(
            user=user,
            station=device.station,
            need="supervise",
            message=_("该驿站不在您的管辖范围内"),
        )
    live = DeviceSecret.objects.filter(device=device).filter(
        Q(retired_at__isnull=True) | Q(retired_at__gt=now)
    )
    live.filter(retired_at__isnull=False).update(retired_at=now)
    live.filter(retired_at__isnull=True).update(retired_at=now + ROTATION_OVERLAP)
    secret = signing.new_secret()
    DeviceSecret.objects.create(device=device, secret=secret, created_at=now)
    return secret


@transaction.atomic
def device_deactivate(
    *, user: User | None, device: Device, now: dt.datetime | None = None
) -> Device:
    """Stop accepting uploads from ``device`` and retire all its secrets (a stolen or
    removed device). Its events stay."""
    now = now or timezone.now()
    device = Device.objects.select_for_update().select_related("station__region").get(pk=device.pk)
    if user is not None:  # None: the system itself (demo, simulator, commands)
        station_access_require(
            user=user,
            station=device.station,
            need="supervise",
            message=_("该驿站不在您的管辖范围内"),
        )
    device.active = False
    device.save(update_fields=["active"])
    DeviceSecret.objects.filter(device=device).filter(
        Q(retired_at__isnull=True) | Q(retired_at__gt=now)
    ).update(retired_at=now)
    return device


# --- authentication -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuthedDevice:
    id: int
    station_id: int
    serial: str


def device_authenticate(
    *,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    now: dt.datetime | None = None,
) -> AuthedDevice:
    """The device that signed this request, or DeviceAuthFailed (401, one message for
    every reason) / DeviceReplay (409: the nonce was used before)."""
    now = now or timezone.now()
    signed = signing.headers_parse(headers)
    if signed is None:
        raise _auth_failed()
    rows = list(
        DeviceSecret.objects.filter(device__serial=signed.serial, device__active=True)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=now))
        .values_list("device_id", "device__station_id", "secret")
    )
    if not rows:
        raise _auth_failed()
    ok = signing.signature_valid(
        secrets_live=[r[2] for r in rows], signed=signed, method=method, path=path, body=body
    )
    if not ok or not signing.timestamp_fresh(signed.timestamp, now=now.timestamp()):
        raise _auth_failed()
    device_id, station_id = rows[0][0], rows[0][1]
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device_id=device_id, nonce=signed.nonce, seen_at=now)
    except IntegrityError:
        raise DeviceReplay(_("请求已处理过（随机数重复），请用新的随机数重新签名")) from None
    if random.random() < 0.02:  # noqa: S311 - housekeeping, not security
        device_nonces_prune(now=now, device_id=device_id)
    return AuthedDevice(id=device_id, station_id=station_id, serial=signed.serial)


def device_nonces_prune(*, now: dt.datetime, device_id: int | None = None) -> int:
    """Forget nonces older than the window can replay (their timestamps are stale)."""
    qs = DeviceNonce.objects.filter(seen_at__lt=now - NONCE_KEEP)
    if device_id is not None:
        qs = qs.filter(device_id=device_id)
    deleted, _unused = qs.delete()
    return deleted


def device_rate_check(*, device: AuthedDevice, per_minute: int | None = None) -> None:
    """Count one upload for ``device``; DeviceRateLimited (429) over the limit."""
    limit = per_minute or int(
        settings.YIZHAN.get("DEVICE_BATCHES_PER_MINUTE", DEFAULT_BATCHES_PER_MINUTE)
    )
    # core's atomic counter: concurrent uploads lose no count.
    count = hit(f"rl:device:{device.id}", window_seconds=60)
    if count > limit:
        raise DeviceRateLimited(_("上传过于频繁，请稍后重试"), extra={"retry_after": 60})


# --- ingestion -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _person_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"yizhan.devices.person\x00" + secret_key.encode()).digest()


def person_hash(*, station_id: int, token: str) -> str:
    """A keyed hash of a device's pseudonymous token, different at every station: it
    links visits of one person to one station, cannot be reversed without the server's
    key, and says nothing about the person."""
    if not token:
        return ""
    key = _person_key(settings.SECRET_KEY)
    return hmac.new(key, f"{station_id}\x00{token}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "dropped": self.dropped,
        }


def batch_parse(body: bytes) -> list[Any]:
    """The ``events`` list of an upload, or ValidationFailed naming what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(errors=[FieldError("body", _("请求体不是有效的JSON"))]) from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise ValidationFailed(errors=[FieldError("events", _("应为事件列表"))])
    if len(events) > MAX_EVENTS:
        raise ValidationFailed(
            errors=[FieldError("events", _("每批最多1000个事件"), value=str(len(events)))]
        )
    return events


def _insert_postgresql(device: AuthedDevice, rows: list[EventRow], now: dt.datetime) -> int:
    table = DeviceEvent._meta.db_table
    sql = (
        f"INSERT INTO {table} (device_id, station_id, received_at, event_id, kind, at, method,"
        " occupation, person, count, payload)"
        " SELECT %s, %s, %s, e, k, a, m, o, p, c, pl::jsonb"
        " FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::text[],"
        " %s::text[], %s::int[], %s::text[]) AS u(e, k, a, m, o, p, c, pl)"
        " ON CONFLICT (device_id, event_id) DO NOTHING"
    )
    params: list[Any] = [
        device.id,
        device.station_id,
        now,
        [r.event_id for r in rows],
        [r.kind for r in rows],
        [r.at for r in rows],
        [r.method for r in rows],
        [r.occupation for r in rows],
        [person_hash(station_id=device.station_id, token=r.person_token) for r in rows],
        [r.count for r in rows],
        [json.dumps(r.payload, ensure_ascii=False) for r in rows],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _insert_generic(device: AuthedDevice, rows: list[EventRow], now: dt.datetime) -> int:
    existing = DeviceEvent.objects.filter(
        device_id=device.id, event_id__in=[r.event_id for r in rows]
    )
    before = existing.count()
    DeviceEvent.objects.bulk_create(
        [
            DeviceEvent(
                device_id=device.id,
                station_id=device.station_id,
                received_at=now,
                event_id=r.event_id,
                kind=r.kind,
                at=r.at,
                method=r.method,
                occupation=r.occupation,
                person=person_hash(station_id=device.station_id, token=r.person_token),
                count=r.count,
                payload=r.payload,
            )
            for r in rows
        ],
        ignore_conflicts=True,
    )
    return existing.count() - before


@transaction.atomic
def events_ingest(
    *, device: AuthedDevice, events: list[Any], now: dt.datetime | None = None
) -> IngestResult:
    """Store a batch of events from an authenticated device, idempotently: an event
    whose id the device has sent before is counted as a duplicate and not stored again
    (the unique key decides, so two servers receiving the same batch agree). Events
    carry no station: they are filed at the device's station. Late and out-of-order
    events are welcome (up to 30 days old); bad ones are listed, the rest stored."""
    now = now or timezone.now()
    checked = batch_check(events, now=now)
    result = IngestResult(rejected=[r.as_dict() for r in checked.rejected], dropped=checked.dropped)
    unique: dict[str, EventRow] = {}
    for row in checked.rows:
        unique.setdefault(row.event_id, row)
    rows = list(unique.values())
    if rows:
        if connection.vendor == "postgresql":
            inserted = _insert_postgresql(device, rows, now)
        else:
            inserted = _insert_generic(device, rows, now)
    else:
        inserted = 0
    result.accepted = inserted
    result.duplicates = len(checked.rows) - inserted
    Device.objects.filter(pk=device.id).update(last_seen_at=now)
    return result
