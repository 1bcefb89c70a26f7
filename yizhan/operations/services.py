"""Writing operations: the opening log, inspections and their findings, rectification
orders (fix, check, escalate), equipment state, seasonal modes, spot checks and mystery
visits, and the reminders that keep the regime running.

Every function is keyword-only and atomic; times are the server's (`timezone.now()`),
never the phone's, so that nothing can be back-dated."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.accounts.models import User, UserRole
from yizhan.core.errors import (
    ApplicationError,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yizhan.core.idempotency import created_once, replayed
from yizhan.core.photos import photo_clean
from yizhan.core.time import SHANGHAI
from yizhan.notifications.models import NoticeKind
from yizhan.notifications.services import notify
from yizhan.operations import regime
from yizhan.operations.models import (
    AssigneeBasis,
    AssignmentStatus,
    ChecklistItem,
    EquipmentLog,
    EscalationLevel,
    Inspection,
    InspectionAnswer,
    InspectionAssignment,
    InspectionPhoto,
    ItemKind,
    OpeningLog,
    Rectification,
    RectificationEvent,
    RectificationFinding,
    RectificationSource,
    RectificationStatus,
    SeasonalMode,
    Severity,
    Tier,
)
from yizhan.operations.selectors import (
    checklist_current,
    checklist_items_for,
    rule_for,
    station_season,
)
from yizhan.regions.models import Region
from yizhan.stations.access import (
    inspection_tiers,
    officer_require,
    rectification_can_check,
    rectification_can_hold,
    rectification_can_reassign,
    station_access_require,
    supervises_region,
)
from yizhan.stations.models import (
    AmenityState,
    StaffRole,
    Station,
    StationAmenity,
    StationStaff,
    StationStatus,
)

OPENING_AWAY_M = 300.0


def _local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Position:
    """Where a phone said it was (WGS-84), checked against a station by the opening log,
    inspections and volunteer check-ins alike."""

    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None

    def check(self, station: Station, limit_m: float) -> tuple[float | None, bool, bool]:
        """(distance from the station, away, no position)."""
        if self.lat is None or self.lon is None:
            return None, False, True
        errors = []
        if not -90 <= self.lat <= 90:
            errors.append(FieldError("lat", _("纬度须在 -90 到 90 之间。"), value=str(self.lat)))
        if not -180 <= self.lon <= 180:
            errors.append(FieldError("lon", _("经度须在 -180 到 180 之间。"), value=str(self.lon)))
        if self.accuracy_m is not None and self.accuracy_m < 0:
            errors.append(
                FieldError("accuracy_m", _("定位精度不能为负数。"), value=str(self.accuracy_m))
            )
        if errors:
            raise ValidationFailed(errors=errors)
        d = regime.distance_m(self.lat, self.lon, station.lat, station.lon)
        return d, regime.is_away(d, self.accuracy_m, limit_m), False


# ---------------------------------------------------------------- opening log


@transaction.atomic
def opening_log_record(
    *,
    user: User,
    station: Station,
    action: str,
    position: Position,
    client_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> OpeningLog:
    """One tap "opened"/"closed" by the station's own staff, at the server's time, with
    the phone's position checked against the station. A retried tap records once."""
    mine = {"user_id": user.pk}
    if (done := replayed(OpeningLog.objects, client_id, owner=mine)) is not None:
        return done
    access = station_access_require(user=user, station=station)
    if not access.roles:
        raise PermissionDenied(_("只有本站人员可以记录开闭站。"))
    if action not in ("opened", "closed"):
        raise ValidationFailed(errors=[FieldError("action", _("动作须为开门或关门"), value=action)])
    distance, away, no_position = position.check(station, OPENING_AWAY_M)
    return created_once(  # the same tap, racing itself, returns the first
        lambda: OpeningLog.objects.create(
            station=station,
            action=action,
            at=now or timezone.now(),
            user=user,
            lat=position.lat,
            lon=position.lon,
            accuracy_m=position.accuracy_m,
            distance_m=distance,
            away=away,
            no_position=no_position,
            client_id=client_id,
        ),
        OpeningLog.objects,
        client_id,
        owner=mine,
    )


# ---------------------------------------------------------------- inspections


@dataclass
class InspectionResult:
    """An inspection and the orders its failed items went to, one per finding in the
    checklist's order: new orders, and open ones a repeat finding joined (``again``)."""

    inspection: Inspection
    created: bool
    rectifications: list[Rectification] = field(default_factory=list)
    again: set[int] = field(default_factory=set)


def _inspection_result(inspection: Inspection) -> InspectionResult:
    """A recorded inspection's result again (a retried submission gets the first's)."""
    found = list(
        inspection.findings.select_related("rectification__item").order_by("item__sort_order", "id")
    )
    return InspectionResult(
        inspection,
        created=False,
        rectifications=[f.rectification for f in found],
        again={f.rectification_id for f in found if f.rectification.inspection_id != inspection.pk},
    )


def _check_performer(
    *, user: User, station: Station, tier: str, assignment: InspectionAssignment | None
) -> None:
    if tier in (Tier.SPOT, Tier.MYSTERY):
        if assignment is None or assignment.assignee_id != user.pk:
            raise PermissionDenied(_("抽检和暗访须按派发的任务进行。"))
        if assignment.station_id != station.pk or assignment.tier != tier:
            raise PermissionDenied(_("任务与驿站或巡查层级不符。"))
        if assignment.status != AssignmentStatus.OPEN:
            raise ApplicationError(_("该任务已完成或已取消。"))
        return
    access = station_access_require(user=user, station=station)
    if tier not in inspection_tiers(access):
        raise PermissionDenied(
            _("你不负责驿站 %(code)s 的%(tier)s。")
            % {"code": station.code, "tier": Tier(tier).label}
        )


def _clean_answers(
    items: Sequence[ChecklistItem],
    answers: Mapping[str, str],
    photo_items: set[str],
) -> list[tuple[ChecklistItem, str, bool]]:
    errors: list[FieldError] = []
    out = []
    for item in items:
        value = (answers.get(item.code) or "").strip()
        if item.kind == ItemKind.TEXT:
            if len(value) > 200:
                errors.append(FieldError(item.code, _("不超过200字"), value=value[:20]))
            out.append((item, value, True))
            continue
        if not value:
            errors.append(FieldError(item.code, _("请填写：%(item)s") % {"item": item.text}))
            continue
        if item.kind == ItemKind.YES_NO and value not in ("yes", "no"):
            errors.append(FieldError(item.code, _("请选择“是”或“否”"), value=value))
            continue
        if item.kind == ItemKind.NUMBER:
            try:
                number = float(value)
            except ValueError:
                errors.append(FieldError(item.code, _("须为数字"), value=value))
                continue
            if number != number or abs(number) > 1e6:
                errors.append(FieldError(item.code, _("须为数字"), value=value))
                continue
        ok = regime.answer_ok(item.kind, value, item.ok_min, item.ok_max)
        if not ok and item.photo_on_fail and item.code not in photo_items:
            errors.append(
                FieldError(item.code, _("不合格项须拍照留证：%(item)s") % {"item": item.text})
            )
        out.append((item, value, ok))
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _previous_period_missed(*, station: Station, tier: str, period: str, start: dt.date) -> bool:
    """Whether the period before ``start`` passed without this tier's inspection at a
    station that was already running then."""
    prev = regime.period_previous(period, start)
    became_active = station.status_changed_at or station.created_at
    if became_active is not None and _local_today(became_active) >= start:
        return False
    return not Inspection.objects.filter(
        station=station, tier=tier, period_start__gte=prev, period_start__lt=start
    ).exists()


@transaction.atomic
def inspection_submit(
    *,
    user: User,
    station: Station,
    tier: str,
    answers: Mapping[str, str],
    photos: Sequence[tuple[str, IO[bytes]]] = (),
    position: Position = Position(),  # noqa: B008 (a frozen value)
    note: str = "",
    client_id: uuid.UUID,
    assignment: InspectionAssignment | None = None,
    now: dt.datetime | None = None,
) -> InspectionResult:
    """Record an inspection on the tier's current checklist (its seasonal items for the
    station's region today), open a rectification order for each failed item, and mark
    it late when the previous period went without one. A retried submission (the same
    ``client_id``) records once and returns the first."""
    mine = {"inspector_id": user.pk}
    if (done := replayed(Inspection.objects, client_id, owner=mine)) is not None:
        return _inspection_result(done)
    if tier not in Tier.values:
        raise ValidationFailed(errors=[FieldError("tier", _("未知的巡查层级"), value=tier)])
    if station.status != StationStatus.ACTIVE:
        raise ApplicationError(_("驿站 %(code)s 不在运营中。") % {"code": station.code})
    if assignment is not None:
        assignment = InspectionAssignment.objects.select_for_update().get(pk=assignment.pk)
    _check_performer(user=user, station=station, tier=tier, assignment=assignment)
    now = now or timezone.now()
    today = _local_today(now)
    rule = rule_for(tier=tier)
    checklist = checklist_current(tier=tier)
    season = station_season(region_code=station.region.code, day=today)
    items = checklist_items_for(checklist=checklist, season=season)
    codes = {i.code for i in items}
    bad_photo = [c for c, _f in photos if c and c not in codes]
    if bad_photo:
        raise ValidationFailed(
            errors=[FieldError("photos", _("照片对应的检查项不存在"), value=bad_photo[0])]
        )
    cleaned = _clean_answers(items, answers, {c for c, _f in photos if c})
    if len(note) > 2000:
        raise ValidationFailed(errors=[FieldError("note", _("备注不超过2000字"))])
    images = [
        (code, photo_clean(f, field=f"photo:{code}" if code else "photos")) for code, f in photos
    ]
    distance, away, no_position = position.check(station, float(rule.away_limit_m))
    if assignment is not None:
        start = today
        late = today > assignment.due_on
    else:
        start = regime.period_start(rule.period, today)
        already = Inspection.objects.filter(station=station, tier=tier, period_start=start).exists()
        late = not already and _previous_period_missed(
            station=station, tier=tier, period=rule.period, start=start
        )
    outcome = created_once(
        lambda: InspectionResult(
            Inspection.objects.create(
                station=station,
                tier=tier,
                checklist=checklist,
                inspector=user,
                assignment=assignment,
                submitted_at=now,
                period_start=start,
                late=late,
                season=season,
                lat=position.lat,
                lon=position.lon,
                accuracy_m=position.accuracy_m,
                distance_m=distance,
                away=away,
                no_position=no_position,
                failed_count=sum(1 for _i, _v, ok in cleaned if not ok),
                note=note,
                client_id=client_id,
            ),
            created=True,
        ),
        Inspection.objects,
        client_id,
        owner=mine,
        # a retry that raced the first submission gets the first
        replay=_inspection_result,
    )
    if not outcome.created:
        return outcome
    inspection = outcome.inspection
    InspectionAnswer.objects.bulk_create(
        InspectionAnswer(inspection=inspection, item=item, value=value, ok=ok)
        for item, value, ok in cleaned
    )
    by_code = {i.code: i for i in items}
    for code, image in images:
        InspectionPhoto.objects.create(inspection=inspection, item=by_code.get(code), image=image)
    if assignment is not None:
        assignment.status = AssignmentStatus.DONE
        assignment.save(update_fields=["status"])
    result = InspectionResult(inspection, created=True)
    for item, value, ok in cleaned:
        if ok:
            continue
        # The finding's words come from the checklist item and its answer, shown in the
        # reader's language; the order stores no composed sentence. One order per
        # finding: each has its own severity, deadline, fix and check; a finding still
        # open from before joins its order (再次发现) and is listed here all the same.
        finding = rectification_find(
            user=user,
            station=station,
            title=item.text,
            severity=item.severity,
            source=RectificationSource.INSPECTION,
            source_ref=f"item:{item.code}",
            inspection=inspection,
            item=item,
            value=value,
            now=now,
        )
        result.rectifications.append(finding.rectification)
        if finding.rectification.inspection_id != inspection.pk:
            result.again.add(finding.rectification_id)
    return result


# ---------------------------------------------------------------- rectifications


def _station_people(station: Station, roles: Sequence[str]) -> list[User]:
    people = (
        StationStaff.objects.filter(station=station, role__in=roles, user__isnull=False)
        .select_related("user")
        .order_by("role", "id")
    )
    ordered = sorted(people, key=lambda p: list(roles).index(p.role))
    seen: dict[int, User] = {}
    for p in ordered:
        if p.user is not None and p.user.is_active:
            seen.setdefault(p.user.pk, p.user)
    return list(seen.values())


def assignee_default(*, station: Station, issuer: User | None) -> tuple[User | None, str]:
    """The responsible person for a new order and why: the station master with an
    account, else an administrator; at a station where neither can sign in, the person
    who issued the order keeps it (下发人代管); with no issuer either (a worker's report),
    the officers of the nearest union level above the station (street, district, city)
    do. (None, "") only where none of these exists."""
    for role, basis in (
        (StaffRole.MASTER, AssigneeBasis.MASTER),
        (StaffRole.ADMINISTRATOR, AssigneeBasis.ADMINISTRATOR),
    ):
        people = _station_people(station, [role])
        if people:
            return people[0], basis
    if issuer is not None and issuer.is_active:
        return issuer, AssigneeBasis.ISSUER
    for level in range(1, regime.LEVEL_MAX + 1):
        officers = _level_officers(station, level)
        if officers:
            return officers[0], AssigneeBasis.OFFICER
    return None, ""


def _event(
    order: Rectification,
    action: str,
    user: User | None,
    now: dt.datetime,
    note: str = "",
    *,
    finding: RectificationFinding | None = None,
) -> None:
    RectificationEvent.objects.create(
        rectification=order, action=action, at=now, user=user, note=note[:300], finding=finding
    )


def _rect_url(order: Rectification) -> str:
    return reverse("operations:rectification", args=[order.pk])


@transaction.atomic
def rectification_issue(
    *,
    user: User | None,
    station: Station,
    title: str,
    severity: str,
    source: str,
    detail: str = "",
    source_ref: str = "",
    assignee: User | None = None,
    inspection: Inspection | None = None,
    item: ChecklistItem | None = None,
    value: str = "",
    deadline: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Rectification:
    """Open a rectification order (or, when one is already open for the same
    ``source_ref`` at the station, add this finding to it). Worker reports and evidence
    call this too."""
    return rectification_find(
        user=user,
        station=station,
        title=title,
        severity=severity,
        source=source,
        detail=detail,
        source_ref=source_ref,
        assignee=assignee,
        inspection=inspection,
        item=item,
        value=value,
        deadline=deadline,
        now=now,
    ).rectification


@transaction.atomic
def rectification_find(
    *,
    user: User | None,
    station: Station,
    title: str,
    severity: str,
    source: str,
    detail: str = "",
    source_ref: str = "",
    assignee: User | None = None,
    inspection: Inspection | None = None,
    item: ChecklistItem | None = None,
    value: str = "",
    deadline: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> RectificationFinding:
    """Record a finding: it opens an order (its responsible person by `assignee_default`
    unless ``assignee`` is given), or joins the order still open for the same
    ``source_ref`` at the station (再次发现: the order keeps its deadline and owner, its
    history names the finding). Returns the finding; its order is ``.rectification``."""
    errors = []
    if not title.strip() or len(title) > 120:
        errors.append(FieldError("title", _("问题描述不能为空且不超过120字"), value=title[:20]))
    if severity not in Severity.values:
        errors.append(FieldError("severity", _("未知的整改等级"), value=severity))
    if source not in RectificationSource.values:
        errors.append(FieldError("source", _("未知的来源"), value=source))
    now = now or timezone.now()
    if deadline is not None and deadline <= now:
        errors.append(FieldError("deadline", _("整改期限须晚于现在")))
    if errors:
        raise ValidationFailed(errors=errors)
    if source_ref:
        existing = (
            Rectification.objects.select_for_update()
            .filter(station=station, source_ref=source_ref)
            .exclude(status=RectificationStatus.CLOSED)
            .first()
        )
        if existing is not None:
            finding = RectificationFinding.objects.create(
                rectification=existing,
                at=now,
                found_by=user,
                source=source,
                inspection=inspection,
                item=item,
                value=value[:200],
                detail=detail,
            )
            _event(existing, RectificationEvent.Action.AGAIN, user, now, detail, finding=finding)
            return finding
    basis = AssigneeBasis.CHOSEN if assignee is not None else ""
    if assignee is None:
        assignee, basis = assignee_default(station=station, issuer=user)
    order = Rectification.objects.create(
        station=station,
        title=title.strip(),
        detail=detail,
        severity=severity,
        source=source,
        source_ref=source_ref,
        inspection=inspection,
        item=item,
        issued_by=user,
        assignee=assignee,
        assignee_basis=basis,
        created_at=now,
        deadline=deadline or regime.deadline_for(severity, now),
    )
    finding = RectificationFinding.objects.create(
        rectification=order,
        at=now,
        found_by=user,
        source=source,
        inspection=inspection,
        item=item,
        value=value[:200],
        detail=detail,
    )
    _event(order, RectificationEvent.Action.ISSUED, user, now, detail)
    if assignee is not None and (user is None or assignee.pk != user.pk):
        notify(
            user=assignee,
            kind=NoticeKind.RECTIFICATION_ASSIGNED,
            title=_("整改：%(station)s %(title)s")
            % {"station": station.name, "title": order.title},
            body=_("期限 %(deadline)s")
            % {"deadline": f"{order.deadline.astimezone(SHANGHAI):%m-%d %H:%M}"},
            url=_rect_url(order),
            key=f"rect:{order.pk}:assigned:{assignee.pk}",
        )
    return finding


def _lock(order: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("station__region")
        .get(pk=order.pk)
    )


@transaction.atomic
def rectification_fix(
    *,
    user: User,
    rectification: Rectification,
    note: str,
    photo: IO[bytes] | None,
    now: dt.datetime | None = None,
) -> Rectification:
    """The assignee (or the station's master or administrator) reports the fix, with a
    note and a photo as evidence; the issuer then checks it."""
    order = _lock(rectification)
    access = station_access_require(user=user, station=order.station)
    if order.assignee_id != user.pk and not access.runs:
        raise PermissionDenied(_("只有责任人或站长、管理员可以提交整改。"))
    if order.status != RectificationStatus.OPEN:
        raise ApplicationError(_("该整改单不在待整改状态。"))
    errors = []
    if not note.strip():
        errors.append(FieldError("note", _("请说明如何整改")))
    if photo is None:
        errors.append(FieldError("photo", _("请上传整改后的照片")))
    if errors:
        raise ValidationFailed(errors=errors)
    assert photo is not None
    now = now or timezone.now()
    order.fix_photo = photo_clean(photo, field="photo")
    order.fix_note = note.strip()[:2000]
    order.fixed_at, order.fixed_by, order.status = now, user, RectificationStatus.FIXED
    order.save()
    _event(order, RectificationEvent.Action.FIXED, user, now, order.fix_note)
    if order.issued_by is not None and order.issued_by_id != user.pk:
        notify(
            user=order.issued_by,
            kind=NoticeKind.RECTIFICATION_FIXED,
            title=_("待复核：%(station)s %(title)s")
            % {"station": order.station.name, "title": order.title},
            url=_rect_url(order),
            key=f"rect:{order.pk}:fixed:{now.timestamp():.0f}",
        )
    return order


@transaction.atomic
def rectification_check(
    *,
    user: User,
    rectification: Rectification,
    accept: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Rectification:
    """Accept the fix (the order is closed) or send it back (open again, same deadline)."""
    order = _lock(rectification)
    if not rectification_can_check(user=user, issuer_id=order.issued_by_id, station=order.station):
        raise PermissionDenied(_("只有下发人或上级督查人员可以复核。"))
    if order.status != RectificationStatus.FIXED:
        raise ApplicationError(_("该整改单尚未提交整改。"))
    if not accept and not note.strip():
        raise ValidationFailed(errors=[FieldError("note", _("退回时请说明原因"))])
    now = now or timezone.now()
    order.checked_at, order.checked_by = now, user
    if accept:
        order.status = RectificationStatus.CLOSED
        action = RectificationEvent.Action.CLOSED
    else:
        order.status = RectificationStatus.OPEN
        action = RectificationEvent.Action.REJECTED
    order.save()
    _event(order, action, user, now, note)
    if not accept and order.assignee is not None:
        notify(
            user=order.assignee,
            kind=NoticeKind.RECTIFICATION_ASSIGNED,
            title=_("整改被退回：%(title)s") % {"title": order.title},
            body=note,
            url=_rect_url(order),
            key=f"rect:{order.pk}:rejected:{now.timestamp():.0f}",
        )
    return order


@transaction.atomic
def rectification_reassign(
    *,
    user: User,
    rectification: Rectification,
    assignee: User,
    note: str = "",
    now: dt.datetime | None = None,
) -> Rectification:
    """Hand an order to another responsible person (the issuer, or an officer or
    inspector over the station): one of the station's staff with an account, or an
    officer or inspector over it. The history keeps who changed it, from whom to whom
    and why; the new person is told."""
    order = _lock(rectification)
    if not rectification_can_reassign(
        user=user, issuer_id=order.issued_by_id, station=order.station
    ):
        raise PermissionDenied(_("只有下发人或上级督查人员可以更换责任人。"))
    if order.status == RectificationStatus.CLOSED:
        raise ApplicationError(_("该整改单已销号。"))
    errors = []
    if not assignee.is_active or not rectification_can_hold(user=assignee, station=order.station):
        errors.append(
            FieldError(
                "assignee",
                _("责任人须为本站人员，或该辖区的督查员、工会干部"),
                value=assignee.username,
            )
        )
    elif assignee.pk == order.assignee_id:
        errors.append(FieldError("assignee", _("此人已是责任人"), value=assignee.username))
    if len(note) > 200:
        errors.append(FieldError("note", _("不超过200字")))
    if errors:
        raise ValidationFailed(errors=errors)
    now = now or timezone.now()
    before = order.assignee.display_name if order.assignee else "—"
    order.assignee, order.assignee_basis = assignee, AssigneeBasis.CHOSEN
    order.save(update_fields=["assignee", "assignee_basis", "updated_at"])
    # Names are data: the note reads the same in every language.
    text = f"{before} → {assignee.display_name}" + (f" · {note.strip()}" if note.strip() else "")
    _event(order, RectificationEvent.Action.REASSIGNED, user, now, text)
    notify(
        user=assignee,
        kind=NoticeKind.RECTIFICATION_ASSIGNED,
        title=_("整改：%(station)s %(title)s")
        % {"station": order.station.name, "title": order.title},
        body=_("期限 %(deadline)s")
        % {"deadline": f"{order.deadline.astimezone(SHANGHAI):%m-%d %H:%M}"},
        url=_rect_url(order),
        key=f"rect:{order.pk}:assigned:{assignee.pk}:{now.timestamp():.0f}",
    )
    return order


def _level_officers(station: Station, level: int) -> list[User]:
    code = regime.escalation_region_code(station.region.code, level)
    if code is None:
        return []
    return list(
        User.objects.filter(is_active=True, role=UserRole.OFFICER, region__code=code).order_by("id")
    )


def _officers_from(station: Station, level: int) -> tuple[list[User], int]:
    """The officers of ``level``, else of the nearest level above that has any on the
    platform (so that somebody hears of the order), and that level."""
    for at in range(level, regime.LEVEL_MAX + 1):
        officers = _level_officers(station, at)
        if officers:
            return officers, at
    return [], level


def rectifications_escalate(*, now: dt.datetime | None = None) -> int:
    """Move every open order whose time at its level has run out one level up (station →
    street → district → city union), at most one level a run: first after the station's
    ``deadline`` has passed (never before; the deadline itself never moves), then each
    time the level's own time by severity (``level_deadline``) has. That level's officers
    and the responsible person are told; where the level has no officer on the platform,
    the nearest level above that has some is told instead (the order still waits its
    turn at the level). At the city level it stays, and the city is reminded once a day.
    Returns how many orders moved or were reported."""
    now = now or timezone.now()
    moved = 0
    due = Q(level_deadline__isnull=True, deadline__lt=now) | Q(level_deadline__lt=now)
    overdue = (
        Rectification.objects.filter(due, status=RectificationStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(overdue):
        with transaction.atomic():
            order = (
                Rectification.objects.select_for_update(of=("self",))
                .select_related("station__region", "assignee")
                .get(pk=pk)
            )
            if order.status != RectificationStatus.OPEN or order.escalates_at >= now:
                continue
            level = regime.level_next(order.station.region.code, order.level)
            officers, told = _officers_from(order.station, level)
            if level == order.level:  # already at the top: remind, once a day
                key = f"rect:{order.pk}:overdue:{_local_today(now)}"
            else:
                missed = order.escalates_at
                order.level, order.escalated_at = level, now
                order.level_deadline = regime.deadline_for(order.severity, now)
                order.save(update_fields=["level", "escalated_at", "level_deadline", "updated_at"])
                note = _("%(missed)s 前未整改，升级至%(level)s督办") % {
                    "missed": f"{missed.astimezone(SHANGHAI):%m-%d %H:%M}",
                    "level": order.get_level_display(),
                }
                if officers and told != level:
                    note += _("（本级无工会干部在平台，已告知%(told)s）") % {
                        "told": EscalationLevel(told).label
                    }
                _event(order, RectificationEvent.Action.ESCALATED, None, now, note)
                key = f"rect:{order.pk}:escalated:{level}"
            title = _("逾期整改(%(level)s督办)：%(station)s %(title)s") % {
                "level": order.get_level_display(),
                "station": order.station.name,
                "title": order.title,
            }
            for person in [*officers, *([order.assignee] if order.assignee else [])]:
                notify(
                    user=person,
                    kind=NoticeKind.RECTIFICATION_OVERDUE,
                    title=title,
                    url=_rect_url(order),
                    key=key,
                )
            moved += 1
    return moved


# ---------------------------------------------------------------- equipment


@transaction.atomic
def amenity_state_set(
    *,
    user: User,
    station: Station,
    amenity_code: str,
    working: bool,
    reason: str = "",
    expected_fix_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> StationAmenity:
    """Mark a piece of equipment out of order (with why and when it should be fixed) or
    fixed. The finder shows the change at once."""
    station_access_require(user=user, station=station)
    row = (
        StationAmenity.objects.select_for_update()
        .select_related("amenity")
        .filter(station=station, amenity__code=amenity_code)
        .first()
    )
    if row is None:
        raise ValidationFailed(
            errors=[FieldError("amenity", _("本站没有这项设施"), value=amenity_code)]
        )
    now = now or timezone.now()
    errors = []
    if not working and not reason.strip():
        errors.append(FieldError("reason", _("请说明故障原因")))
    if len(reason) > 200:
        errors.append(FieldError("reason", _("不超过200字")))
    if expected_fix_on is not None and expected_fix_on < _local_today(now):
        errors.append(FieldError("expected_fix_on", _("预计修复日期不能早于今天")))
    if errors:
        raise ValidationFailed(errors=errors)
    row.state = AmenityState.WORKING if working else AmenityState.OUT_OF_ORDER
    row.reason = "" if working else reason.strip()
    row.expected_fix_on = None if working else expected_fix_on
    row.save(update_fields=["state", "reason", "expected_fix_on", "updated_at"])
    EquipmentLog.objects.create(
        station=station,
        amenity=row.amenity,
        state=row.state,
        reason=row.reason,
        expected_fix_on=row.expected_fix_on,
        at=now,
        user=user,
    )
    return row


# ---------------------------------------------------------------- seasons


@transaction.atomic
def seasonal_mode_set(
    *,
    user: User,
    region: Region,
    season: str,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
) -> SeasonalMode:
    """Summer or winter mode for ``region`` between two dates (an officer of that region or
    above). Modes on the same region may not overlap; a lower region may differ."""
    officer_require(
        user=user,
        region=region,
        denied=_("只有工会干部可以设置季节模式。"),
        outside=_("该区域不在你的管辖范围内。"),
    )
    errors = []
    if season not in ("summer", "winter"):
        errors.append(FieldError("season", _("季节模式须为夏季或冬季"), value=season))
    if ends_on < starts_on:
        errors.append(FieldError("ends_on", _("结束日期不能早于开始日期")))
    elif ends_on < timezone.localdate():
        errors.append(FieldError("ends_on", _("结束日期已过，季节模式不会生效")))
    elif (ends_on - starts_on).days > 200:
        errors.append(FieldError("ends_on", _("一个季节模式不超过200天")))
    if (
        not errors
        and SeasonalMode.objects.filter(
            region=region, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).exists()
    ):
        errors.append(FieldError("starts_on", _("与本区域已有的季节模式时间重叠")))
    if errors:
        raise ValidationFailed(errors=errors)
    return SeasonalMode.objects.create(
        region=region,
        season=season,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note[:200],
        created_by=user,
    )


@transaction.atomic
def seasonal_mode_delete(*, user: User, mode: SeasonalMode) -> None:
    """Withdraw a mode set on a region in the officer's scope."""
    officer_require(
        user=user,
        region=mode.region,
        denied=_("只有工会干部可以设置季节模式。"),
        outside=_("该区域不在你的管辖范围内。"),
    )
    mode.delete()


# ---------------------------------------------------------------- spot checks, mystery visits


def _assignment_notice(a: InspectionAssignment) -> None:
    notify(
        user=a.assignee,
        kind=NoticeKind.INSPECTION_ASSIGNED,
        title=_("%(tier)s任务：%(station)s，%(due)s前完成")
        % {"tier": a.get_tier_display(), "station": a.station.name, "due": f"{a.due_on:%m-%d}"},
        url=reverse("operations:inspect", args=[a.station.code, a.tier]) + f"?assignment={a.pk}",
        key=f"assignment:{a.pk}",
    )


@transaction.atomic
def spot_checks_draw(
    *,
    user: User,
    region: Region,
    count: int | None = None,
    due_on: dt.date,
    assignees: Sequence[User] = (),
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> list[InspectionAssignment]:
    """Draw stations for spot checks at random from ``region``'s active stations (the
    rule's monthly share when ``count`` is not given), skipping those with a spot check
    still open, and assign them round-robin to ``assignees`` (default: the officer)."""
    officer_require(
        user=user,
        region=region,
        denied=_("只有工会干部可以抽取抽检驿站。"),
        outside=_("该区域不在你的管辖范围内。"),
    )
    now = now or timezone.now()
    if due_on < _local_today(now):
        raise ValidationFailed(errors=[FieldError("due_on", _("截止日期不能早于今天"))])
    people = list(assignees) or [user]
    for person in people:
        if not supervises_region(person, region):
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "assignees", _("执行人须为该区域的督查员或工会干部"), value=person.username
                    )
                ]
            )
    from yizhan.regions.selectors import region_subtree_q

    pool = list(
        Station.objects.filter(
            region_subtree_q(region, field="region"), status=StationStatus.ACTIVE
        )
        .exclude(inspection_assignments__tier=Tier.SPOT, inspection_assignments__status="open")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if count is None:
        share = rule_for(tier=Tier.SPOT).draw_share
        count = max(1, round(share * len(pool))) if pool else 0
    if count < 1:
        raise ValidationFailed(errors=[FieldError("count", _("抽取数量至少为1"))])
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    chosen = sorted(rng.sample(pool, min(count, len(pool))))
    draw = f"{now.astimezone(SHANGHAI):%Y%m%d%H%M}-{user.pk}"
    made = []
    for i, pk in enumerate(chosen):
        a = InspectionAssignment.objects.create(
            tier=Tier.SPOT,
            station_id=pk,
            assignee=people[i % len(people)],
            due_on=due_on,
            assigned_by=user,
            draw=draw,
        )
        _assignment_notice(a)
        made.append(a)
    return made


@transaction.atomic
def mystery_visit_assign(
    *, user: User, station: Station, worker: User, due_on: dt.date, now: dt.datetime | None = None
) -> InspectionAssignment:
    """Ask a registered worker to visit ``station`` unannounced and answer the mystery-visit
    checklist there."""
    station_access_require(user=user, station=station, need="supervise")
    if worker.role != UserRole.WORKER or not worker.is_active:
        raise ValidationFailed(
            errors=[FieldError("worker", _("暗访人须为注册劳动者"), value=worker.username)]
        )
    if StationStaff.objects.filter(station=station, user=worker).exists():
        raise ValidationFailed(errors=[FieldError("worker", _("本站人员不能暗访本站"))])
    if due_on < _local_today(now or timezone.now()):
        raise ValidationFailed(errors=[FieldError("due_on", _("截止日期不能早于今天"))])
    try:
        with transaction.atomic():
            a = InspectionAssignment.objects.create(
                tier=Tier.MYSTERY, station=station, assignee=worker, due_on=due_on, assigned_by=user
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            errors=[FieldError("station", _("该驿站已有未完成的暗访任务"))]
        ) from exc
    _assignment_notice(a)
    return a


def inspection_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Tell the people in charge about inspections overdue at their stations (once per
    station, tier and period) and assignees about tasks due tomorrow or overdue."""
    from yizhan.operations.selectors import inspection_board

    now = now or timezone.now()
    today = _local_today(now)
    sent = 0
    active = Station.objects.filter(status=StationStatus.ACTIVE).select_related("region")
    # Only stations with someone to tell, in batches (a province has thousands).
    staffed = active.filter(staff__user__isnull=False).distinct().order_by("pk")
    batch: list[Station] = []
    rows = []
    for station in staffed.iterator(chunk_size=2000):
        batch.append(station)
        if len(batch) == 2000:
            rows.extend(inspection_board(stations=batch, today=today))
            batch = []
    rows.extend(inspection_board(stations=batch, today=today))
    for row in rows:
        for cell in row.cells:
            if cell.state != "overdue" or cell.tier == Tier.MONTHLY:
                continue
            roles = (
                [StaffRole.ADMINISTRATOR, StaffRole.MASTER]
                if cell.tier == Tier.DAILY
                else [StaffRole.MASTER]
            )
            for person in _station_people(row.station, roles):
                if notify(
                    user=person,
                    kind=NoticeKind.INSPECTION_DUE,
                    title=_("%(tier)s逾期：%(station)s")
                    % {"tier": Tier(cell.tier).label, "station": row.station.name},
                    url=reverse("operations:inspect", args=[row.station.code, cell.tier]),
                    key=f"insp:{cell.tier}:{row.station.pk}:{cell.period_start}",
                ):
                    sent += 1
    for a in InspectionAssignment.objects.filter(
        status=AssignmentStatus.OPEN, due_on__lte=today + dt.timedelta(days=1)
    ).select_related("station", "assignee"):
        if notify(
            user=a.assignee,
            kind=NoticeKind.INSPECTION_DUE,
            title=_("%(tier)s任务将到期：%(station)s")
            % {"tier": a.get_tier_display(), "station": a.station.name},
            url=reverse("operations:inspect", args=[a.station.code, a.tier])
            + f"?assignment={a.pk}",
            key=f"assignment:{a.pk}:due",
        ):
            sent += 1
    return sent


def assignment_for(*, user: User, pk: int) -> InspectionAssignment:
    a = InspectionAssignment.objects.select_related("station").filter(pk=pk, assignee=user).first()
    if a is None:
        raise NotFound(_("没有这个任务。"))
    return a
