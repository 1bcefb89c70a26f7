"""Registry services: validation naming fields, history, lifecycle, mobile timetables."""

from __future__ import annotations

from datetime import datetime

import pytest

from yizhan.accounts.selectors import Scope
from yizhan.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.stations.models import Station, StationChange
from yizhan.stations.selectors import mobile_station_position
from yizhan.stations.services import (
    Catalogue,
    station_data_clean,
    station_status_set,
    station_upsert,
)
from yizhan.stations.tests.conftest import station_raw

pytestmark = pytest.mark.django_db
NATIONAL = Scope(national=True, region=None)


def clean(raw, scope=NATIONAL):
    return station_data_clean(raw, catalogue=Catalogue.load(), scope=scope, row=7)


def test_every_bad_field_is_named_with_its_row(regions):
    raw = station_raw(
        "bad code!",
        name="驿" * 61,
        kind="bus",
        region_code="999999",
        lon=45.77,
        lat=126.61,
        opening_hours="sometimes",
        star_level="6",
        amenities=[{"code": "jacuzzi"}],
    )
    with pytest.raises(ValidationFailed) as err:
        clean(raw)
    fields = {e.field for e in err.value.errors}
    assert fields == {
        "code",
        "name",
        "kind",
        "region_code",
        "lon",
        "opening_hours",
        "star_level",
        "amenities",
    }
    assert all(e.row == 7 for e in err.value.errors)


def test_out_of_scope_region_is_refused(regions):
    street = Scope(national=False, region=regions["230102001"])
    with pytest.raises(ValidationFailed) as err:
        clean(station_raw("X1", region_code="230102010"), scope=street)
    assert err.value.errors[0].field == "region_code"
    assert "管辖" in err.value.errors[0].message


def test_bd09_input_is_converted_to_wgs84(regions):
    from geoplan.crs import from_wgs84

    lon, lat = from_wgs84(126.6175, 45.7733, "bd09")
    data = clean(station_raw("X1", lon=lon, lat=lat, crs="BD09"))
    assert data.lon == pytest.approx(126.6175, abs=2e-6)
    assert data.lat == pytest.approx(45.7733, abs=2e-6)


def test_upsert_is_idempotent_and_keeps_history(make_station, officer):
    station = make_station("H1", user=officer)
    catalogue = Catalogue.load()
    same = clean(station_raw("H1"))
    _, outcome = station_upsert(data=same, user=officer, catalogue=catalogue, scope=NATIONAL)
    assert outcome == "unchanged"
    edited = clean(station_raw("H1", address="道里区西十二道街5号", amenities=[]))
    _, outcome = station_upsert(data=edited, user=officer, catalogue=catalogue, scope=NATIONAL)
    assert outcome == "updated"
    history = list(StationChange.objects.filter(station=station).order_by("changed_at", "id"))
    assert [h.action for h in history] == ["create", "update"]
    assert history[1].changes["address"] == ["道里区中央大街1号", "道里区西十二道街5号"]
    assert history[1].changes["amenities"][1] == []
    assert history[1].changed_by == officer


def test_status_lifecycle(make_station, regions, officer):
    station = make_station("S1", status="planned")
    scope = Scope(national=False, region=regions["230102"])
    station = station_status_set(
        station=station, status="active", reason="", user=officer, scope=scope
    )
    with pytest.raises(ValidationFailed):
        station_status_set(
            station=station, status="suspended", reason=" ", user=officer, scope=scope
        )
    station = station_status_set(
        station=station, status="suspended", reason="供暖检修", user=officer, scope=scope
    )
    station = station_status_set(
        station=station, status="delisted", reason="连续两张红牌", user=officer, scope=scope
    )
    with pytest.raises(ApplicationError):
        station_status_set(station=station, status="active", reason="", user=officer, scope=scope)
    assert Station.objects.get(code="S1").status == "delisted"
    other = Scope(national=False, region=regions["230103"])
    with pytest.raises(PermissionDenied):
        station_status_set(station=station, status="planned", reason="", user=None, scope=other)


def test_mobile_station_position_follows_its_timetable(make_station):
    bus = make_station(
        "M1",
        kind="mobile",
        opening_hours="Mo-Su 10:00-21:00",
        stops=[
            {
                "place_name": "中央大街",
                "lat": 45.7733,
                "lon": 126.6175,
                "hours": "Mo-Fr 11:00-14:00",
            },
            {
                "place_name": "群力外滩",
                "lat": 45.7400,
                "lon": 126.5500,
                "hours": "Sa,Su 16:00-21:00",
            },
        ],
    )
    weekday_noon = datetime(2026, 3, 4, 12, 0, tzinfo=SHANGHAI)
    saturday_evening = datetime(2026, 3, 7, 18, 0, tzinfo=SHANGHAI)
    weekday_evening = datetime(2026, 3, 4, 18, 0, tzinfo=SHANGHAI)
    assert mobile_station_position(station=bus, at=weekday_noon).place_name == "中央大街"
    assert mobile_station_position(station=bus, at=saturday_evening).place_name == "群力外滩"
    assert mobile_station_position(station=bus, at=weekday_evening) is None


def test_timetable_only_for_mobile_stations(regions):
    with pytest.raises(ValidationFailed) as err:
        clean(
            station_raw(
                "F1",
                stops=[{"place_name": "x", "lat": 45.7, "lon": 126.6, "hours": "Mo 10:00-11:00"}],
            )
        )
    assert err.value.errors[0].field == "stops"


def test_an_officer_cannot_take_over_another_streets_station_by_code(make_station, regions):
    make_station("T9", region_code="230102010")
    zhaolin = Scope(national=False, region=regions["230102001"])
    data = clean(station_raw("T9", region_code="230102001"), scope=zhaolin)
    with pytest.raises(ValidationFailed) as err:
        station_upsert(data=data, user=None, catalogue=Catalogue.load(), scope=zhaolin)
    assert err.value.errors[0].field == "code"
    assert Station.objects.get(code="T9").region.code == "230102010"


def test_upsert_follows_the_lifecycle(make_station):
    make_station("D1", status="delisted", status_reason="长期闭门")
    data = clean(station_raw("D1", status="active"))
    with pytest.raises(ValidationFailed) as err:
        station_upsert(data=data, user=None, catalogue=Catalogue.load(), scope=NATIONAL)
    assert err.value.errors[0].field == "status"


@pytest.mark.parametrize(("cell", "expected"), [("是", True), ("否", False), ("", False)])
def test_workday_cells(regions, cell, expected):
    assert clean(station_raw("W1", keeps_workday_hours=cell)).keeps_workday_hours is expected


def test_workday_cell_garbage_is_named(regions):
    with pytest.raises(ValidationFailed) as err:
        clean(station_raw("W1", keeps_workday_hours="maybe"))
    assert err.value.errors[0].field == "keeps_workday_hours"


def test_stop_coordinates_follow_the_rows_crs(regions):
    from geoplan.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(126.6175, 45.7733)
    data = clean(
        station_raw(
            "M2",
            kind="mobile",
            crs="gcj02",
            lon=glon,
            lat=glat,
            stops=[
                {"place_name": "中央大街", "lon": glon, "lat": glat, "hours": " Sa 10:00-12:00 "}
            ],
        ),
    )
    stop = data.stops[0]
    assert stop.lon == pytest.approx(126.6175, abs=2e-6)
    assert stop.hours == "Sa 10:00-12:00"


def test_staff_account_links_survive_an_edit(make_station, officer):
    from yizhan.stations.models import StationStaff

    staff = [{"role": "master", "name": "王建国", "phone": "13800000001"}]
    station = make_station("L1", staff=staff)
    StationStaff.objects.filter(station=station).update(user=officer)
    data = clean(station_raw("L1", staff=staff, address="道里区友谊路8号"))
    station_upsert(data=data, user=None, catalogue=Catalogue.load(), scope=NATIONAL)
    assert StationStaff.objects.get(station=station).user == officer
