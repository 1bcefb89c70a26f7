"""Writing workers' feedback: check-ins, ratings, problem reports, the "fixed?" answer,
surveys and their answers.

Every write takes the worker's raw visitor id (from the signed cookie or the
mini-program's ``X-Visitor`` header), stores only its keyed hash, locks that visitor's
row through `yizhan.visitors.services.visitor_lock` (one person's writes run one at a
time, so "once" checks hold), and records a form sent twice (same ``client_id``) once.

A check-in, rating or report made offline comes later from the phone's queue with the
time it was made (``client_at``): within the last 24 hours that is the record's time
(evidence and evaluation count it then), and the record keeps how late it arrived
(`yizhan.core.time.client_time`)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import (
    FieldError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from yizhan.core.idempotency import created_once, replayed
from yizhan.core.photos import photo_clean
from yizhan.core.ratelimit import hit
from yizhan.core.time import SHANGHAI, client_time
from yizhan.feedback.models import (
    AUTO_ORDER_SEVERITY,
    CHECKED_IN_HOURS,
    MERGE_WINDOW,
    RATING_COMMENT_MAX,
    REPORT_STAFF_STATUSES,
    REPORT_TEXT_MAX,
    REPORT_UNRESOLVED,
    CheckIn,
    FixedAnswer,
    QuestionKind,
    Rating,
    RatingTag,
    Report,
    ReportCategory,
    ReportEcho,
    ReportEvent,
    ReportStatus,
    Survey,
    SurveyAnswer,
)
from yizhan.feedback.selectors import report_follow, reports_overdue
from yizhan.notifications.models import NoticeKind, Notification
from yizhan.notifications.services import notify
from yizhan.operations.services import rectification_issue
from yizhan.regions.models import Region
from yizhan.stations.access import (
    STATION_RUNNERS,
    is_officer,
    overdue_report_chasers,
    station_access_require,
)
from yizhan.stations.models import Station, StationStaff
from yizhan.visitors.models import Visitor
from yizhan.visitors.services import visitor_lock

# Writes one visitor may make in a (Beijing) day, whatever the address.
VISITOR_WRITES_PER_DAY = 30
# A second check-in at the same station this soon is the same visit.
CHECKIN_REPEAT = dt.timedelta(minutes=30)
SURVEY_QUESTIONS_MAX = 5
SURVEY_TEXT_ANSWER_MAX = 200
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{6,18}$")


def _count_write(visitor: Visitor, now: dt.datetime) -> None:
    """Count one write for the visitor today; over the daily limit raises 429."""
    # core's atomic counter, one window per Beijing-time day.
    count = hit(
        f"rl:feedback-visitor:{visitor.key_hash}",
        window_seconds=24 * 3600,
        offset_seconds=8 * 3600,
        now=now.timestamp(),
    )
    if count > VISITOR_WRITES_PER_DAY:
        raise TooManyRequests(_("今天提交次数太多，请明天再来"))


def _station_active(station: Station) -> None:
    if station.status != "active":
        raise NotFound(_("该驿站暂不接受反馈"))


@transaction.atomic
def checkin_record(
    *,
    station: Station,
    visitor_key: str,
    occupation: str = "",
    client_id: uuid.UUID | None = None,
    client_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CheckIn:
    """ "I am here". A repeat within 30 minutes (or the same form again) is the same visit."""
    now = now or timezone.now()
    made = client_time(client_at, now=now)
    _station_active(station)
    visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
    mine = {"visitor_id": visitor.pk}
    if (done := replayed(CheckIn.objects, client_id, owner=mine)) is not None:
        return done
    recent = (
        CheckIn.objects.filter(
            station=station,
            visitor=visitor,
            at__gt=made.at - CHECKIN_REPEAT,
            at__lt=made.at + CHECKIN_REPEAT,
        )
        .order_by("-at")
        .first()
    )
    if recent is not None:
        return recent
    _count_write(visitor, now)
    return created_once(
        lambda: CheckIn.objects.create(
            station=station,
            visitor=visitor,
            at=made.at,
            occupation=visitor.occupation,
            client_id=client_id,
            late_minutes=made.late_minutes,
        ),
        CheckIn.objects,
        client_id,
        owner=mine,
    )


@transaction.atomic
def rating_submit(
    *,
    station: Station,
    visitor_key: str,
    stars: int | None,
    tags: Sequence[str] = (),
    comment: str = "",
    occupation: str = "",
    client_id: uuid.UUID | None = None,
    client_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """Rate a station 1–5 with quick tags. Once per person, station and day (the day it
    was made); without a check-in here in the 12 hours before (or one made soon after,
    offline ones arriving out of order) it is kept but flagged and weighs 0.5."""
    now = now or timezone.now()
    made = client_time(client_at, now=now)
    _station_active(station)
    errors = []
    if stars is None or not 1 <= stars <= 5:
        errors.append(FieldError("stars", _("请选择 1 到 5 星"), value=str(stars or "")))
    unknown = [t for t in tags if t not in RatingTag.values]
    if unknown:
        errors.append(FieldError("tags", _("未知的标签"), value=", ".join(unknown)[:40]))
    comment = comment.strip()
    if len(comment) > RATING_COMMENT_MAX:
        errors.append(FieldError("comment", _("留言不超过200字"), value=comment[:20]))
    if errors:
        raise ValidationFailed(errors=errors)
    assert stars is not None
    visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
    mine = {"visitor_id": visitor.pk}
    if (done := replayed(Rating.objects, client_id, owner=mine)) is not None:
        return done
    day = made.at.astimezone(SHANGHAI).date()
    if Rating.objects.filter(station=station, visitor=visitor, day=day).exists():
        raise ValidationFailed(
            errors=[FieldError("stars", _("您今天已经评价过这个驿站，明天可以再评"))]
        )
    _count_write(visitor, now)
    checked_in = CheckIn.objects.filter(
        station=station,
        visitor=visitor,
        at__gte=made.at - dt.timedelta(hours=CHECKED_IN_HOURS),
        at__lte=made.at + CHECKIN_REPEAT,
    ).exists()
    try:
        with transaction.atomic():
            return Rating.objects.create(
                station=station,
                visitor=visitor,
                at=made.at,
                day=day,
                stars=stars,
                tags=list(dict.fromkeys(tags)),
                comment=comment,
                occupation=visitor.occupation,
                checked_in=checked_in,
                flagged=not checked_in,
                weight=1.0 if checked_in else 0.5,
                client_id=client_id,
                late_minutes=made.late_minutes,
            )
    except IntegrityError as exc:
        if (done := replayed(Rating.objects, client_id, owner=mine)) is not None:
            return done
        raise ValidationFailed(
            errors=[FieldError("stars", _("您今天已经评价过这个驿站，明天可以再评"))]
        ) from exc


def _report_check(category: str, text: str, phone: str) -> list[FieldError]:
    errors = []
    if category not in ReportCategory.values:
        errors.append(FieldError("category", _("请选择问题类别"), value=category[:20]))
    if len(text) > REPORT_TEXT_MAX:
        errors.append(FieldError("text", _("描述不超过500字"), value=text[:20]))
    if category == ReportCategory.OTHER and not text:
        errors.append(FieldError("text", _("选择“其他”时请写明问题")))
    if phone and not PHONE_RE.match(phone):
        errors.append(FieldError("phone", _("电话号码格式不对"), value=phone[:20]))
    return errors


def _open_order(report: Report, now: dt.datetime) -> None:
    severity = AUTO_ORDER_SEVERITY.get(report.category)
    if severity is None:
        return
    with translation.override("zh-hans"):
        title = _("劳动者反映：%(category)s") % {"category": report.get_category_display()}
    order = rectification_issue(
        user=None,
        station=report.station,
        title=title,
        severity=severity,
        source="report",
        source_ref=f"report:{report.category}",
        detail=report.text,
        now=now,
    )
    report.rectification = order
    report.status = ReportStatus.IN_PROGRESS
    report.save(update_fields=["rectification", "status"])


@transaction.atomic
def report_submit(
    *,
    station: Station,
    visitor_key: str,
    category: str,
    text: str = "",
    photo: IO[bytes] | None = None,
    phone: str = "",
    occupation: str = "",
    client_id: uuid.UUID | None = None,
    client_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Report a problem. The same category at the same station while a report made in
    the 72 hours before is still open adds to that report's count; closed during hours,
    door locked and expired medicine open a rectification order at once (its deadline
    counted from when the report arrived)."""
    now = now or timezone.now()
    made = client_time(client_at, now=now)
    _station_active(station)
    text = text.strip()
    phone = phone.strip()
    errors = _report_check(category, text, phone)
    cleaned = None
    if photo is not None:
        try:
            cleaned = photo_clean(photo)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors=errors)
    visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
    mine = {"visitor_id": visitor.pk}
    if (done := replayed(Report.objects, client_id, owner=mine)) is not None:
        return done
    if (echo := replayed(ReportEcho.objects, client_id, owner=mine)) is not None:
        return echo.report
    _count_write(visitor, now)
    # One report at a time per station: two first reports cannot both open a new row.
    # (no_key: check-ins and device events referring to the station are not blocked.)
    Station.objects.select_for_update(no_key=True).filter(pk=station.pk).first()
    report = (
        Report.objects.select_for_update(of=("self",))
        .filter(
            station=station,
            category=category,
            created_at__gte=made.at - MERGE_WINDOW,
            status__in=REPORT_UNRESOLVED,
        )
        .exclude(rectification__status="closed")
        .order_by("-created_at", "-id")
        .first()
    )
    if report is not None:
        already = report.visitor_id == visitor.pk or report.echoes.filter(visitor=visitor).exists()
        ReportEcho.objects.create(
            report=report,
            visitor=visitor,
            at=made.at,
            text=text,
            photo=cleaned or "",
            occupation=visitor.occupation,
            phone=phone,
            client_id=client_id,
            late_minutes=made.late_minutes,
        )
        report.last_reported_at = max(report.last_reported_at, made.at)
        fields = ["last_reported_at"]
        if not already:
            report.count += 1
            fields.append("count")
        report.save(update_fields=fields)
        return report
    report = Report.objects.create(
        station=station,
        category=category,
        text=text,
        photo=cleaned or "",
        visitor=visitor,
        occupation=visitor.occupation,
        phone=phone,
        created_at=made.at,
        last_reported_at=made.at,
        client_id=client_id,
        late_minutes=made.late_minutes,
    )
    _open_order(report, now)
    _report_notice(report)
    return report


def _runners(station: Station) -> list[User]:
    """The station's master and administrators with an active account."""
    return [
        row.user
        for row in StationStaff.objects.filter(
            station=station, role__in=sorted(STATION_RUNNERS), user__is_active=True
        )
        .select_related("user")
        .order_by("role", "id")
        if row.user is not None
    ]


def _day_url() -> str:
    return reverse("operations:home") + "#reports"


def _report_notice(report: Report) -> None:
    """Tell the station's master and administrators of a new report (in the app; by SMS
    where configured). A later reporter joining it tells no one again."""
    # Stored text: in the site's language, whatever page the worker wrote from.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("劳动者反映：%(station)s %(category)s") % {
            "station": report.station.name,
            "category": report.get_category_display(),
        }
        lines = [report.text[:200]] if report.text else []
        if report.photo:
            lines.append(_("附照片"))
        if report.phone:
            lines.append(_("反映人希望回复：%(phone)s") % {"phone": report.phone})
        if report.rectification_id:
            lines.append(_("已自动生成整改单"))
    for person in _runners(report.station):
        notify(
            user=person,
            kind=NoticeKind.REPORT_NEW,
            title=title,
            body="\n".join(lines),
            url=_day_url(),
            key=f"report:{report.pk}:new",
        )


@transaction.atomic
def report_fixed_confirm(*, token: str, answer: str, now: dt.datetime | None = None) -> Report:
    """A reporter's "修好了吗？" answer, once the report is done (recorded once per
    reporter: each worker merged into a report answers by their own follow link)."""
    now = now or timezone.now()
    follow = report_follow(token=token)
    if follow is None:
        raise NotFound(_("没有找到这条反映"))
    if answer not in FixedAnswer.values:
        raise ValidationFailed(errors=[FieldError("answer", _("请选择修好了或没修好"))])
    row: Report | ReportEcho
    if follow.echo is None:
        row = Report.objects.select_for_update(of=("self",)).get(pk=follow.report.pk)
    else:
        row = ReportEcho.objects.select_for_update().get(pk=follow.echo.pk)
    if follow.report.shown_status not in (ReportStatus.FIXED, ReportStatus.CLOSED):
        raise ValidationFailed(errors=[FieldError("answer", _("问题还在处理中，处理完再问您"))])
    if row.fixed_confirmed:
        raise ValidationFailed(errors=[FieldError("answer", _("您已经回答过了，谢谢"))])
    row.fixed_confirmed = answer
    row.fixed_confirmed_at = now
    row.phone = ""  # the worker has answered: no call-back is needed any more
    row.save(update_fields=["fixed_confirmed", "fixed_confirmed_at", "phone"])
    return follow.report


@transaction.atomic
def report_status_set(
    *, user: User, report: Report, status: str, now: dt.datetime | None = None
) -> Report:
    """Station staff acknowledge a report without an order (受理), or mark it in progress,
    fixed or closed. Each change is recorded with its time and who made it (the reporters'
    timeline shows the time, not the name); setting the status it already has records
    nothing."""
    now = now or timezone.now()
    station_access_require(user=user, station=report.station, need="run")
    if status not in REPORT_STAFF_STATUSES:
        raise ValidationFailed(errors=[FieldError("status", _("未知的状态"), value=status[:20])])
    if report.rectification_id is not None:
        raise ValidationFailed(
            errors=[FieldError("status", _("该反映按整改单处理，请在整改单中操作"))]
        )
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status == status:
        return locked
    locked.status = status
    if status == ReportStatus.CLOSED:
        # Kept only while someone may still need to call back.
        locked.phone = ""
        ReportEcho.objects.filter(report=locked).exclude(phone="").update(phone="")
    locked.save(update_fields=["status", "phone"])
    ReportEvent.objects.create(report=locked, status=status, at=now, user=user)
    return locked


def reports_overdue_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the inspectors over the station and its street's officers (and, again, its
    master and administrators) about each report still 待受理 past the hours allowed,
    once per report. Returns how many reports were told about."""
    now = now or timezone.now()
    told = 0
    hours = int(settings.YIZHAN["REPORT_ACK_HOURS"])
    overdue = reports_overdue(now=now).select_related("station__region")
    for start in range(0, overdue.count(), 500):
        batch = list(overdue[start : start + 500])
        keys = {r.pk: f"report:{r.pk}:overdue" for r in batch}
        done = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
        for report in batch:
            if keys[report.pk] in done:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                title = _("反映超过%(hours)s小时未受理：%(station)s %(category)s") % {
                    "hours": hours,
                    "station": report.station.name,
                    "category": report.get_category_display(),
                }
            people = {u.pk: u for u in overdue_report_chasers(report.station)}
            people |= {u.pk: u for u in _runners(report.station) if u.pk not in people}
            for person in people.values():
                notify(
                    user=person,
                    kind=NoticeKind.REPORT_OVERDUE,
                    title=title,
                    body=report.text[:200],
                    url=_day_url(),
                    key=keys[report.pk],
                )
            told += 1
    return told


# Surveys ------------------------------------------------------------------------------

KIND_WORDS = {
    "单选": QuestionKind.SINGLE,
    "single": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTI,
    "multi": QuestionKind.MULTI,
    "填空": QuestionKind.TEXT,
    "text": QuestionKind.TEXT,
}


def survey_questions_parse(text: str) -> list[dict[str, Any]]:
    """Questions written one per line as ``单选|问题|选项1/选项2/...`` (多选 likewise;
    ``填空|问题`` for a free answer).

    >>> survey_questions_parse("单选|夏天最需要什么？|冰水/药品/休息")[0]["options"]
    ['冰水', '药品', '休息']
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors: list[FieldError] = []
    questions: list[dict[str, Any]] = []
    if not lines:
        errors.append(FieldError("questions", _("请至少写一个问题")))
    if len(lines) > SURVEY_QUESTIONS_MAX:
        errors.append(FieldError("questions", _("最多5个问题")))
    for n, line in enumerate(lines[:SURVEY_QUESTIONS_MAX], start=1):
        parts = [p.strip() for p in re.split(r"[|｜]", line)]
        kind = KIND_WORDS.get(parts[0]) if parts else None
        if kind is None or len(parts) < 2 or not parts[1]:
            errors.append(
                FieldError("questions", _("格式应为 单选|问题|选项1/选项2"), row=n, value=line[:30])
            )
            continue
        options = []
        if kind != QuestionKind.TEXT:
            raw = parts[2] if len(parts) > 2 else ""
            options = [o.strip() for o in re.split(r"[/／]", raw) if o.strip()]
            if len(options) < 2 or len(set(options)) != len(options):
                errors.append(
                    FieldError("questions", _("选择题至少两个不同选项"), row=n, value=line[:30])
                )
                continue
        if len(parts[1]) > 100:
            errors.append(FieldError("questions", _("问题不超过100字"), row=n))
            continue
        questions.append({"code": f"q{n}", "text": parts[1], "kind": str(kind), "options": options})
    if errors:
        raise ValidationFailed(errors=errors)
    return questions


@transaction.atomic
def survey_create(
    *,
    user: User,
    title: str,
    region: Region | None,
    questions_text: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    station_codes: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Survey:
    """An officer publishes a survey to their region's stations (or the ones listed)."""
    now = now or timezone.now()
    if not is_officer(user):
        raise ValidationFailed(errors=[FieldError("region", _("只有工会干部可以发布调研"))])
    scope = user_scope(user=user)
    errors: list[FieldError] = []
    title = title.strip()
    if not title or len(title) > 80:
        errors.append(FieldError("title", _("标题不能为空且不超过80字")))
    if region is None or not scope.contains(region):
        errors.append(FieldError("region", _("只能在本辖区发布调研")))
    if closes_at <= opens_at:
        errors.append(FieldError("closes_at", _("结束时间须晚于开始时间")))
    elif closes_at <= now:
        errors.append(FieldError("closes_at", _("结束时间须晚于现在")))
    questions: list[dict[str, Any]] = []
    try:
        questions = survey_questions_parse(questions_text)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    stations: list[Station] = []
    codes = [c.strip() for c in station_codes if c.strip()]
    if codes and region is not None:
        stations = list(
            Station.objects.filter(code__in=codes, region__code__startswith=region.code)
        )
        missing = sorted(set(codes) - {s.code for s in stations})
        if missing:
            errors.append(
                FieldError("stations", _("这些驿站不在所选区划内"), value=", ".join(missing)[:60])
            )
    if errors:
        raise ValidationFailed(errors=errors)
    assert region is not None
    survey = Survey.objects.create(
        title=title,
        region=region,
        questions=questions,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=user,
        created_at=now,
    )
    if stations:
        survey.stations.set(stations)
    return survey


def _answers_check(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for q in questions:
        code = q["code"]
        given = answers.get(code)
        if given in (None, "", []):
            continue
        if q["kind"] == QuestionKind.TEXT:
            value = str(given).strip()
            if len(value) > SURVEY_TEXT_ANSWER_MAX:
                errors.append(FieldError(code, _("回答不超过200字")))
            elif value:
                clean[code] = value
            continue
        values = [str(v) for v in (given if isinstance(given, list | tuple) else [given])]
        if any(v not in q["options"] for v in values):
            errors.append(FieldError(code, _("请从选项中选择")))
        elif q["kind"] == QuestionKind.SINGLE and len(values) > 1:
            errors.append(FieldError(code, _("此题只能选一项")))
        else:
            clean[code] = (
                values[0] if q["kind"] == QuestionKind.SINGLE else list(dict.fromkeys(values))
            )
    if not errors and not clean:
        errors.append(
            FieldError(questions[0]["code"] if questions else "answers", _("请至少回答一题"))
        )
    if errors:
        raise ValidationFailed(errors=errors)
    return clean


@transaction.atomic
def survey_answer_submit(
    *,
    survey: Survey,
    station: Station,
    visitor_key: str,
    answers: Mapping[str, Any],
    occupation: str = "",
    now: dt.datetime | None = None,
) -> SurveyAnswer:
    """A worker's answers, once per survey."""
    from yizhan.feedback.selectors import survey_applies

    now = now or timezone.now()
    if not survey_applies(survey=survey, station=station, now=now):
        raise NotFound(_("这份调研已结束或不在本驿站"))
    clean = _answers_check(survey.questions, answers)
    visitor = visitor_lock(key=visitor_key, occupation=occupation, now=now)
    if SurveyAnswer.objects.filter(survey=survey, visitor=visitor).exists():
        raise ValidationFailed(errors=[FieldError("survey", _("您已经回答过这份调研，谢谢"))])
    _count_write(visitor, now)
    try:
        with transaction.atomic():
            return SurveyAnswer.objects.create(
                survey=survey,
                visitor=visitor,
                station=station,
                occupation=visitor.occupation,
                answers=clean,
                at=now,
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            errors=[FieldError("survey", _("您已经回答过这份调研，谢谢"))]
        ) from exc
