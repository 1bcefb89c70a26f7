"""Printable responsibility boards (公示牌). Their QR codes lead to ``/q/...``, which
feedback serves (`yizhan.feedback.views.scan`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yizhan.accounts.models import User
from yizhan.signage.selectors import board_data, board_index, region_boards, region_for_boards
from yizhan.stations.access import station_for_request

SIZES = ("a4", "a3")


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
