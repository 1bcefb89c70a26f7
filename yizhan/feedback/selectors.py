"""Reading workers' feedback: for the QR pages, the staff lists, the finder card and the
evidence (`life_events`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.evidence import LifeEvent
from yizhan.core.hooks import DayReport, DayReports
from yizhan.core.occupation import Occupation
from yizhan.core.sql import epoch
from yizhan.core.time import SHANGHAI
from yizhan.feedback.models import (
    REPORT_STAFF_STATUSES,
    REPORT_UNRESOLVED,
    CheckIn,
    FixedAnswer,
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
from yizhan.operations.models import RectificationEvent
from yizhan.stations.access import (
    STATION_RUNNERS,
    chases_overdue_reports,
    is_supervisor,
    staff_station_ids,
)
from yizhan.stations.models import Station, StationStaff
from yizhan.visitors.selectors import visitor_hash


def stations_visible_q(*, user: User) -> Q:
    """Stations a staff page may show ``user``: their own, and their region's when they
    are an officer or inspector (everything for a superuser)."""
    own = Q(pk__in=staff_station_ids(user=user))
    if is_supervisor(user):
        scope = user_scope(user=user)
        # A national scope's filter is the empty Q, and `own | Q()` is `own` alone: a
        # superuser would see only the stations they staff.
        return Q() if scope.national else own | scope.q("region")
    return own


# QR pages -----------------------------------------------------------------------------


def station_for_qr(*, code: str) -> Station | None:
    return Station.objects.select_related("region").filter(code=code, status="active").first()


def visitor_rated_today(*, station: Station, visitor_key: str, day: dt.date) -> Rating | None:
    return Rating.objects.filter(
        station=station, visitor__key_hash=visitor_hash(visitor_key), day=day
    ).first()


def survey_applies(*, survey: Survey, station: Station, now: dt.datetime) -> bool:
    if not survey.opens_at <= now < survey.closes_at:
        return False
    if not station.region.code.startswith(survey.region.code):
        return False
    chosen = list(survey.stations.values_list("pk", flat=True))
    return not chosen or station.pk in chosen


def surveys_open_for(
    *, station: Station, visitor_key: str | None, now: dt.datetime
) -> list[Survey]:
    """Open surveys for ``station`` the visitor has not answered yet."""
    code = station.region.code
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    qs = (
        Survey.objects.filter(opens_at__lte=now, closes_at__gt=now, region__code__in=prefixes)
        .filter(Q(stations=None) | Q(stations=station))
        .distinct()
        .order_by("closes_at", "id")
    )
    if visitor_key:
        qs = qs.exclude(answers__visitor__key_hash=visitor_hash(visitor_key))
    return list(qs)


@dataclass(frozen=True)
class FollowStep:
    at: dt.datetime
    label: str


@dataclass(frozen=True)
class Follow:
    """One reporter's view of a report: the shared report, and their own part of it (the
    first reporter's row, or their `ReportEcho` when they joined a merged report)."""

    report: Report
    echo: ReportEcho | None
    token: str
    submitted_at: dt.datetime
    fixed_confirmed: str

    @property
    def ask_fixed(self) -> bool:
        """Whether to ask this reporter "修好了吗？" (the report is done, they have not said)."""
        done = self.report.shown_status in (ReportStatus.FIXED, ReportStatus.CLOSED)
        return done and not self.fixed_confirmed

    def get_fixed_confirmed_display(self) -> str:
        return str(dict(FixedAnswer.choices).get(self.fixed_confirmed, ""))


def report_by_token(*, token: str) -> Report | None:
    return (
        Report.objects.select_related("station", "rectification").filter(follow_token=token).first()
    )


def report_follow(*, token: str) -> Follow | None:
    """The report behind a follow link, the first reporter's or a later one's."""
    report = report_by_token(token=token)
    if report is not None:
        return Follow(report, None, token, report.created_at, report.fixed_confirmed)
    echo = (
        ReportEcho.objects.select_related("report__station", "report__rectification")
        .filter(follow_token=token)
        .first()
    )
    if echo is None or not token:
        return None
    return Follow(echo.report, echo, token, echo.at, echo.fixed_confirmed)


def report_follow_token(*, report: Report, visitor_key: str) -> str:
    """The follow link's token of the worker ``visitor_key`` for ``report``: theirs as its
    first reporter, else that of their first later report merged into it."""
    digest = visitor_hash(visitor_key)
    if report.visitor.key_hash == digest:
        return report.follow_token
    token = (
        ReportEcho.objects.filter(report=report, visitor__key_hash=digest)
        .exclude(follow_token=None)
        .order_by("at", "id")
        .values_list("follow_token", flat=True)
        .first()
    )
    return token or report.follow_token


def _status_words() -> dict[str, str]:
    return {
        ReportStatus.ACKNOWLEDGED: _("驿站已受理"),
        ReportStatus.IN_PROGRESS: _("处理中"),
        ReportStatus.FIXED: _("已解决"),
        ReportStatus.CLOSED: _("已关闭"),
    }


def report_progress(*, report: Report, submitted_at: dt.datetime | None = None) -> list[FollowStep]:
    """What happened to the report and its order, oldest first, with no names: the
    reporter's own submission (at ``submitted_at``, theirs when they joined a merged
    report), every status change the station made, and its order's steps."""
    steps = [FollowStep(submitted_at or report.created_at, _("已提交"))]
    words = _status_words()
    for status, at in ReportEvent.objects.filter(report=report).values_list("status", "at"):
        steps.append(FollowStep(at, words.get(status, status)))
    if report.rectification_id:
        order_words = {
            "issued": _("已转为整改单"),
            "fixed": _("驿站已整改，等待复核"),
            "rejected": _("复核未通过，继续整改"),
            "closed": _("复核通过，已销号"),
            "escalated": _("逾期，已升级督办"),
        }
        for action, at in (
            RectificationEvent.objects.filter(rectification_id=report.rectification_id)
            .order_by("at", "id")
            .values_list("action", "at")
        ):
            if action in order_words:
                steps.append(FollowStep(at, order_words[action]))
    # Stable: a step recorded at the same moment as the submission stays after it.
    return sorted(steps, key=lambda step: step.at)


@dataclass(frozen=True)
class MyReport:
    """A report as the worker who made it (or joined it) sees it on their phone."""

    token: str
    station_code: str
    station_name: str
    category_label: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    count: int

    @property
    def unresolved(self) -> bool:
        return self.status in REPORT_UNRESOLVED


def reports_of(
    *, visitor_key: str, station: Station | None = None, unresolved: bool = False, limit: int = 50
) -> list[MyReport]:
    """The reports the worker ``visitor_key`` made or joined (at ``station`` when given;
    only those still being dealt with when ``unresolved``), latest first, each with the
    worker's own follow link."""
    digest = visitor_hash(visitor_key)
    mine = Q(visitor__key_hash=digest) | Q(echoes__visitor__key_hash=digest)
    qs = Report.objects.filter(mine)
    if station is not None:
        qs = qs.filter(station=station)
    if unresolved:
        qs = qs.filter(status__in=REPORT_UNRESOLVED).exclude(rectification__status="closed")
    reports = list(
        qs.distinct()
        .select_related("station", "rectification", "visitor")
        .order_by("-last_reported_at", "-id")[:limit]
    )
    echoes: dict[int, tuple[str, dt.datetime]] = {}
    for report_id, token, at in (
        ReportEcho.objects.filter(report__in=reports, visitor__key_hash=digest)
        .exclude(follow_token=None)
        .order_by("-at", "-id")
        .values_list("report_id", "follow_token", "at")
    ):
        if token:  # (never None here: excluded above)
            echoes[report_id] = (token, at)  # the earliest wins (ordered latest first)
    out = []
    for r in reports:
        own = r.visitor.key_hash == digest or r.pk not in echoes
        token, at = (r.follow_token, r.created_at) if own else echoes[r.pk]
        out.append(
            MyReport(
                token=token,
                station_code=r.station.code,
                station_name=r.station.name,
                category_label=r.get_category_display(),
                status=r.shown_status,
                status_label=r.get_shown_status_display(),
                submitted_at=at,
                count=r.count,
            )
        )
    return out


# A person's day (through `yizhan.core.hooks.reports_for_day`) ------------------------


def report_ack_cutoff(now: dt.datetime) -> dt.datetime:
    """Reports made before this and still 待受理 are overdue."""
    return now - dt.timedelta(hours=int(settings.YIZHAN["REPORT_ACK_HOURS"]))


def reports_overdue(*, now: dt.datetime) -> QuerySet[Report]:
    """Every report still 待受理 past the hours allowed, the oldest first."""
    return Report.objects.filter(
        status=ReportStatus.OPEN, created_at__lt=report_ack_cutoff(now)
    ).order_by("created_at", "id")


def _next_statuses(report: Report) -> tuple[str, ...]:
    """The statuses staff may move a report to from the day: onwards from where it is."""
    if report.rectification_id is not None:
        return ()
    order = [ReportStatus.OPEN.value, *REPORT_STAFF_STATUSES]
    return tuple(order[order.index(report.status) + 1 :]) if report.status in order else ()


def _day_report(report: Report, now: dt.datetime, cutoff: dt.datetime, *, acts: bool) -> DayReport:
    echoes = list(report.echoes.all())
    photo = report.photo or next((e.photo for e in echoes if e.photo), None)
    phone = report.phone or next((e.phone for e in echoes if e.phone), "")
    return DayReport(
        id=report.pk,
        station_code=report.station.code,
        station_name=report.station.name,
        category=report.category,
        category_label=report.get_category_display(),
        text=report.text or next((e.text for e in echoes if e.text), ""),
        photo_url=photo.url if photo else "",
        count=report.count,
        created_at=report.created_at,
        age_hours=round(max(0.0, (now - report.created_at).total_seconds() / 3600), 1),
        status=report.shown_status,
        status_label=report.get_shown_status_display(),
        overdue=report.status == ReportStatus.OPEN and report.created_at < cutoff,
        phone=phone,
        order_id=report.rectification_id,
        may_set=_next_statuses(report) if acts else (),
        late_label=report.get_late_display(),
    )


def reports_for_day(*, user: User, now: dt.datetime) -> DayReports:
    """The reports waiting for ``user``: every unresolved one at the stations they run
    (master, administrator), oldest first; and, for an inspector or a street officer,
    those in their region still 待受理 past the hours allowed."""
    if not user.is_active:
        return DayReports()
    runs = list(
        StationStaff.objects.filter(user=user, role__in=sorted(STATION_RUNNERS)).values_list(
            "station_id", flat=True
        )
    )
    cutoff = report_ack_cutoff(now)
    shape = Report.objects.select_related("station", "rectification").prefetch_related("echoes")
    to_answer = (
        shape.filter(station_id__in=runs, status__in=REPORT_UNRESOLVED)
        .exclude(rectification__status="closed")
        .order_by("created_at", "id")
    )
    overdue: list[Report] = []
    if chases_overdue_reports(user):
        overdue = list(
            shape.filter(
                user_scope(user=user).q("station__region"),
                status=ReportStatus.OPEN,
                created_at__lt=cutoff,
            )
            .exclude(station_id__in=runs)
            .order_by("created_at", "id")[:200]
        )
    return DayReports(
        to_answer=[_day_report(r, now, cutoff, acts=True) for r in to_answer[:200]],
        overdue=[_day_report(r, now, cutoff, acts=False) for r in overdue],
    )


# Staff side ---------------------------------------------------------------------------


def reports_for(
    *,
    user: User,
    status: str = "",
    category: str = "",
    limit: int = 500,
    overdue_before: dt.datetime | None = None,
) -> list[Report]:
    """Reports at the stations ``user`` may see, latest first. ``status`` filters by the
    status a reader sees (an order's progress counts); ``overdue_before`` (a
    `report_ack_cutoff`) keeps only those still 待受理 made before it."""
    qs = Report.objects.filter(station__in=Station.objects.filter(stations_visible_q(user=user)))
    if category:
        qs = qs.filter(category=category)
    if overdue_before is not None:
        qs = qs.filter(rectification=None, status=ReportStatus.OPEN, created_at__lt=overdue_before)
    if status == ReportStatus.FIXED:
        qs = qs.filter(
            Q(rectification__status="closed") | Q(rectification=None, status=ReportStatus.FIXED)
        )
    elif status == ReportStatus.IN_PROGRESS:
        qs = qs.filter(
            Q(rectification__isnull=False) & ~Q(rectification__status="closed")
            | Q(rectification=None, status=ReportStatus.IN_PROGRESS)
        )
    elif status in (ReportStatus.OPEN, ReportStatus.ACKNOWLEDGED, ReportStatus.CLOSED):
        qs = qs.filter(rectification=None, status=status)
    rows: list[Report] = list(
        qs.select_related("station__region", "rectification")
        .annotate(
            echo_yes=Count("echoes", filter=Q(echoes__fixed_confirmed=FixedAnswer.YES)),
            echo_no=Count("echoes", filter=Q(echoes__fixed_confirmed=FixedAnswer.NO)),
        )
        .order_by("-last_reported_at", "-id")[:limit]
    )
    for r in rows:
        # The reporters' "fixed?" answers: the first reporter's and each later one's.
        yes, no = r.echo_yes, r.echo_no  # type: ignore[attr-defined]
        r.fixed_yes = yes + (r.fixed_confirmed == FixedAnswer.YES)  # type: ignore[attr-defined]
        r.fixed_no = no + (r.fixed_confirmed == FixedAnswer.NO)  # type: ignore[attr-defined]
    return rows


def report_figures(*, user: User, now: dt.datetime) -> dict[str, int]:
    """For the officer's day (`yizhan.core.hooks.day_figures`): reports 待受理 at the
    stations the staff pages show ``user``, and those of them past the hours allowed: the
    rows `reports_for` lists with ``status="open"``, and with ``overdue_before`` too."""
    got = Report.objects.filter(
        station__in=Station.objects.filter(stations_visible_q(user=user)),
        rectification=None,
        status=ReportStatus.OPEN,
    ).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(created_at__lt=report_ack_cutoff(now)))
    )
    return {"feedback.reports_open": got["open"], "feedback.reports_overdue": got["overdue"]}


def report_for_staff(*, user: User, pk: int) -> Report | None:
    """A report at a station the staff pages show ``user`` (None otherwise: its existence
    is not confirmed)."""
    return (
        Report.objects.filter(
            pk=pk, station__in=Station.objects.filter(stations_visible_q(user=user))
        )
        .select_related("station__region", "rectification")
        .first()
    )


@dataclass
class RatingSummary:
    count: int = 0
    average: float | None = None  # weighted stars
    flagged: int = 0
    tags: list[tuple[str, str, int]] = field(default_factory=list)  # code, label, count


def _tag_counts(tag_lists: Sequence[Sequence[str]]) -> list[tuple[str, str, int]]:
    counts = Counter(t for tags in tag_lists for t in tags)
    labels = dict(RatingTag.choices)
    return [(t, str(labels.get(t, t)), n) for t, n in counts.most_common() if t in labels]


def _summary(ratings: QuerySet[Rating]) -> RatingSummary:
    rows = list(ratings.values_list("stars", "weight", "flagged", "tags"))
    if not rows:
        return RatingSummary()
    total_weight = sum(w for _s, w, _f, _t in rows)
    return RatingSummary(
        count=len(rows),
        average=round(sum(s * w for s, w, _f, _t in rows) / total_weight, 2),
        flagged=sum(1 for _s, _w, f, _t in rows if f),
        tags=_tag_counts([t for _s, _w, _f, t in rows]),
    )


def rating_summary(station: Station, *, since: dt.datetime | None = None) -> RatingSummary:
    """Weighted average stars and tag counts for one station (the finder card's line)."""
    qs = Rating.objects.filter(station=station)
    if since is not None:
        qs = qs.filter(at__gte=since)
    return _summary(qs)


def ratings_summary_for(
    *, station_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> RatingSummary:
    """Weighted average stars and tag counts over many stations and a period (the
    evidence dashboard's satisfaction)."""
    return _summary(Rating.objects.filter(station_id__in=station_ids, at__gte=start, at__lt=end))


@dataclass
class StationRatings:
    station: Station
    summary: RatingSummary
    checkins: int
    late: int = 0  # check-ins and ratings sent late from a phone's offline queue


def ratings_by_station(*, user: User, start: dt.datetime, end: dt.datetime) -> list[StationRatings]:
    """Every visible station with ratings or check-ins in [start, end), worst average first."""
    stations = Station.objects.filter(stations_visible_q(user=user))
    ratings: dict[int, list[tuple[int, float, bool, list[str]]]] = defaultdict(list)
    rated_late: dict[int, int] = defaultdict(int)
    for sid, stars, weight, flagged, tags, late_minutes in Rating.objects.filter(
        station__in=stations, at__gte=start, at__lt=end
    ).values_list("station_id", "stars", "weight", "flagged", "tags", "late_minutes"):
        ratings[sid].append((stars, weight, flagged, tags))
        rated_late[sid] += late_minutes is not None
    checkins: dict[int, int] = {}
    late: dict[int, int] = defaultdict(int)
    for sid, n, sent_late in (
        CheckIn.objects.filter(station__in=stations, at__gte=start, at__lt=end)
        .values("station_id")
        .annotate(n=Count("id"), sent_late=Count("id", filter=Q(late_minutes__isnull=False)))
        .values_list("station_id", "n", "sent_late")
    ):
        checkins[sid] = n
        late[sid] += sent_late
    ids = set(ratings) | set(checkins)
    out = []
    for station in stations.filter(pk__in=ids).select_related("region"):
        rows = ratings.get(station.pk, [])
        summary = RatingSummary()
        if rows:
            weight = sum(r[1] for r in rows)
            summary = RatingSummary(
                count=len(rows),
                average=round(sum(r[0] * r[1] for r in rows) / weight, 2),
                flagged=sum(1 for r in rows if r[2]),
                tags=_tag_counts([r[3] for r in rows]),
            )
        out.append(
            StationRatings(
                station,
                summary,
                checkins.get(station.pk, 0),
                late.get(station.pk, 0) + rated_late.get(station.pk, 0),
            )
        )
    out.sort(key=lambda r: (r.summary.average is None, r.summary.average or 0, r.station.code))
    return out


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    reports: int
    reporters: int
    fixed: int
    # Hours from the report to its order's close (median over fixed ones).
    median_hours_to_fix: float | None


def reports_by_category(scope: Scope, start: dt.datetime, end: dt.datetime) -> list[CategoryRow]:
    """Reports made in [start, end) in ``scope`` per category, with the time to fix
    (report created → linked order closed)."""
    return _by_category(
        Report.objects.filter(scope.q("station__region"), created_at__gte=start, created_at__lt=end)
    )


def reports_by_category_for(
    *, user: User, start: dt.datetime, end: dt.datetime
) -> list[CategoryRow]:
    """`reports_by_category` over the stations the staff list shows ``user`` (their own;
    their region's for officers and inspectors), so the two never disagree."""
    visible = Station.objects.filter(stations_visible_q(user=user))
    return _by_category(
        Report.objects.filter(station__in=visible, created_at__gte=start, created_at__lt=end)
    )


def _by_category(qs: QuerySet[Report]) -> list[CategoryRow]:
    totals = {
        r["category"]: r for r in qs.values("category").annotate(n=Count("id"), people=Sum("count"))
    }
    hours: dict[str, list[float]] = defaultdict(list)
    closed = qs.filter(rectification__status="closed", rectification__checked_at__isnull=False)
    for category, created, checked in closed.values_list(
        "category", "created_at", "rectification__checked_at"
    ):
        if checked is not None:
            hours[category].append(max(0.0, (checked - created).total_seconds() / 3600))
    fixed_plain = Counter(
        qs.filter(rectification=None, status=ReportStatus.FIXED).values_list("category", flat=True)
    )
    rows = []
    for value, label in ReportCategory.choices:
        t = totals.get(value)
        if t is None:
            continue
        h = hours.get(value, [])
        rows.append(
            CategoryRow(
                category=value,
                label=str(label),
                reports=t["n"],
                reporters=t["people"] or 0,
                fixed=len(h) + fixed_plain.get(value, 0),
                median_hours_to_fix=round(statistics.median(h), 1) if h else None,
            )
        )
    return rows


# Evidence -----------------------------------------------------------------------------


def life_events(
    *, station_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> Iterator[LifeEvent]:
    """Check-ins, ratings and reports (and merged reporters) in [start, end), as signs
    of life: the person is the visitor's key hash, with their occupation. Times come as
    epoch seconds from the database (a city-month holds hundreds of thousands)."""

    def within(qs: QuerySet[Any], at: str, station: str = "station_id") -> QuerySet[Any]:
        qs = qs.filter(**{f"{at}__gte": start, f"{at}__lt": end})
        if station_ids is not None:
            qs = qs.filter(**{f"{station}__in": list(station_ids)})
        annotated: QuerySet[Any] = qs.order_by().annotate(t=epoch(at))
        return annotated

    # A worker telling us the station was shut is evidence of a visit that found it
    # shut, never of it being open: such events carry no presence.
    shut = {ReportCategory.CLOSED_IN_HOURS.value, ReportCategory.DOOR_LOCKED.value}
    sources = (
        (CheckIn.objects.all(), "at", "station_id", "checkin", None),
        (Rating.objects.all(), "at", "station_id", "rating", "tags"),
        (Report.objects.all(), "created_at", "station_id", "report", "category"),
        (ReportEcho.objects.all(), "at", "report__station_id", "report", "report__category"),
    )
    stamp = dt.datetime.fromtimestamp
    for qs, at, station, source, what in sources:
        fields = [station, "t", "visitor__key_hash", "occupation"] + ([what] if what else [])
        for row in within(qs, at, station).values_list(*fields).iterator(chunk_size=5000):
            sid, t, person, occ = row[:4]
            said = row[4] if what else None
            found_shut = bool(set(said) & shut) if isinstance(said, list) else said in shut
            yield LifeEvent(sid, stamp(t, SHANGHAI), source, person, occ, 1, not found_shut)


# Surveys ------------------------------------------------------------------------------


def surveys_for(*, user: User) -> list[Survey]:
    """Surveys in the user's region (made there or below), newest first."""
    scope = user_scope(user=user)
    return list(
        Survey.objects.filter(scope.q("region"))
        .select_related("region", "created_by")
        .annotate(n_answers=Count("answers"))
        .order_by("-opens_at", "-id")
    )


def survey_for(*, user: User, pk: int) -> Survey | None:
    scope = user_scope(user=user)
    return Survey.objects.filter(scope.q("region"), pk=pk).select_related("region").first()


@dataclass
class QuestionResult:
    code: str
    text: str
    kind: str
    options: list[str]
    totals: dict[str, int]
    by_occupation: dict[str, dict[str, int]]  # occupation label → option → count
    by_region: dict[str, dict[str, int]]  # street name → option → count
    texts: list[str]
    # option, total, counts in `SurveyResults.occupations` order, in `.regions` order
    rows: list[tuple[str, int, list[int], list[int]]] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: Survey
    answers: int
    occupations: list[str]
    regions: list[str]
    questions: list[QuestionResult]


def survey_results(*, survey: Survey) -> SurveyResults:
    """Counts per option, overall, by occupation and by the station's region."""
    occ_labels = dict(Occupation.choices)
    rows = list(
        SurveyAnswer.objects.filter(survey=survey)
        .select_related("station__region")
        .order_by("at", "id")
    )
    results = [
        QuestionResult(
            q["code"],
            q["text"],
            q["kind"],
            list(q["options"]),
            dict.fromkeys(q["options"], 0),
            {},
            {},
            [],
        )
        for q in survey.questions
    ]
    occupations: list[str] = []
    regions: list[str] = []
    for row in rows:
        occ = str(occ_labels.get(row.occupation, row.occupation))
        region = row.station.region.name
        if occ not in occupations:
            occupations.append(occ)
        if region not in regions:
            regions.append(region)
        for q in results:
            given = row.answers.get(q.code)
            if given is None:
                continue
            if q.kind == "text":
                q.texts.append(str(given))
                continue
            for v in given if isinstance(given, list) else [given]:
                if v not in q.totals:
                    continue
                q.totals[v] += 1
                q.by_occupation.setdefault(occ, dict.fromkeys(q.options, 0))[v] += 1
                q.by_region.setdefault(region, dict.fromkeys(q.options, 0))[v] += 1
    for q in results:
        q.rows = [
            (
                option,
                q.totals[option],
                [q.by_occupation.get(o, {}).get(option, 0) for o in occupations],
                [q.by_region.get(r, {}).get(option, 0) for r in regions],
            )
            for option in q.options
        ]
    return SurveyResults(survey, len(rows), occupations, regions, results)
