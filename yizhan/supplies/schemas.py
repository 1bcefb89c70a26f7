"""API shapes of supplies: a station's stock, and use and restock recorded."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema


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
