"""Writing volunteer shifts: publish and cancel (a station's runners), sign up, cancel a
sign-up, check in and out (the volunteer), and the reminders a day ahead.

Slots are never oversold: a sign-up locks the shift's row (``select_for_update``) and
counts the active sign-ups inside the lock; a partial unique key holds one active
sign-up per person and shift."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.notifications.models import NoticeKind
from yizhan.notifications.services import notify
from yizhan.operations.services import Position
from yizhan.stations.access import station_access_require, volunteers_can_sign_up
from yizhan.stations.models import Station
from yizhan.volunteers.models import (
    AWAY_METRES,
    CHECK_IN_EARLY_MINUTES,
    MAX_SHIFT_HOURS,
    Shift,
    ShiftRole,
    ShiftSignup,
    SignupStatus,
)

MAX_SLOTS = 50


def _fail(field: str, message: str, value: object = "") -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(field=field, message=message, value=str(value))])


def _signed_in(user: User | AnonymousUser) -> User:
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        raise PermissionDenied(_("请先登录。"))
    return user


# --------------------------------------------------------------------------- shifts


@transaction.atomic
def shift_publish(
    *,
    user: User | AnonymousUser,
    station: Station,
    role: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slots: int,
    extends_hours: bool = True,
    note: str = "",
    title: str = "",
    now: dt.datetime | None = None,
) -> Shift:
    """A new published shift at ``station`` (its master or administrator, or a
    supervising officer). Errors name the field: role, starts_at, ends_at, slots, note."""
    station_access_require(user=user, station=station, need="run")
    now = now or timezone.now()
    errors: list[FieldError] = []
    if role not in ShiftRole.values:
        errors.append(FieldError("role", _("岗位只能是一日站长或驿站管家。"), value=role))
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        errors.append(FieldError("starts_at", _("时间必须带时区。")))
    else:
        if starts_at <= now:
            errors.append(FieldError("starts_at", _("开始时间必须在将来。")))
        if ends_at <= starts_at:
            errors.append(FieldError("ends_at", _("结束时间必须晚于开始时间。")))
        elif ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
            errors.append(
                FieldError("ends_at", _("一次值班最长 %(h)d 小时。") % {"h": MAX_SHIFT_HOURS})
            )
    if not isinstance(slots, int) or not 1 <= slots <= MAX_SLOTS:
        errors.append(
            FieldError(
                "slots", _("名额须在 1 到 %(n)d 之间。") % {"n": MAX_SLOTS}, value=str(slots)
            )
        )
    if len(note) > 200:
        errors.append(FieldError("note", _("说明最多 200 字。")))
    if len(title) > 60:
        errors.append(FieldError("title", _("标题最多 60 字。")))
    if errors:
        raise ValidationFailed(errors=errors)
    return Shift.objects.create(
        station=station,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        extends_hours=extends_hours,
        note=note.strip(),
        title=title.strip(),
        created_by=user if isinstance(user, User) else None,
    )


@transaction.atomic
def shift_cancel(*, user: User | AnonymousUser, shift: Shift) -> Shift:
    """Cancel a shift (its station's runners); the volunteers signed up are told."""
    locked = Shift.objects.select_for_update().select_related("station").get(pk=shift.pk)
    station_access_require(user=user, station=locked.station, need="run")
    if locked.cancelled:
        return locked
    locked.cancelled = True
    locked.save(update_fields=["cancelled", "updated_at"])
    when = timezone.localtime(locked.starts_at, SHANGHAI)
    for signup in locked.signups.filter(status=SignupStatus.SIGNED_UP).select_related("user"):
        notify(
            user=signup.user,
            kind=NoticeKind.OTHER,
            title=_("值班已取消：%(station)s %(when)s")
            % {"station": locked.station.name, "when": f"{when:%m-%d %H:%M}"},
            key=f"shift:{locked.pk}:cancelled",
            url=reverse("volunteers:list"),
        )
    return locked


# --------------------------------------------------------------------------- sign-ups


@transaction.atomic
def shift_signup(
    *, user: User | AnonymousUser, shift: Shift, now: dt.datetime | None = None
) -> ShiftSignup:
    """Sign ``user`` up for ``shift``. Registered workers and station staff may volunteer;
    a one-day-master shift gives no lasting station role."""
    volunteer = _signed_in(user)
    if not volunteers_can_sign_up(volunteer):
        raise PermissionDenied(_("只有注册劳动者和驿站人员可以报名志愿值班。"))
    now = now or timezone.now()
    locked = Shift.objects.select_for_update().filter(pk=shift.pk).first()
    if locked is None or not locked.published:
        raise NotFound(_("没有这个值班。"))
    if locked.cancelled:
        raise _fail("shift", _("该值班已取消。"), locked.pk)
    if locked.ends_at <= now:
        raise _fail("shift", _("该值班已结束，不能报名。"), locked.pk)
    active = ShiftSignup.objects.filter(shift=locked, status=SignupStatus.SIGNED_UP)
    if active.filter(user=volunteer).exists():
        raise _fail("user", _("你已报名该值班。"))
    if active.count() >= locked.slots:
        raise _fail("slots", _("名额已满"), locked.slots)
    # One person cannot keep two stations open at once.
    clash = (
        ShiftSignup.objects.filter(
            user=volunteer,
            status=SignupStatus.SIGNED_UP,
            shift__cancelled=False,
            shift__starts_at__lt=locked.ends_at,
            shift__ends_at__gt=locked.starts_at,
        )
        .select_related("shift__station")
        .first()
    )
    if clash is not None:
        raise _fail(
            "shift",
            _("与你已报名的值班时间重叠：%(station)s %(at)s")
            % {
                "station": clash.shift.station.name,
                "at": f"{timezone.localtime(clash.shift.starts_at):%m-%d %H:%M}",
            },
            locked.pk,
        )
    try:
        with transaction.atomic():
            signup = ShiftSignup.objects.create(shift=locked, user=volunteer, signed_up_at=now)
    except IntegrityError:
        raise _fail("user", _("你已报名该值班。")) from None
    Shift.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return signup


def _own_signup(user: User | AnonymousUser, signup: ShiftSignup) -> ShiftSignup:
    me = _signed_in(user)
    locked = (
        ShiftSignup.objects.select_for_update()
        .select_related("shift", "shift__station")
        .filter(pk=signup.pk)
        .first()
    )
    if locked is None or locked.user_id != me.pk:
        raise NotFound(_("没有这个报名。"))
    return locked


@transaction.atomic
def shift_signup_cancel(
    *, user: User | AnonymousUser, signup: ShiftSignup, now: dt.datetime | None = None
) -> ShiftSignup:
    """The volunteer withdraws (not once checked in, nor after the shift ended)."""
    locked = _own_signup(user, signup)
    now = now or timezone.now()
    if locked.status == SignupStatus.CANCELLED:
        return locked
    if locked.checked_in_at is not None:
        raise _fail("signup", _("已签到，不能取消报名。"))
    if locked.shift.ends_at <= now:
        raise _fail("signup", _("值班已结束，不能取消报名。"))
    locked.status = SignupStatus.CANCELLED
    locked.cancelled_at = now
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    # What the finder shows depends on the shift's sign-ups: its stamp moves with them.
    Shift.objects.filter(pk=locked.shift_id).update(updated_at=timezone.now())
    return locked


def _position(
    station: Station, lat: float | None, lon: float | None, accuracy_m: float | None
) -> tuple[float | None, bool, bool]:
    """(distance to the station, away, no position), as the opening log checks them."""
    return Position(lat, lon, accuracy_m).check(station, AWAY_METRES)


@transaction.atomic
def shift_check_in(
    *,
    user: User | AnonymousUser,
    signup: ShiftSignup,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None = None,
    now: dt.datetime | None = None,
) -> ShiftSignup:
    """Check in from 30 minutes before the start to the end. The phone's position is
    compared with the station's: farther than 300 m is flagged "不在驿站"; no position
    at all is flagged "未定位". Both are kept, not refused: evidence, not a gate."""
    locked = _own_signup(user, signup)
    now = now or timezone.now()
    shift = locked.shift
    if locked.status != SignupStatus.SIGNED_UP or shift.cancelled:
        raise _fail("signup", _("报名已取消或值班已取消。"))
    if locked.checked_in_at is not None:
        raise _fail("signup", _("已经签到过了。"))
    if now < shift.starts_at - dt.timedelta(minutes=CHECK_IN_EARLY_MINUTES):
        raise _fail(
            "checked_in_at",
            _("值班开始前 %(m)d 分钟才能签到。") % {"m": CHECK_IN_EARLY_MINUTES},
        )
    if now >= shift.ends_at:
        raise _fail("checked_in_at", _("值班已结束，不能签到。"))
    d, away, missing = _position(shift.station, lat, lon, accuracy_m)
    locked.checked_in_at = now
    locked.lat, locked.lon, locked.accuracy_m = lat, lon, accuracy_m
    locked.distance_m, locked.away, locked.no_position = d, away, missing
    locked.save(
        update_fields=[
            "checked_in_at",
            "lat",
            "lon",
            "accuracy_m",
            "distance_m",
            "away",
            "no_position",
            "updated_at",
        ]
    )
    return locked


@transaction.atomic
def shift_check_out(
    *,
    user: User | AnonymousUser,
    signup: ShiftSignup,
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    now: dt.datetime | None = None,
) -> ShiftSignup:
    """Check out after checking in; the position is flagged as at check-in."""
    locked = _own_signup(user, signup)
    now = now or timezone.now()
    if locked.checked_in_at is None:
        raise _fail("checked_out_at", _("请先签到。"))
    if locked.checked_out_at is not None:
        raise _fail("checked_out_at", _("已经签退过了。"))
    d, away, missing = _position(locked.shift.station, lat, lon, accuracy_m)
    locked.checked_out_at = max(now, locked.checked_in_at)
    locked.out_distance_m, locked.out_away, locked.out_no_position = d, away, missing
    locked.save(
        update_fields=[
            "checked_out_at",
            "out_distance_m",
            "out_away",
            "out_no_position",
            "updated_at",
        ]
    )
    return locked


# --------------------------------------------------------------------------- reminders


def shift_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each signed-up volunteer once, when their shift starts within 24 hours.
    Returns how many were reminded. Safe to run often and on several workers: each
    sign-up is locked and stamped (``reminded_at``) in its own transaction."""
    now = now or timezone.now()
    due = list(
        ShiftSignup.objects.filter(
            status=SignupStatus.SIGNED_UP,
            reminded_at__isnull=True,
            shift__cancelled=False,
            shift__published=True,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + dt.timedelta(hours=24),
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            signup = (
                ShiftSignup.objects.select_for_update()
                .select_related("shift", "shift__station", "user")
                .filter(pk=pk, status=SignupStatus.SIGNED_UP, reminded_at__isnull=True)
                .first()
            )
            if signup is None:
                continue
            shift = signup.shift
            start = timezone.localtime(shift.starts_at, SHANGHAI)
            end = timezone.localtime(shift.ends_at, SHANGHAI)
            notify(
                user=signup.user,
                kind=NoticeKind.SHIFT_REMINDER,
                title=_("值班提醒：%(when)s %(station)s")
                % {"when": f"{start:%m-%d %H:%M}", "station": shift.station.name},
                body=_("%(role)s，%(start)s–%(end)s，%(address)s。请按时到岗并签到。")
                % {
                    "role": shift.get_role_display(),
                    "start": f"{start:%H:%M}",
                    "end": f"{end:%H:%M}",
                    "address": shift.station.address,
                },
                key=f"shift:{shift.pk}:remind",
                url=reverse("volunteers:list"),
            )
            signup.reminded_at = now
            signup.save(update_fields=["reminded_at", "updated_at"])
            sent += 1
    return sent
