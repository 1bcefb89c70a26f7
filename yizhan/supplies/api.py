"""Supplies API for staff apps (session sign-in): a station's stock, and recording use and
restock. Posts carry a ``client_id`` so that a retry after a dropped connection records once.

Errors: 404 for an unknown station or item, 403 for a station the user has no role at
(or a role too small: a volunteer may use, not restock), 422 naming the field."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yizhan.core.errors import NotFound
from yizhan.operations.access import station_access_require
from yizhan.stations.models import Station
from yizhan.supplies.models import StockMovement, SupplyItem
from yizhan.supplies.selectors import station_stock
from yizhan.supplies.services import stock_restock, stock_use

router = Router(auth=django_auth)


class BatchOut(Schema):
    id: int
    batch_no: str
    expires_on: dt.date | None
    quantity: int
    days_to_expiry: int | None
    state: str = Field(description="expired / expiring / ok")


class StockOut(Schema):
    item: str = Field(description="catalogue code, e.g. huoxiang")
    name: str
    unit: str
    category: str
    tracks_expiry: bool
    min_level: int
    on_hand: int
    usable: int = Field(description="on hand minus expired batches")
    expired_quantity: int
    earliest_expiry: dt.date | None
    days_to_expiry: int | None
    state: str = Field(description="expired / expiring (≤ 30 days) / low / ok")
    batches: list[BatchOut]


class UseIn(Schema):
    item: str
    quantity: int
    client_id: uuid.UUID | None = None
    note: str = ""


class RestockIn(Schema):
    item: str
    quantity: int
    batch_no: str = ""
    expires_on: dt.date | None = None
    client_id: uuid.UUID | None = None
    note: str = ""


class MovementOut(Schema):
    id: int
    kind: str
    quantity: int = Field(description="signed: + in, − out")
    batch_id: int
    batch_no: str
    expires_on: dt.date | None
    at: dt.datetime
    client_id: uuid.UUID | None


class RecordedOut(Schema):
    movements: list[MovementOut]
    stock: StockOut


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


def _stock(station: Station) -> list[dict[str, object]]:
    rows = []
    for r in station_stock(station=station, today=timezone.localdate()):
        rows.append(
            {
                "item": r.item.code,
                "name": r.item.label,
                "unit": r.item.unit,
                "category": r.item.category,
                "tracks_expiry": r.item.tracks_expiry,
                "min_level": r.min_level,
                "on_hand": r.on_hand,
                "usable": r.usable,
                "expired_quantity": r.expired_quantity,
                "earliest_expiry": r.earliest_expiry,
                "days_to_expiry": r.days_to_expiry,
                "state": r.state,
                "batches": [vars(b) for b in r.batches],
            }
        )
    return rows


def _recorded(station: Station, item: SupplyItem, movements: list[StockMovement]) -> dict:
    stock = next(r for r in _stock(station) if r["item"] == item.code)
    return {
        "movements": [
            {
                "id": m.pk,
                "kind": m.kind,
                "quantity": m.quantity,
                "batch_id": m.batch_id,
                "batch_no": m.batch.batch_no,
                "expires_on": m.batch.expires_on,
                "at": m.at,
                "client_id": m.client_id,
            }
            for m in movements
        ],
        "stock": stock,
    }


@router.get("/stations/{code}/stock", response=list[StockOut])
def stock_get(request: HttpRequest, code: str) -> list[dict[str, object]]:
    """Every item the station keeps, with its batches (first expiring first)."""
    station = _station(code)
    station_access_require(user=request.user, station=station, need="any")
    return _stock(station)


@router.post("/stations/{code}/use", response=RecordedOut)
def use_post(request: HttpRequest, code: str, payload: UseIn) -> dict:
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


@router.post("/stations/{code}/restock", response=RecordedOut)
def restock_post(request: HttpRequest, code: str, payload: RestockIn) -> dict:
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
