"""A past month is judged on that month only (issue 17): its equipment, staff, hours and
facts as they stood, from the registry's history and the equipment log, else from the
snapshot its first run kept. A rerun changes a star, card or proposal only when the
month's evidence changed, and says what it changed and why."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.core.time import SHANGHAI
from yizhan.evaluation import history, services
from yizhan.evaluation.models import Card, DelistingProposal, MonthSnapshot, StationScore
from yizhan.evaluation.tests.conftest import NOVEMBER, evaluate, staffed, visited
from yizhan.feedback.services import rating_submit
from yizhan.operations.services import amenity_state_set
from yizhan.stations.models import (
    Amenity,
    Service,
    StaffRole,
    Station,
    StationAmenity,
    StationListing,
    StationStaff,
)
from yizhan.stations.services import station_record_change, station_snapshot

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def four_star_material(daoli) -> Station:
    """3★ now, weekday-only (a yellow card for opening), well used and rated, with the
    facilities of a 4★ station: November rises to 4★ and gets a yellow card."""
    s = daoli.station
    s.star_level, s.floor_area_m2, s.capacity = 3, 25, 16
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    for code in ("first_aid", "seats"):
        StationAmenity.objects.create(station=s, amenity=Amenity.objects.get(code=code))
    s.services.set(Service.objects.filter(code="legal_aid"))
    StationListing.objects.create(station=s, platform="amap", fingerprint="x", listed_at=at(6, 1))
    services.six_have_check_record(
        user=daoli.district_officer, station=s, code="location", ok=True, now=at(10, 1)
    )
    staffed(s, NOVEMBER, daoli.administrator, daoli.district_officer)
    visited(s, NOVEMBER, per_day=12, stars=5, tags=["clean"])
    return s


def registry_edit(station: Station, **fields: object) -> None:
    """An edit through the console: the station's history records it (now)."""
    station = Station.objects.select_related("region").get(pk=station.pk)
    before = station_snapshot(station)
    for name, value in fields.items():
        setattr(station, name, value)
    station.save()
    station_record_change(station=station, user=None, before=before)


def test_what_changed_after_the_month_does_not_move_it(daoli, model, clock, client):
    s = four_star_material(daoli)
    (first,) = evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    november = StationScore.objects.get(station=s, month=NOVEMBER)
    assert (november.star_before, november.star_after, november.card) == (3, 4, "yellow")
    assert first.outcome["yellow"] == 1 and first.outcome["rerun"] is False
    assert MonthSnapshot.objects.filter(month=NOVEMBER).count() == 2

    # December: the charger and the microwave break (the equipment log), the master
    # leaves and the hours change (the registry's history), and, with no history at all,
    # someone shrinks the floor area and drops the first-aid kit in the database.
    clock.move_to(at(12, 3))
    for code in ("charging", "microwave"):
        amenity_state_set(user=daoli.master, station=s, amenity_code=code, working=False,
                          reason="坏了")  # fmt: skip
    registry_edit(s, opening_hours="Mo-Su 09:00-17:00")
    StationStaff.objects.filter(station=s, role=StaffRole.MASTER).delete()
    Station.objects.filter(pk=s.pk).update(floor_area_m2=10)
    StationAmenity.objects.filter(station=s, amenity__code="first_aid").delete()
    # And an officer assesses the location again, after the month's first run.
    services.six_have_check_record(user=daoli.district_officer, station=s, code="location",
                                   ok=False)  # fmt: skip

    clock.move_to(at(12, 4))
    (rerun,) = evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    again = StationScore.objects.get(station=s, month=NOVEMBER)
    assert (again.score, again.star_after, again.card) == (november.score, 4, "yellow")
    assert again.six_haves == november.six_haves
    assert again.inputs["amenities"]["charging"] == "working"
    assert again.inputs["hours"][0][1] == "Mo-Fr 09:00-17:00"
    assert again.inputs["floor_area_m2"] == 25 and "master" in again.inputs["staff_roles"]
    s.refresh_from_db()
    assert s.star_level == 4
    assert Card.objects.filter(station=s).count() == 1
    assert not DelistingProposal.objects.exists()
    assert (rerun.outcome["rerun"], rerun.outcome["changed"], rerun.outcome["changes"]) == (
        True,
        0,
        [],
    )
    client.force_login(daoli.district_officer)
    page = client.get("/staff/evaluation/?month=2026-11").content.decode()
    assert "这次重算没有改变任何结果" in page


def test_a_fault_recorded_inside_the_month_is_listed_with_its_reason(daoli, model, clock, client):
    """The issue's case turned right: a charger fault dated 20 November, recorded after
    the month's first run, and late ratings of the month, are November's evidence. The
    rerun drops the station to what its facilities allow and says why."""
    s = four_star_material(daoli)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    first = StationScore.objects.get(station=s, month=NOVEMBER)

    amenity_state_set(user=daoli.master, station=s, amenity_code="charging", working=False,
                      reason="充电线被剪断", now=at(11, 20))  # fmt: skip
    for n in range(6):
        rating_submit(station=s, visitor_key=f"late-rater-{n:03d}-yizhan", stars=1,
                      tags=["dirty"], now=at(11, 25, 12))  # fmt: skip
    clock.move_to(at(12, 4))
    (rerun,) = evaluate(daoli.district, NOVEMBER, daoli.district_officer)

    again = StationScore.objects.get(station=s, month=NOVEMBER)
    assert again.star_after == 1 and "amenity:charging" in again.star_why
    s.refresh_from_db()
    assert s.star_level == 1
    assert rerun.outcome["changed"] == 1
    (change,) = rerun.outcome["changes"]
    assert change["station"] == s.code
    assert {"what": "star", "before": 4, "after": 1} in change["what"]
    assert {"what": "score", "before": first.score, "after": again.score} in change["what"]
    whys = {w["why"]: w for w in change["why"]}
    assert whys["amenity"] == {
        "why": "amenity",
        "code": "charging",
        "before": "working",
        "after": "out_of_order",
    }
    assert "satisfaction" in {w.get("code") for w in change["why"] if w["why"] == "evidence"}
    assert Card.objects.filter(station=s).count() == 1  # the yellow card stands, not twice

    client.force_login(daoli.district_officer)
    page = client.get("/staff/evaluation/?month=2026-11").content.decode()
    assert "这次重算改变了 1 个驿站的结果" in page
    assert "星级 4★ → 1★" in page
    assert "手机充电：正常 → 故障" in page
    # The station's row says why beside its stars, in words (not "amenity:charging").
    row = page[page.index('star-why"') :][:200]
    assert "手机充电" in row and "amenity:" not in row
    assert "满意度：" in page
    english = client.get("/en/staff/evaluation/?month=2026-11").content.decode()
    assert "Phone charging: Working → Broken" in english


def test_hours_changed_mid_month_are_judged_by_the_hours_then_in_force(daoli, model, clock):
    """Weekday-only until Monday 16 November, every day after. 1–15 November: 10
    weekdays × 8 h declared and 5 weekend days × 6 h owed; 16–30: 15 days × 8 h."""
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    clock.move_to(at(11, 16, 8))
    registry_edit(s, opening_hours="Mo-Su 09:00-17:00")
    clock.move_to(at(12, 1, 8))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    opening = next(
        i for i in StationScore.objects.get(station=s).indicators if i["code"] == "opening"
    )
    assert opening["evidence"]["declared_h"] == 80 + 120
    assert opening["evidence"]["judged_h"] == 80 + 30 + 120


def test_the_month_first_run_graded_is_the_month_its_reruns_grade(daoli, model, clock):
    """A station suspended when November was first evaluated and reactivated since is
    not brought into November by a rerun."""
    from yizhan.accounts.selectors import Scope
    from yizhan.stations.services import station_status_set

    national = Scope(national=True, region=None)
    clock.move_to(at(11, 30, 20))
    station_status_set(station=daoli.other, status="suspended", reason="维修", user=None,
                       scope=national)  # fmt: skip
    clock.move_to(at(12, 1, 8))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    assert not StationScore.objects.filter(station=daoli.other).exists()
    station_status_set(station=daoli.other, status="active", reason="", user=None, scope=national)
    clock.move_to(at(12, 2))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    assert not StationScore.objects.filter(station=daoli.other).exists()


# ---------------------------------------------------------------- the replay, pure

START, END = at(11, 1, 0), at(12, 1, 0)
SNAP = {
    "name": "兆麟1号工会驿站",
    "kind": "fixed",
    "opening_hours": "24/7",
    "keeps_workday_hours": False,
    "floor_area_m2": 30,
    "capacity": 10,
    "amenities": {"charging": "working"},
    "services": [],
    "staff": ["master"],
    "other_roles": [],
}


FIRST_RUN = at(12, 5)


def stood(rows=(), marks=(), cutoff=FIRST_RUN) -> history.Stood:
    return history.as_it_stood(
        snapshot=SNAP,
        rows=list(rows),
        marks=list(marks),
        listed_at=[],
        officer_checks={},
        start=START,
        end=END,
        cutoff=cutoff,
    )


def created(when: dt.datetime, **changes: object) -> history.RegistryRow:
    return history.RegistryRow(when, True, {k: [None, v] for k, v in changes.items()})


def test_the_last_change_before_the_month_end_wins():
    rows = [
        created(at(3, 1), floor_area_m2=20, amenities=[["charging", "working", ""]]),
        history.RegistryRow(at(11, 10), False, {"floor_area_m2": [20, 25]}),
        history.RegistryRow(at(12, 2), False, {"floor_area_m2": [25, 30]}),
    ]
    marks = [history.Mark(at(11, 20), "charging", "out_of_order")]
    s = stood(rows, marks)
    assert (s.floor_area_m2, dict(s.amenities)) == (25, {"charging": "out_of_order"})
    assert set(s.from_history) == {"floor_area_m2", "amenities"}


def test_a_change_after_the_month_answers_with_its_before_up_to_the_first_run():
    marks = [history.Mark(at(12, 3), "charging", "out_of_order")]
    edit = [history.RegistryRow(at(12, 3), False, {"capacity": [6, 10]})]
    assert stood(edit, marks).capacity == 6
    assert stood(edit, marks).amenities == {"charging": "working"}
    # Made after the month's first run: the snapshot answers, whatever the change says.
    assert stood(edit, marks, cutoff=at(12, 2)).capacity == 10
    # A station created after the month has no "before": the snapshot answers.
    assert stood([created(at(12, 3), capacity=4)]).capacity == 10


def test_an_amenity_removed_from_the_register_is_gone_and_one_added_later_was_not_there():
    def listed(*codes: str) -> list[list[str]]:
        return [[c, "working", ""] for c in codes]

    rows = [
        created(at(3, 1), amenities=listed("aed", "charging")),
        history.RegistryRow(
            at(11, 5), False, {"amenities": [listed("aed", "charging"), listed("charging")]}
        ),
        history.RegistryRow(
            at(12, 3), False, {"amenities": [listed("charging"), listed("charging", "wifi")]}
        ),
    ]
    assert stood(rows).amenities == {"charging": "working"}
