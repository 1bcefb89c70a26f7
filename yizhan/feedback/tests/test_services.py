"""The rules behind the pages: one rating a day, flagged ratings, report merging, the
automatic order, surveys and the evidence shape."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.core.errors import ValidationFailed
from yizhan.core.evidence import LifeEvent
from yizhan.feedback import selectors, services
from yizhan.feedback.models import Rating, Report, ReportEcho, SurveyAnswer
from yizhan.feedback.tests.conftest import START, VISITOR
from yizhan.operations.models import Rectification
from yizhan.visitors.selectors import visitor_hash

pytestmark = pytest.mark.django_db
OTHER = "w" * 24


def test_one_rating_per_station_per_day(place, clock):
    services.rating_submit(station=place.station, visitor_key=VISITOR, stars=4)
    with pytest.raises(ValidationFailed) as exc:
        services.rating_submit(station=place.station, visitor_key=VISITOR, stars=1)
    assert exc.value.errors[0].field == "stars"
    assert "今天已经评价过" in exc.value.errors[0].message
    # Another station the same day, and the same station the next day, are fine.
    services.rating_submit(station=place.other, visitor_key=VISITOR, stars=3)
    clock.move_to(START + dt.timedelta(days=1))
    services.rating_submit(station=place.station, visitor_key=VISITOR, stars=2)
    assert Rating.objects.filter(station=place.station).count() == 2


def test_rating_without_check_in_is_flagged_and_weighs_half(place, clock):
    services.checkin_record(station=place.station, visitor_key=OTHER)
    clock.shift(dt.timedelta(hours=13))
    late = services.rating_submit(station=place.station, visitor_key=OTHER, stars=1)
    fresh = services.rating_submit(station=place.station, visitor_key=VISITOR, stars=5)
    assert (late.flagged, late.weight) == (True, 0.5)
    services.checkin_record(station=place.other, visitor_key=VISITOR)
    checked = services.rating_submit(station=place.other, visitor_key=VISITOR, stars=5)
    assert (checked.flagged, checked.weight, fresh.weight) == (False, 1.0, 0.5)
    summary = selectors.rating_summary(place.station)
    assert summary.count == 2 and summary.flagged == 2 and summary.average == 3.0


def test_rating_fields_are_named(place):
    with pytest.raises(ValidationFailed) as exc:
        services.rating_submit(
            station=place.station, visitor_key=VISITOR, stars=6, tags=["nice"], comment="长" * 201
        )
    assert [e.field for e in exc.value.errors] == ["stars", "tags", "comment"]


def test_reports_merge_within_the_window_and_not_after(place, clock):
    first = services.report_submit(station=place.station, visitor_key=VISITOR, category="dirty")
    clock.shift(dt.timedelta(hours=30))
    second = services.report_submit(
        station=place.station, visitor_key=OTHER, category="dirty", text="还是脏"
    )
    assert second.pk == first.pk
    first.refresh_from_db()
    assert first.count == 2 and first.last_reported_at == START + dt.timedelta(hours=30)
    assert ReportEcho.objects.get().text == "还是脏"
    # The same person again adds no count; another category is its own report.
    services.report_submit(station=place.station, visitor_key=OTHER, category="dirty")
    assert Report.objects.get(pk=first.pk).count == 2
    assert (
        services.report_submit(station=place.station, visitor_key=OTHER, category="no_water").pk
        != first.pk
    )
    clock.move_to(START + dt.timedelta(hours=73))
    third = services.report_submit(station=place.station, visitor_key="x" * 20, category="dirty")
    assert third.pk != first.pk and third.count == 1


def test_closed_in_hours_opens_exactly_one_order(place, clock):
    report = services.report_submit(
        station=place.station, visitor_key=VISITOR, category="closed_in_hours", text="10点没开门"
    )
    order = Rectification.objects.get()
    assert report.rectification == order
    assert (order.source, order.source_ref, order.severity) == (
        "report",
        "report:closed_in_hours",
        "critical",
    )
    assert order.assignee == place.admin
    clock.shift(dt.timedelta(hours=2))
    merged = services.report_submit(
        station=place.station, visitor_key=OTHER, category="closed_in_hours"
    )
    assert merged.pk == report.pk and merged.count == 2
    assert Rectification.objects.count() == 1
    services.report_submit(station=place.station, visitor_key=OTHER, category="broken_equipment")
    assert Rectification.objects.count() == 1


def test_reports_by_category_with_time_to_fix(place, clock):
    services.report_submit(station=place.station, visitor_key=VISITOR, category="expired_medicine")
    services.report_submit(station=place.other, visitor_key=VISITOR, category="dirty")
    order = Rectification.objects.get()
    order.status = "closed"
    order.checked_at = START + dt.timedelta(hours=26)
    order.save()
    from yizhan.accounts.selectors import user_scope

    rows = selectors.reports_by_category(
        user_scope(user=place.officer), START - dt.timedelta(days=1), START + dt.timedelta(days=1)
    )
    by = {r.category: r for r in rows}
    assert by["expired_medicine"].median_hours_to_fix == 26.0 and by["expired_medicine"].fixed == 1
    assert by["dirty"].fixed == 0 and by["dirty"].median_hours_to_fix is None
    street_only = selectors.reports_by_category(
        user_scope(user=place.other_officer),
        START - dt.timedelta(days=1),
        START + dt.timedelta(days=1),
    )
    assert [r.category for r in street_only] == ["dirty"]


def test_life_events_shape(place, clock):
    services.checkin_record(station=place.station, visitor_key=VISITOR, occupation="rider")
    services.rating_submit(station=place.station, visitor_key=VISITOR, stars=5)
    services.report_submit(station=place.other, visitor_key=VISITOR, category="dirty")
    events = list(
        selectors.life_events(
            station_ids=[place.station.pk], start=START, end=START + dt.timedelta(hours=1)
        )
    )
    person = visitor_hash(VISITOR)
    assert events == [
        LifeEvent(place.station.pk, START, "checkin", person, "rider", 1, True),
        LifeEvent(place.station.pk, START, "rating", person, "rider", 1, True),
    ]
    everything = list(
        selectors.life_events(station_ids=None, start=START, end=START + dt.timedelta(hours=1))
    )
    assert [e.source for e in everything] == ["checkin", "rating", "report"]
    assert all(isinstance(e.at, dt.datetime) and e.at.tzinfo for e in everything)


def test_survey_answered_once_and_aggregated_by_occupation(place, clock):
    survey = services.survey_create(
        user=place.officer,
        title="冬季需求调研",
        region=place.station.region.parent,
        questions_text="单选|冬天最需要什么？|热水/暖气/热饭\n多选|常用设施|充电/微波炉/厕所\n填空|还想说什么",
        opens_at=START - dt.timedelta(hours=1),
        closes_at=START + dt.timedelta(days=7),
    )
    assert [q["kind"] for q in survey.questions] == ["single", "multi", "text"]
    assert selectors.surveys_open_for(station=place.station, visitor_key=VISITOR, now=START) == [
        survey
    ]
    services.survey_answer_submit(
        survey=survey,
        station=place.station,
        visitor_key=VISITOR,
        occupation="rider",
        answers={"q1": "热水", "q2": ["充电", "厕所"], "q3": "希望有<b>热饭</b>"},
    )
    with pytest.raises(ValidationFailed) as exc:
        services.survey_answer_submit(
            survey=survey, station=place.station, visitor_key=VISITOR, answers={"q1": "暖气"}
        )
    assert exc.value.errors[0].field == "survey"
    services.survey_answer_submit(
        survey=survey,
        station=place.other,
        visitor_key=OTHER,
        occupation="sanitation",
        answers={"q1": "热水"},
    )
    assert SurveyAnswer.objects.count() == 2
    assert selectors.surveys_open_for(station=place.station, visitor_key=VISITOR, now=START) == []
    results = selectors.survey_results(survey=survey)
    q1 = results.questions[0]
    assert q1.totals == {"热水": 2, "暖气": 0, "热饭": 0}
    assert q1.by_occupation == {
        "外卖骑手": {"热水": 1, "暖气": 0, "热饭": 0},
        "环卫工人": {"热水": 1, "暖气": 0, "热饭": 0},
    }
    assert len(q1.by_region) == 2
    with pytest.raises(ValidationFailed) as bad:
        services.survey_answer_submit(
            survey=survey, station=place.station, visitor_key="z" * 20, answers={"q1": "冰水"}
        )
    assert bad.value.errors[0].field == "q1"


def test_survey_form_errors_name_the_row(place):
    with pytest.raises(ValidationFailed) as exc:
        services.survey_create(
            user=place.officer,
            title="",
            region=place.station.region,
            questions_text="单选|只有一个选项|是\n问题没有类型",
            opens_at=START,
            closes_at=START + dt.timedelta(days=1),
        )
    fields = [(e.field, e.row) for e in exc.value.errors]
    assert ("title", None) in fields and ("questions", 1) in fields and ("questions", 2) in fields
    with pytest.raises(ValidationFailed) as scope:
        services.survey_create(
            user=place.other_officer,
            title="越权",
            region=place.station.region,
            questions_text="单选|好吗|好/不好",
            opens_at=START,
            closes_at=START + dt.timedelta(days=1),
        )
    assert scope.value.errors[0].field == "region"


def test_a_call_back_number_is_shown_to_staff_and_forgotten_when_closed(place, client):  # type: ignore[no-untyped-def]
    from yizhan.feedback.models import ReportStatus
    from yizhan.feedback.services import report_status_set, report_submit
    from yizhan.stations.models import StationStaff
    from yizhan.stations.tests.factories import UserFactory

    station = place.station
    master = UserFactory(username="master-r", role="staff")
    StationStaff.objects.create(station=station, role="master", name="站长", user=master)
    report = report_submit(
        station=station, visitor_key="g" * 32, category="dirty", phone="13912345678"
    )
    client.force_login(master)
    assert "tel:13912345678" in client.get("/staff/feedback/").content.decode()
    report_status_set(user=master, report=report, status=ReportStatus.CLOSED)
    report.refresh_from_db()
    assert report.phone == ""
