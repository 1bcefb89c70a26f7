"""The finder's JSON API as a mini-program or city app uses it: nearby with every filter,
along a route, a station's week, place search; each mistake a 422 naming its field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from geoplan.crs import CRS, from_wgs84
from yizhan.accounts.selectors import Scope
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, east, local, north
from yizhan.regions.models import Region
from yizhan.stations.models import AmenityState, Station, StationAmenity, StationClosure
from yizhan.stations.services import (
    Catalogue,
    station_data_clean,
    station_status_set,
    station_upsert,
)
from yizhan.stations.tests.conftest import station_raw
from yizhan.stations.tests.factories import RegionFactory, StationFactory

pytestmark = pytest.mark.django_db
NEARBY = "/api/v1/finder/nearby"
ROUTE = "/api/v1/finder/along-route"
HERE = {"lat": ORIGIN_LAT, "lon": ORIGIN_LON}
NATIONAL = Scope(national=True, region=None)


@pytest.fixture
def harbin(tuesday):
    """Active stations around Central Street, and some the public must never see."""
    StationFactory(
        code="A1",
        name="中央大街驿站",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        amenities=["hot_water", "charging"],
        services=["legal_aid"],
    )
    StationFactory(
        code="A2",
        name="防洪纪念塔智能驿站",
        kind="smart",
        lat=north(600),
        lon=ORIGIN_LON,
        opening_hours="24/7",
        star_level=5,
        amenities=["charging", "toilet"],
    )
    StationFactory(
        code="B1",
        name="通江驿站",
        region=RegionFactory(code="230102010"),
        lat=ORIGIN_LAT,
        lon=east(1400),
        opening_hours="Mo-Fr 09:00-17:00",
        amenities=["hot_water", ("charging", "out_of_order", "插座坏了")],
        services=["legal_aid", "haircut"],
    )
    StationFactory(
        code="M1",
        name="流动服务车",
        kind="mobile",
        lat=north(9000),
        lon=ORIGIN_LON,
        amenities=["drinking_water"],
        stops=[
            {
                "place_name": "群力外滩",
                "lat": north(2000),
                "lon": east(-2000),
                "hours": "Mo-Fr 11:00-14:00",
            }
        ],
    )
    for code, status, metres in [("P1", "planned", 100), ("S1", "suspended", 200)]:
        StationFactory(code=code, status=status, lat=north(metres), lon=ORIGIN_LON)
    StationFactory(code="D1", status="delisted", lat=north(-100), lon=ORIGIN_LON)


def nearby(client, **params):
    response = client.get(NEARBY, {**HERE, **params})
    assert response.status_code == 200, response.content
    return response.json()


def codes(body) -> list[str]:
    return [item["code"] for item in body["items"]]


def item(body, code: str) -> dict:
    (found,) = [i for i in body["items"] if i["code"] == code]
    return found


def fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    return {e["field"] for e in response.json()["errors"]}


# --------------------------------------------------------------------------- nearby


def test_nearest_active_stations_first(client, harbin):
    body = nearby(client)
    # M1's stop has no bus on Tuesday at 10:00; P1, S1, D1 are not active.
    assert codes(body) == ["A1", "A2", "B1"]
    assert [i["distance_m"] for i in body["items"]] == [0, 600, 1400]
    assert body["count"] == 3
    a1 = body["items"][0]
    assert a1["name"] == "中央大街驿站"
    assert a1["url"] == "/s/A1/"
    # 1,400 m × 1.3 = 1,820 m: 24.3 → 25 min on foot (75 m/min), 7.3 → 8 min by e-bike.
    b1 = body["items"][2]
    assert (b1["walk_min"], b1["ebike_min"]) == (25, 8)


def test_planned_suspended_and_delisted_never_appear(client, harbin):
    for params in [{}, {"open_now": "true"}, {"limit": 50, "radius_m": 50_000}]:
        assert not {"P1", "S1", "D1"} & set(codes(nearby(client, **params)))


def test_open_now_and_at(client, harbin):
    assert codes(nearby(client, open_now="true")) == ["A1", "A2", "B1"]
    evening = nearby(client, open_now="true", at="2026-03-10T21:00")
    assert codes(evening) == ["A2"]
    everything = nearby(client, at="2026-03-10T21:00:00+08:00")
    a1 = item(everything, "A1")
    assert a1["open_now"] is False
    assert a1["state"] == "closed"
    assert a1["state_label"] == "已关门，明天 08:00 开门"
    assert dt.datetime.fromisoformat(a1["opens_at"]) == local(2026, 3, 11, 8, 0)
    assert a1["open_until"] is None
    # Friday evening: B1 (Mo-Fr) opens again on Monday.
    friday = nearby(client, at="2026-03-13T18:00")
    b1 = item(friday, "B1")
    assert dt.datetime.fromisoformat(b1["opens_at"]) == local(2026, 3, 16, 9, 0)
    assert b1["state_label"] == "已关门，周一 09:00 开门"


def test_next_opening_known_when_asking_a_week_ahead(client, harbin):
    with time_machine.travel(local(2026, 3, 10, 21, 0)):
        body = nearby(client, at="2026-03-17T20:30")
    a1 = item(body, "A1")
    assert dt.datetime.fromisoformat(a1["opens_at"]) == local(2026, 3, 18, 8, 0)
    assert a1["state_label"] == "已关门，明天 08:00 开门"


def test_a_tuesday_ten_days_away_is_not_this_tuesday(client, office):
    """Saturday 2026-02-14 18:00, the make-up working day before the Spring Festival:
    the office (working-day hours) next opens on Tuesday 02-24, after nine days off. A
    station opening this Tuesday (02-17) must not be announced with the same words."""
    StationFactory(code="TU", lat=north(100), lon=ORIGIN_LON, opening_hours="Tu 09:00-17:00")
    with time_machine.travel(local(2026, 2, 14, 18, 0)):
        body = nearby(client)
    office_card, tuesday_card = item(body, "W1"), item(body, "TU")
    assert dt.datetime.fromisoformat(office_card["opens_at"]) == local(2026, 2, 24, 9, 0)
    assert dt.datetime.fromisoformat(tuesday_card["opens_at"]) == local(2026, 2, 17, 9, 0)
    assert tuesday_card["state_label"] == "已关门，周二 09:00 开门"
    assert office_card["state_label"] != tuesday_card["state_label"]


def test_next_opening_a_week_ahead_respects_a_closure_starting_then(client, harbin):
    StationClosure.objects.create(
        station=Station.objects.get(code="A1"),
        starts_at=local(2026, 3, 18, 0, 0),
        ends_at=local(2026, 4, 1, 0, 0),
        reason="装修",
    )
    with time_machine.travel(local(2026, 3, 10, 21, 0)):
        body = nearby(client, at="2026-03-17T20:30")
    a1 = item(body, "A1")
    assert a1["open_now"] is False
    # Not "opens tomorrow 08:00": it is shut for renovation from midnight.
    assert a1["opens_at"] is None or dt.datetime.fromisoformat(a1["opens_at"]) >= local(2026, 4, 1)


def test_open_until_labels(client, harbin):
    body = nearby(client)
    a1, a2 = item(body, "A1"), item(body, "A2")
    assert a1["state_label"] == "开放中，20:00 关门"
    assert dt.datetime.fromisoformat(a1["open_until"]) == local(2026, 3, 10, 20, 0)
    assert a2["state_label"] == "24小时开放"
    assert a2["always_open"] is True and a2["open_until"] is None


def test_mobile_station_at_its_stop(client, harbin):
    noon = nearby(client, at="2026-03-10T12:00")
    m1 = item(noon, "M1")
    assert m1["stop"] == "群力外滩"
    assert (m1["lat"], m1["lon"]) == pytest.approx((north(2000), east(-2000)), abs=1e-6)
    assert m1["distance_m"] == pytest.approx(2828, abs=2)  # √(2000² + 2000²)
    assert m1["open_now"] is True


def test_amenity_filter_uses_working_equipment_only(client, harbin):
    assert codes(nearby(client, amenity="charging")) == ["A1", "A2"]  # B1's is broken
    assert codes(nearby(client, amenity=["charging", "hot_water"])) == ["A1"]
    assert codes(nearby(client, amenity="charging,toilet")) == ["A2"]
    assert codes(nearby(client, amenity="hot_water")) == ["A1", "B1"]
    b1 = item(nearby(client), "B1")
    charging = [a for a in b1["amenities"] if a["code"] == "charging"]
    assert charging == [
        {
            "code": "charging",
            "name": "手机充电",
            "working": False,
            "reason": "插座坏了",
            "expected_fix_on": None,
        }
    ]


def test_service_kind_and_always_open_filters(client, harbin):
    assert codes(nearby(client, service="legal_aid")) == ["A1", "B1"]
    assert codes(nearby(client, service=["legal_aid", "haircut"])) == ["B1"]
    assert codes(nearby(client, kind="smart")) == ["A2"]
    assert codes(nearby(client, kind=["fixed", "smart"])) == ["A1", "A2", "B1"]
    assert codes(nearby(client, kind="mobile", at="2026-03-10T12:30")) == ["M1"]
    assert codes(nearby(client, always_open="true")) == ["A2"]
    assert codes(nearby(client, always_open="true", amenity="toilet", open_now="true")) == ["A2"]


def test_radius_and_limit(client, harbin):
    assert codes(nearby(client, radius_m=1000)) == ["A1", "A2"]
    assert codes(nearby(client, radius_m=10)) == ["A1"]
    assert codes(nearby(client, limit=2)) == ["A1", "A2"]


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_coordinates_in_and_out_in_the_callers_system(client, harbin, crs):
    # Standing at A2, as Amap (GCJ-02) or Baidu (BD-09) reports the position.
    lon, lat = from_wgs84(ORIGIN_LON, north(600), crs)
    body = nearby(client, lat=lat, lon=lon, crs=crs.value)
    assert codes(body)[0] == "A2"
    a2 = body["items"][0]
    assert a2["distance_m"] == 0
    assert a2["crs"] == crs.value
    assert (a2["lon"], a2["lat"]) == pytest.approx((lon, lat), abs=1e-6)
    assert body["origin"] == {"lat": lat, "lon": lon, "crs": crs.value}
    # The station's WGS-84 position is some hundreds of metres from these numbers.
    assert abs(a2["lon"] - ORIGIN_LON) > 0.003
    # Directions do not depend on the caller's system.
    wgs = nearby(client, lat=north(600), lon=ORIGIN_LON)["items"][0]
    assert a2["directions"] == wgs["directions"]


def test_directions_links(client, harbin):
    a1 = item(nearby(client), "A1")
    g_lon, g_lat = from_wgs84(ORIGIN_LON, ORIGIN_LAT, CRS.GCJ02)
    b_lon, b_lat = from_wgs84(ORIGIN_LON, ORIGIN_LAT, CRS.BD09)
    links = a1["directions"]
    assert f"to={g_lon:.6f}%2C{g_lat:.6f}%2C" in links["amap"]
    assert f"location={b_lat:.6f}%2C{b_lon:.6f}" in links["baidu"]
    assert links["geo"].startswith(f"geo:{ORIGIN_LAT:.6f},{ORIGIN_LON:.6f}?q=")


def test_english_labels(client, harbin):
    response = client.get(NEARBY, HERE, HTTP_ACCEPT_LANGUAGE="en")
    a1 = item(response.json(), "A1")
    assert a1["state_label"] == "Open, closes 20:00"
    assert a1["kind_label"] == "Fixed station"
    assert {a["name"] for a in a1["amenities"]} == {"Hot water", "Phone charging"}
    assert a1["services"] == [{"code": "legal_aid", "name": "Legal aid"}]
    detail = client.get("/api/v1/finder/stations/A1", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["week"][0]["weekday"] == "Tue"


def test_nearby_can_be_cached_briefly(client, harbin):
    response = client.get(NEARBY, HERE)
    assert response["Cache-Control"] == "public, max-age=30"


def test_anonymous_clients_are_rate_limited(client, harbin, monkeypatch):
    from config.api import api

    throttle = api.throttle[0]
    monkeypatch.setattr(throttle, "rate", "3/m")
    monkeypatch.setattr(throttle, "num_requests", 3)
    statuses = [
        client.get(NEARBY, HERE, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


# --------------------------------------------------------------------------- nearby errors


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "abc", "lon": ORIGIN_LON}, "lat"),
        ({"lat": ORIGIN_LAT, "lon": "东经126"}, "lon"),
        ({"lon": ORIGIN_LON}, "lat"),
        ({"lat": ORIGIN_LAT}, "lon"),
        ({**HERE, "radius_m": 0}, "radius_m"),
        ({**HERE, "radius_m": -5}, "radius_m"),
        ({**HERE, "radius_m": 1e9}, "radius_m"),
        ({**HERE, "radius_m": "abc"}, "radius_m"),
        ({**HERE, "radius_m": "nan"}, "radius_m"),
        ({**HERE, "limit": 0}, "limit"),
        ({**HERE, "limit": 51}, "limit"),
        ({**HERE, "limit": "ten"}, "limit"),
        ({**HERE, "amenity": "jacuzzi"}, "amenity"),
        ({**HERE, "amenity": ["charging", "jacuzzi"]}, "amenity"),
        ({**HERE, "service": "massage"}, "service"),
        ({**HERE, "kind": "boat"}, "kind"),
        ({**HERE, "at": "2026-03-09T12:00"}, "at"),  # yesterday
        ({**HERE, "at": "2026-03-17T10:30"}, "at"),  # more than 7 days ahead
        ({**HERE, "at": "2026-04-01T10:00"}, "at"),
        ({**HERE, "at": "tomorrow"}, "at"),
        ({**HERE, "crs": "mercator"}, "crs"),
    ],
)
def test_each_mistake_names_its_field(client, harbin, params, field):
    response = client.get(NEARBY, params)
    assert fields(response) == {field}
    assert response.json()["detail"].startswith(field)


def test_swapped_coordinates_are_called_swapped(client, harbin):
    response = client.get(NEARBY, {"lat": ORIGIN_LON, "lon": ORIGIN_LAT})
    assert fields(response) <= {"lat", "lon"}
    assert "填反" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (48.8566, 2.3522),  # Paris
        (35.6762, 139.6503),  # Tokyo
        (-33.87, 151.21),  # Sydney
    ],
)
def test_outside_china_is_refused(client, harbin, lat, lon):
    response = client.get(NEARBY, {"lat": lat, "lon": lon})
    assert fields(response) <= {"lat", "lon"} and fields(response)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(37.5665, 126.9780), (47.8864, 106.9057), (21.0278, 105.8342)],
    ids=["seoul", "ulaanbaatar", "hanoi"],
)
def test_neighbouring_capitals_are_outside_china(client, harbin, lat, lon):
    response = client.get(NEARBY, {"lat": lat, "lon": lon})
    assert response.status_code == 422


def test_every_mistake_is_reported_at_once(client, harbin):
    response = client.get(
        NEARBY,
        {
            "lat": ORIGIN_LON,
            "lon": ORIGIN_LAT,
            "radius_m": 0,
            "limit": 99,
            "amenity": "jacuzzi",
            "at": "yesterday",
        },
    )
    assert fields(response) >= {"radius_m", "limit", "amenity", "at"}
    assert fields(response) & {"lat", "lon"}


# --------------------------------------------------------------------------- registry changes


def upsert(code: str, **overrides):
    """Change a station the way the console and imports do (through the services)."""
    catalogue = Catalogue.load()
    data = station_data_clean(station_raw(code, **overrides), catalogue=catalogue, scope=NATIONAL)
    return station_upsert(data=data, user=None, catalogue=catalogue, scope=NATIONAL)[0]


def test_registry_changes_show_on_the_next_request(client, regions_for_services):
    upsert("C1", lat=ORIGIN_LAT, lon=ORIGIN_LON, amenities=[{"code": "charging"}])
    assert codes(nearby(client, amenity="charging", open_now="true")) == ["C1"]

    # A new station opens nearby.
    upsert("C2", lat=north(300), lon=ORIGIN_LON, amenities=[{"code": "charging"}])
    assert codes(nearby(client, amenity="charging", open_now="true")) == ["C1", "C2"]

    # C1's charger breaks.
    upsert(
        "C1",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        amenities=[{"code": "charging", "state": "out_of_order", "reason": "充电线丢了"}],
    )
    assert codes(nearby(client, amenity="charging", open_now="true")) == ["C2"]
    c1 = item(nearby(client), "C1")
    assert c1["amenities"][0]["working"] is False
    assert c1["amenities"][0]["reason"] == "充电线丢了"

    # C2 is padlocked: a closure from now on.
    StationClosure.objects.create(
        station=Station.objects.get(code="C2"), starts_at=timezone.now(), reason="门锁坏了"
    )
    assert codes(nearby(client, open_now="true")) == ["C1"]
    c2 = item(nearby(client), "C2")
    assert c2["open_now"] is False
    assert c2["closed_reason"] == "门锁坏了"
    assert c2["state_label"] == "临时关闭：门锁坏了"

    # C1 is suspended: gone from the public.
    station_status_set(
        station=Station.objects.get(code="C1"),
        status="suspended",
        reason="停电",
        user=None,
        scope=NATIONAL,
    )
    assert codes(nearby(client)) == ["C2"]
    assert client.get("/api/v1/finder/stations/C1").status_code == 404


@pytest.fixture
def regions_for_services(tuesday):
    """The region codes station_raw uses."""
    for code in ("230102001", "230102010"):
        RegionFactory(code=code)


def test_amenity_repaired_and_closure_lifted(client, harbin):
    assert codes(nearby(client, amenity="charging")) == ["A1", "A2"]
    row = StationAmenity.objects.get(station__code="B1", amenity__code="charging")
    row.state, row.reason = AmenityState.WORKING, ""
    row.save()
    assert codes(nearby(client, amenity="charging")) == ["A1", "A2", "B1"]

    closure = StationClosure.objects.create(
        station=Station.objects.get(code="A1"),
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
        reason="消毒",
    )
    assert "A1" not in codes(nearby(client, open_now="true"))
    closure.delete()
    assert "A1" in codes(nearby(client, open_now="true"))


def test_planned_station_appears_once_activated(client, harbin):
    assert "P1" not in codes(nearby(client))
    station_status_set(
        station=Station.objects.get(code="P1"),
        status="active",
        reason="",
        user=None,
        scope=NATIONAL,
    )
    assert codes(nearby(client))[:2] == ["A1", "P1"]


def late_commit() -> None:
    """B1 becomes a Saturday-only station, stamped a minute before the newest row but
    visible only now (as when the transaction that wrote it commits late)."""
    newest = Station.objects.order_by("-updated_at").first().updated_at
    Station.objects.filter(code="B1").update(
        opening_hours="Sa 09:00-17:00", updated_at=newest - dt.timedelta(minutes=1)
    )


@pytest.mark.xfail(
    reason="BUG (bounded): finder_version stamps the registry by row counts and "
    "max(updated_at); a change stamped before the newest row but committed after it (a "
    "long import transaction) leaves the stamp as it was, so it is not seen on the next "
    "request, only at the next forced rebuild (MAX_AGE_SECONDS = 10 min)",
    strict=True,
)
def test_a_change_that_committed_late_is_seen_at_once(client, harbin):
    assert item(nearby(client), "B1")["open_now"] is True
    late_commit()
    assert item(nearby(client), "B1")["open_now"] is False


def test_a_change_that_committed_late_is_seen_within_ten_minutes(client, harbin, monkeypatch):
    import time

    from yizhan.finder import cache

    assert item(nearby(client), "B1")["open_now"] is True
    late_commit()
    # time-machine leaves the monotonic clock alone: move it on by ten minutes.
    later = time.monotonic() + 601
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert item(nearby(client), "B1")["open_now"] is False


def test_catalogue_rename_is_seen(client, harbin):
    from yizhan.stations.models import Amenity

    assert "手机充电" in {a["name"] for a in item(nearby(client), "A1")["amenities"]}
    Amenity.objects.filter(code="charging").update(name="充电宝/手机充电")
    assert "充电宝/手机充电" in {a["name"] for a in item(nearby(client), "A1")["amenities"]}


def test_the_index_follows_the_turn_of_the_day(client, harbin):
    with time_machine.travel(local(2026, 3, 10, 23, 58)):
        assert codes(nearby(client, open_now="true")) == ["A2"]
    with time_machine.travel(local(2026, 3, 11, 0, 2)):
        # A week from the new day: beyond the week of the index built before midnight.
        late = nearby(client, at="2026-03-18T00:01")
    assert codes(late) == ["A1", "A2", "B1"]
    assert dt.datetime.fromisoformat(item(late, "A1")["opens_at"]) == local(2026, 3, 18, 8, 0)
    assert item(late, "A2")["open_now"] is True


# --------------------------------------------------------------------------- along a route


@pytest.fixture
def route_stations(tuesday):
    StationFactory(code="R1", lat=north(1000), lon=east(100), opening_hours="Mo-Su 08:00-10:03")
    StationFactory(code="R3", lat=north(3000), lon=east(-150), opening_hours="Mo-Su 08:00-20:00")
    StationFactory(code="R6", lat=north(6000), lon=east(50), opening_hours="Mo-Su 10:20-18:00")
    StationFactory(code="FAR", lat=north(2000), lon=east(2000))
    StationFactory(code="SUS", status="suspended", lat=north(2000), lon=ORIGIN_LON)


ROUTE_TEXT = f"{ORIGIN_LON},{ORIGIN_LAT};{ORIGIN_LON},{north(10_000)}"
ROUTE_LIST = [[ORIGIN_LON, ORIGIN_LAT], [ORIGIN_LON, north(10_000)]]


def test_route_get_lists_stations_in_route_order(client, route_stations):
    response = client.get(ROUTE, {"route": ROUTE_TEXT})
    assert response.status_code == 200, response.content
    body = response.json()
    assert codes(body) == ["R1", "R3", "R6"]
    assert [i["along_m"] for i in body["items"]] == [
        pytest.approx(1000, abs=5),
        pytest.approx(3000, abs=5),
        pytest.approx(6000, abs=5),
    ]
    assert [i["distance_m"] for i in body["items"]] == [100, 150, 50]
    assert body["length_m"] == pytest.approx(10_000, abs=5)
    assert response["Cache-Control"].startswith("public")
    wide = client.get(ROUTE, {"route": ROUTE_TEXT, "max_off_m": 3000}).json()
    assert codes(wide) == ["R1", "FAR", "R3", "R6"]


@pytest.mark.parametrize(
    "route",
    [
        ROUTE_LIST,
        {"type": "LineString", "coordinates": ROUTE_LIST},
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": ROUTE_LIST},
        },
        json.dumps({"type": "LineString", "coordinates": ROUTE_LIST}),
        ROUTE_TEXT,
    ],
    ids=["list", "linestring", "feature", "geojson-text", "pairs-text"],
)
def test_route_post_accepts_each_form(client, route_stations, route):
    response = client.post(ROUTE, {"route": route}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert codes(response.json()) == ["R1", "R3", "R6"]


def test_route_open_on_arrival(client, route_stations):
    # Leaving at 10:00 by e-bike (250 m/min): R1 at ~10:04 has closed (10:03), R3 at
    # ~10:13 is open, R6 at ~10:24 has opened (10:20).
    ebike = client.post(
        ROUTE, {"route": ROUTE_LIST, "open_now": True}, content_type="application/json"
    ).json()
    assert codes(ebike) == ["R3", "R6"]
    # On foot (75 m/min): R1 at ~10:15 closed, R3 at ~10:43 and R6 at ~11:21 open.
    walk = client.get(ROUTE, {"route": ROUTE_TEXT, "open_now": "true", "speed": "walk"}).json()
    assert codes(walk) == ["R3", "R6"]
    # Leaving at 19:00 on foot: R3 is reached at ~19:43, before it closes at 20:00;
    # R6 at ~20:21, after it closed at 18:00.
    evening = client.get(
        ROUTE,
        {"route": ROUTE_TEXT, "open_now": "true", "speed": "walk", "at": "2026-03-10T19:00"},
    ).json()
    assert codes(evening) == ["R3"]


def test_route_in_gcj02(client, route_stations):
    points = [list(from_wgs84(lon, lat, CRS.GCJ02)) for lon, lat in ROUTE_LIST]
    body = client.post(
        ROUTE, {"route": points, "crs": "gcj02"}, content_type="application/json"
    ).json()
    assert codes(body) == ["R1", "R3", "R6"]
    r1 = body["items"][0]
    assert (r1["lon"], r1["lat"]) == pytest.approx(from_wgs84(east(100), north(1000), CRS.GCJ02))


def zigzag(n: int) -> list[list[float]]:
    return [[ORIGIN_LON + (i % 2) * 0.0001, ORIGIN_LAT + i * 0.00001] for i in range(n)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"route": [[ORIGIN_LON, ORIGIN_LAT]]}, "route"),
        ({"route": []}, "route"),
        ({"route": [[ORIGIN_LON, ORIGIN_LAT], [116.397, 39.909]]}, "route"),  # to Beijing
        ({"route": zigzag(2001)}, "route"),
        ({"route": {"type": "Point", "coordinates": [ORIGIN_LON, ORIGIN_LAT]}}, "route"),
        ({"route": {"type": "LineString", "coordinates": "nowhere"}}, "route"),
        ({"route": '{"type": "LineString", "coordinates": [[126.6'}, "route"),
        ({"route": [[ORIGIN_LON, ORIGIN_LAT], [2.35, 48.85]]}, "route"),  # to Paris
        ({"route": ROUTE_LIST, "max_off_m": 0}, "max_off_m"),
        ({"route": ROUTE_LIST, "max_off_m": 5000}, "max_off_m"),
        ({"route": ROUTE_LIST, "speed": "car"}, "speed"),
        ({"route": ROUTE_LIST, "amenity": ["jacuzzi"]}, "amenity"),
        ({"route": ROUTE_LIST, "at": "2026-03-01T10:00:00+08:00"}, "at"),
        ({"route": ROUTE_LIST, "crs": "utm"}, "crs"),
    ],
)
def test_route_mistakes_name_their_field(client, route_stations, body, field):
    response = client.post(ROUTE, body, content_type="application/json")
    assert fields(response) == {field}


def test_route_of_2000_points_is_accepted(client, route_stations):
    response = client.post(ROUTE, {"route": zigzag(2000)}, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"route": f"{ORIGIN_LON},{ORIGIN_LAT}"}, "route"),
        ({"route": "a,b;c,d"}, "route"),
        ({"route": ROUTE_TEXT, "max_off_m": "wide"}, "max_off_m"),
        ({"route": ROUTE_TEXT, "max_off_m": 3001}, "max_off_m"),
        ({"route": ROUTE_TEXT, "speed": "plane"}, "speed"),
        ({"route": ROUTE_TEXT, "at": "garbage"}, "at"),
    ],
)
def test_route_get_mistakes_name_their_field(client, route_stations, params, field):
    assert fields(client.get(ROUTE, params)) == {field}


def test_route_post_type_error_names_the_field(client, route_stations):
    response = client.post(
        ROUTE, {"route": ROUTE_LIST, "max_off_m": "wide"}, content_type="application/json"
    )
    assert fields(response) == {"max_off_m"}


# --------------------------------------------------------------------------- station detail


@pytest.fixture
def office(db):
    """A union office that keeps working-day hours (closed on holidays and 调休 days off)."""
    return StationFactory(
        code="W1",
        name="工会服务站",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        opening_hours="Mo-Fr 09:00-17:00",
        keeps_workday_hours=True,
        amenities=["hot_water", ("microwave", "out_of_order", "门坏")],
        staff=[("master", "王站长")],
    )


def week_of(client, code: str, **headers) -> list[dict]:
    response = client.get(f"/api/v1/finder/stations/{code}", **headers)
    assert response.status_code == 200, response.content
    return response.json()["week"]


def test_station_week_shows_national_day(client, office):
    with time_machine.travel(local(2026, 9, 28, 10, 0)):
        week = week_of(client, "W1")
    assert [d["date"] for d in week] == [f"2026-09-{d}" for d in (28, 29, 30)] + [
        f"2026-10-0{d}" for d in (1, 2, 3, 4)
    ]
    by_date = {d["date"]: d for d in week}
    assert by_date["2026-09-28"]["weekday"] == "周一"
    assert by_date["2026-09-28"]["intervals"] == ["09:00–17:00"]
    assert by_date["2026-09-28"]["holiday"] == ""
    national_day = by_date["2026-10-01"]
    assert national_day["holiday"] == "国庆节"
    assert national_day["intervals"] == []
    assert by_date["2026-10-02"]["intervals"] == []


def test_station_week_shows_tiaoxiu_days(client, office):
    with time_machine.travel(local(2026, 10, 4, 10, 0)):
        week = week_of(client, "W1")
    by_date = {d["date"]: d for d in week}
    # Tuesday 10-06 is a working day given off (调休); Saturday 10-10 is worked instead.
    assert by_date["2026-10-06"]["holiday"] != ""
    assert by_date["2026-10-06"]["intervals"] == []
    assert by_date["2026-10-06"]["makeup_workday"] is False
    assert by_date["2026-10-08"]["intervals"] == ["09:00–17:00"]  # ordinary Thursday
    saturday = by_date["2026-10-10"]
    assert saturday["weekday"] == "周六"
    assert saturday["makeup_workday"] is True
    assert saturday["intervals"] == ["09:00–17:00"]
    assert saturday["holiday"] == ""
    assert "国庆节" in by_date["2026-10-05"]["holiday"]


def test_station_detail(client, office):
    StationClosure.objects.create(
        station=office,
        starts_at=local(2026, 3, 12, 12, 0),
        ends_at=local(2026, 3, 12, 15, 0),
        reason="培训",
    )
    with time_machine.travel(local(2026, 3, 10, 10, 0)):
        response = client.get("/api/v1/finder/stations/W1", {"crs": "gcj02"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "工会服务站"
    assert body["open_now"] is True and body["state_label"] == "开放中，17:00 关门"
    assert (body["lon"], body["lat"]) == pytest.approx(
        from_wgs84(ORIGIN_LON, ORIGIN_LAT, CRS.GCJ02), abs=1e-6
    )
    assert body["staff"] == [{"role": "站长", "name": "王站长"}]
    microwave = [a for a in body["amenities"] if a["code"] == "microwave"]
    assert microwave[0]["working"] is False and microwave[0]["reason"] == "门坏"
    thursday = {d["date"]: d for d in body["week"]}["2026-03-12"]
    assert thursday["closed_by"] == "培训"
    assert thursday["intervals"] == ["09:00–12:00", "15:00–17:00"]
    assert response["Cache-Control"].startswith("public")


def test_station_with_broken_hours_has_no_week(client, office):
    Station.objects.filter(code="W1").update(opening_hours="Mo-Fx 09:00-17:00")
    with time_machine.travel(local(2026, 3, 10, 10, 0)):
        body = client.get("/api/v1/finder/stations/W1").json()
        listed = nearby(client)
    assert body["week"] is None
    assert body["hours_known"] is False and body["open_now"] is None
    assert body["state"] == "unknown" and body["state_label"] == "开放时间未知"
    assert codes(listed) == ["W1"]
    assert item(listed, "W1")["state"] == "unknown"


def test_station_detail_in_an_unknown_crs_is_refused(client, harbin):
    assert fields(client.get("/api/v1/finder/stations/A1", {"crs": "mercator"})) == {"crs"}


def test_unknown_or_not_active_station_is_404(client, harbin):
    for code in ("NOPE", "P1", "S1", "D1"):
        response = client.get(f"/api/v1/finder/stations/{code}")
        assert response.status_code == 404, code
        assert code in response.json()["detail"]


def test_mobile_station_detail_lists_its_timetable(client, harbin):
    body = client.get("/api/v1/finder/stations/M1").json()
    assert [s["place_name"] for s in body["stops"]] == ["群力外滩"]
    assert body["stops"][0]["hours"] == "Mo-Fr 11:00-14:00"
    # Tuesday 10:00: not at its stop yet.
    assert body["open_now"] is False


# --------------------------------------------------------------------------- places


def test_places_finds_stations_regions_and_stops(client, harbin):
    Region.objects.filter(code="230102").update(lat=45.77, lon=126.61)
    station = client.get("/api/v1/finder/places", {"q": "通江"}).json()
    assert station[0]["kind"] == "station" and station[0]["label"] == "通江驿站"
    assert (station[0]["lat"], station[0]["lon"]) == pytest.approx((ORIGIN_LAT, east(1400)))
    region = client.get("/api/v1/finder/places", {"q": "道里区"}).json()
    assert {
        "label": "道里区",
        "detail": "230102",
        "lat": 45.77,
        "lon": 126.61,
        "kind": "region",
    } in region
    stop = client.get("/api/v1/finder/places", {"q": "群力外滩"}).json()
    assert [(p["label"], p["kind"]) for p in stop] == [("群力外滩", "stop")]
    # Stations the public cannot see are not found by name either.
    StationFactory(code="P2", name="规划中的驿站", status="planned")
    assert client.get("/api/v1/finder/places", {"q": "规划中"}).json() == []
    assert client.get("/api/v1/finder/places", {"q": "  "}).json() == []


# --------------------------------------------------------------------------- seasonal badge


def test_seasonal_badge_follows_the_regions_mode_and_needs_working_equipment(client, db):
    """The badge shows only where the region's officer switched the mode on (送清凉 /
    送温暖), and only at stations whose equipment for it works."""
    from yizhan.operations.models import SeasonalMode

    StationFactory(code="COOL", lat=ORIGIN_LAT, lon=ORIGIN_LON, amenities=["ac", "heater"])
    StationFactory(
        code="HOT",
        lat=north(100),
        lon=ORIGIN_LON,
        amenities=[("ac", "out_of_order", "压缩机坏了"), ("heater", "out_of_order", "")],
    )
    StationFactory(
        code="ELSE",
        region=RegionFactory(code="230103001"),
        lat=north(200),
        lon=ORIGIN_LON,
        amenities=["ac", "heater"],
    )
    with time_machine.travel(local(2026, 7, 1, 10, 0)):
        before = nearby(client)
    # No mode set: no badge, whatever the calendar says.
    assert [i["seasonal"] for i in before["items"]] == [None, None, None]
    daoli = Region.objects.get(code="230102")
    SeasonalMode.objects.create(
        region=daoli, season="summer", starts_on=dt.date(2026, 6, 15), ends_on=dt.date(2026, 9, 15)
    )
    SeasonalMode.objects.create(
        region=daoli, season="winter", starts_on=dt.date(2026, 10, 20), ends_on=dt.date(2027, 4, 10)
    )
    with time_machine.travel(local(2026, 7, 1, 10, 0)):
        summer = nearby(client)
    assert (item(summer, "COOL")["seasonal"], item(summer, "COOL")["seasonal_label"]) == (
        "summer",
        "送清凉",
    )
    assert item(summer, "HOT")["seasonal"] is None
    assert item(summer, "ELSE")["seasonal"] is None  # 道外区 set no mode
    with time_machine.travel(local(2026, 10, 25, 10, 0)):
        winter = nearby(client)
    # Harbin's officer started the winter mode in October, ahead of any calendar.
    assert (item(winter, "COOL")["seasonal"], item(winter, "COOL")["seasonal_label"]) == (
        "winter",
        "送温暖",
    )
    assert item(winter, "HOT")["seasonal"] is None
    with time_machine.travel(local(2026, 9, 20, 10, 0)):
        between = nearby(client)
    assert item(between, "COOL")["seasonal"] is None
    # A street's own mode beats its district's.
    SeasonalMode.objects.create(
        region=Region.objects.get(code="230102001"),
        season="summer",
        starts_on=dt.date(2026, 10, 24),
        ends_on=dt.date(2026, 10, 26),
    )
    with time_machine.travel(local(2026, 10, 25, 10, 0)):
        assert item(nearby(client), "COOL")["seasonal"] == "summer"


def test_nearby_answers_match_the_documented_schema(client, harbin):
    """nearby is written straight out for speed: its answer must still be exactly the
    shape the OpenAPI document promises (NearbyOut), with times in Beijing time."""
    from yizhan.finder.schemas import NearbyOut

    response = client.get("/api/v1/finder/nearby", {"lat": ORIGIN_LAT, "lon": ORIGIN_LON})
    body = response.json()
    parsed = NearbyOut.model_validate(body)
    assert parsed.count == len(body["items"]) > 0
    assert set(body["items"][0]) == set(
        NearbyOut.model_fields["items"].annotation.__args__[0].model_fields
    )
    assert body["at"].endswith("+08:00")
    assert "通江驿站" in response.content.decode()  # Chinese as UTF-8, not \\u escapes
