"""Demo shifts for the demo city (Harbin Daoli, 230102): volunteers open weekday-only
stations on the coming two weekends (Saturday 09:00–17:00 as 一日站长, Sunday
10:00–16:00 as 驿站管家), at up to three stations. When the user "volunteer1" exists (the
demo set-up creates it), they are signed up for each, so the finder shows the stations
open on those days, "志愿者值守".

Safe to run again: a shift is made once per (station, start), a sign-up once per shift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.stations.models import Station, StationKind, StationStatus
from yizhan.volunteers.models import Shift, ShiftRole, ShiftSignup, SignupStatus

DEMO_DISTRICT = "230102"
DEMO_USER = "volunteer1"
DEMO_NOTE = "演示数据：周末志愿者值守，延长开放"
# (weekday, start, end, role, slots)
WEEKEND = (
    (5, dt.time(9), dt.time(17), ShiftRole.ONE_DAY_MASTER, 2),
    (6, dt.time(10), dt.time(16), ShiftRole.BUTLER, 1),
)


@dataclass(frozen=True)
class DemoShifts:
    shifts: int
    signups: int


def _weekday_only(hours: str) -> bool:
    return "Mo-Fr" in hours and "Sa" not in hours and "Su" not in hours and "24/7" not in hours


@transaction.atomic
def demo_ensure(*, now: dt.datetime) -> DemoShifts:
    stations = [
        s
        for s in Station.objects.filter(
            region__code__startswith=DEMO_DISTRICT,
            status=StationStatus.ACTIVE,
            kind=StationKind.FIXED,
        ).order_by("code")
        if _weekday_only(s.opening_hours)
    ][:3]
    volunteer = User.objects.filter(username=DEMO_USER, is_active=True).first()
    today = now.astimezone(SHANGHAI).date()
    made = signed = 0
    for place, station in enumerate(stations):
        for week in range(2):
            for k, (weekday, start, end, role, slots) in enumerate(WEEKEND):
                day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * week)
                starts_at = dt.datetime.combine(day, start, SHANGHAI)
                if starts_at <= now:
                    continue
                shift, created = Shift.objects.get_or_create(
                    station=station,
                    starts_at=starts_at,
                    defaults={
                        "ends_at": dt.datetime.combine(day, end, SHANGHAI),
                        "role": role,
                        "slots": slots,
                        "extends_hours": True,
                        "note": DEMO_NOTE,
                    },
                )
                made += created
                # One person keeps one station open at a time: each weekend day the
                # demo volunteer staffs one of the stations, in turn.
                mine = place == (week * len(WEEKEND) + k) % len(stations)
                if volunteer is None or shift.cancelled or not mine:
                    continue
                if not ShiftSignup.objects.filter(
                    shift=shift, user=volunteer, status=SignupStatus.SIGNED_UP
                ).exists():
                    ShiftSignup.objects.create(shift=shift, user=volunteer, signed_up_at=now)
                    shift.save(update_fields=["updated_at"])
                    signed += 1
    return DemoShifts(shifts=made, signups=signed)
