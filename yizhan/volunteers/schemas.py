"""API shapes of volunteer shifts and sign-ups."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class ShiftOut(Schema):
    id: int
    role: str
    role_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    free: int
    extends_hours: bool
    staffed: bool
    title: str


class SignupOut(Schema):
    id: int
    shift: int
    status: str
    signed_up_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
