"""Supplies API for staff apps (session sign-in): a station's stock, and recording use and
restock. Posts carry a ``client_id`` so that a retry after a dropped connection records once.

Errors: 404 for an unknown station or item, 403 for a station the user has no role at
(or a role too small: a volunteer may use, not restock), 422 naming the field."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.security import django_auth

from yizhan.core.errors import NotFound
from yizhan.core.schemas import ErrorOut
from yizhan.stations.access import station_access_require
from yizhan.stations.models import Station
from yizhan.supplies.models import StockMovement, SupplyItem
from yizhan.supplies.schemas import BatchOut, MovementOut, RecordedOut, RestockIn, StockOut, UseIn
from yizhan.supplies.selectors import station_stock
from yizhan.supplies.services import stock_restock, stock_use

router = Router(auth=django_auth)


def _station(code: str) -> Station:
    station = Station.objects.select_related("region").filter(code=code).first()
    if station is None:
        raise NotFound(f"station {code} not found")
    return station


def _item(code: str) -> SupplyItem:
    item = SupplyItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound(f"item {code} not found", extra={"field": "item"})
    return item


def _stock(station: Station) -> list[StockOut]:
    rows = []
    for r in station_stock(station=station, today=timezone.localdate()):
        rows.append(
            StockOut(
                item=r.item.code,
                name=r.item.label,
                unit=r.item.unit,
                category=r.item.category,
                tracks_expiry=r.item.tracks_expiry,
                min_level=r.min_level,
                on_hand=r.on_hand,
                usable=r.usable,
                expired_quantity=r.expired_quantity,
                earliest_expiry=r.earliest_expiry,
                days_to_expiry=r.days_to_expiry,
                state=r.state,
                batches=[BatchOut.model_validate(b) for b in r.batches],
            )
        )
    return rows


def _recorded(station: Station, item: SupplyItem, movements: list[StockMovement]) -> RecordedOut:
    stock = next(r for r in _stock(station) if r.item == item.code)
    return RecordedOut(
        movements=[
            MovementOut(
                id=m.pk,
                kind=m.kind,
                quantity=m.quantity,
                batch_id=m.batch_id,
                batch_no=m.batch.batch_no,
                expires_on=m.batch.expires_on,
                at=m.at,
                client_id=m.client_id,
            )
            for m in movements
        ],
        stock=stock,
    )


@router.get("/stations/{code}/stock", response={200: list[StockOut], (401, 403, 404): ErrorOut})
def stock_get(request: HttpRequest, code: str) -> list[StockOut]:
    """Every item the station keeps, with its batches (first expiring first)."""
    station = _station(code)
    station_access_require(user=request.user, station=station, need="any")
    return _stock(station)


@router.post("/stations/{code}/use", response={200: RecordedOut, (401, 403, 404, 422): ErrorOut})
def use_post(request: HttpRequest, code: str, payload: UseIn) -> RecordedOut:
    """Hand out supplies (any staff of the station), first expiring batch first."""
    station = _station(code)
    station_access_require(user=request.user, station=station, need="any")
    item = _item(payload.item)
    movements = stock_use(
        user=request.user,
        station=station,
        item=item,
        quantity=payload.quantity,
        client_id=payload.client_id,
        note=payload.note,
    )
    return _recorded(station, item, movements)


@router.post(
    "/stations/{code}/restock", response={200: RecordedOut, (401, 403, 404, 422): ErrorOut}
)
def restock_post(request: HttpRequest, code: str, payload: RestockIn) -> RecordedOut:
    """Put a batch on the shelf (station master or administrator)."""
    station = _station(code)
    station_access_require(user=request.user, station=station, need="run")
    item = _item(payload.item)
    movement = stock_restock(
        user=request.user,
        station=station,
        item=item,
        quantity=payload.quantity,
        batch_no=payload.batch_no,
        expires_on=payload.expires_on,
        client_id=payload.client_id,
        note=payload.note,
    )
    return _recorded(station, item, [movement])
