"""Writing stock: restock, use (first expiring first), discard, stocktake, minimum levels,
and the expiry and low-stock reminders.

Who: any station role (volunteers too) may record use; restock, discard, stocktake and
minimum levels need the station's master or administrator, or a supervising officer.

Every write locks the rows it changes (`select_for_update`), and a ``client_id`` makes a
retried submission record once: a second call with the same id changes nothing and
returns what the first one recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.errors import FieldError, ValidationFailed
from yizhan.core.idempotency import replayed_rows
from yizhan.notifications.models import NoticeKind
from yizhan.notifications.services import notify
from yizhan.stations.access import station_access_require
from yizhan.stations.models import StaffRole, Station, StationStaff
from yizhan.supplies.models import (
    MovementKind,
    StationSupply,
    StockBatch,
    StockMovement,
    SupplyItem,
)
from yizhan.supplies.selectors import StockAlert, stock_alerts

BATCH_NO_MAX = 40
NOTE_MAX = 200
QUANTITY_MAX = 100_000

Actor = User | AnonymousUser


def _int(value: Any, *, field: str, minimum: int) -> tuple[int, FieldError | None]:
    """``value`` as a whole number ≥ ``minimum`` (and not absurdly large)."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        return 0, FieldError(field, _("请填写整数。"), value=str(value))
    if number < minimum:
        message = _("数量必须大于 0。") if minimum > 0 else _("数量不能小于 0。")
        return 0, FieldError(field, message, value=str(value))
    if number > QUANTITY_MAX:
        return 0, FieldError(field, _("数量过大，请核对。"), value=str(value))
    return number, None


def _check(errors: list[FieldError | None]) -> None:
    found = [e for e in errors if e is not None]
    if found:
        raise ValidationFailed(errors=found)


def _supply_locked(station: Station, item: SupplyItem, *, create: bool) -> StationSupply | None:
    if create:
        StationSupply.objects.get_or_create(station=station, item=item)
    return StationSupply.objects.select_for_update().filter(station=station, item=item).first()


def _replayed(
    client_id: uuid.UUID | None, supply: StationSupply, kind: str
) -> list[StockMovement] | None:
    """What an earlier submission with this ``client_id`` recorded, or None if none did."""
    return (
        replayed_rows(
            StockMovement.objects.select_related("batch"),
            client_id,
            owner={"batch__station_supply_id": supply.pk, "kind": kind},
            refusal=_("该提交编号已用于另一条记录。"),
            show_value=True,
        )
        or None
    )


def _move(
    *,
    batch: StockBatch,
    kind: MovementKind,
    quantity: int,
    user: Actor,
    client_id: uuid.UUID | None,
    note: str = "",
) -> StockMovement:
    batch.quantity += quantity
    batch.save(update_fields=["quantity"])
    return StockMovement.objects.create(
        batch=batch,
        kind=kind,
        quantity=quantity,
        by=user if isinstance(user, User) else None,
        at=timezone.now(),
        note=note[:NOTE_MAX],
        client_id=client_id,
    )


@transaction.atomic
def stock_restock(
    *,
    user: Actor,
    station: Station,
    item: SupplyItem,
    quantity: Any,
    batch_no: str = "",
    expires_on: dt.date | None = None,
    client_id: uuid.UUID | None = None,
    note: str = "",
) -> StockMovement:
    """Put ``quantity`` of ``item`` on the station's shelf. The same batch number and
    expiry add to the existing batch; items that track expiry need ``expires_on``, and it
    may not be in the past."""
    station_access_require(user=user, station=station, need="run")
    today = timezone.localdate()
    batch_no = (batch_no or "").strip()
    number, error = _int(quantity, field="quantity", minimum=1)
    errors = [error]
    if len(batch_no) > BATCH_NO_MAX:
        errors.append(
            FieldError(
                "batch_no", _("批号最多 %(n)d 个字符。") % {"n": BATCH_NO_MAX}, value=batch_no
            )
        )
    if expires_on is None and item.tracks_expiry:
        errors.append(
            FieldError("expires_on", _("%(item)s需要填写有效期。") % {"item": item.label})
        )
    elif expires_on is not None and expires_on < today:
        errors.append(
            FieldError(
                "expires_on", _("有效期已过，过期物资不能入库。"), value=expires_on.isoformat()
            )
        )
    if len(note) > NOTE_MAX:
        errors.append(FieldError("note", _("备注最多 %(n)d 个字符。") % {"n": NOTE_MAX}))
    _check(errors)
    supply = _supply_locked(station, item, create=True)
    assert supply is not None
    if (done := _replayed(client_id, supply, MovementKind.RESTOCK)) is not None:
        return done[0]
    batch = None
    if batch_no:
        batch = (
            StockBatch.objects.select_for_update()
            .filter(station_supply=supply, batch_no=batch_no)
            .first()
        )
        if batch is not None and batch.expires_on != expires_on:
            shown = batch.expires_on.isoformat() if batch.expires_on else _("无")
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "expires_on",
                        _("批号 %(no)s 已登记的有效期是 %(date)s。")
                        % {"no": batch_no, "date": shown},
                        value=expires_on.isoformat() if expires_on else "",
                    )
                ]
            )
    elif not item.tracks_expiry:
        # Undated stock without a batch number (raincoats, gloves) is one pool.
        batch = (
            StockBatch.objects.select_for_update()
            .filter(station_supply=supply, batch_no="", expires_on=expires_on)
            .first()
        )
    if batch is None:
        batch = StockBatch.objects.create(
            station_supply=supply,
            batch_no=batch_no,
            expires_on=expires_on,
            quantity=0,
            received_on=today,
            note=note[:NOTE_MAX],
        )
    return _move(
        batch=batch,
        kind=MovementKind.RESTOCK,
        quantity=number,
        user=user,
        client_id=client_id,
        note=note,
    )


@transaction.atomic
def stock_use(
    *,
    user: Actor,
    station: Station,
    item: SupplyItem,
    quantity: Any,
    client_id: uuid.UUID | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Hand out ``quantity`` of ``item``, from the batch that expires first (expired
    batches are never handed out). One movement per batch taken from."""
    station_access_require(user=user, station=station, need="any")
    number, error = _int(quantity, field="quantity", minimum=1)
    _check([error])
    today = timezone.localdate()
    supply = _supply_locked(station, item, create=False)
    if supply is not None and (done := _replayed(client_id, supply, MovementKind.USE)) is not None:
        return done
    batches = (
        list(
            StockBatch.objects.select_for_update()
            .filter(station_supply=supply, quantity__gt=0)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .order_by(F("expires_on").asc(nulls_last=True), "received_on", "id")
        )
        if supply is not None
        else []
    )
    usable = sum(b.quantity for b in batches)
    if usable < number:
        expired = (
            sum(
                StockBatch.objects.filter(
                    station_supply=supply, quantity__gt=0, expires_on__lt=today
                ).values_list("quantity", flat=True)
            )
            if supply is not None
            else 0
        )
        message = _("可用库存只有 %(n)d%(unit)s，不够领用。") % {
            "n": usable,
            "unit": item.unit_label,
        }
        if expired:
            message += _("另有 %(n)d%(unit)s 已过期，不能领用。") % {
                "n": expired,
                "unit": item.unit_label,
            }
        raise ValidationFailed(errors=[FieldError("quantity", message, value=str(quantity))])
    movements = []
    left = number
    for batch in batches:
        take = min(left, batch.quantity)
        movements.append(
            _move(
                batch=batch,
                kind=MovementKind.USE,
                quantity=-take,
                user=user,
                client_id=client_id,
                note=note,
            )
        )
        left -= take
        if left == 0:
            break
    return movements


def _batch_locked(batch: StockBatch) -> StockBatch:
    """The batch, locked (its station and region are read, not locked)."""
    return (
        StockBatch.objects.select_for_update(of=("self",))
        .select_related("station_supply__station__region", "station_supply__item")
        .get(pk=batch.pk)
    )


@transaction.atomic
def stock_discard(
    *,
    user: Actor,
    batch: StockBatch,
    quantity: Any,
    reason: str,
    client_id: uuid.UUID | None = None,
) -> StockMovement:
    """Take ``quantity`` of a batch off the shelf for good (expired medicine, spoilt
    food), saying why."""
    batch = _batch_locked(batch)
    supply = batch.station_supply
    station_access_require(user=user, station=supply.station, need="run")
    number, error = _int(quantity, field="quantity", minimum=1)
    errors = [error]
    if error is None and number > batch.quantity:
        errors.append(
            FieldError(
                "quantity",
                _("该批次只剩 %(n)d%(unit)s。")
                % {"n": batch.quantity, "unit": supply.item.unit_label},
                value=str(quantity),
            )
        )
    reason = (reason or "").strip()
    if not reason:
        errors.append(FieldError("reason", _("请写明报废原因，例如“已过期”。")))
    elif len(reason) > NOTE_MAX:
        errors.append(FieldError("reason", _("原因最多 %(n)d 个字符。") % {"n": NOTE_MAX}))
    _check(errors)
    if (done := _replayed(client_id, supply, MovementKind.DISCARD)) is not None:
        return done[0]
    return _move(
        batch=batch,
        kind=MovementKind.DISCARD,
        quantity=-number,
        user=user,
        client_id=client_id,
        note=reason,
    )


@transaction.atomic
def stock_count(
    *,
    user: Actor,
    batch: StockBatch,
    counted: Any,
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> StockMovement:
    """Stocktake: the batch holds ``counted``. The difference is recorded as an
    adjustment (0 when the count matched, so the count itself is on record)."""
    batch = _batch_locked(batch)
    supply = batch.station_supply
    station_access_require(user=user, station=supply.station, need="run")
    number, error = _int(counted, field="counted", minimum=0)
    _check([error])
    if (done := _replayed(client_id, supply, MovementKind.ADJUST)) is not None:
        return done[0]
    return _move(
        batch=batch,
        kind=MovementKind.ADJUST,
        quantity=number - batch.quantity,
        user=user,
        client_id=client_id,
        note=note or _("盘点"),
    )


@transaction.atomic
def station_supply_set(
    *, user: Actor, station: Station, item: SupplyItem, min_level: Any
) -> StationSupply:
    """Keep ``item`` at the station, with the level under which it counts as low."""
    station_access_require(user=user, station=station, need="run")
    number, error = _int(min_level, field="min_level", minimum=0)
    _check([error])
    supply = _supply_locked(station, item, create=True)
    assert supply is not None
    supply.min_level = number
    supply.save(update_fields=["min_level"])
    return supply


def _alert_text(alert: StockAlert) -> tuple[str, str]:
    names = {
        "station": alert.station.name,
        "item": alert.item.label,
        "n": alert.quantity,
        "unit": alert.item.unit_label,
        "batch": alert.batch_no or "-",
        "date": alert.expires_on.isoformat() if alert.expires_on else "",
    }
    if alert.tier == "expired":
        title = _("%(station)s：%(item)s %(n)d%(unit)s 已过期") % names
        body = _("批号 %(batch)s，有效期至 %(date)s。请下架报废，不要发放。") % names
    elif alert.tier == "low":
        title = _("%(station)s：%(item)s 库存不足") % names
        body = _("可用数量只剩 %(n)d%(unit)s，请及时补货。") % names
    else:
        title = _("%(station)s：%(item)s %(n)d%(unit)s 将于 %(date)s 过期") % names
        body = _("批号 %(batch)s。请优先发放，过期后下架报废。") % names
    return title, body


def supplies_reminders_send(*, now: dt.datetime) -> int:
    """Tell each active station's masters and administrators (those with an account)
    about stock that expired, expires within 7 or within 30 days, or ran low. Each alert
    is sent once per person (a batch can warn at 30 days, at 7 days and when expired; a
    shortage again after the next restock). Returns the number of notices created."""
    alerts = stock_alerts(today=timezone.localdate(now))
    if not alerts:
        return 0
    people: dict[int, list[User]] = defaultdict(list)
    for staff in StationStaff.objects.filter(
        station_id__in={a.station.pk for a in alerts},
        role__in=[StaffRole.MASTER, StaffRole.ADMINISTRATOR],
        user__isnull=False,
        user__is_active=True,
    ).select_related("user"):
        assert staff.user is not None
        if staff.user not in people[staff.station_id]:
            people[staff.station_id].append(staff.user)
    sent = 0
    for alert in alerts:
        title, body = _alert_text(alert)
        kind = NoticeKind.STOCK_LOW if alert.tier == "low" else NoticeKind.STOCK_EXPIRING
        url = reverse("supplies:station", args=[alert.station.code])
        for user in people.get(alert.station.pk, []):
            if notify(user=user, kind=kind, title=title, key=alert.key, body=body, url=url):
                sent += 1
    return sent
