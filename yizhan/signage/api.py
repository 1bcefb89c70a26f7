"""The responsibility board as JSON, for a mini-program that draws it itself."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from yizhan.core.errors import NotFound
from yizhan.core.schemas import ErrorOut
from yizhan.signage.schemas import BoardOut
from yizhan.signage.selectors import board_data
from yizhan.stations.access import station_access
from yizhan.stations.models import Station

router = Router()


@router.get(
    "/{code}",
    auth=django_auth,
    response={200: BoardOut, (401, 404): ErrorOut},
    summary="Responsibility board / 驿站公示牌",
    description="What the station's printed board shows: hours (a usual week and the "
    "holiday rule), services, amenities, station master and administrators with phones, "
    "the supervising unions, the complaint line and the four signed QR links (check in, "
    "rate, report a problem, join the union). Signed-in station staff of that station, "
    "or officers and inspectors whose region holds it.",
)
def board_api(request: HttpRequest, code: str) -> BoardOut:
    station = Station.objects.select_related("region").filter(code=code).first()
    if station is None or not station_access(user=request.user, station=station).any:
        raise NotFound(f"没有编号为 {code} 的驿站 / no station {code}")
    # The QR codes' svg is left out: the client draws its own codes from the URLs.
    return BoardOut.model_validate(board_data(station))
