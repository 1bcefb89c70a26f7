"""The management console (Django admin) for officers: scoping, history, status rules."""

from __future__ import annotations

import pytest

from yizhan.stations.models import Station, StationChange

pytestmark = pytest.mark.django_db

CHANGELIST = "/console/stations/station/"


@pytest.fixture
def stations(make_station):
    make_station("Z1", name="兆麟驿站")
    make_station("T1", region_code="230102010", name="通江驿站")
    make_station("N1", region_code="230103", name="南岗驿站")


def change_url(code: str) -> str:
    return f"/console/stations/station/{Station.objects.get(code=code).pk}/change/"


def test_district_officer_lists_only_the_district(client, stations, officer):
    client.force_login(officer)
    page = client.get(CHANGELIST).content.decode()
    assert "兆麟驿站" in page and "通江驿站" in page
    assert "南岗驿站" not in page


def test_street_officer_cannot_open_or_export_another_street(client, stations, street_officer):
    client.force_login(street_officer)
    page = client.get(CHANGELIST).content.decode()
    assert "兆麟驿站" in page and "通江驿站" not in page
    # Another street's station: not found, as if it did not exist.
    response = client.get(change_url("T1"))
    assert response.status_code == 302 or response.status_code == 404
    if response.status_code == 302:
        assert change_url("T1") not in response["Location"]
    export = client.get("/console/stations/station/export/?format=csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "兆麟驿站" in text and "通江驿站" not in text and "南岗驿站" not in text


def test_export_follows_the_filters_on_screen(client, stations, officer):
    client.force_login(officer)
    export = client.get("/console/stations/station/export/?format=csv&region=230102010")
    text = export.content.decode("utf-8-sig")
    assert "通江驿站" in text and "兆麟驿站" not in text


def test_region_choices_are_limited_to_the_officers_subtree(client, stations, street_officer):
    client.force_login(street_officer)
    page = client.get(change_url("Z1")).content.decode()
    assert "兆麟街道" in page
    assert "南岗区" not in page


def _form(station: Station, **changes) -> dict:
    data = {
        "code": station.code,
        "name": station.name,
        "kind": station.kind,
        "region": station.region_id,
        "address": station.address,
        "input_crs": "wgs84",
        "lon": station.lon,
        "lat": station.lat,
        "opening_hours": station.opening_hours,
        "status": station.status,
        "status_reason": station.status_reason,
        "feature": "",
        "phone": "",
    }
    for prefix in (
        "station_amenities",
        "staff",
        "photos",
        "stops",
        "listings",
        "changes",
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def test_edit_records_who_changed_what(client, stations, officer):
    client.force_login(officer)
    station = Station.objects.get(code="Z1")
    response = client.post(
        change_url("Z1"), _form(station, name="兆麟驿站（新）", change_reason="门牌更名")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = StationChange.objects.filter(station=station).first()
    assert change.changed_by == officer
    assert change.changes["name"] == ["兆麟驿站", "兆麟驿站（新）"]
    assert change.reason == "门牌更名" and change.action == "update"
    # Suspending through the form is recorded as a status change with its reason.
    client.post(change_url("Z1"), _form(station, status="suspended", status_reason="供暖检修"))
    latest = StationChange.objects.filter(station=station).first()
    assert (latest.action, latest.reason) == ("status", "供暖检修")


def test_gcj02_input_is_stored_as_wgs84(client, stations, officer):
    client.force_login(officer)
    station = Station.objects.get(code="Z1")
    from geoplan.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(126.62, 45.77)
    response = client.post(change_url("Z1"), _form(station, input_crs="gcj02", lon=glon, lat=glat))
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.lon == pytest.approx(126.62, abs=1e-6)
    assert station.lat == pytest.approx(45.77, abs=1e-6)


def test_bad_input_names_the_field_and_saves_nothing(client, stations, officer):
    client.force_login(officer)
    station = Station.objects.get(code="Z1")
    response = client.post(
        change_url("Z1"),
        _form(station, opening_hours="Mo-Fx 8-18", lon=45.77, lat=126.62, status="delisted"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "无法解析开放时间" in page
    assert "经纬度可能填反了" in page
    assert "暂停或摘牌须填写原因" in page
    station.refresh_from_db()
    assert station.opening_hours == "Mo-Su 08:00-20:00"
    assert station.status == "active"


def test_delisted_cannot_jump_back_to_active(client, stations, officer):
    client.force_login(officer)
    station = Station.objects.get(code="Z1")
    client.post(change_url("Z1"), _form(station, status="delisted", status_reason="长期闭门"))
    station.refresh_from_db()
    assert station.status == "delisted"
    response = client.post(change_url("Z1"), _form(station, status="active"))
    assert response.status_code == 200
    assert "不能从" in response.content.decode()


def test_a_stop_outside_china_or_on_a_fixed_station_is_refused(admin_client, stations):
    client = admin_client
    station = Station.objects.get(code="Z1")
    data = _form(station)
    data.update(
        {
            "stops-TOTAL_FORMS": "1",
            "stops-0-place_name": "中央大街",
            "stops-0-lon": "0",
            "stops-0-lat": "0",
            "stops-0-hours": "Sa 10:00-12:00",
        }
    )
    page = client.post(change_url("Z1"), data).content.decode()
    assert "不在中国境内" in page
    data.update({"stops-0-lon": "126.6175", "stops-0-lat": "45.7733"})
    page = client.post(change_url("Z1"), data).content.decode()
    assert "只有流动驿站可以有停靠时刻表" in page
    assert not station.stops.exists()


def test_amenity_names_follow_the_console_language(admin_client, stations):
    client = admin_client
    station = Station.objects.get(code="Z1")
    english = client.get("/en" + change_url("Z1")).content.decode()
    assert "Hot water" in english
    chinese = client.get(change_url("Z1")).content.decode()
    assert "热水" in chinese
    assert station.station_amenities.count() == 2


def test_the_region_is_searched_within_the_officers_subtree(client, stations, street_officer):
    """A searchable box, not a list of every street in the country (45,000 once loaded)."""
    client.force_login(street_officer)
    found = client.get(
        "/console/autocomplete/",
        {"app_label": "stations", "model_name": "station", "field_name": "region", "term": "街道"},
    ).json()
    names = {r["text"] for r in found["results"]}
    assert any("兆麟街道" in n for n in names)
    assert not any("通江" in n or "南岗" in n for n in names)


def test_the_history_says_what_changed_in_words(client, make_station, officer):
    """固定驿站 → 智能驿站, 否 → 是, 手机充电（故障：线缆损坏）, 每天 08:00-20:00, 高德地图 — not
    ``fixed``, ``False``, ``charging out_of_order``, the OSM rule or ``amap``."""
    from yizhan.stations.services import station_listings_mark

    make_station("Z1", name="兆麟驿站")
    make_station(
        "Z1",
        name="兆麟驿站",
        kind="smart",
        keeps_workday_hours=True,
        opening_hours="Mo-Fr 08:00-18:00",
        amenities=[
            {"code": "hot_water"},
            {"code": "charging", "state": "out_of_order", "reason": "线缆损坏"},
        ],
    )
    station = Station.objects.get(code="Z1")
    station_listings_mark(
        stations=[station], platform="amap", fingerprints={station.pk: "x"}, user=None
    )
    client.force_login(officer)
    page = client.get(change_url("Z1")).content.decode()
    assert "固定驿站 → 智能驿站" in page
    assert "— → —" not in page
    assert "否 → 是" in page
    assert "手机充电（故障：线缆损坏）" in page
    assert "周一至周五 08:00–18:00" in page
    assert "高德地图" in page
    for raw in ("fixed", "smart", "False", "out_of_order", "amap", "Mo-Fr"):
        assert f"{raw} →" not in page and f"→ {raw}" not in page, raw
    english = client.get("/en" + change_url("Z1")).content.decode()
    assert "Yes" in english and "Phone charging" in english
