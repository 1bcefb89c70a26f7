"""The registry API as a mini-program client and an officer use it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache, caches
from django.test import override_settings
from django.utils import timezone

from geoplan.crs import wgs84_to_gcj02
from yizhan.accounts.selectors import Scope
from yizhan.stations.models import Station
from yizhan.stations.services import station_status_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    caches["ratelimit"].clear()
    yield
    cache.clear()
    caches["ratelimit"].clear()


@pytest.fixture
def stations(make_station):
    make_station("A1", name="兆麟驿站")
    make_station("A2", kind="smart", opening_hours="24/7", star_level=5)
    make_station("B1", region_code="230102010", name="通江驿站")
    make_station("P1", status="planned")
    make_station("N1", region_code="230103", name="南岗驿站")


def codes(items):
    return sorted(item["code"] for item in items)


def test_anonymous_clients_see_active_stations_only(client, stations):
    response = client.get("/api/v1/stations")
    assert response.status_code == 200
    body = response.json()
    assert codes(body["items"]) == ["A1", "A2", "B1", "N1"]
    assert body["items"][0]["staff"] is None  # no personal data for anonymous clients
    assert response["Cache-Control"].startswith("public")


def test_filters_and_pagination(client, stations):
    body = client.get("/api/v1/stations?region=230102001").json()
    assert codes(body["items"]) == ["A1", "A2"]
    assert codes(client.get("/api/v1/stations?kind=smart").json()["items"]) == ["A2"]
    assert codes(client.get("/api/v1/stations?star_level=5").json()["items"]) == ["A2"]
    assert codes(client.get("/api/v1/stations?q=通江").json()["items"]) == ["B1"]
    page = client.get("/api/v1/stations?page_size=3&page=2").json()
    assert page["count"] == 4 and page["pages"] == 2 and len(page["items"]) == 1
    assert client.get("/api/v1/stations?page_size=101").status_code == 422  # anonymous cap
    bad = client.get("/api/v1/stations?page_size=5000")
    assert bad.status_code == 422
    assert "page_size" in bad.json()["detail"]


def test_officer_sees_every_status_but_only_in_region(client, stations, street_officer):
    client.force_login(street_officer)
    body = client.get("/api/v1/stations").json()
    assert codes(body["items"]) == ["A1", "A2", "P1"]
    assert body["items"][0]["staff"] == []
    assert client.get("/api/v1/stations/B1").status_code == 404
    assert client.get("/api/v1/stations/P1").json()["status"] == "planned"


def test_detail_in_gcj02_and_open_now(client, stations):
    with time_machine.travel("2026-10-01 12:00 +0800"):
        body = client.get("/api/v1/stations/A2?crs=gcj02").json()
    lon, lat = wgs84_to_gcj02(126.6175, 45.7733)
    assert body["crs"] == "gcj02"
    assert body["lon"] == pytest.approx(lon, abs=1e-6)
    assert body["lat"] == pytest.approx(lat, abs=1e-6)
    assert body["open_now"] is True
    assert {a["code"] for a in body["amenities"]} == {"hot_water", "charging"}
    assert client.get("/api/v1/stations/NOPE").status_code == 404


def test_sync_sends_changes_then_tombstones(client, stations):
    later = timezone.now() + dt.timedelta(minutes=15)
    with time_machine.travel(later, tick=False):
        first = client.get("/api/v1/stations/sync").json()
        assert codes(first["changed"]) == ["A1", "A2", "B1", "N1"]
        assert first["removed"] == []
        cursor = first["next_since"]
        again = client.get("/api/v1/stations/sync", {"since": cursor}).json()
        assert again["changed"] == [] and again["removed"] == []

        station = Station.objects.select_related("region").get(code="B1")
        station_status_set(
            station=station,
            status="delisted",
            reason="连续三个月无人使用（内部备注）",
            user=None,
            scope=Scope(national=True, region=None),
        )
        delta = client.get("/api/v1/stations/sync", {"since": cursor}).json()
    assert delta["changed"] == []
    # A tombstone says what happened, not the officer's note about why.
    assert delta["removed"] == [
        {"code": "B1", "status": "delisted", "at": delta["removed"][0]["at"]}
    ]
    # Once the safety margin has passed, the cursor moves on: nothing is sent twice.
    with time_machine.travel(later + dt.timedelta(minutes=30), tick=False):
        settled = client.get("/api/v1/stations/sync", {"since": delta["next_since"]}).json()
        assert settled["removed"] == [
            {"code": "B1", "status": "delisted", "at": settled["removed"][0]["at"]}
        ]
        after = client.get("/api/v1/stations/sync", {"since": settled["next_since"]}).json()
    assert after["removed"] == [] and after["changed"] == []


def test_sync_picks_up_a_change_that_committed_late(client, stations):
    """A long transaction (an import) stamps its rows when it saves them but makes them
    visible only when it commits: the cursor must not have moved past them."""
    now = timezone.now()
    first = client.get("/api/v1/stations/sync").json()
    # Committed just now, stamped two minutes ago (before the newest row already sent).
    Station.objects.filter(code="A1").update(updated_at=now - dt.timedelta(minutes=2))
    Station.objects.exclude(code="A1").update(updated_at=now - dt.timedelta(minutes=1))
    late = client.get("/api/v1/stations/sync", {"since": first["next_since"]}).json()
    assert "A1" in codes(late["changed"])


def test_planned_stations_never_reach_the_public(client, stations):
    from yizhan.stations.models import StationStatus

    first = client.get("/api/v1/stations/sync", {"since": "2000-01-01T00:00:00+08:00"}).json()
    assert "P1" not in codes(first["changed"]) + codes(first["removed"])
    assert Station.objects.get(code="P1").status == StationStatus.PLANNED


def test_sync_pages_without_skipping_rows_that_share_a_timestamp(client, stations):
    Station.objects.update(updated_at="2026-05-01T00:00:00+08:00")
    seen = []
    since = "2026-04-30T00:00:00+08:00"
    for _ in range(10):
        page = client.get("/api/v1/stations/sync", {"since": since, "limit": 2}).json()
        seen += [s["code"] for s in page["changed"]] + [t["code"] for t in page["removed"]]
        since = page["next_since"]
        if not page["has_more"]:
            break
    assert sorted(seen) == ["A1", "A2", "B1", "N1"]  # P1 is planned: not public


def test_sync_rejects_a_garbage_cursor(client, stations):
    response = client.get("/api/v1/stations/sync", {"since": "yesterday"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"


@override_settings()
def test_anonymous_clients_are_rate_limited(client, stations, monkeypatch):
    from config.api import api

    throttle = api.throttle[0]
    monkeypatch.setattr(throttle, "rate", "3/m")
    monkeypatch.setattr(throttle, "num_requests", 3)
    # A forged X-Forwarded-For per request does not make a new client.
    statuses = [
        client.get("/api/v1/stations/A1", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_openapi_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/stations/sync" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_where_a_mobile_station_stands_at_a_given_time(client, make_station):
    make_station(
        "M1",
        kind="mobile",
        stops=[
            {
                "place_name": "中央大街",
                "lat": 45.7733,
                "lon": 126.6175,
                "hours": "Mo-Fr 11:00-14:00",
            },
            {"place_name": "群力外滩", "lat": 45.74, "lon": 126.55, "hours": "Sa,Su 16:00-21:00"},
        ],
    )
    saturday = client.get("/api/v1/stations/M1", {"at": "2026-03-07T18:00:00+08:00"}).json()
    assert saturday["current_stop"]["place_name"] == "群力外滩"
    monday = client.get("/api/v1/stations/M1", {"at": "2026-03-09T12:00:00+08:00"}).json()
    assert monday["current_stop"]["place_name"] == "中央大街"
    night = client.get("/api/v1/stations/M1", {"at": "2026-03-09T23:00:00+08:00"}).json()
    assert night["current_stop"] is None
