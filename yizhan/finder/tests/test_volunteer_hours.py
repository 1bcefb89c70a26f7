"""Volunteer-staffed hours in the finder: a weekday-only station is found open on a
Saturday while a volunteer has signed up to keep it open, and says so; not when nobody
signed up, the sign-up was withdrawn or the shift cancelled. A closure still wins."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from yizhan.finder.index import FinderIndex, Query, StationRecord
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, east, local
from yizhan.stations.models import StationClosure
from yizhan.stations.tests.factories import StationFactory, UserFactory
from yizhan.volunteers.models import Shift
from yizhan.volunteers.services import shift_cancel, shift_signup, shift_signup_cancel

NEARBY = "/api/v1/finder/nearby"
THURSDAY = local(2026, 3, 12, 10, 0)
SATURDAY_11 = local(2026, 3, 14, 11, 0)


# --------------------------------------------------------------------------- the index


def record(code: str, hours: str, extra=(), metres_east: float = 0.0) -> StationRecord:
    return StationRecord(
        code=code,
        name=f"驿站{code}",
        kind="fixed",
        lat=ORIGIN_LAT,
        lon=east(metres_east),
        address="中央大街",
        region_name="兆麟街道",
        opening_hours=hours,
        extra_open=tuple((a, b, "volunteer") for a, b in extra),
    )


def build(records) -> FinderIndex:
    return FinderIndex.build(
        records, today=dt.date(2026, 3, 12), amenity_codes=("charging",), service_codes=()
    )


def open_codes(index: FinderIndex, at: dt.datetime) -> list[str]:
    found = index.nearby(ORIGIN_LON, ORIGIN_LAT, Query(at=at, open_only=True), limit=20)
    return [f.station.code for f in found]


SAT = (local(2026, 3, 14, 10, 0), local(2026, 3, 14, 16, 0))


def test_extra_spans_open_a_closed_day_and_are_marked_volunteer():
    index = build([record("WD", "Mo-Fr 09:00-17:00", [SAT]), record("NO", "Mo-Fr 09:00-17:00")])
    assert open_codes(index, SATURDAY_11) == ["WD"]
    state = index.station("WD", SATURDAY_11).state
    assert (state.is_open, state.volunteer, state.until) == (True, True, SAT[1])
    assert open_codes(index, local(2026, 3, 14, 16, 0)) == []
    assert open_codes(index, local(2026, 3, 14, 9, 55)) == []
    # On a weekday the station's own hours hold, not marked volunteer.
    friday = index.station("WD", local(2026, 3, 13, 11, 0)).state
    assert (friday.is_open, friday.volunteer) == (True, False)
    # Saturday morning it says when volunteers open it.
    morning = index.station("WD", local(2026, 3, 14, 8, 0)).state
    assert (morning.is_open, morning.until) == (False, SAT[0])


def test_a_shift_running_past_closing_time_extends_the_day():
    evening = (local(2026, 3, 13, 16, 0), local(2026, 3, 13, 21, 0))
    index = build([record("WD", "Mo-Fr 09:00-17:00", [evening])])
    at_noon = index.station("WD", local(2026, 3, 13, 12, 0)).state
    assert (at_noon.until, at_noon.volunteer) == (evening[1], False)  # open until 21:00
    at_six = index.station("WD", local(2026, 3, 13, 18, 0)).state
    assert (at_six.is_open, at_six.volunteer) == (True, True)


def test_unknown_hours_with_a_shift_are_open_in_the_shift_and_unknown_otherwise():
    index = build([record("BAD", "whenever you like", [SAT])])
    during = index.station("BAD", SATURDAY_11).state
    assert (during.known, during.is_open, during.volunteer) == (True, True, True)
    assert open_codes(index, SATURDAY_11) == ["BAD"]
    after = index.station("BAD", local(2026, 3, 14, 17, 0)).state
    assert (after.known, after.is_open) == (False, False)


def test_stations_share_a_pattern_only_with_the_same_extra_spans():
    other = (local(2026, 3, 15, 10, 0), local(2026, 3, 15, 16, 0))
    index = build(
        [
            record("A", "Mo-Fr 09:00-17:00", [SAT]),
            record("B", "Mo-Fr 09:00-17:00", [SAT], 50),
            record("C", "Mo-Fr 09:00-17:00", [other], 100),
            record("D", "Mo-Fr 09:00-17:00", (), 150),
        ]
    )
    rows = index.open_rows.tolist()
    assert rows[0] == rows[1] and len({rows[0], rows[2], rows[3]}) == 3
    assert open_codes(index, local(2026, 3, 15, 11, 0)) == ["C"]


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def weekday_station(db):
    return StationFactory(
        code="WD1",
        name="工作日驿站",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        opening_hours="Mo-Fr 09:00-17:00",
        amenities=["hot_water"],
    )


@pytest.fixture
def shift(weekday_station):
    return Shift.objects.create(
        station=weekday_station,
        role="one_day_master",
        starts_at=local(2026, 3, 14, 10, 0),
        ends_at=local(2026, 3, 14, 16, 0),
        slots=2,
        extends_hours=True,
    )


def open_on_saturday(client) -> list[dict]:
    response = client.get(
        NEARBY,
        {"lat": ORIGIN_LAT, "lon": ORIGIN_LON, "open_now": "true", "at": SATURDAY_11.isoformat()},
    )
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_a_volunteer_sign_up_opens_a_weekday_station_on_saturday(client, shift):
    """The Done-when case: Mo-Fr 09:00-17:00, a Saturday 10:00-16:00 shift extending the
    hours; with a sign-up, "open now" at Saturday 11:00 finds it, volunteer-staffed."""
    volunteer = UserFactory(role="worker")
    with time_machine.travel(THURSDAY):
        assert open_on_saturday(client) == []  # nobody signed up yet
        signup = shift_signup(user=volunteer, shift=shift)
        (card,) = open_on_saturday(client)
        assert (card["code"], card["open_now"], card["state"]) == ("WD1", True, "open")
        assert card["state_label"] == "志愿者值守，16:00 关门"
        assert dt.datetime.fromisoformat(card["open_until"]) == local(2026, 3, 14, 16, 0)
        shift_signup_cancel(user=volunteer, signup=signup)
        assert open_on_saturday(client) == []  # withdrawn: closed again


def test_a_cancelled_shift_or_a_closure_keeps_the_station_closed(client, shift):
    runner = UserFactory(is_superuser=True, username="root")
    with time_machine.travel(THURSDAY):
        shift_signup(user=UserFactory(role="worker"), shift=shift)
        StationClosure.objects.create(
            station=shift.station,
            starts_at=local(2026, 3, 14, 0, 0),
            ends_at=local(2026, 3, 14, 12, 0),
            reason="停电",
        )
        assert open_on_saturday(client) == []
        at_one = client.get(
            NEARBY,
            {
                "lat": ORIGIN_LAT,
                "lon": ORIGIN_LON,
                "open_now": "true",
                "at": "2026-03-14T13:00:00+08:00",
            },
        ).json()["items"]
        assert [c["code"] for c in at_one] == ["WD1"]
        shift_cancel(user=runner, shift=shift)
        assert open_on_saturday(client) == []


def test_a_shift_that_does_not_extend_hours_opens_nothing(client, shift):
    shift.extends_hours = False
    shift.save()
    with time_machine.travel(THURSDAY):
        shift_signup(user=UserFactory(role="worker"), shift=shift)
        assert open_on_saturday(client) == []


def test_the_station_page_shows_saturdays_volunteer_hours_and_the_shifts(client, shift):
    with time_machine.travel(THURSDAY):
        before = client.get("/s/WD1/").content.decode()
        assert "志愿者值守 10:00–16:00" not in before
        assert "有人报名后延长开放" in before and "还缺 2 名志愿者" in before
        shift_signup(user=UserFactory(role="worker"), shift=shift)
        page = client.get("/s/WD1/").content.decode()
        api = client.get("/api/v1/finder/stations/WD1").json()
    assert "志愿者值守 10:00–16:00" in page
    assert "还缺 1 名志愿者" in page and 'href="/staff/shifts/"' in page
    saturday = next(d for d in api["week"] if d["date"] == "2026-03-14")
    assert saturday["intervals"] == ["10:00–16:00"]
    sunday = next(d for d in api["week"] if d["date"] == "2026-03-15")
    assert sunday["intervals"] == []


def test_the_index_stamp_moves_with_sign_ups_and_modes_but_not_check_ins(shift):
    from yizhan.finder.selectors import finder_version
    from yizhan.operations.models import SeasonalMode
    from yizhan.volunteers.services import shift_check_in

    today = dt.date(2026, 3, 12)
    volunteer = UserFactory(role="worker")
    with time_machine.travel(THURSDAY):
        before = finder_version(today=today)
        signup = shift_signup(user=volunteer, shift=shift)
        signed = finder_version(today=today)
    assert signed != before
    with time_machine.travel(local(2026, 3, 14, 9, 50)):
        shift_check_in(user=volunteer, signup=signup, lat=None, lon=None)
        assert finder_version(today=today) == signed
        SeasonalMode.objects.create(
            region=shift.station.region,
            season="winter",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 3, 31),
        )
        assert finder_version(today=today) != signed
