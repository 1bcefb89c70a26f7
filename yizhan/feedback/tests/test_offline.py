"""A check-in, rating or report made offline and sent when the phone is back online: the
phone's time (``client_at``) within the last 24 hours, marked late, recorded once by its
client id however often the queue sends it (issue 18, point 6)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from yizhan.core.evidence import LifeEvent
from yizhan.core.time import CLIENT_AT_SKEW, ClientTime, client_time
from yizhan.feedback import selectors, services
from yizhan.feedback.models import CheckIn, Rating, Report, ReportEcho, late_words
from yizhan.feedback.tests.conftest import START, VISITOR, qr
from yizhan.signage.selectors import qr_sig
from yizhan.visitors.selectors import visitor_hash

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)
BASE = "/api/v1/feedback"


# The phone's word for the time -----------------------------------------------------------


def test_client_time_believes_the_last_24_hours_and_marks_the_delay():
    now = START
    assert client_time(None, now=now) == ClientTime(now, None)
    # Sent at once (seconds on the way): on time, at the phone's instant.
    assert client_time(now - dt.timedelta(seconds=20), now=now) == ClientTime(
        now - dt.timedelta(seconds=20), None
    )
    assert client_time(now - 37 * MIN, now=now) == ClientTime(now - 37 * MIN, 37)
    day = dt.timedelta(hours=24)
    assert client_time(now - day, now=now) == ClientTime(now - day, 1440)
    # Older than a day: the time it arrived, still marked late by what the phone said.
    assert client_time(now - day - MIN, now=now) == ClientTime(now, 1441)
    # A clock a little ahead is read as now; far ahead, it is not believed at all.
    assert client_time(now + CLIENT_AT_SKEW, now=now) == ClientTime(now, None)
    assert client_time(now + CLIENT_AT_SKEW + MIN, now=now) == ClientTime(now, None)
    # A naive time is the local clock's (Beijing).
    naive = (now - 10 * MIN).astimezone(START.tzinfo).replace(tzinfo=None)
    assert client_time(naive, now=now) == ClientTime(now - 10 * MIN, 10)


def test_late_words():
    assert late_words(None) == ""
    assert late_words(12) == "离线提交，晚到 12 分钟"
    assert late_words(150) == "离线提交，晚到 2 小时"
    assert late_words(1441) == "离线提交，晚到超过 24 小时（按收到时间记）"


# Services -------------------------------------------------------------------------------------


def test_an_offline_check_in_counts_at_the_phones_time_and_is_marked_late(place, clock):
    made = START - 40 * MIN
    row = services.checkin_record(
        station=place.station, visitor_key=VISITOR, client_id=uuid.uuid4(), client_at=made
    )
    assert (row.at, row.late_minutes) == (made, 40)
    assert row.get_late_display() == "离线提交，晚到 40 分钟"
    # The evidence counts the visit when it happened, not when it arrived.
    events = list(selectors.life_events(station_ids=[place.station.pk], start=made, end=made + MIN))
    assert events == [
        LifeEvent(place.station.pk, made, "checkin", visitor_hash(VISITOR), "", 1, True)
    ]


def test_the_same_offline_submission_sent_twice_records_once(place, clock):
    made = START - 15 * MIN
    ids = {kind: uuid.uuid4() for kind in ("checkin", "rating", "report")}
    for _attempt in range(2):
        services.checkin_record(
            station=place.station, visitor_key=VISITOR, client_id=ids["checkin"], client_at=made
        )
        services.rating_submit(
            station=place.station,
            visitor_key=VISITOR,
            stars=4,
            client_id=ids["rating"],
            client_at=made,
        )
        services.report_submit(
            station=place.station,
            visitor_key=VISITOR,
            category="dirty",
            client_id=ids["report"],
            client_at=made,
        )
        clock.shift(dt.timedelta(minutes=3))  # the second send, a little later
    assert CheckIn.objects.count() == Rating.objects.count() == Report.objects.count() == 1
    assert not ReportEcho.objects.exists()
    report = Report.objects.get()
    assert (report.created_at, report.count, report.late_minutes) == (made, 1, 15)
    rating = Rating.objects.get()
    # Checked in at the same moment: the rating has full weight.
    assert (rating.at, rating.checked_in, rating.weight, rating.late_minutes) == (
        made,
        True,
        1.0,
        15,
    )


def test_an_offline_rating_from_yesterday_evening_is_yesterdays(place, clock):
    evening = START.replace(hour=22) - dt.timedelta(days=1)  # Monday 22:00, sent Tuesday 10:00
    rating = services.rating_submit(
        station=place.station, visitor_key=VISITOR, stars=3, client_at=evening
    )
    assert rating.day == dt.date(2026, 11, 30) and rating.late_minutes == 12 * 60
    # Today's own rating is still allowed.
    today = services.rating_submit(station=place.station, visitor_key=VISITOR, stars=5)
    assert today.day == dt.date(2026, 12, 1) and today.late_minutes is None


def test_older_than_a_day_takes_the_arrival_time_and_is_still_late(place, clock):
    row = services.checkin_record(
        station=place.station,
        visitor_key=VISITOR,
        client_at=START - dt.timedelta(hours=30),
    )
    assert (row.at, row.late_minutes) == (START, 30 * 60)
    ahead = services.checkin_record(
        station=place.other, visitor_key=VISITOR, client_at=START + dt.timedelta(hours=2)
    )
    assert (ahead.at, ahead.late_minutes) == (START, None)


def test_a_late_report_joining_an_open_one_is_an_echo_at_its_own_time(place, clock):
    first = services.report_submit(station=place.station, visitor_key=VISITOR, category="dirty")
    made = START - 20 * MIN
    joined = services.report_submit(
        station=place.station,
        visitor_key="w" * 24,
        category="dirty",
        client_id=uuid.uuid4(),
        client_at=made,
    )
    assert joined.pk == first.pk and joined.count == 2
    echo = ReportEcho.objects.get()
    assert (echo.at, echo.late_minutes) == (made, 20)
    # The report's latest time does not go backwards.
    assert Report.objects.get().last_reported_at == START


# The QR page's form, as the offline queue sends it ---------------------------------------------


def test_the_qr_form_sent_twice_from_the_queue_records_once_at_the_phones_time(client, place):
    path = qr(place.station, "report")
    client.get(path)
    client.post(path, {"action": "occupation", "occupation": "courier"})
    made = START - 25 * MIN
    form = {
        "action": "report",
        "category": "door_locked",
        "text": "地下室没信号，门锁着",
        "client_id": str(uuid.uuid4()),
        "client_at": made.isoformat(),
    }
    first = client.post(path, form)
    again = client.post(path, form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]  # the same follow page
    report = Report.objects.get()
    assert (report.created_at, report.late_minutes, report.occupation) == (made, 25, "courier")
    # A time the phone garbled is not an error: the report counts when it arrived.
    client.post(path, {**form, "client_id": str(uuid.uuid4()), "client_at": "yesterday"})
    assert Report.objects.get().count == 1  # the same worker, merged into their report
    assert ReportEcho.objects.get().late_minutes is None


def test_staff_see_that_a_report_came_late(client, place, clock):
    services.report_submit(
        station=place.station, visitor_key=VISITOR, category="dirty", client_at=START - 9 * MIN
    )
    services.checkin_record(station=place.station, visitor_key=VISITOR, client_at=START - 9 * MIN)
    services.rating_submit(station=place.station, visitor_key="w" * 24, stars=4)
    clock.shift(MIN)
    client.force_login(place.admin)
    page = client.get("/staff/feedback/").content.decode()
    assert "离线提交，晚到 9 分钟" in page
    # Ratings per station: one check-in and one rating, the check-in sent late.
    row = re.search(r"<tr><td>兆麟驿站</td>(.*?)</tr>", page, re.DOTALL)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells[0] == "1" and cells[1] == "1" and cells[4] == "1", cells
    day = client.get("/staff/").content.decode()
    assert "离线提交，晚到 9 分钟" in day
    english = client.get("/en/staff/feedback/").content.decode()
    assert "Sent offline, 9 minutes late" in english


# The API, for mini-programs' queues ------------------------------------------------------------


def test_the_api_takes_client_at_and_replays_by_client_id(client, place):
    h = {"HTTP_X_VISITOR": VISITOR}
    body = {
        "purpose": "checkin",
        "code": place.station.code,
        "sig": qr_sig(place.station.code, "checkin"),
        "client_id": str(uuid.uuid4()),
        "client_at": (START - 50 * MIN).isoformat(),
    }
    first = client.post(f"{BASE}/checkin", body, content_type="application/json", **h)
    again = client.post(f"{BASE}/checkin", body, content_type="application/json", **h)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert dt.datetime.fromisoformat(first.json()["at"]) == START - 50 * MIN
    assert CheckIn.objects.get().late_minutes == 50
    report = client.post(
        f"{BASE}/report",
        {
            "purpose": "report",
            "code": place.station.code,
            "sig": qr_sig(place.station.code, "report"),
            "category": "no_water",
            "client_id": str(uuid.uuid4()),
            "client_at": (START - 5 * MIN).isoformat(),
        },
        **h,
    )
    assert report.status_code == 200, report.content
    assert dt.datetime.fromisoformat(report.json()["submitted_at"]) == START - 5 * MIN
    assert Report.objects.get().late_minutes == 5
