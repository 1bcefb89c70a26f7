"""Worker feedback for mini-programs and the city app: check in, rate, report at a station
given its board QR code's fields (purpose, code, sig), and follow a report.

The worker is the ``X-Visitor`` header (a random id of 16–64 URL-safe characters the
client keeps) or the QR pages' signed cookie. A forged code is a 404; too many writes
a 429; bad fields a 422 naming them."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from yizhan.core.errors import NotFound, TooManyRequests
from yizhan.core.ratelimit import rate_limited
from yizhan.core.schemas import ErrorOut
from yizhan.feedback import selectors, services
from yizhan.feedback.schemas import CheckInOut, FollowOut, QrIn, RatingIn, RatingOut
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
    )
    return RatingOut(
        station=station.code,
        day=row.day,
        stars=row.stars,
        checked_in=row.checked_in,
        weight=row.weight,
    )


def _follow(report_token: str) -> FollowOut:
    report = selectors.report_by_token(token=report_token)
    if report is None:
        raise NotFound(_("没有找到这条反映"))
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
        fixed_confirmed=report.fixed_confirmed,
        follow_path=f"/f/{report.follow_token}/",
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
    photo: File[UploadedFile] | None = None,
) -> FollowOut:
    """Multipart form (the photo is optional). The answer carries the follow path. A
    phone number is kept only with ``reply=true`` (the worker asked to be called back)."""
    station = _station(request, purpose, code, sig)
    row = services.report_submit(
        station=station,
        visitor_key=visitor_key_required(request),
        category=category,
        text=text,
        photo=photo,
        phone=phone if reply else "",
        occupation=occupation,
        client_id=client_id,
    )
    return _follow(row.follow_token)


@router.get("/follow/{token}", response={200: FollowOut, 404: ErrorOut}, auth=None)
def follow(request: HttpRequest, token: str) -> FollowOut:
    return _follow(token)
