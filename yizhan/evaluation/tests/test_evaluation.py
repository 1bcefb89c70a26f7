"""The monthly evaluation on hand-worked stations, through the services and the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import selectors, services
from yizhan.evaluation.models import (
    Card,
    DelistingProposal,
    Indicator,
    KindNorm,
    ScoreStatus,
    StationScore,
)
from yizhan.evaluation.tests.conftest import (
    NOVEMBER,
    evaluate,
    reported_locked,
    staffed,
    visited,
)
from yizhan.stations.models import (
    Amenity,
    Service,
    StationAmenity,
    StationChange,
    StationListing,
)

pytestmark = pytest.mark.django_db


def score_of(station, month=NOVEMBER) -> StationScore:
    return StationScore.objects.get(station=station, month=month)


def indicator(score: StationScore, code: str) -> dict:
    return next(i for i in score.indicators if i["code"] == code)


def test_weekday_only_station_gets_a_yellow_card_for_opening(daoli, model):
    """Open Mo–Fr 09–17 and kept perfectly, but the union wants every station open at
    least 6 hours every day: November's 9 weekend days owe 54 hours.
    Judged 21 × 8 + 54 = 222 h, alive 168 h: 75.7 %, under the 80 % line."""
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    staffed(s, NOVEMBER, daoli.administrator)
    visited(s, NOVEMBER, per_day=12, stars=5, tags=["clean"])
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)

    result = score_of(s)
    opening = indicator(result, "opening")
    assert opening["value"] == 0.757
    assert opening["evidence"]["judged_h"] == 222.0
    assert opening["evidence"]["declared_h"] == 168.0
    assert opening["evidence"]["undeclared_h"] == 54.0
    assert opening["card"] is True
    # Everything else is good: the score stays above the yellow line on its own.
    assert result.score is not None and result.score > 60
    card = Card.objects.get(station=s)
    assert (card.kind, card.status) == ("yellow", "active")
    assert [t["code"] for t in card.triggers] == ["opening"]
    assert card.deadline == dt.date(2026, 12, 31)  # the end of the month after
    assert "开放合规 76%，低于 80%" in card.reason
    # The station master is told, and sees why and what to do.
    assert daoli.master.notifications.filter(kind="evaluation_card").exists()


def test_station_master_sees_the_reason_and_what_to_do(daoli, model, client):
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    staffed(s, NOVEMBER, daoli.administrator)
    visited(s, NOVEMBER, per_day=12, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    client.force_login(daoli.master)
    page = client.get(f"/staff/evaluation/s/{s.code}/?month=2026-11").content.decode()
    assert "本站正在整改的黄牌" in page and "2026-12-31" in page
    assert "未达最低开放要求 54.0" in page
    assert "包括周末" in page  # the advice names the weekend
    # Another station's page is not theirs to see.
    assert client.get(f"/staff/evaluation/s/{daoli.other.code}/").status_code == 404
    # Nor the officers' month.
    assert client.get("/staff/evaluation/").status_code == 403


def test_padlocked_station_goes_yellow_red_proposal_and_is_delisted(daoli, model, clock, client):
    """A station that declares Mo–Su 08–20 but stays padlocked, with workers reporting
    the locked door: October yellow, November red, December a delisting proposal; the
    master answers, the city officer approves, and the station leaves the finder."""
    s = daoli.station
    october, december = dt.date(2026, 10, 1), dt.date(2026, 12, 1)
    for month, today in ((october, dt.date(2026, 11, 2)), (NOVEMBER, dt.date(2026, 12, 1))):
        clock.move_to(dt.datetime.combine(month, dt.time(9), SHANGHAI))
        reported_locked(s, month)
        clock.move_to(dt.datetime.combine(today, dt.time(9), SHANGHAI))
        evaluate(daoli.district, month, daoli.district_officer)
    yellow = Card.objects.get(station=s, month=october)
    red = Card.objects.get(station=s, month=NOVEMBER)
    assert (yellow.kind, yellow.status) == ("yellow", "escalated")
    assert (red.kind, red.status, red.previous_id) == ("red", "active", yellow.pk)
    assert red.deadline == dt.date(2026, 12, 31)
    assert indicator(score_of(s), "opening")["value"] == 0.0

    clock.move_to(dt.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    reported_locked(s, december)
    clock.move_to(dt.datetime(2027, 1, 4, 9, tzinfo=SHANGHAI))
    evaluate(daoli.district, december, daoli.district_officer)
    proposal = DelistingProposal.objects.get(station=s)
    assert proposal.status == "pending" and proposal.card_id == red.pk
    assert proposal.respond_by == dt.date(2027, 1, 11)
    assert daoli.city_officer.notifications.filter(kind="evaluation_delisting").exists()

    # Only a city officer decides, and not before the master could answer.
    with pytest.raises(PermissionDenied):
        services.delisting_decide(
            user=daoli.district_officer, proposal=proposal, approve=True, note="同意"
        )
    with pytest.raises(ApplicationError, match="答复期"):
        services.delisting_decide(
            user=daoli.city_officer, proposal=proposal, approve=True, note="同意"
        )
    nearby = f"/api/v1/finder/nearby?lat={s.lat}&lon={s.lon}&open_now=false"
    assert s.code in [r["code"] for r in client.get(nearby).json()["items"]]
    client.force_login(daoli.master)
    client.post(
        f"/staff/evaluation/proposals/{proposal.pk}/",
        {"action": "respond", "response": "钥匙丢了，一直没配"},
    )
    client.force_login(daoli.city_officer)
    client.post(
        f"/staff/evaluation/proposals/{proposal.pk}/",
        {"action": "approve", "decision_note": "三个月无人开门，同意摘牌"},
    )
    proposal.refresh_from_db()
    s.refresh_from_db()
    assert proposal.status == "approved" and proposal.response == "钥匙丢了，一直没配"
    assert s.status == "delisted" and "三个月无人开门" in s.status_reason
    assert Card.objects.get(pk=red.pk).status == "delisted"

    # Gone from the finder; a tombstone for sync clients.
    client.logout()
    assert s.code not in [r["code"] for r in client.get(nearby).json()["items"]]
    assert client.get(f"/s/{s.code}/").status_code == 404
    synced = client.get("/api/v1/stations/sync?since=2026-12-01T00:00:00%2B08:00").json()
    assert s.code in [r["code"] for r in synced["removed"]]


def test_busy_well_rated_station_rises_one_star_and_a_rerun_changes_nothing(daoli, model):
    """3★ now; every indicator at full marks and the facilities of a 4★ station (not
    of a 5★: no AED, 25 m²). One level up a month."""
    s = daoli.station
    s.star_level, s.floor_area_m2, s.capacity = 3, 25, 16
    s.save()
    StationAmenity.objects.create(station=s, amenity=Amenity.objects.get(code="first_aid"))
    StationAmenity.objects.create(station=s, amenity=Amenity.objects.get(code="seats"))
    s.services.set(Service.objects.filter(code="legal_aid"))
    StationListing.objects.create(
        station=s,
        platform="amap",
        fingerprint="x",
        listed_at=dt.datetime(2026, 6, 1, tzinfo=SHANGHAI),
    )
    services.six_have_check_record(user=daoli.district_officer, station=s, code="location", ok=True)
    staffed(s, NOVEMBER, daoli.administrator, daoli.district_officer)
    visited(s, NOVEMBER, per_day=15, stars=5, tags=["clean", "hot_water"], hours=(8, 12, 18))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)

    result = score_of(s)
    assert result.status == ScoreStatus.SCORED
    assert result.six_haves_met == 6
    assert result.score == 100.0
    assert (result.star_before, result.star_target, result.star_after) == (3, 4, 4)
    assert set(result.star_why.split()) == {"area:25<30", "capacity:16<20", "amenity:aed"}
    s.refresh_from_db()
    assert s.star_level == 4
    change = StationChange.objects.get(station=s, changes__has_key="star_level")
    assert change.changes["star_level"] == [3, 4] and "2026-11" in change.reason
    assert not Card.objects.filter(station=s).exists()

    evaluate(daoli.district, NOVEMBER, daoli.district_officer)  # the same month again
    s.refresh_from_db()
    assert s.star_level == 4  # not 5: the rerun starts from the month's own "before"
    assert StationChange.objects.filter(station=s, changes__has_key="star_level").count() == 1
    assert StationScore.objects.filter(station=s).count() == 1


def test_a_station_with_no_data_is_insufficient_evidence_not_zero(daoli, model):
    other = daoli.other
    other.star_level = 2
    other.save()
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    result = score_of(other)
    assert result.status == ScoreStatus.INSUFFICIENT
    assert result.score is None and result.star_after == 2
    assert result.decision == "insufficient"
    assert not Card.objects.filter(station=other).exists()
    other.refresh_from_db()
    assert other.star_level == 2


def test_a_model_published_during_a_run_does_not_mix_into_it(daoli, model):
    """The run computes from the version it was started with, whatever is published
    while it runs; the next run takes the new version."""
    s = daoli.station
    staffed(s, NOVEMBER, daoli.administrator)
    visited(s, NOVEMBER, per_day=10, stars=4)
    (run,) = services.evaluation_start(
        user=daoli.district_officer, region=daoli.district, month=NOVEMBER
    )

    def publish_v2(phase: str) -> None:
        # v2 judges usage alone, against 100 visits a day.
        draft = services.model_copy(user=None, model=model)
        Indicator.objects.filter(model=draft).exclude(code="usage").update(weight=0)
        KindNorm.objects.filter(model=draft, kind="fixed").update(expected_daily_visits=100)
        services.model_publish(user=None, model=draft)

    services.evaluation_run_execute(run_id=run.pk, hook=publish_v2)
    first = score_of(s)
    assert first.model_version == 1
    assert {i["code"]: i["weight"] for i in first.indicators}["usage"] == 20.0
    assert first.score > 60 and not Card.objects.filter(station=s).exists()

    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    second = score_of(s)
    assert second.model_version == 2
    assert {i["code"]: i["weight"] for i in second.indicators}["opening"] == 0.0
    # 10 a day: 10 % of the new expectation, 100 % of the district median → 0.55 → 50.
    assert second.score == 50.0
    assert Card.objects.get(station=s).triggers == [
        {"code": "total", "value": 50.0, "threshold": 60.0}
    ]


def test_an_older_month_recomputed_changes_scores_only(daoli, model, clock):
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    october = dt.date(2026, 10, 1)
    staffed(s, october, daoli.administrator)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    cards = list(Card.objects.values_list("pk", "status"))
    evaluate(daoli.district, october, daoli.district_officer)
    assert score_of(s, october).decision == "history"
    assert list(Card.objects.values_list("pk", "status")) == cards


def test_who_may_run_and_what_a_run_refuses(daoli, model):
    with pytest.raises(PermissionDenied):
        services.evaluation_start(user=daoli.street_officer, region=daoli.street, month=NOVEMBER)
    with pytest.raises(ValidationFailed, match="区县"):
        services.evaluation_start(user=None, region=daoli.street, month=NOVEMBER)
    with pytest.raises(ValidationFailed, match="尚未结束"):
        services.evaluation_start(
            user=daoli.district_officer, region=daoli.district, month=dt.date(2026, 12, 1)
        )
    # Two clicks start one run; the second joins it.
    first = services.evaluation_start(
        user=daoli.district_officer, region=daoli.district, month=NOVEMBER
    )
    again = services.evaluation_start(user=daoli.city_officer, region=daoli.city, month=NOVEMBER)
    assert [r.pk for r in again] == [r.pk for r in first]


def test_top_share_and_upgrade_candidates(daoli, model):
    """Two stations with evidence: the better one is the district's top 15 % (one of
    two); the one busy at night is the upgrade candidate."""
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    visited(daoli.station, NOVEMBER, per_day=12, stars=5)
    other = daoli.other
    other.opening_hours = "Mo-Su 08:00-22:00"
    other.save()
    staffed(other, NOVEMBER, daoli.other_admin)
    visited(other, NOVEMBER, per_day=8, stars=3, hours=(21, 23, 12))
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    r = selectors.rankings(
        scope=user_scope(user=daoli.district_officer), region=daoli.district, month=NOVEMBER
    )
    assert [row.score.station.code for row in r.top] == ["HRB-DL-001"]
    assert r.upgrade[0].score.station.code == "HRB-DL-002"
    assert score_of(other).closed_demand > 0  # the 23:00 visitors came after closing
