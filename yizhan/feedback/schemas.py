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
    client_at: dt.datetime | None = Field(
        default=None,
        description="When it was made, by the phone's clock (an offline queue sending it "
        "later): taken within the last 24 hours, and the record is marked as sent late",
    )


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


class FollowStepOut(Schema):
    at: dt.datetime
    label: str


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
    fixed_confirmed: str = Field(description='This reporter\'s "fixed?" answer: "yes", "no" or ""')
    follow_path: str = Field(description="This reporter's own follow page")
    submitted_at: dt.datetime = Field(description="When this reporter reported it")
    timeline: list[FollowStepOut] = Field(
        description="Their report, then every status change and order step, oldest first"
    )


class MyReportOut(Schema):
    follow_path: str
    station: str
    station_name: str
    category_label: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    count: int


class ReportStatusIn(Schema):
    status: str = Field(
        description='"acknowledged" (受理), "in_progress", "fixed" or "closed"',
        examples=["acknowledged"],
    )


class ReportStatusOut(Schema):
    id: int
    status: str
    status_label: str
    at: dt.datetime
