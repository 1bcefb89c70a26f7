"""Printable responsibility boards (公示牌) and the scan of their QR codes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from yizhan.accounts.models import User
from yizhan.core.ratelimit import rate_limited
from yizhan.feedback.views import qr_page
from yizhan.operations.access import station_for_request
from yizhan.signage.qr import qr_verify
from yizhan.signage.selectors import board_data, board_index, region_boards, region_for_boards

SIZES = ("a4", "a3")
QR_SCANS_PER_MINUTE = 60
FEEDBACK_PURPOSES = ("checkin", "rate", "report")


def _size(request: HttpRequest) -> str:
    size = request.GET.get("size", "a4").lower()
    return size if size in SIZES else "a4"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required
    return request.user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    data = board_index(user=_user(request))
    return render(request, "signage/index.html", {"index": data, "nav": "boards"})


@login_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    station, _access = station_for_request(request, code, need="any")
    return render(
        request,
        "signage/print.html",
        {"boards": [board_data(station, svgs=True)], "size": _size(request), "region": None},
    )


@login_required
def region(request: HttpRequest, region_code: str) -> HttpResponse:
    obj = region_for_boards(user=_user(request), code=region_code)
    if obj is None:
        raise Http404(region_code)
    return render(
        request,
        "signage/print.html",
        {"boards": region_boards(region=obj, svgs=True), "size": _size(request), "region": obj},
    )


def scan(request: HttpRequest, purpose: str, code: str, sig: str) -> HttpResponse:
    """A scanned board QR code: checked, then the worker's page for check-in, rating or a
    problem report at this same signed URL (`yizhan.feedback.views.qr_page`); "join" goes
    on to the station's page (``?from=qr&do=join``)."""
    if rate_limited(request, scope="qr", per_minute=QR_SCANS_PER_MINUTE):
        response = render(request, "signage/scan_problem.html", {"problem": "slow"}, status=429)
        response["Retry-After"] = "60"
        return response
    if not qr_verify(purpose, code, sig):
        return render(request, "signage/scan_problem.html", {"problem": "invalid"}, status=404)
    if purpose in FEEDBACK_PURPOSES:
        return qr_page(request, purpose=purpose, code=code, sig=sig)
    target = reverse("finder:station", args=[code])
    return redirect(f"{target}?{urlencode({'from': 'qr', 'do': purpose})}")
