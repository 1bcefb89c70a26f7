"""Two stations in 道里区 (one per street), their administrator and officers; the clock
starts on Tuesday 1 December 2026, 10:00 Beijing time."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI

# The operations tests' district (a station with its master and administrator, officers
# of street, district and city, an inspector): where a worker's report must reach people.
from yizhan.operations.tests.conftest import daoli  # noqa: F401
from yizhan.signage.selectors import qr_path
from yizhan.stations.models import StaffRole, Station, StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
VISITOR = "v" * 24


def jpeg(name: str = "door.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 30, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class Place:
    station: Station
    other: Station
    admin: User
    officer: User
    other_officer: User


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(db, clock) -> Place:
    district = RegionFactory(code="230102")
    street = RegionFactory(code="230102001")
    other_street = RegionFactory(code="230102010")
    station = StationFactory(code="HRB-DL-001", region=street, name="兆麟驿站")
    other = StationFactory(code="HRB-DL-002", region=other_street, name="通江驿站")
    admin = UserFactory(username="admin1", role="staff", first_name="李管理")
    StationStaff.objects.create(
        station=station,
        role=StaffRole.ADMINISTRATOR,
        name="李管理",
        phone="13800000000",
        user=admin,
    )
    return Place(
        station=station,
        other=other,
        admin=admin,
        officer=UserFactory(username="district", role="officer", region=district),
        other_officer=UserFactory(username="street10", role="officer", region=other_street),
    )


def qr(station: Station, purpose: str = "checkin") -> str:
    return qr_path(station.code, purpose)
