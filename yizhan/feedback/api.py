"""Worker feedback for mini-programs and the city app: check in, rate, report at a station
given its board QR code's fields (purpose, code, sig), and follow a report.

The worker is the ``X-Visitor`` header (a random id of 16–64 URL-safe characters the
client keeps) or the QR pages' signed cookie. A forged code is a 404; too many writes
a 429; bad fields a 422 naming them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.security import django_auth

from yizhan.accounts.models import User
from yizhan.core.errors import NotFound, TooManyRequests
from yizhan.core.ratelimit import rate_limited
from yizhan.core.schemas import ErrorOut
from yizhan.feedback import selectors, services
from yizhan.feedback.schemas import (
    CheckInOut,
    FollowOut,
    FollowStepOut,
    MyReportOut,
    QrIn,
    RatingIn,
    RatingOut,
    ReportStatusIn,
    ReportStatusOut,
)
from yizhan.signage.selectors import qr_verify
from yizhan.stations.models import Station
from yizhan.visitors.services import WRITES_PER_MINUTE, visitor_key_required

router = Router()


def _station(request: HttpRequest, purpose: str, code: str, sig: str) -> Station:
    if rate_limited(request, scope="feedback-write", per_minute=WRITES_PER_MINUTE):
        raise TooManyRequests(_("提交太频繁，请一分钟后再试"))
    if purpose not in ("checkin", "rate", "report") or not qr_verify(purpose, code, sig):
        raise NotFound(_("二维码无效"))
    station = selectors.station_for_qr(code=code)
    if station is None:
        raise NotFound(_("二维码无效"))
    return station


@router.post("/checkin", response={200: CheckInOut, (404, 422, 429): ErrorOut}, auth=None)
def checkin(request: HttpRequest, data: QrIn) -> CheckInOut:
    station = _station(request, data.purpose, data.code, data.sig)
    row = services.checkin_record(
        station=station,
        visitor_key=visitor_key_required(request),
        occupation=data.occupation,
        client_id=data.client_id,
        client_at=data.client_at,
    )
    return CheckInOut(station=station.code, at=row.at)


@router.post("/rating", response={200: RatingOut, (404, 422, 429): ErrorOut}, auth=None)
def rating(request: HttpRequest, data: RatingIn) -> RatingOut:
    station = _station(request, data.purpose, data.code, data.sig)
    row = services.rating_submit(
        station=station,
        visitor_key=visitor_key_required(request),
        stars=data.stars,
        tags=data.tags,
        comment=data.comment,
        occupation=data.occupation,
        client_id=data.client_id,
        client_at=data.client_at,
    )
    return RatingOut(
        station=station.code,
        day=row.day,
        stars=row.stars,
        checked_in=row.checked_in,
        weight=row.weight,
    )


def _follow(report_token: str) -> FollowOut:
    found = selectors.report_follow(token=report_token)
    if found is None:
        raise NotFound(_("没有找到这条反映"))
    report = found.report
    order = report.rectification
    return FollowOut(
        station=report.station.code,
        category=report.category,
        category_label=report.get_category_display(),
        status=report.shown_status,
        status_label=report.get_shown_status_display(),
        count=report.count,
        created_at=report.created_at,
        last_reported_at=report.last_reported_at,
        order_status=order.status if order else None,
        order_deadline=order.deadline if order else None,
        fixed_confirmed=found.fixed_confirmed,
        follow_path=f"/f/{found.token}/",
        submitted_at=found.submitted_at,
        timeline=[
            FollowStepOut(at=step.at, label=step.label)
            for step in selectors.report_progress(report=report, submitted_at=found.submitted_at)
        ],
    )


@router.post("/report", response={200: FollowOut, (404, 422, 429): ErrorOut}, auth=None)
def report(
    request: HttpRequest,
    purpose: Form[str],
    code: Form[str],
    sig: Form[str],
    category: Form[str],
    text: Form[str] = "",
    phone: Form[str] = "",
    reply: Form[bool] = False,
    occupation: Form[str] = "",
    client_id: Form[uuid.UUID | None] = None,
    client_at: Form[dt.datetime | None] = None,
    photo: File[UploadedFile | None] = None,
) -> FollowOut:
    """Multipart form (the photo is optional). The answer carries this worker's own follow
    path (a report merged into an earlier one still gets its own). A phone number is kept
    only with ``reply=true`` (the worker asked to be called back). ``client_at``: as for
    check-ins and ratings, the time the phone made it when sent later from a queue."""
    station = _station(request, purpose, code, sig)
    key = visitor_key_required(request)
    row = services.report_submit(
        station=station,
        visitor_key=key,
        category=category,
        text=text,
        photo=photo,
        phone=phone if reply else "",
        occupation=occupation,
        client_id=client_id,
        client_at=client_at,
    )
    return _follow(selectors.report_follow_token(report=row, visitor_key=key))


@router.get("/follow/{token}", response={200: FollowOut, 404: ErrorOut}, auth=None)
def follow(request: HttpRequest, token: str) -> FollowOut:
    return _follow(token)


@router.get("/mine", response={200: list[MyReportOut], 422: ErrorOut}, auth=None)
def mine(request: HttpRequest) -> list[MyReportOut]:
    """The reports this worker (``X-Visitor``) made or joined, latest first, each with
    their own follow path and its status."""
    return [
        MyReportOut(
            follow_path=f"/f/{r.token}/",
            station=r.station_code,
            station_name=r.station_name,
            category_label=r.category_label,
            status=r.status,
            status_label=r.status_label,
            submitted_at=r.submitted_at,
            count=r.count,
        )
        for r in selectors.reports_of(visitor_key=visitor_key_required(request))
    ]


@router.post(
    "/reports/{report_id}/status",
    response={200: ReportStatusOut, (401, 403, 404, 422): ErrorOut},
    auth=django_auth,
)
def report_status(request: HttpRequest, report_id: int, body: ReportStatusIn) -> ReportStatusOut:
    """Station staff (master, administrator; or a supervising officer or inspector)
    acknowledge a report (受理) or mark it in progress, fixed or closed; recorded with the
    time and who, and shown on the reporters' follow pages (without the name). A report
    handled by a rectification order moves with the order (422 here)."""
    assert isinstance(request.user, User)
    report = selectors.report_for_staff(user=request.user, pk=report_id)
    if report is None:
        raise NotFound(_("没有找到这条反映"))
    now = timezone.now()
    done = services.report_status_set(user=request.user, report=report, status=body.status, now=now)
    return ReportStatusOut(
        id=done.pk, status=done.status, status_label=done.get_status_display(), at=now
    )
