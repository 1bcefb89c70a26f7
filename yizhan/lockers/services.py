"""Writing lockers and the exchange: registering lockers, loading compartments,
reservations (never oversold, within quota, expiring), the locker's code check and
pickup, and donations with their claims.

Concurrency, on PostgreSQL and SQLite alike:
- a unit is taken by ``UPDATE compartment SET available = available - 1 WHERE id = … AND
  available > 0``: whatever the number of workers, no more units are promised than are
  loaded, and a compartment's stock never goes below zero;
- one worker's reservations are serialised on their visitor row (``SELECT … FOR UPDATE``),
  so the weekly quota is counted with nothing else of theirs in flight;
- a code is unique among a locker's live reservations (a partial unique index): a clash
  draws another code, and a spent code cannot be spent again (``UPDATE … WHERE status =
  'reserved'`` changes one row once);
- a donation has at most one live claim (a partial unique index): the second worker is
  told it is taken."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.errors import (
    ApplicationError,
    Conflict,
    FieldError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from yizhan.core.idempotency import replayed
from yizhan.core.photos import photo_clean
from yizhan.core.time import local_date, week_start
from yizhan.devices.models import Device, DeviceKind
from yizhan.devices.services import AuthedDevice
from yizhan.lockers import selectors
from yizhan.lockers.models import (
    LIVE_RESERVATION,
    REFUSED_CATEGORIES,
    Claim,
    ClaimStatus,
    CodeAttempt,
    Compartment,
    CompartmentLoad,
    CompartmentSize,
    Donation,
    DonationCategory,
    DonationStatus,
    ItemCondition,
    LoadKind,
    Locker,
    Refusal,
    Reservation,
    ReservationStatus,
)
from yizhan.stations.access import station_access_require
from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import SupplyItem
from yizhan.visitors.selectors import visitor_hash
from yizhan.visitors.services import visitor_lock

CODE_DIGITS = 6
MAX_COMPARTMENTS = 60
# Guessing codes: after this many wrong codes in the window a locker (or a station's
# hand-over desk) refuses every code until the window has passed.
WRONG_CODES_LIMIT = 10
WRONG_CODES_WINDOW = dt.timedelta(minutes=10)
CLAIMS_LIVE_PER_WORKER = 2


def new_code() -> str:
    """Six random digits (a million possibilities; guesses are throttled)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


# ---------------------------------------------------------------- lockers and stock


def locker_register(
    *,
    user: User,
    station: Station,
    name: str,
    sizes: Sequence[str],
    device: Device | None = None,
    now: dt.datetime | None = None,
) -> Locker:
    """A locker with one compartment per size given (numbered from 1), optionally bound to
    the station's registered locker device."""
    station_access_require(
        user=user,
        station=station,
        need="run",
        message=_("只有本站站长、管理员或管辖的工会干部可以操作。"),
    )
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("name", _("请填写智能柜名称")))
    if not sizes or len(sizes) > MAX_COMPARTMENTS:
        errors.append(
            FieldError("compartments", _("格口数应为 1–%(n)s 个") % {"n": MAX_COMPARTMENTS})
        )
    for n, size in enumerate(sizes, start=1):
        if size not in CompartmentSize.values:
            errors.append(FieldError(f"compartments.{n}", _("尺寸应为 S、M 或 L"), value=size))
    if device is not None and (device.station_id != station.pk or device.kind != DeviceKind.LOCKER):
        errors.append(FieldError("device", _("请选择本站登记的智能柜设备")))
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        if device is not None and Locker.objects.filter(device=device).exists():
            raise ValidationFailed(errors=[FieldError("device", _("该设备已绑定另一台智能柜"))])
        locker = Locker.objects.create(
            station=station,
            name=name[:60],
            device=device,
            created_at=now or timezone.now(),
            created_by=user,
        )
        Compartment.objects.bulk_create(
            Compartment(locker=locker, number=n, size=size) for n, size in enumerate(sizes, 1)
        )
    return locker


def compartment_load(
    *,
    user: User,
    compartment: Compartment,
    item: SupplyItem,
    quantity: int,
    expires_on: dt.date | None = None,
    unit_value: float | None = None,
    now: dt.datetime | None = None,
) -> Compartment:
    """Put ``quantity`` units of ``item`` in a compartment. A compartment holds one item
    and one expiry date: loading another item (or another date) needs it emptied first."""
    now = now or timezone.now()
    today = local_date(now)
    errors = []
    if quantity < 1 or quantity > 500:
        errors.append(FieldError("quantity", _("数量应为 1–500"), value=str(quantity)))
    if item.tracks_expiry and expires_on is None:
        errors.append(FieldError("expires_on", _("该物资须填写有效期")))
    if expires_on is not None and expires_on < today:
        errors.append(FieldError("expires_on", _("已过期的物资不能装柜"), value=str(expires_on)))
    if unit_value is not None and not 0 <= unit_value <= 10_000:
        errors.append(FieldError("unit_value", _("单件价值应为 0–10000 元")))
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        c = (
            Compartment.objects.select_for_update()
            .select_related("locker__station")
            .get(pk=compartment.pk)
        )
        station_access_require(
            user=user,
            station=c.locker.station,
            need="run",
            message=_("只有本站站长、管理员或管辖的工会干部可以操作。"),
        )
        holding = c.available > 0 or _live_count(c) > 0
        if holding and (c.item_id != item.pk or c.expires_on != expires_on):
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "item",
                        _("%(n)s 号格口里还有其他物资或其他有效期的物资，请先取出")
                        % {"n": c.number},
                    )
                ]
            )
        c.item, c.expires_on, c.loaded_at = item, expires_on, now
        if unit_value is not None:
            c.unit_value = round(unit_value, 2)  # type: ignore[assignment]
        c.save(update_fields=["item", "expires_on", "loaded_at", "unit_value"])
        Compartment.objects.filter(pk=c.pk).update(available=F("available") + quantity)
        CompartmentLoad.objects.create(
            compartment=c,
            kind=LoadKind.LOAD,
            item=item,
            quantity=quantity,
            expires_on=expires_on,
            by=user,
            at=now,
        )
    c.refresh_from_db()
    return c


def _live_count(c: Compartment) -> int:
    return Reservation.objects.filter(compartment=c, status__in=LIVE_RESERVATION).count()


def compartment_empty(
    *, user: User, compartment: Compartment, expired: bool = False, now: dt.datetime | None = None
) -> int:
    """Take every unit not promised to a worker out of a compartment (expired stock, or
    to load something else). Units reserved stay until collected or expired."""
    now = now or timezone.now()
    with transaction.atomic():
        c = (
            Compartment.objects.select_for_update()
            .select_related("locker__station")
            .get(pk=compartment.pk)
        )
        station_access_require(
            user=user,
            station=c.locker.station,
            need="run",
            message=_("只有本站站长、管理员或管辖的工会干部可以操作。"),
        )
        taken = c.available
        if taken and c.item_id is not None:
            CompartmentLoad.objects.create(
                compartment=c,
                kind=LoadKind.EXPIRED if expired else LoadKind.REMOVE,
                item_id=c.item_id,
                quantity=-taken,
                expires_on=c.expires_on,
                by=user,
                at=now,
            )
        c.available = 0
        if not _live_count(c):
            c.item, c.expires_on = None, None
        c.save(update_fields=["available", "item", "expires_on"])
    return taken


def compartment_out_of_order(*, user: User, compartment: Compartment, broken: bool) -> Compartment:
    """A compartment that does not open is not offered to anyone until fixed."""
    with transaction.atomic():
        c = (
            Compartment.objects.select_for_update()
            .select_related("locker__station")
            .get(pk=compartment.pk)
        )
        station_access_require(
            user=user,
            station=c.locker.station,
            need="run",
            message=_("只有本站站长、管理员或管辖的工会干部可以操作。"),
        )
        c.out_of_order = broken
        c.save(update_fields=["out_of_order"])
    return c


# ---------------------------------------------------------------- reservations


@dataclass(frozen=True)
class Quota:
    per_week: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.per_week - self.used)


def quota_for(
    *, visitor_id: int | None, station: Station, item: SupplyItem, now: dt.datetime
) -> Quota:
    per_week, scope = selectors.quota_rule(region=station.region, item=item)
    used = 0
    if visitor_id is not None:
        mine = Reservation.objects.filter(visitor_id=visitor_id)
        if scope:  # a region's rule counts what was taken in that region only
            mine = mine.filter(station__region__code__startswith=scope)
        used = mine.filter(
            item=item,
            week=week_start(local_date(now)),
            status__in=[*LIVE_RESERVATION, ReservationStatus.PICKED_UP],
        ).count()
    return Quota(per_week, used)


def reservations_expire(
    *, now: dt.datetime | None = None, station_ids: Sequence[int] | None = None
) -> int:
    """Reservations not collected in time: expired, and each unit back in its
    compartment. Safe to run from any number of processes (each row changes once)."""
    now = now or timezone.now()
    due = Reservation.objects.filter(status=ReservationStatus.RESERVED, expires_at__lte=now)
    if station_ids is not None:
        due = due.filter(station_id__in=list(station_ids))
    returned = 0
    for pk, compartment_id in due.values_list("pk", "compartment_id")[:5000]:
        with transaction.atomic():
            changed = Reservation.objects.filter(pk=pk, status=ReservationStatus.RESERVED).update(
                status=ReservationStatus.EXPIRED, closed_at=now
            )
            if changed:
                Compartment.objects.filter(pk=compartment_id).update(available=F("available") + 1)
                returned += 1
    return returned


def reservation_create(
    *,
    visitor_key: str,
    station: Station,
    item: SupplyItem,
    occupation: str = "",
    client_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Reserve one unit of ``item`` at ``station``'s lockers for a worker: a short code
    valid for ``LOCKER_HOLD_MINUTES``. Refused with a clear reason when the station does
    not hand it out, when it is gone (409) or when the worker's weekly quota is used."""
    now = now or timezone.now()
    if station.status != StationStatus.ACTIVE:
        raise NotFound(_("该驿站暂停服务"))
    reservations_expire(now=now, station_ids=[station.pk])
    hold = dt.timedelta(minutes=int(settings.YIZHAN["LOCKER_HOLD_MINUTES"]))
    with transaction.atomic():
        visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
        mine = {"visitor_id": visitor.pk}
        used = _("提交编号已被使用")
        if (done := replayed(Reservation.objects, client_id, owner=mine, refusal=used)) is not None:
            return done
        quota = quota_for(visitor_id=visitor.pk, station=station, item=item, now=now)
        over = quota.left <= 0
        offering = (
            [] if over else selectors.compartments_offering(station=station, item=item, now=now)
        )
        for compartment in offering:
            taken = Compartment.objects.filter(pk=compartment.pk, available__gt=0).update(
                available=F("available") - 1
            )
            if not taken:
                continue  # somebody else took the last one of this compartment
            for _attempt in range(20):
                try:
                    with transaction.atomic():
                        return Reservation.objects.create(
                            visitor=visitor,
                            occupation=visitor.occupation,
                            station=station,
                            locker_id=compartment.locker_id,
                            compartment=compartment,
                            item=item,
                            code=new_code(),
                            week=week_start(local_date(now)),
                            created_at=now,
                            expires_at=now + hold,
                            client_id=client_id,
                        )
                except IntegrityError:
                    if (
                        done := replayed(Reservation.objects, client_id, owner=mine, refusal=used)
                    ) is not None:  # the same submission won meanwhile, with its own unit
                        Compartment.objects.filter(pk=compartment.pk).update(
                            available=F("available") + 1
                        )
                        return done
                    continue  # the code is live at this locker already: draw another
            raise ApplicationError(_("暂时无法生成取件码，请稍后再试"))
    if over:  # recorded outside the transaction, which the refusal rolls back
        Refusal.objects.create(station=station, item=item, at=now, reason=Refusal.QUOTA)
        raise ApplicationError(
            _("本周已领取 %(n)s 次%(item)s，已达每人每周限额。")
            % {"n": quota.used, "item": item.label},
            extra={"quota": quota.per_week, "used": quota.used},
        )
    Refusal.objects.create(station=station, item=item, at=now, reason=Refusal.OUT_OF_STOCK)
    raise Conflict(
        _("%(item)s已被领完，请稍后再来或去附近驿站。") % {"item": item.label},
        extra={"reason": "out_of_stock"},
    )


def reservation_cancel(
    *, visitor_key: str, reservation: Reservation, now: dt.datetime | None = None
) -> Reservation:
    """A worker gives a reservation back: its unit returns at once."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Reservation.objects.filter(
            pk=reservation.pk,
            visitor__key_hash=visitor_hash(visitor_key),
            status=ReservationStatus.RESERVED,
        ).update(status=ReservationStatus.CANCELLED, closed_at=now)
        if not changed:
            raise NotFound(_("没有这个待领取的预约"))
        Compartment.objects.filter(pk=reservation.compartment_id).update(
            available=F("available") + 1
        )
    reservation.refresh_from_db()
    return reservation


def _guesses_check(*, locker: Locker | None, station: Station | None, now: dt.datetime) -> None:
    since = now - WRONG_CODES_WINDOW
    wrong = CodeAttempt.objects.filter(at__gte=since, ok=False)
    wrong = wrong.filter(locker=locker) if locker is not None else wrong.filter(station=station)
    if wrong.count() >= WRONG_CODES_LIMIT:
        raise TooManyRequests(
            _("取件码输错次数过多，请 %(m)s 分钟后再试。")
            % {"m": int(WRONG_CODES_WINDOW.total_seconds() // 60)},
            extra={"retry_after": int(WRONG_CODES_WINDOW.total_seconds())},
        )


@dataclass(frozen=True)
class Opening:
    reservation: Reservation
    compartment: int


def code_check(*, device: AuthedDevice, code: str, now: dt.datetime | None = None) -> Opening:
    """The locker device asks: which compartment does this code open? A live code opens
    its compartment once (the code is spent); a wrong, expired or spent one is refused,
    and too many wrong ones lock the keypad for a while."""
    now = now or timezone.now()
    with transaction.atomic():  # one keypad: its attempts counted one after another
        locker = Locker.objects.select_for_update().filter(device_id=device.id, active=True).first()
        if locker is None:
            raise NotFound(_("该设备没有绑定启用的智能柜"))
        opening = _code_open(locker=locker, code=code, now=now)
    if opening is None:  # raised after the commit, so that the wrong attempt counts
        raise NotFound(_("取件码无效、已使用或已过期"))
    return opening


def _code_open(*, locker: Locker, code: str, now: dt.datetime) -> Opening | None:
    _guesses_check(locker=locker, station=None, now=now)
    code = (code or "").strip()
    found = None
    if code.isdigit() and len(code) == CODE_DIGITS:
        found = Reservation.objects.filter(
            locker=locker, code=code, status=ReservationStatus.RESERVED, expires_at__gt=now
        ).first()
    if found is not None:
        spent = Reservation.objects.filter(pk=found.pk, status=ReservationStatus.RESERVED).update(
            status=ReservationStatus.OPENED, opened_at=now
        )
        if spent:
            CodeAttempt.objects.create(locker=locker, at=now, ok=True)
            found.refresh_from_db()
            return Opening(found, found.compartment.number)
    CodeAttempt.objects.create(locker=locker, at=now, ok=False)
    return None


def pickup_confirm(
    *, device: AuthedDevice, reservation_id: int, now: dt.datetime | None = None
) -> Reservation:
    """The locker reports the door closed after an opening: the hand-out is done."""
    now = now or timezone.now()
    found = Reservation.objects.filter(pk=reservation_id, locker__device_id=device.id).first()
    if found is None:
        raise NotFound(_("没有这个预约"))
    if found.status == ReservationStatus.PICKED_UP:
        return found  # a resent confirmation
    changed = Reservation.objects.filter(pk=found.pk, status=ReservationStatus.OPENED).update(
        status=ReservationStatus.PICKED_UP, picked_at=now, closed_at=now
    )
    found.refresh_from_db()
    if not changed and found.status != ReservationStatus.PICKED_UP:  # not a concurrent resend
        raise ApplicationError(_("这个预约还没有开格，不能确认领取"))
    return found


# ---------------------------------------------------------------- the donation exchange


def donation_register(
    *,
    user: User,
    station: Station,
    category: str,
    title: str,
    condition: str,
    description: str = "",
    photo: IO[bytes] | None = None,
    now: dt.datetime | None = None,
) -> Donation:
    """Staff put a donated item on the station's list (photo checked and stripped of its
    metadata). Underwear, shoes, medicine and the like are refused by name."""
    station_access_require(user=user, station=station, message=_("你不是本站的工作人员。"))
    errors = []
    if category in REFUSED_CATEGORIES:
        errors.append(
            FieldError(
                "category",
                _("驿站不接收%(what)s的捐赠(卫生或安全原因)。")
                % {"what": REFUSED_CATEGORIES[category]},
                value=category,
            )
        )
    elif category not in DonationCategory.values:
        errors.append(FieldError("category", _("请选择物品类别"), value=category[:20]))
    title = (title or "").strip()
    if not title:
        errors.append(FieldError("title", _("请填写物品名称")))
    elif len(title) > 60:
        errors.append(FieldError("title", _("物品名称最多 60 个字")))
    if condition not in ItemCondition.values:
        errors.append(FieldError("condition", _("请选择成色"), value=condition[:20]))
    if len(description or "") > 300:
        errors.append(FieldError("description", _("说明最多 300 个字")))
    cleaned = None
    if photo is not None:
        try:
            cleaned = photo_clean(photo)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors=errors)
    donation = Donation(
        station=station,
        category=category,
        title=title,
        description=(description or "").strip(),
        condition=condition,
        registered_by=user,
        created_at=now or timezone.now(),
    )
    if cleaned is not None:
        donation.photo.save(cleaned.name or "donation.jpg", cleaned, save=False)
    donation.save()
    return donation


def donation_withdraw(*, user: User, donation: Donation) -> Donation:
    with transaction.atomic():
        d = Donation.objects.select_for_update().select_related("station").get(pk=donation.pk)
        station_access_require(user=user, station=d.station, message=_("你不是本站的工作人员。"))
        if d.status not in (DonationStatus.LISTED, DonationStatus.CLAIMED):
            raise ApplicationError(_("该物品已领走，不能下架"))
        Claim.objects.filter(donation=d, status=ClaimStatus.ACTIVE).update(
            status=ClaimStatus.CANCELLED, closed_at=timezone.now()
        )
        d.status = DonationStatus.WITHDRAWN
        d.save(update_fields=["status"])
    return d


def claims_expire(*, now: dt.datetime | None = None) -> int:
    """Claims not collected in time: expired, and their items back on the list."""
    now = now or timezone.now()
    n = 0
    for claim in Claim.objects.filter(status=ClaimStatus.ACTIVE, expires_at__lte=now)[:5000]:
        with transaction.atomic():
            if Claim.objects.filter(pk=claim.pk, status=ClaimStatus.ACTIVE).update(
                status=ClaimStatus.EXPIRED, closed_at=now
            ):
                Donation.objects.filter(pk=claim.donation_id, status=DonationStatus.CLAIMED).update(
                    status=DonationStatus.LISTED
                )
                n += 1
    return n


def donation_claim(
    *,
    visitor_key: str,
    donation: Donation,
    occupation: str = "",
    client_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Claim:
    """A worker claims a listed item: a code to show at the station within the window.
    Exactly one of several workers claiming the same item at once gets it."""
    now = now or timezone.now()
    claims_expire(now=now)
    hold = dt.timedelta(hours=int(settings.YIZHAN["CLAIM_HOLD_HOURS"]))
    with transaction.atomic():
        visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
        mine = {"visitor_id": visitor.pk}
        used = _("提交编号已被使用")
        if (done := replayed(Claim.objects, client_id, owner=mine, refusal=used)) is not None:
            return done
        live = Claim.objects.filter(visitor=visitor, status=ClaimStatus.ACTIVE).count()
        if live >= CLAIMS_LIVE_PER_WORKER:
            raise ApplicationError(_("你已有 %(n)s 件物品待领取，请先领走或取消。") % {"n": live})
        taken = Donation.objects.filter(
            pk=donation.pk, status=DonationStatus.LISTED, station__status=StationStatus.ACTIVE
        ).update(status=DonationStatus.CLAIMED)
        if not taken:
            raise Conflict(_("这件物品已被别人预定或已领走。"), extra={"reason": "taken"})
        for _attempt in range(20):
            try:
                with transaction.atomic():
                    return Claim.objects.create(
                        donation_id=donation.pk,
                        station_id=donation.station_id,
                        visitor=visitor,
                        occupation=visitor.occupation,
                        code=new_code(),
                        created_at=now,
                        expires_at=now + hold,
                        client_id=client_id,
                    )
            except IntegrityError:
                if (
                    done := replayed(Claim.objects, client_id, owner=mine, refusal=used)
                ) is not None:  # the same submission won meanwhile: this item stays listed
                    Donation.objects.filter(pk=donation.pk).update(status=DonationStatus.LISTED)
                    return done
                continue  # the code is live at this station already: draw another
        raise ApplicationError(_("暂时无法生成领取码，请稍后再试"))


def claim_cancel(*, visitor_key: str, claim: Claim, now: dt.datetime | None = None) -> Claim:
    now = now or timezone.now()
    with transaction.atomic():
        changed = Claim.objects.filter(
            pk=claim.pk, visitor__key_hash=visitor_hash(visitor_key), status=ClaimStatus.ACTIVE
        ).update(status=ClaimStatus.CANCELLED, closed_at=now)
        if not changed:
            raise NotFound(_("没有这个待领取的物品"))
        Donation.objects.filter(pk=claim.donation_id, status=DonationStatus.CLAIMED).update(
            status=DonationStatus.LISTED
        )
    claim.refresh_from_db()
    return claim


def claim_verify(
    *, user: User, station: Station, code: str, now: dt.datetime | None = None
) -> Claim:
    """Staff type the worker's code: the claim it names at this station, or refused
    (wrong codes throttled like the lockers')."""
    now = now or timezone.now()
    station_access_require(user=user, station=station, message=_("你不是本站的工作人员。"))
    with transaction.atomic():  # the desk's attempts counted one after another
        Station.objects.select_for_update().filter(pk=station.pk).exists()
        _guesses_check(locker=None, station=station, now=now)
        found = _claim_live(station=station, code=code, now=now)
        CodeAttempt.objects.create(station=station, at=now, ok=found is not None)
    if found is None:
        raise NotFound(_("领取码无效、已使用或已过期"))
    return found


def _claim_live(*, station: Station, code: str, now: dt.datetime) -> Claim | None:
    code = (code or "").strip()
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        return None
    return (
        Claim.objects.filter(
            station=station, code=code, status=ClaimStatus.ACTIVE, expires_at__gt=now
        )
        .select_related("donation")
        .first()
    )


def claim_hand_over(
    *, user: User, claim: Claim, code: str, now: dt.datetime | None = None
) -> Claim:
    """The item goes to the worker who shows the claim's code, while it is live: the
    claim and the item are done. Without the code nothing is handed over."""
    now = now or timezone.now()
    with transaction.atomic():
        c = Claim.objects.select_for_update().select_related("station").get(pk=claim.pk)
        station_access_require(user=user, station=c.station, message=_("你不是本站的工作人员。"))
        if c.status != ClaimStatus.ACTIVE or c.expires_at <= now:
            raise ApplicationError(_("这个领取码已经用过或已过期"))
        if not constant_time_compare((code or "").strip(), c.code):
            raise ValidationFailed(errors=[FieldError("code", _("领取码与这件物品不符"))])
        c.status, c.closed_at, c.handed_over_by = ClaimStatus.HANDED_OVER, now, user
        c.save(update_fields=["status", "closed_at", "handed_over_by"])
        Donation.objects.filter(pk=c.donation_id).update(
            status=DonationStatus.HANDED_OVER, handed_over_at=now
        )
    return c
