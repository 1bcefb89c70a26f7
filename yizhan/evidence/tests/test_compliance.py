"""Opening compliance and usage on a hand-worked day, through the database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from yizhan.core.time import SHANGHAI
from yizhan.evidence import selectors
from yizhan.operations.models import OpeningLog, Rectification
from yizhan.stations.models import StationClosure

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 30)


def at(h: int, m: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 30, h, m, tzinfo=SHANGHAI)


@pytest.fixture
def worked_day(daoli):
    """HRB-DL-001 declares 08:00–20:00 every day. On 30 November: opened at 08:05 and
    closed at 12:00 by the administrator; a declared training closure 16:00–17:00."""
    s = daoli.station
    s.opening_hours = "Mo-Su 08:00-20:00"
    s.save()
    OpeningLog.objects.create(station=s, action="opened", at=at(8, 5), user=daoli.administrator)
    OpeningLog.objects.create(station=s, action="closed", at=at(12), user=daoli.administrator)
    StationClosure.objects.create(station=s, starts_at=at(16), ends_at=at(17), reason="培训")
    return daoli


def test_hand_worked_day(worked_day):
    (day,) = selectors.station_days(stations=[worked_day.station], first=DAY, last=DAY)
    c = day.compliance
    # Declared: 08–16 and 17–20 = 11 h. Alive: 08–12 (the opening log) = 4 h.
    assert (c.declared_minutes, c.alive_minutes) == (660, 240)
    assert round(c.share, 3) == 0.364
    assert [(a.astimezone(SHANGHAI).hour, b.astimezone(SHANGHAI).hour) for a, b in c.dead] == [
        (12, 16),
        (17, 20),
    ]
    assert c.flagged  # four hours declared open with no sign of life
    assert day.usage.visits == 0  # staff opening the door are not visits


def test_dashboard_shows_and_exports_it_and_an_officer_opens_an_order(worked_day, client):
    client.force_login(worked_day.district_officer)
    page = client.get("/staff/evidence/?start=2026-11-30&end=2026-11-30").content.decode()
    assert "兆麟1号工会驿站" in page and "36%" in page
    sheet = load_workbook(
        io.BytesIO(
            client.get("/staff/evidence/?start=2026-11-30&end=2026-11-30&format=xlsx").content
        )
    )["按驿站"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "HRB-DL-001")
    assert round(row[4], 3) == 0.364 and row[5] == 7.0 and row[6] == 1
    station_page = client.get("/staff/evidence/s/HRB-DL-001/?start=2026-11-30&end=2026-11-30")
    assert "12:00–16:00" in station_page.content.decode()
    client.post("/staff/evidence/s/HRB-DL-001/rectify/", {"day": "2026-11-30"})
    client.post("/staff/evidence/s/HRB-DL-001/rectify/", {"day": "2026-11-30"})
    order = Rectification.objects.get()  # the second click joins the first order
    assert order.source == "evidence" and "12:00–16:00" in order.detail


def test_station_staff_cannot_open_an_evidence_order(worked_day, client):
    client.force_login(worked_day.administrator)
    assert client.get("/staff/evidence/").status_code == 403
    assert (
        client.post("/staff/evidence/s/HRB-DL-001/rectify/", {"day": "2026-11-30"}).status_code
        == 403
    )


def test_worker_check_ins_become_visits_and_keep_hours_alive(worked_day):
    from yizhan.feedback.services import checkin_record

    s = worked_day.station
    # Two riders at lunch (one of them twice within two hours: one visit), a courier in
    # the evening.
    checkin_record(station=s, visitor_key="a" * 32, occupation="rider", now=at(12, 10))
    checkin_record(station=s, visitor_key="a" * 32, occupation="rider", now=at(13, 30))
    checkin_record(station=s, visitor_key="b" * 32, occupation="rider", now=at(12, 40))
    checkin_record(station=s, visitor_key="c" * 32, occupation="courier", now=at(18, 5))
    (day,) = selectors.station_days(stations=[s], first=DAY, last=DAY)
    assert day.usage.visits == 3
    assert day.usage.occupations == {"rider": 2, "courier": 1}
    assert day.usage.by_hour[12] == 2 and day.usage.by_hour[18] == 1
    # Alive now: 08–12 (log), 12, 13 and 18 (check-ins) = 7 h of 11.
    assert day.compliance.alive_minutes == 420
    assert [
        (a.astimezone(SHANGHAI).hour, b.astimezone(SHANGHAI).hour) for a, b in day.compliance.dead
    ] == [
        (14, 16),
        (17, 18),
        (19, 20),
    ]
    assert not day.compliance.flagged  # no dead stretch of three hours


def test_the_finder_card_shows_workers_ratings(worked_day, client, clock):
    from yizhan.feedback.services import checkin_record, rating_submit

    s = worked_day.station
    checkin_record(station=s, visitor_key="a" * 32, occupation="rider", now=at(12, 10))
    rating_submit(station=s, visitor_key="a" * 32, stars=5, tags=["clean"], now=at(12, 15))
    rating_submit(station=s, visitor_key="b" * 32, stars=2, tags=["dirty"], now=at(13, 0))
    card = client.get("/api/v1/finder/stations/HRB-DL-001").json()
    # 5 weighs 1.0 (checked in), 2 weighs 0.5 (never checked in): (5 + 1) / 1.5 = 4.0
    assert (card["rating"], card["rating_count"]) == (4.0, 2)


def test_the_rest_of_today_is_not_judged(worked_day):
    # The clock is at 08:30 on 1 December: only 08:00–08:30 has been declared open so far.
    (today,) = selectors.station_days(
        stations=[worked_day.station], first=dt.date(2026, 12, 1), last=dt.date(2026, 12, 1)
    )
    assert today.compliance.declared_minutes == 30 and not today.compliance.flagged


def test_a_report_that_the_door_was_locked_is_no_sign_of_it_being_open(worked_day):
    from yizhan.feedback.services import report_submit

    s = worked_day.station
    report_submit(station=s, visitor_key="d" * 32, category="door_locked", now=at(14, 10))
    (day,) = selectors.station_days(stations=[s], first=DAY, last=DAY)
    assert day.compliance.alive_minutes == 240  # still only the opening log's hours
    assert day.compliance.flagged


def test_a_request_id_used_by_another_visitor_is_refused_by_name(worked_day):
    import uuid

    from yizhan.core.errors import ValidationFailed
    from yizhan.feedback.services import checkin_record

    request_id = uuid.uuid4()
    checkin_record(station=worked_day.station, visitor_key="e" * 32, client_id=request_id)
    with pytest.raises(ValidationFailed) as reused:
        checkin_record(station=worked_day.station, visitor_key="f" * 32, client_id=request_id)
    assert reused.value.errors[0].field == "client_id"
