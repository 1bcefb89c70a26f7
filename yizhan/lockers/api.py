"""Lockers and the exchange for mini-programs and locker devices.

Workers are the ``X-Visitor`` header (a random id of 16–64 URL-safe characters the client
keeps) or the worker pages' signed cookie, as for feedback; their writes are limited per
address. Lockers sign their calls as every device does (docs/devices.md): the code check
and the pickup confirmation, with wrong codes throttled per locker."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from yizhan.core.errors import FieldError, NotFound, TooManyRequests, ValidationFailed
from yizhan.core.hooks import nearby_station_codes
from yizhan.core.ratelimit import rate_limited
from yizhan.core.schemas import ErrorOut
from yizhan.devices.services import device_authenticate, device_rate_check
from yizhan.lockers import selectors, services
from yizhan.lockers.models import Claim, Donation, Reservation
from yizhan.lockers.schemas import (
    ClaimIn,
    ClaimOut,
    CodeIn,
    CompartmentOpeningOut,
    DonationOut,
    OfferOut,
    PickupIn,
    ReservationIn,
    ReservationOut,
)
from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import SupplyItem
from yizhan.visitors.selectors import visitor_by_key, visitor_key_valid
from yizhan.visitors.services import visitor_key_required

router = Router()


def _writes(request: HttpRequest) -> None:
    limit = int(settings.YIZHAN["LOCKER_WRITES_PER_MINUTE"])
    if rate_limited(request, scope="lockers-write", per_minute=limit):
        raise TooManyRequests(_("提交太频繁，请一分钟后再试"))


def _station(code: str) -> Station:
    station = (
        Station.objects.select_related("region")
        .filter(code=code, status=StationStatus.ACTIVE)
        .first()
    )
    if station is None:
        raise NotFound(_("没有这个驿站"), extra={"field": "station"})
    return station


def reservation_out(r: Reservation) -> ReservationOut:
    live = r.status == "reserved"
    return ReservationOut(
        id=r.pk,
        station=r.station.code,
        station_name=r.station.name,
        locker=r.locker.name,
        item=r.item.code,
        item_name=r.item.label,
        code=r.code if live else None,
        status=r.status,
        status_label=str(r.get_status_display()),
        created_at=r.created_at,
        expires_at=r.expires_at,
    )


def donation_out(d: Donation) -> DonationOut:
    return DonationOut(
        id=d.pk,
        station=d.station.code,
        station_name=d.station.name,
        category=d.category,
        category_label=str(d.get_category_display()),
        title=d.title,
        description=d.description,
        condition=d.condition,
        condition_label=str(d.get_condition_display()),
        photo=d.photo.url if d.photo else None,
        created_at=d.created_at,
    )


def claim_out(c: Claim) -> ClaimOut:
    return ClaimOut(
        id=c.pk,
        donation=c.donation_id,
        title=c.donation.title,
        station=c.station.code,
        station_name=c.station.name,
        code=c.code if c.status == "active" else None,
        status=c.status,
        status_label=str(c.get_status_display()),
        expires_at=c.expires_at,
    )


@router.get(
    "/stations/{code}/offer",
    response={200: list[OfferOut], 404: ErrorOut},
    summary="What a station's lockers can give now, with the worker's quota left",
)
def offer(request: HttpRequest, code: str) -> list[OfferOut]:
    station = _station(code)
    now = timezone.now()
    key = request.headers.get("X-Visitor", "")
    visitor = visitor_by_key(key=key)
    out = []
    for o in selectors.station_offer(station=station, now=now):
        quota = services.quota_for(
            visitor_id=visitor.pk if visitor else None, station=station, item=o.item, now=now
        )
        out.append(
            OfferOut(
                item=o.item.code,
                name=o.item.label,
                unit=o.item.unit,
                available=o.available,
                expires_on=o.expires_on,
                quota_per_week=quota.per_week,
                quota_left=quota.left if visitor_key_valid(key) else None,
            )
        )
    return out


@router.post(
    "/reservations",
    response={200: ReservationOut, (400, 404, 409, 422, 429): ErrorOut},
    summary="Reserve one unit of an item at a station's lockers: a pickup code",
    description=(
        "409 with `reason: out_of_stock` when none is left; 400 when the weekly quota is "
        "used. Idempotent on `client_id`."
    ),
)
def reserve(request: HttpRequest, payload: ReservationIn) -> ReservationOut:
    _writes(request)
    station = _station(payload.station)
    item = SupplyItem.objects.filter(code=payload.item).first()
    if item is None:
        raise ValidationFailed(errors=[FieldError("item", _("没有这种物资"), value=payload.item)])
    r = services.reservation_create(
        visitor_key=visitor_key_required(request),
        station=station,
        item=item,
        occupation=payload.occupation,
        client_id=payload.client_id,
    )
    r = Reservation.objects.select_related("station", "locker", "item").get(pk=r.pk)
    return reservation_out(r)


@router.get("/reservations", response={200: list[ReservationOut], 422: ErrorOut})
def my_reservations(request: HttpRequest) -> list[ReservationOut]:
    return [
        reservation_out(r)
        for r in selectors.reservations_of(visitor_key=visitor_key_required(request))
    ]


@router.post("/reservations/{pk}/cancel", response={200: ReservationOut, (404, 422): ErrorOut})
def cancel(request: HttpRequest, pk: int) -> ReservationOut:
    key = visitor_key_required(request)
    found = selectors.reservation_of(visitor_key=key, pk=pk)
    if found is None:
        raise NotFound(_("没有这个预约"))
    services.reservation_cancel(visitor_key=key, reservation=found)
    found.refresh_from_db()
    return reservation_out(found)


@router.get(
    "/exchange/nearby",
    response={200: list[DonationOut], 422: ErrorOut},
    summary="Donated items listed at the stations nearest a point (WGS-84)",
)
def exchange_nearby(
    request: HttpRequest, lat: float, lon: float, category: str = "", limit: int = 50
) -> list[DonationOut]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(errors=[FieldError("lat", _("坐标无效"))])
    if not 1 <= limit <= 100:
        raise ValidationFailed(errors=[FieldError("limit", _("条数应为 1–100"))])
    codes = nearby_station_codes(lat=lat, lon=lon, limit=30)
    ids_by_code = dict(Station.objects.filter(code__in=codes).values_list("code", "pk"))
    ids = [ids_by_code[c] for c in codes if c in ids_by_code]
    order = {sid: n for n, sid in enumerate(ids)}
    found = list(selectors.donations_listed(station_ids=ids, category=category, limit=limit))
    found.sort(key=lambda d: (order.get(d.station_id, 99), -d.created_at.timestamp()))
    return [donation_out(d) for d in found]


@router.post(
    "/exchange/{pk}/claim",
    response={200: ClaimOut, (400, 404, 409, 422, 429): ErrorOut},
    summary="Claim a donated item: a code to show at the station",
)
def claim(request: HttpRequest, pk: int, payload: ClaimIn) -> ClaimOut:
    _writes(request)
    donation = Donation.objects.filter(pk=pk).first()
    if donation is None:
        raise NotFound(_("没有这件物品"))
    c = services.donation_claim(
        visitor_key=visitor_key_required(request),
        donation=donation,
        occupation=payload.occupation,
        client_id=payload.client_id,
    )
    return claim_out(Claim.objects.select_related("station", "donation").get(pk=c.pk))


@router.get("/exchange/claims", response={200: list[ClaimOut], 422: ErrorOut})
def my_claims(request: HttpRequest) -> list[ClaimOut]:
    return [claim_out(c) for c in selectors.claims_of(visitor_key=visitor_key_required(request))]


# ---------------------------------------------------------------- the locker itself

_SIGNED = (
    "Signed as every device (docs/devices.md): X-Device-Serial, X-Timestamp, X-Nonce, "
    "X-Signature over the method, this path, the timestamp, the nonce and the body's hash."
)


def _device(request: HttpRequest) -> Any:
    device = device_authenticate(
        headers=request.headers,
        method=request.method or "POST",
        path=request.path,
        body=request.body,
    )
    device_rate_check(device=device)
    return device


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(errors=[FieldError("body", _("请求体不是有效的JSON"))]) from None
    if not isinstance(data, dict):
        raise ValidationFailed(errors=[FieldError("body", _("请求体应为 JSON 对象"))])
    return data


@router.post(
    "/device/check",
    response={200: CompartmentOpeningOut, (401, 404, 409, 422, 429): ErrorOut},
    throttle=[],
    summary="Locker: which compartment does this pickup code open? (spends the code)",
    description=_SIGNED + ' Body: {"code": "123456"}. Ten wrong codes in 10 minutes lock it.',
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CodeIn.model_json_schema()}},
        }
    },
)
def device_check(request: HttpRequest) -> CompartmentOpeningOut:
    device = _device(request)
    code = str(_body(request).get("code", ""))[:16]
    opening = services.code_check(device=device, code=code)
    return CompartmentOpeningOut(
        reservation=opening.reservation.pk,
        compartment=opening.compartment,
        item=opening.reservation.item.code,
    )


@router.post(
    "/device/pickup",
    response={200: ReservationOut, (400, 401, 404, 409, 422, 429): ErrorOut},
    throttle=[],
    summary="Locker: the door closed after an opening (the hand-out is done)",
    description=_SIGNED + ' Body: {"reservation": 42}. Resending is safe.',
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PickupIn.model_json_schema()}},
        }
    },
)
def device_pickup(request: HttpRequest) -> ReservationOut:
    device = _device(request)
    raw = _body(request).get("reservation")
    if not isinstance(raw, int):
        raise ValidationFailed(errors=[FieldError("reservation", _("应为预约编号(整数)"))])
    r = services.pickup_confirm(device=device, reservation_id=raw)
    return reservation_out(
        Reservation.objects.select_related("station", "locker", "item").get(pk=r.pk)
    )
