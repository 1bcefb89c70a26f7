"""Shared fixtures for station tests: a small region tree and a way to make stations
through the real services (so history and validation run as in production)."""

from __future__ import annotations

from typing import Any

import pytest

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.services import Catalogue, station_data_clean, station_upsert


@pytest.fixture
def regions(db) -> dict[str, Region]:
    rows = [
        ("23", "黑龙江省", RegionLevel.PROVINCE, None),
        ("2301", "哈尔滨市", RegionLevel.CITY, "23"),
        ("230102", "道里区", RegionLevel.DISTRICT, "2301"),
        ("230102001", "兆麟街道", RegionLevel.STREET, "230102"),
        ("230102010", "通江街道", RegionLevel.STREET, "230102"),
        ("230103", "南岗区", RegionLevel.DISTRICT, "2301"),
    ]
    out: dict[str, Region] = {}
    for code, name, level, parent in rows:
        out[code] = Region.objects.create(
            code=code, name=name, level=level, parent=out.get(parent) if parent else None
        )
    return out


def station_raw(code: str, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "name": f"测试驿站{code}",
        "kind": "fixed",
        "region_code": "230102001",
        "address": "道里区中央大街1号",
        "lon": 126.6175,
        "lat": 45.7733,
        "opening_hours": "Mo-Su 08:00-20:00",
        "amenities": [{"code": "hot_water"}, {"code": "charging"}],
        "services": ["legal_aid"],
        "status": "active",
    }
    raw.update(overrides)
    return raw


@pytest.fixture
def make_station(regions):
    def make(code: str, *, user: User | None = None, **overrides: Any):
        catalogue = Catalogue.load()
        data = station_data_clean(
            station_raw(code, **overrides),
            catalogue=catalogue,
            scope=Scope(national=True, region=None),
        )
        station, _ = station_upsert(
            data=data, user=user, catalogue=catalogue, scope=Scope(national=True, region=None)
        )
        return station

    return make


def _officer(username: str, region, codenames: list[str]) -> User:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(
        username=username, password=f"pw-{username}-1", is_staff=True, region=region
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="stations", codename__in=codenames)
    )
    return user


@pytest.fixture
def officer(regions) -> User:
    """A district officer of 道里区 with the console permissions."""
    return _officer(
        "daoli",
        regions["230102"],
        ["view_station", "change_station", "add_station", "view_stationchange"],
    )


@pytest.fixture
def street_officer(regions) -> User:
    """A street officer of 兆麟街道 only."""
    return _officer(
        "zhaolin", regions["230102001"], ["view_station", "change_station", "add_station"]
    )
