"""Fixtures: a station in 兆麟街道 with a master and a volunteer who have accounts, another
station with its own master, district officers of 道里区 and 南岗区; the clock stopped at
2026-07-01 10:00 in Beijing (summer: heatstroke medicine in season)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine

from yizhan.accounts.models import User
from yizhan.stations.models import StaffRole, Station, StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory
from yizhan.supplies.models import SupplyItem

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    station: Station
    other: Station
    master: User
    volunteer: User
    other_master: User
    officer: User
    other_officer: User


def staff_user(station: Station, role: str, username: str) -> User:
    user = UserFactory(username=username, role="staff", region=station.region)
    StationStaff.objects.create(station=station, role=StaffRole(role), name=username, user=user)
    return user


@pytest.fixture
def world(db) -> World:
    station = StationFactory(code="HRB-DL-T01", name="兆麟测试驿站")
    other = StationFactory(
        code="HRB-NG-T02", name="花园测试驿站", region=RegionFactory(code="230103001")
    )
    return World(
        station=station,
        other=other,
        master=staff_user(station, "master", "master1"),
        volunteer=staff_user(station, "butler", "butler1"),
        other_master=staff_user(other, "master", "master2"),
        officer=UserFactory(username="daoli", role="officer", region=RegionFactory(code="230102")),
        other_officer=UserFactory(
            username="nangang", role="officer", region=RegionFactory(code="230103")
        ),
    )


@pytest.fixture
def item(db):  # type: ignore[no-untyped-def]
    def get(code: str) -> SupplyItem:
        return SupplyItem.objects.get(code=code)

    return get
