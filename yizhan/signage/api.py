"""The responsibility board as JSON, for a mini-program that draws it itself."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from yizhan.accounts.selectors import station_access
from yizhan.core.errors import NotFound
from yizhan.signage.selectors import board_data
from yizhan.stations.models import Station

router = Router()


class WeekLineOut(Schema):
    days: str
    hours: str


class PersonOut(Schema):
    role: str
    name: str
    phone: str


class QrOut(Schema):
    purpose: str
    caption: str
    url: str


class BoardOut(Schema):
    name: str
    code: str
    kind: str
    address: str
    phone: str
    hours_rule: str
    hours_week: list[WeekLineOut]
    hours_note: str
    services: list[str]
    amenities: list[str]
    people: list[PersonOut]
    union: str
    direct_union: str
    complaint_line: str
    qrs: list[QrOut]


class BoardErrorOut(Schema):
    detail: str


@router.get(
    "/{code}",
    auth=django_auth,
    response={200: BoardOut, 404: BoardErrorOut},
    summary="Responsibility board / 驿站公示牌",
    description="What the station's printed board shows: hours (a usual week and the "
    "holiday rule), services, amenities, station master and administrators with phones, "
    "the supervising unions, the complaint line and the four signed QR links (check in, "
    "rate, report a problem, join the union). Signed-in station staff of that station, "
    "or officers and inspectors whose region holds it.",
)
def board_api(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    station = Station.objects.select_related("region").filter(code=code).first()
    if station is None or not station_access(user=request.user, station=station).any:
        raise NotFound(f"没有编号为 {code} 的驿站 / no station {code}")
    out = asdict(board_data(station))
    for q in out["qrs"]:
        del q["svg"]  # the client draws its own codes from the URLs
    return out
