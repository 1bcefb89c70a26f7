"""The finder's index over plain records, without a database: which stations a worker is
shown, in what order, and whether they are open at the time asked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from yizhan.finder.index import (
    AmenityState,
    FinderIndex,
    OutsideWindow,
    Query,
    StationRecord,
    StopRecord,
    UnknownCode,
)
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, east, local, north

AMENITIES = ("hot_water", "microwave", "charging", "toilet")
SERVICES = ("legal_aid", "haircut", "health_check")


def record(
    code: str, *, metres_north: float = 0.0, metres_east: float = 0.0, **kw
) -> StationRecord:
    fields = {
        "name": f"驿站{code}",
        "kind": "fixed",
        "address": "道里区中央大街",
        "region_name": "兆麟街道",
        "opening_hours": "Mo-Su 08:00-20:00",
    }
    fields.update(kw)
    lat = north(metres_north)
    lon = east(metres_east)
    return StationRecord(code=code, lat=lat, lon=lon, **fields)


def build(records: list[StationRecord], today: dt.date = dt.date(2026, 3, 10)) -> FinderIndex:
    return FinderIndex.build(
        records, today=today, amenity_codes=AMENITIES, service_codes=SERVICES, version="t"
    )


def codes(found) -> list[str]:
    return [f.station.code for f in found]


def nearby(index: FinderIndex, at: dt.datetime, **query) -> list:
    limit = query.pop("limit", 20)
    radius_m = query.pop("radius_m", float("inf"))
    return index.nearby(
        ORIGIN_LON, ORIGIN_LAT, Query(at=at, **query), limit=limit, radius_m=radius_m
    )


def state_at(index: FinderIndex, code: str, at: dt.datetime):
    (found,) = [f for f in nearby(index, at) if f.station.code == code]
    return found.state


TUESDAY_10AM = local(2026, 3, 10, 10, 0)


# --------------------------------------------------------------------------- order


def test_nearest_first_with_distances() -> None:
    index = build(
        [
            record("FAR", metres_north=3000),
            record("NEAR", metres_east=400),
            record("MID", metres_north=-1200),
        ]
    )
    found = nearby(index, TUESDAY_10AM)
    assert codes(found) == ["NEAR", "MID", "FAR"]
    assert [round(f.distance_m) for f in found] == [400, 1200, 3000]


def test_limit_and_radius() -> None:
    index = build([record(f"S{i}", metres_north=500 * i) for i in range(1, 7)])
    assert codes(nearby(index, TUESDAY_10AM, limit=2)) == ["S1", "S2"]
    # 1,600 m: S1 (500), S2 (1,000), S3 (1,500); S4 at 2,000 m is outside.
    assert codes(nearby(index, TUESDAY_10AM, radius_m=1600)) == ["S1", "S2", "S3"]


def test_walk_and_ebike_minutes() -> None:
    index = build([record("HERE"), record("KM", metres_north=1000)])
    here, km = nearby(index, TUESDAY_10AM)
    # Nothing is zero minutes away.
    assert (here.walk_min, here.ebike_min) == (1, 1)
    # 1,000 m × 1.3 detour = 1,300 m: 17.3 min on foot at 75 m/min → 18; 5.2 min by
    # e-bike at 250 m/min → 6 (rounded up: better early than late).
    assert (km.walk_min, km.ebike_min) == (18, 6)


# --------------------------------------------------------------------------- open now


def test_open_now_skips_closed_stations_and_keeps_nearest_first() -> None:
    index = build(
        [
            record("SHUT", opening_hours="Mo-Su 14:00-20:00"),
            record("OPEN_FAR", metres_north=900),
            record("OPEN_NEAR", metres_north=300),
        ]
    )
    assert codes(nearby(index, TUESDAY_10AM)) == ["SHUT", "OPEN_NEAR", "OPEN_FAR"]
    assert codes(nearby(index, TUESDAY_10AM, open_only=True)) == ["OPEN_NEAR", "OPEN_FAR"]


def test_overnight_hours() -> None:
    index = build([record("NIGHT", opening_hours="Mo-Su 22:00-06:00")])
    for at, is_open in [
        (local(2026, 3, 10, 21, 59), False),
        (local(2026, 3, 10, 22, 0), True),
        (local(2026, 3, 11, 1, 30), True),  # after midnight, still last night's shift
        (local(2026, 3, 11, 5, 55), True),
        (local(2026, 3, 11, 6, 0), False),
        (local(2026, 3, 11, 12, 0), False),
    ]:
        assert codes(nearby(index, at, open_only=True)) == (["NIGHT"] if is_open else []), at
    # Open at 1:30 until six in the morning, not "until midnight".
    assert state_at(index, "NIGHT", local(2026, 3, 11, 1, 30)).until == local(2026, 3, 11, 6, 0)
    assert state_at(index, "NIGHT", local(2026, 3, 10, 23, 0)).until == local(2026, 3, 11, 6, 0)


def test_lunch_break() -> None:
    index = build([record("LUNCH", opening_hours="Mo-Su 08:00-12:00,13:30-18:00")])
    assert codes(nearby(index, local(2026, 3, 10, 11, 0), open_only=True)) == ["LUNCH"]
    assert codes(nearby(index, local(2026, 3, 10, 12, 45), open_only=True)) == []
    assert codes(nearby(index, local(2026, 3, 10, 14, 0), open_only=True)) == ["LUNCH"]
    at_lunch = state_at(index, "LUNCH", local(2026, 3, 10, 12, 45))
    assert (at_lunch.is_open, at_lunch.until) == (False, local(2026, 3, 10, 13, 30))
    morning = state_at(index, "LUNCH", local(2026, 3, 10, 11, 0))
    assert (morning.is_open, morning.until) == (True, local(2026, 3, 10, 12, 0))


def test_closed_on_a_chinese_public_holiday() -> None:
    """2026-10-01 (Thursday) is National Day; the day before is an ordinary Wednesday."""
    index = build(
        [
            record("PH", opening_hours="Mo-Su 08:00-18:00; PH off"),
            record("ALWAYS", metres_north=50),
        ],
        today=dt.date(2026, 9, 30),
    )
    assert codes(nearby(index, local(2026, 9, 30, 12, 0), open_only=True)) == ["PH", "ALWAYS"]
    assert codes(nearby(index, local(2026, 10, 1, 12, 0), open_only=True)) == ["ALWAYS"]
    holiday = state_at(index, "PH", local(2026, 10, 1, 12, 0))
    assert holiday.known and not holiday.is_open


def test_working_day_station_follows_tiaoxiu() -> None:
    """Spring Festival 2026: Saturday 02-14 is a make-up working day (调休上班), Monday
    02-16 (New Year's Eve) and Friday 02-20 are days off. A station that keeps
    working-day hours follows that; one with plain Mo-Fr hours does not."""
    index = build(
        [
            record("WORKDAY", opening_hours="Mo-Fr 09:00-17:00", keeps_workday_hours=True),
            record("PLAIN", metres_north=50, opening_hours="Mo-Fr 09:00-17:00"),
        ],
        today=dt.date(2026, 2, 13),
    )

    def open_at(at: dt.datetime) -> list[str]:
        return codes(nearby(index, at, open_only=True))

    assert open_at(local(2026, 2, 13, 10, 0)) == ["WORKDAY", "PLAIN"]  # ordinary Friday
    assert open_at(local(2026, 2, 14, 10, 0)) == ["WORKDAY"]  # make-up Saturday
    assert open_at(local(2026, 2, 16, 10, 0)) == ["PLAIN"]  # 除夕, a day off
    assert open_at(local(2026, 2, 20, 10, 0)) == ["PLAIN"]  # Friday given off by 调休
    saturday = state_at(index, "WORKDAY", local(2026, 2, 14, 10, 0))
    assert saturday.until == local(2026, 2, 14, 17, 0)


def test_open_until_and_opens_at() -> None:
    index = build(
        [
            record("DAY", opening_hours="Mo-Fr 08:00-18:00"),
            record("H24", metres_north=10, opening_hours="24/7"),
        ]
    )
    day = state_at(index, "DAY", TUESDAY_10AM)
    assert (day.is_open, day.until) == (True, local(2026, 3, 10, 18, 0))
    evening = state_at(index, "DAY", local(2026, 3, 10, 19, 0))
    assert (evening.is_open, evening.until) == (False, local(2026, 3, 11, 8, 0))
    # Friday evening: next opening is Monday morning.
    friday = state_at(index, "DAY", local(2026, 3, 13, 19, 0))
    assert (friday.is_open, friday.until) == (False, local(2026, 3, 16, 8, 0))
    h24 = state_at(index, "H24", TUESDAY_10AM)
    assert h24.is_open and h24.until is None  # never closes: no closing time


def test_opens_next_morning_even_when_asked_a_week_ahead() -> None:
    index = build([record("DAY", opening_hours="Mo-Su 08:00-18:00")])
    # Index built on Tuesday 03-10; 03-17 20:00 is within the 7 days a worker may ask.
    late = state_at(index, "DAY", local(2026, 3, 17, 20, 0))
    assert not late.is_open
    assert late.until == local(2026, 3, 18, 8, 0)


def test_times_outside_the_week_are_refused() -> None:
    index = build([record("A")])
    with pytest.raises(OutsideWindow):
        nearby(index, local(2026, 3, 9, 23, 0))
    with pytest.raises(OutsideWindow):
        nearby(index, local(2026, 3, 18, 0, 0))


# --------------------------------------------------------------------------- closures


def test_temporary_closure_closes_the_station_with_its_reason() -> None:
    closure = (local(2026, 3, 10, 9, 0), local(2026, 3, 10, 12, 0), "水管维修")
    index = build([record("FIXING", closures=(closure,)), record("OTHER", metres_north=800)])
    assert codes(nearby(index, TUESDAY_10AM, open_only=True)) == ["OTHER"]
    during = state_at(index, "FIXING", TUESDAY_10AM)
    assert not during.is_open
    assert during.closure_reason == "水管维修"
    assert during.until == local(2026, 3, 10, 12, 0)  # opens again when the repair ends
    after = state_at(index, "FIXING", local(2026, 3, 10, 12, 30))
    assert after.is_open and after.closure_reason == ""
    assert codes(nearby(index, local(2026, 3, 10, 12, 30), open_only=True)) == ["FIXING", "OTHER"]


def test_closure_until_further_notice_and_past_closures() -> None:
    index = build(
        [
            record("LOCKED", closures=((local(2026, 3, 9, 18, 0), None, "门锁坏了"),)),
            record(
                "REPAIRED",
                metres_north=100,
                closures=((local(2026, 3, 1), local(2026, 3, 9, 12, 0), "装修"),),
            ),
        ]
    )
    for day in range(10, 17):
        assert codes(nearby(index, local(2026, 3, day, 12, 0), open_only=True)) == ["REPAIRED"]
    locked = state_at(index, "LOCKED", TUESDAY_10AM)
    assert not locked.is_open and locked.closure_reason == "门锁坏了" and locked.until is None


def test_always_open_station_closing_for_a_closure_later_today() -> None:
    closure = (local(2026, 3, 10, 14, 0), local(2026, 3, 10, 16, 0), "消毒")
    index = build([record("H24", opening_hours="24/7", closures=(closure,))])
    now = state_at(index, "H24", TUESDAY_10AM)
    assert now.is_open and now.until == local(2026, 3, 10, 14, 0)
    assert codes(nearby(index, local(2026, 3, 10, 15, 0), open_only=True)) == []


def test_a_closure_starting_between_slots_is_never_shown_open() -> None:
    """The slot matrix is 5 minutes coarse; the exact hours decide."""
    closure = (local(2026, 3, 10, 10, 2), local(2026, 3, 10, 10, 4), "临时停电")
    index = build([record("A", closures=(closure,))])
    assert codes(nearby(index, local(2026, 3, 10, 10, 3), open_only=True)) == []
    assert codes(nearby(index, local(2026, 3, 10, 10, 1), open_only=True)) == ["A"]


# --------------------------------------------------------------------------- amenities


def test_out_of_order_amenity_does_not_match_but_is_listed() -> None:
    index = build(
        [
            record(
                "BROKEN",
                amenities=(
                    AmenityState("charging", working=False, reason="插座烧了"),
                    AmenityState("hot_water", working=True),
                ),
            ),
            record("WORKS", metres_north=700, amenities=(AmenityState("charging", True),)),
        ]
    )
    assert codes(nearby(index, TUESDAY_10AM, amenities=("charging",))) == ["WORKS"]
    assert codes(nearby(index, TUESDAY_10AM, amenities=("hot_water",))) == ["BROKEN"]
    listed = nearby(index, TUESDAY_10AM)
    assert codes(listed) == ["BROKEN", "WORKS"]
    charging = [a for a in listed[0].station.amenities if a.code == "charging"]
    assert charging == [AmenityState("charging", working=False, reason="插座烧了")]


def test_amenities_all_of_services_all_of_kinds_any_of() -> None:
    index = build(
        [
            record(
                "BOTH",
                amenities=(AmenityState("charging", True), AmenityState("toilet", True)),
                services=("legal_aid", "haircut"),
            ),
            record(
                "CHARGE",
                metres_north=100,
                kind="smart",
                amenities=(AmenityState("charging", True),),
                services=("legal_aid",),
            ),
            record("NONE", metres_north=200, kind="mobile"),
        ]
    )
    assert codes(nearby(index, TUESDAY_10AM, amenities=("charging",))) == ["BOTH", "CHARGE"]
    assert codes(nearby(index, TUESDAY_10AM, amenities=("charging", "toilet"))) == ["BOTH"]
    assert codes(nearby(index, TUESDAY_10AM, services=("legal_aid",))) == ["BOTH", "CHARGE"]
    assert codes(nearby(index, TUESDAY_10AM, services=("legal_aid", "haircut"))) == ["BOTH"]
    assert codes(nearby(index, TUESDAY_10AM, services=("health_check",))) == []
    assert codes(nearby(index, TUESDAY_10AM, kinds=("smart",))) == ["CHARGE"]
    assert codes(nearby(index, TUESDAY_10AM, kinds=("fixed", "smart"))) == ["BOTH", "CHARGE"]


def test_always_open_filter() -> None:
    index = build(
        [
            record("DAY"),
            record("H24", metres_north=100, opening_hours="24/7"),
            # Round the clock, but closed on holidays and 调休 days off: not 24 hours.
            record("WORK24", metres_north=200, opening_hours="24/7", keeps_workday_hours=True),
        ]
    )
    found = nearby(index, TUESDAY_10AM, always_open=True)
    assert codes(found) == ["H24"]
    assert found[0].always_open


def test_unknown_codes_name_their_field() -> None:
    index = build([record("A")])
    for query, field in [
        ({"amenities": ("jacuzzi",)}, "amenity"),
        ({"services": ("massage",)}, "service"),
        ({"kinds": ("floating",)}, "kind"),
    ]:
        with pytest.raises(UnknownCode) as info:
            nearby(index, TUESDAY_10AM, **query)
        assert info.value.field == field


# --------------------------------------------------------------------------- broken hours


@pytest.mark.parametrize("hours", ["Mo-Fx 08:00-18:00", "", "open sometimes", "Mo 25:00-26:00"])
def test_broken_hours_are_unknown_and_never_open(hours: str) -> None:
    index = build(
        [
            record("BROKEN", opening_hours=hours, amenities=(AmenityState("charging", True),)),
            record("FINE", metres_north=500),
        ]
    )
    listed = nearby(index, TUESDAY_10AM)
    assert codes(listed) == ["BROKEN", "FINE"]
    assert not listed[0].state.known
    assert not listed[0].state.is_open
    for hour in range(24):
        at = local(2026, 3, 10, hour, 0)
        assert "BROKEN" not in codes(nearby(index, at, open_only=True))
        assert "BROKEN" not in codes(nearby(index, at, open_only=True, amenities=("charging",)))
    # Listed under the charging filter (it has a charger), with its hours unknown.
    assert codes(nearby(index, TUESDAY_10AM, amenities=("charging",))) == ["BROKEN"]


# --------------------------------------------------------------------------- mobile


def mobile_station(**kw) -> StationRecord:
    return record(
        "BUS",
        kind="mobile",
        # The registered address is far away: only the stops count.
        metres_north=20_000,
        stops=(
            StopRecord("中央大街", north(300), ORIGIN_LON, "Mo-Fr 11:00-14:00"),
            StopRecord("群力外滩", north(-2000), east(-3000), "Sa,Su 16:00-21:00"),
        ),
        **kw,
    )


def test_mobile_station_is_where_its_timetable_puts_it() -> None:
    index = build([mobile_station(), record("FIXED", metres_north=5000, opening_hours="24/7")])
    weekday = nearby(index, local(2026, 3, 10, 12, 0))  # Tuesday noon
    assert codes(weekday) == ["BUS", "FIXED"]
    assert weekday[0].stop is not None and weekday[0].stop.place_name == "中央大街"
    assert (weekday[0].lat, weekday[0].lon) == (north(300), ORIGIN_LON)
    assert round(weekday[0].distance_m) == 300
    assert weekday[0].state.is_open and weekday[0].state.until == local(2026, 3, 10, 14, 0)

    saturday = nearby(index, local(2026, 3, 14, 18, 0))
    assert codes(saturday) == ["BUS", "FIXED"]
    assert saturday[0].stop.place_name == "群力外滩"
    assert round(saturday[0].distance_m, -1) == round(np.hypot(2000, 3000), -1)  # ~3,606 m

    # Tuesday night it stands nowhere: not listed at all, open or not.
    assert codes(nearby(index, local(2026, 3, 10, 23, 0))) == ["FIXED"]
    assert codes(nearby(index, local(2026, 3, 10, 23, 0), open_only=True)) == ["FIXED"]


def test_mobile_station_open_now_and_closure() -> None:
    closure = (local(2026, 3, 11, 0, 0), local(2026, 3, 12, 0, 0), "车辆保养")
    index = build([mobile_station(closures=(closure,))])
    assert codes(nearby(index, local(2026, 3, 10, 12, 0), open_only=True)) == ["BUS"]
    # Wednesday at its stop's time, but the bus is in the garage.
    assert codes(nearby(index, local(2026, 3, 11, 12, 0), open_only=True)) == []
    wednesday = nearby(index, local(2026, 3, 11, 12, 0))
    assert codes(wednesday) == ["BUS"]
    assert not wednesday[0].state.is_open
    assert wednesday[0].state.closure_reason == "车辆保养"


def test_mobile_stop_validity_dates() -> None:
    index = build(
        [
            record(
                "BUS",
                kind="mobile",
                stops=(
                    StopRecord(
                        "新站点",
                        ORIGIN_LAT,
                        ORIGIN_LON,
                        "Mo-Su 11:00-14:00",
                        valid_from=dt.date(2026, 3, 12),
                        valid_until=dt.date(2026, 3, 13),
                    ),
                ),
            )
        ]
    )
    assert codes(nearby(index, local(2026, 3, 11, 12, 0))) == []
    assert codes(nearby(index, local(2026, 3, 12, 12, 0))) == ["BUS"]
    assert codes(nearby(index, local(2026, 3, 13, 12, 0))) == ["BUS"]
    assert codes(nearby(index, local(2026, 3, 14, 12, 0))) == []


def test_station_lookup_puts_a_mobile_station_at_its_current_stop() -> None:
    index = build([mobile_station(), record("FIXED")])
    at_noon = index.station("BUS", local(2026, 3, 10, 12, 0))
    assert at_noon is not None and at_noon.stop.place_name == "中央大街"
    at_night = index.station("BUS", local(2026, 3, 10, 23, 0))
    assert at_night is not None and not at_night.state.is_open
    assert index.station("NOPE", TUESDAY_10AM) is None


# --------------------------------------------------------------------------- route


def route_north(km: float) -> tuple[np.ndarray, np.ndarray]:
    lons = np.array([ORIGIN_LON, ORIGIN_LON])
    lats = np.array([ORIGIN_LAT, north(km * 1000)])
    return lons, lats


def route_stations() -> list[StationRecord]:
    return [
        # along 3 km, 100 m east: on an e-bike it is reached at 10:12, on foot at 10:41.
        record("S3K", metres_north=3000, metres_east=100, opening_hours="Mo-Su 08:00-10:30"),
        # along 1 km, 200 m west: reached at 10:05 by e-bike, when it has just closed.
        record("S1K", metres_north=1000, metres_east=-200, opening_hours="Mo-Su 08:00-10:03"),
        # along 6 km, 50 m east: closed when leaving at 10:00, open on arrival (10:24).
        record("S6K", metres_north=6000, metres_east=50, opening_hours="Mo-Su 10:20-18:00"),
        # 800 m off the route: outside a 500 m corridor.
        record("OFF", metres_north=2000, metres_east=800),
        # beyond the end of the route (12 km): 3 km past it.
        record("PAST", metres_north=15_000),
    ]


def test_along_route_in_route_order_with_off_route_distance() -> None:
    index = build(route_stations())
    lon, lat = route_north(12)
    found = index.along(lon, lat, Query(at=TUESDAY_10AM), max_off_m=500)
    assert codes(found) == ["S1K", "S3K", "S6K"]
    assert [round(f.along_m, -1) for f in found] == [1000, 3000, 6000]
    assert [round(f.distance_m) for f in found] == [200, 100, 50]
    wider = index.along(lon, lat, Query(at=TUESDAY_10AM), max_off_m=1000)
    assert codes(wider) == ["S1K", "OFF", "S3K", "S6K"]


def test_along_route_open_on_arrival() -> None:
    index = build(route_stations())
    lon, lat = route_north(12)
    query = Query(at=TUESDAY_10AM, open_only=True)
    by_ebike = index.along(lon, lat, query, max_off_m=500, speed_m_per_min=250)
    assert codes(by_ebike) == ["S3K", "S6K"]
    s6k = by_ebike[1]
    # Arrival time, not departure time: (6,000 + 50 × 1.3) m at 250 m/min ≈ 24.3 min.
    assert s6k.state.is_open and s6k.state.until == local(2026, 3, 10, 18, 0)
    on_foot = index.along(lon, lat, query, max_off_m=500, speed_m_per_min=75)
    assert codes(on_foot) == ["S6K"]  # S3K has closed by 10:41


def test_along_route_mobile_station_present_on_arrival() -> None:
    index = build(
        [
            record(
                "BUS",
                kind="mobile",
                stops=(StopRecord("路边", north(5000), ORIGIN_LON, "Mo-Su 10:15-10:30"),),
            )
        ]
    )
    lon, lat = route_north(10)
    # 5 km by e-bike: 20 minutes, so 10:20 when leaving at 10:00 — the bus is there.
    assert codes(index.along(lon, lat, Query(at=TUESDAY_10AM), max_off_m=300)) == ["BUS"]
    # Leaving at 10:20 it would be 10:40: gone.
    late = local(2026, 3, 10, 10, 20)
    assert codes(index.along(lon, lat, Query(at=late), max_off_m=300)) == []
