"""Shared set-up: Thursday 12 March 2026 in Harbin, a weekday-only station (Mo-Fr
09:00-17:00) at Central Street with its station master, a registered worker who
volunteers, and Saturday's shift helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, _fresh_finder  # noqa: F401
from yizhan.stations.models import StaffRole, Station, StationStaff
from yizhan.stations.tests.factories import StationFactory, UserFactory
from yizhan.volunteers.models import Shift

THURSDAY_10AM = dt.datetime(2026, 3, 12, 10, 0, tzinfo=SHANGHAI)
SATURDAY = dt.date(2026, 3, 14)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


@pytest.fixture
def thursday() -> Iterator[None]:
    with time_machine.travel(THURSDAY_10AM):
        yield


@pytest.fixture
def station(db) -> Station:
    return StationFactory(
        code="WD1",
        name="工作日驿站",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        opening_hours="Mo-Fr 09:00-17:00",
        amenities=["hot_water", "charging"],
    )


@pytest.fixture
def master(station: Station) -> User:
    user = UserFactory(username="master1", role="staff", region=station.region)
    StationStaff.objects.create(station=station, role=StaffRole.MASTER, name="王站长", user=user)
    return user


@pytest.fixture
def volunteer(db) -> User:
    return UserFactory(username="volunteer1", role="worker", first_name="小李")


@pytest.fixture
def saturday_shift(station: Station, master: User) -> Shift:
    return Shift.objects.create(
        station=station,
        role=StaffRole.ONE_DAY_MASTER,
        starts_at=at(SATURDAY, 10),
        ends_at=at(SATURDAY, 16),
        slots=2,
        extends_hours=True,
        created_by=master,
    )
