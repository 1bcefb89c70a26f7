"""What an independent review of the evaluation found, each pinned by a test."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from yizhan.accounts.selectors import Scope
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import services
from yizhan.evaluation.models import (
    Card,
    EvaluationRun,
    StationScore,
)
from yizhan.evaluation.tests.conftest import NOVEMBER, evaluate, staffed, visited
from yizhan.stations.services import station_status_set

pytestmark = pytest.mark.django_db
DECEMBER = dt.date(2026, 12, 1)


def weekday_only(daoli) -> None:
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()


def test_a_rerun_after_a_card_was_lifted_by_hand_issues_nothing_and_does_not_fail(daoli, model):
    weekday_only(daoli)
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    card = Card.objects.get()
    services.card_lift(user=daoli.district_officer, card=card, note="已改为每天开放")
    (run,) = evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    assert run.status == "done"
    assert list(Card.objects.values_list("status", flat=True)) == ["lifted"]


def test_a_rerun_that_finds_the_problem_still_there_takes_the_lifted_card_up_again(
    daoli, model, clock
):
    """November: weekday-only, a yellow card. December: open every day, and the first
    run lifts the card. Then the master registers, late, that the station was shut every
    December weekend: the rerun turns the card red (its deadline has passed) instead of
    starting a fresh yellow with a new month to fix it."""
    from yizhan.stations.models import StationClosure

    s = daoli.station
    weekday_only(daoli)
    staffed(s, NOVEMBER, daoli.administrator)
    visited(s, NOVEMBER, per_day=10, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    yellow = Card.objects.get()
    s.opening_hours = "Mo-Su 09:00-17:00"
    s.save()
    staffed(s, DECEMBER, daoli.administrator)
    visited(s, DECEMBER, per_day=10, stars=5)
    clock.move_to(dt.datetime(2027, 1, 2, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, DECEMBER, daoli.district_officer)
    yellow.refresh_from_db()
    assert yellow.status == "lifted" and yellow.closed_month == DECEMBER
    for day in range(1, 32):
        date = dt.date(2026, 12, day)
        if date.weekday() >= 5:
            StationClosure.objects.create(
                station=s,
                starts_at=dt.datetime.combine(date, dt.time(0), SHANGHAI),
                ends_at=dt.datetime.combine(date, dt.time(23, 59), SHANGHAI),
                reason="周末闭站(补登)",
            )
    evaluate(daoli.district, DECEMBER, daoli.district_officer)
    yellow.refresh_from_db()
    assert yellow.status == "escalated"
    red = Card.objects.get(status="active")
    assert (red.kind, red.previous_id, red.month) == ("red", yellow.pk, DECEMBER)


def test_a_carded_station_that_goes_silent_is_not_let_off(daoli, model, clock):
    """A yellow card for January; in February the station leaves no record at all (no
    opening taps, no visitor, no inspection). Silence under a card counts as the problem
    still there: red, not "insufficient evidence, nothing to do"."""
    # January 2027 ends on a Sunday: no week spans into February to carry an inspection.
    january, february = dt.date(2027, 1, 1), dt.date(2027, 2, 1)
    s = daoli.station
    weekday_only(daoli)
    staffed(s, january, daoli.administrator)
    clock.move_to(dt.datetime(2027, 2, 1, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, january, daoli.district_officer)
    assert Card.objects.get().kind == "yellow"
    clock.move_to(dt.datetime(2027, 3, 1, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, february, daoli.district_officer)
    silent = StationScore.objects.get(station=s, month=february)
    assert silent.status == "insufficient" and silent.decision == "red"
    assert silent.triggers == [{"code": "silent", "value": None, "threshold": None}]
    red = Card.objects.get(status="active")
    assert red.kind == "red" and "没有任何开放、使用或巡查记录" in red.reason
    # The other station, silent too but under no card, is simply not graded.
    other = StationScore.objects.get(station=daoli.other, month=february)
    assert (other.status, other.decision) == ("insufficient", "insufficient")


def test_a_run_left_running_by_a_lost_worker_does_not_block_the_month(daoli, model, clock):
    (run,) = services.evaluation_start(
        user=daoli.district_officer, region=daoli.district, month=NOVEMBER
    )
    EvaluationRun.objects.filter(pk=run.pk).update(
        status="running", started_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
    )
    clock.move_to(dt.datetime(2026, 12, 1, 9, 31, tzinfo=SHANGHAI))  # 61 min, no progress
    (again,) = services.evaluation_start(
        user=daoli.district_officer, region=daoli.district, month=NOVEMBER
    )
    assert again.pk != run.pk
    run.refresh_from_db()
    assert run.status == "failed" and "中断" in run.error


def test_exports_keep_peoples_text_as_text(daoli, model, client):
    """A master's answer starting with "=" is not a live formula in the officer's XLSX."""
    s = daoli.station
    s.name = '=HYPERLINK("http://x","点我")'
    s.save()
    weekday_only(daoli)
    staffed(s, NOVEMBER, daoli.administrator)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    client.force_login(daoli.district_officer)
    content = client.get("/staff/evaluation/?month=2026-11&format=xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [c for c in sheet["B"] if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_station_that_lost_its_stars_climbs_back_one_level_a_month(daoli, model, clock):
    """Rated before, no stars now (its hot water broke): with everything back it rises
    to 1★, not straight to its target."""
    from yizhan.stations.models import Amenity, Service, StationAmenity, StationListing

    s = daoli.station
    for code in ("seats", "first_aid"):
        StationAmenity.objects.create(station=s, amenity=Amenity.objects.get(code=code))
    s.services.set(Service.objects.filter(code="legal_aid"))
    StationListing.objects.create(
        station=s,
        platform="amap",
        fingerprint="x",
        listed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )
    services.six_have_check_record(user=daoli.inspector, station=s, code="location", ok=True)
    staffed(s, NOVEMBER, daoli.administrator, daoli.district_officer)
    visited(s, NOVEMBER, per_day=10, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    assert StationScore.objects.get(station=s, month=NOVEMBER).star_after == 2  # its cap
    s.refresh_from_db()
    s.star_level = None
    s.save()
    staffed(s, DECEMBER, daoli.administrator, daoli.district_officer)
    visited(s, DECEMBER, per_day=10, stars=5)
    clock.move_to(dt.datetime(2027, 1, 2, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, DECEMBER, daoli.district_officer)
    s.refresh_from_db()
    december = StationScore.objects.get(station=s, month=DECEMBER)
    assert december.star_target == 2
    assert (december.star_before, s.star_level) == (None, 1)


def test_a_suspension_after_the_month_does_not_erase_the_month(daoli, model, clock):
    """Active all November, suspended on 2 December, back on the 5th: November is
    judged in full (its status history says so), and the weekends are still owed."""
    s = daoli.station
    weekday_only(daoli)
    staffed(s, NOVEMBER, daoli.administrator)
    scope = Scope(national=True, region=None)
    for day, status in ((2, "suspended"), (5, "active")):
        station_status_set(
            station=s,
            status=status,
            reason="维修",
            user=None,
            scope=scope,
            now=dt.datetime(2026, 12, day, 9, tzinfo=SHANGHAI),
        )
    clock.move_to(dt.datetime(2026, 12, 6, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    opening = next(
        i for i in StationScore.objects.get(station=s).indicators if i["code"] == "opening"
    )
    assert opening["evidence"]["judged_h"] == 222.0 and opening["value"] == 0.757


def test_an_older_month_recomputed_keeps_what_it_decided(daoli, model, clock):
    weekday_only(daoli)
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    clock.move_to(dt.datetime(2027, 1, 2, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, DECEMBER, daoli.district_officer)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    november = StationScore.objects.get(station=daoli.station, month=NOVEMBER)
    assert (november.decision, november.card) == ("yellow", "yellow")
    assert november.triggers[0]["code"] == "opening"


def test_rankings_use_the_cards_the_month_left(daoli, model):
    """Lifting a card later does not put the station into that month's top list."""
    weekday_only(daoli)
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    visited(daoli.station, NOVEMBER, per_day=10, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    services.card_lift(user=daoli.district_officer, card=Card.objects.get(), note="核实")
    from yizhan.evaluation import selectors

    ranking = selectors.rankings(
        scope=Scope(national=True, region=None), region=daoli.district, month=NOVEMBER
    )
    assert [r.score.station.code for r in ranking.top] == []


def test_a_one_star_station_is_nobodys_best_station(daoli, model):
    """最美驿站候选 need the model's least star level (3★ by default) as the month left
    them, whatever their score."""
    from yizhan.evaluation import selectors

    model.top_share = 1.0  # every eligible station is a candidate: only the stars decide
    model.save()
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    visited(daoli.station, NOVEMBER, per_day=10, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    score = StationScore.objects.get(station=daoli.station, month=NOVEMBER)
    scope = Scope(national=True, region=None)

    StationScore.objects.filter(pk=score.pk).update(star_after=1, card="")
    low = selectors.rankings(scope=scope, region=daoli.district, month=NOVEMBER)
    assert daoli.station.code not in [r.score.station.code for r in low.top]

    StationScore.objects.filter(pk=score.pk).update(star_after=4, card="")
    high = selectors.rankings(scope=scope, region=daoli.district, month=NOVEMBER)
    assert daoli.station.code in [r.score.station.code for r in high.top]


def test_the_rankings_page_words_each_stations_hours(daoli, model, client):
    model.top_share = 1.0
    model.save()
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    visited(daoli.station, NOVEMBER, per_day=10, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    StationScore.objects.filter(station=daoli.station).update(star_after=4, card="")
    client.force_login(daoli.district_officer)
    page = client.get(
        f"/staff/evaluation/rankings/?region={daoli.district.code}&month=2026-11"
    ).content.decode()
    assert daoli.station.code in page
    rule = daoli.station.opening_hours
    assert rule not in page  # the OSM rule is not what an officer reads
