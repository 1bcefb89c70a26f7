"""API shapes of the lockers and the exchange (workers and the locker itself)."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field


class OfferOut(Schema):
    item: str
    name: str
    unit: str
    available: int
    expires_on: dt.date | None
    quota_per_week: int
    quota_left: int | None  # with an X-Visitor header: this worker's reservations left


class ReservationIn(Schema):
    station: str = Field(max_length=40)
    item: str = Field(max_length=40)
    occupation: str = ""
    client_id: uuid.UUID | None = None


class ReservationOut(Schema):
    id: int
    station: str
    station_name: str
    locker: str
    item: str
    item_name: str
    code: str | None  # only while it can be used
    status: str
    status_label: str
    created_at: dt.datetime
    expires_at: dt.datetime


class DonationOut(Schema):
    id: int
    station: str
    station_name: str
    category: str
    category_label: str
    title: str
    description: str
    condition: str
    condition_label: str
    photo: str | None
    created_at: dt.datetime


class ClaimIn(Schema):
    occupation: str = ""
    client_id: uuid.UUID | None = None


class ClaimOut(Schema):
    id: int
    donation: int
    title: str
    station: str
    station_name: str
    code: str | None
    status: str
    status_label: str
    expires_at: dt.datetime


class CodeIn(Schema):
    code: str = Field(max_length=16)


class CompartmentOpeningOut(Schema):
    reservation: int
    compartment: int
    item: str


class PickupIn(Schema):
    reservation: int
