"""API shapes of worker feedback: the QR fields sent, what a check-in, a rating and a
report give back."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field


class QrIn(Schema):
    purpose: str = Field(max_length=10)
    code: str = Field(max_length=40)
    sig: str = Field(max_length=40)
    occupation: str = ""
    client_id: uuid.UUID | None = None


class RatingIn(QrIn):
    stars: int
    tags: list[str] = []
    comment: str = ""


class CheckInOut(Schema):
    station: str
    at: dt.datetime


class RatingOut(Schema):
    station: str
    day: dt.date
    stars: int
    checked_in: bool
    weight: float


class FollowOut(Schema):
    station: str
    category: str
    category_label: str
    status: str
    status_label: str
    count: int
    created_at: dt.datetime
    last_reported_at: dt.datetime
    order_status: str | None
    order_deadline: dt.datetime | None
    fixed_confirmed: str
    follow_path: str
