"""A small district for operations tests: 道里区 with two streets, one station with its
administrator and master, officers at street, district and city level, an inspector and a
registered worker. The clock starts on Tuesday 1 December 2026, 08:30 Beijing time."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.regions.models import Region
from yizhan.stations.models import StaffRole, Station, StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

START = dt.datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI)


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 30, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class District:
    street: Region
    other_street: Region
    district: Region
    city: Region
    station: Station
    other: Station
    administrator: User
    master: User
    other_admin: User
    street_officer: User
    district_officer: User
    city_officer: User
    inspector: User
    worker: User


@pytest.fixture(autouse=True)
def _fresh_finder():
    """Equipment changes show in the finder: start each test from an unbuilt index."""
    from yizhan.finder.cache import finder_index_forget

    finder_index_forget()
    yield
    finder_index_forget()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def daoli(db, clock) -> District:
    street = RegionFactory(code="230102001")
    other_street = RegionFactory(code="230102010")
    district, city = street.parent, street.parent.parent
    # Both stations have been running since the spring.
    clock.move_to(dt.datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI))
    station = StationFactory(
        code="HRB-DL-001",
        name="兆麟1号工会驿站",
        region=street,
        lat=45.7733,
        lon=126.6175,
        amenities=["hot_water", "microwave", "charging", "heater"],
    )
    other = StationFactory(code="HRB-DL-002", region=other_street, lat=45.7800, lon=126.6300)
    clock.move_to(START)

    def staff(username: str, role: str, at: Station, name: str) -> User:
        user = UserFactory(username=username, role="staff", first_name=name)
        StationStaff.objects.create(
            station=at, role=role, name=name, phone="13800000000", user=user
        )
        return user

    return District(
        street=street,
        other_street=other_street,
        district=district,
        city=city,
        station=station,
        other=other,
        administrator=staff("admin1", StaffRole.ADMINISTRATOR, station, "李管理"),
        master=staff("master1", StaffRole.MASTER, station, "王站长"),
        other_admin=staff("admin2", StaffRole.ADMINISTRATOR, other, "赵管理"),
        street_officer=UserFactory(
            username="street", role="officer", region=street, phone="13900000001"
        ),
        district_officer=UserFactory(username="district", role="officer", region=district),
        city_officer=UserFactory(username="city", role="officer", region=city),
        inspector=UserFactory(username="inspector", role="inspector", region=district),
        worker=UserFactory(username="rider", role="worker"),
    )
