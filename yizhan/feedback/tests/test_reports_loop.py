"""A worker's report reaches someone, and the worker keeps it (issue 17, points 2 and 3).

A rider posts "设备损坏" with a photo and a call-back number through the API; the station's
master and administrator find it in their day (`/api/v1/operations/my-day` and the page)
and in their notices; 24 hours later, still not acknowledged, it is in the inspector's and
the street officer's day and notices. The master's 受理 → 处理中 → 已解决 show on the
rider's follow page with their times; each worker merged into the report has their own
follow link and "fixed?" answer; `/my/` and the station's QR page list their reports."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from yizhan.feedback.models import Report, ReportEcho, ReportEvent
from yizhan.notifications.models import Notification
from yizhan.notifications.sms import MemorySmsBackend
from yizhan.operations.tests.conftest import START, District
from yizhan.signage.qr import qr_path, qr_sig
from yizhan.stations.models import StaffRole, StationStaff
from yizhan.stations.tests.factories import UserFactory

from .conftest import jpeg

pytestmark = pytest.mark.django_db

RIDER = "rider-aaaaaaaaaaaaaaaaaaaa"
COURIER = "courier-bbbbbbbbbbbbbbbbbb"


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.YIZHAN = {
        **settings.YIZHAN,
        "SMS_BACKEND": "yizhan.notifications.sms.MemorySmsBackend",
    }
    MemorySmsBackend.outbox.clear()
    caches["ratelimit"].clear()


def _report(visitor: str, d: District, category: str = "broken_equipment", **extra) -> dict:
    code = d.station.code
    data = {"purpose": "report", "code": code, "sig": qr_sig(code, "report"), "category": category}
    response = Client().post("/api/v1/feedback/report", {**data, **extra}, HTTP_X_VISITOR=visitor)
    assert response.status_code == 200, response.content
    return response.json()


def _day(user) -> dict:
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/operations/my-day")
    assert response.status_code == 200
    return response.json()


def _remind() -> None:
    call_command("remind", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_report_reaches_the_master_and_after_a_day_the_inspector(
    daoli, django_capture_on_commit_callbacks, clock
):
    d = daoli
    d.master.phone = "13800000002"
    d.master.save()
    clock.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        followed = _report(
            RIDER,
            d,
            text="充电柜坏了，插上没反应",
            phone="13912345678",
            reply="true",
            occupation="rider",
            photo=jpeg(),
        )
    report = Report.objects.get()
    assert followed["status"] == "open" and followed["status_label"] == "待受理"

    # The master's and the administrator's day: category, text, photo, age, call-back.
    clock.move_to(START + dt.timedelta(hours=3), tick=False)
    for person in (d.master, d.administrator):
        waiting = _day(person)["reports"]
        assert [r["id"] for r in waiting] == [report.pk]
        (r,) = waiting
        assert (r["category"], r["category_label"], r["text"]) == (
            "broken_equipment",
            "设备损坏",
            "充电柜坏了，插上没反应",
        )
        assert r["photo_url"].startswith("http://testserver/media/feedback/")
        assert r["age_hours"] == 3.0 and not r["overdue"]
        assert r["phone"] == "13912345678" and r["order"] is None
        assert r["may_set"] == ["acknowledged", "in_progress", "fixed", "closed"]
    # ... and their notices; the master, who has a phone, also by SMS.
    told = Notification.objects.filter(kind="report_new").order_by("user_id")
    assert sorted(n.user_id for n in told) == sorted([d.master.pk, d.administrator.pk])
    assert all("设备损坏" in n.title and "兆麟1号工会驿站" in n.title for n in told)
    assert "13912345678" in told[0].body
    assert [m.phone for m in MemorySmsBackend.outbox] == ["13800000002"]
    # Nobody else's day has it yet: not the inspector's, nor another station's staff's.
    assert _day(d.inspector)["reports_overdue"] == []
    assert _day(d.other_admin)["reports"] == []

    # 24 hours on, still 待受理: overdue, in the inspector's and the street officer's day.
    clock.move_to(START + dt.timedelta(hours=24, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        _remind()
    for chaser in (d.inspector, d.street_officer):
        day = _day(chaser)
        assert [r["id"] for r in day["reports_overdue"]] == [report.pk]
        assert day["reports_overdue"][0]["overdue"] and day["reports_overdue"][0]["may_set"] == []
    # Not the district's or the city's officers' (the street chases first).
    assert _day(d.district_officer)["reports_overdue"] == []
    assert _day(d.city_officer)["reports_overdue"] == []
    overdue = Notification.objects.filter(kind="report_overdue")
    assert {n.user_id for n in overdue} == {
        d.inspector.pk,
        d.street_officer.pk,
        d.master.pk,
        d.administrator.pk,
    }
    assert "24小时未受理" in overdue.first().title
    # Told once: the next run tells no one again.
    _remind()
    assert Notification.objects.filter(kind="report_overdue").count() == 4
    # The master still has it, marked overdue.
    assert _day(d.master)["reports"][0]["overdue"]

    # Acknowledged: it leaves the inspector's day.
    staff = Client()
    staff.force_login(d.master)
    ack = staff.post(
        f"/api/v1/feedback/reports/{report.pk}/status",
        {"status": "acknowledged"},
        content_type="application/json",
    )
    assert ack.status_code == 200 and ack.json()["status_label"] == "已受理"
    assert _day(d.inspector)["reports_overdue"] == []
    assert _day(d.master)["reports"][0]["may_set"] == ["in_progress", "fixed", "closed"]


def test_acknowledged_in_time_it_never_reaches_the_inspector(daoli, clock):
    d = daoli
    clock.move_to(START, tick=False)
    _report(RIDER, d, category="no_water")
    report = Report.objects.get()
    staff = Client()
    staff.force_login(d.administrator)
    staff.post(f"/staff/feedback/reports/{report.pk}/status/", {"status": "acknowledged"})
    clock.move_to(START + dt.timedelta(days=2), tick=False)
    _remind()
    assert _day(d.inspector)["reports_overdue"] == []
    assert not Notification.objects.filter(kind="report_overdue").exists()


def test_the_hours_allowed_are_a_setting(daoli, clock, settings):
    settings.YIZHAN = {**settings.YIZHAN, "REPORT_ACK_HOURS": 4}
    clock.move_to(START, tick=False)
    _report(RIDER, daoli, category="dirty")
    clock.move_to(START + dt.timedelta(hours=4, minutes=1), tick=False)
    assert len(_day(daoli.inspector)["reports_overdue"]) == 1


def test_the_master_answers_from_the_day_and_the_rider_sees_each_step(daoli, clock):
    d = daoli
    clock.move_to(START, tick=False)
    followed = _report(RIDER, d, text="微波炉不加热", photo=jpeg())
    report = Report.objects.get()
    master = Client()
    master.force_login(d.master)
    page = master.get("/staff/").content.decode()
    assert 'id="reports"' in page and "设备损坏" in page and "微波炉不加热" in page
    assert report.photo.url in page and "受理" in page

    steps = (
        (dt.timedelta(hours=1), "acknowledged"),
        (dt.timedelta(hours=2), "in_progress"),
        (dt.timedelta(hours=26), "fixed"),
    )
    for after, status in steps:
        clock.move_to(START + after, tick=False)
        back = master.post(
            f"/staff/feedback/reports/{report.pk}/status/",
            {"status": status, "next": "/staff/#reports"},
        )
        assert back.status_code == 302 and back["Location"] == "/staff/#reports"
    # Each change is kept with its time and who made it.
    assert list(ReportEvent.objects.values_list("status", "user_id")) == [
        ("acknowledged", d.master.pk),
        ("in_progress", d.master.pk),
        ("fixed", d.master.pk),
    ]
    # Setting the same status again records nothing.
    master.post(f"/staff/feedback/reports/{report.pk}/status/", {"status": "fixed"})
    assert ReportEvent.objects.count() == 3
    # Fixed: no longer in the day.
    assert _day(d.master)["reports"] == []

    # The rider's follow page: every change with its time, no names; then "修好了吗？".
    follow = Client().get(followed["follow_path"]).content.decode()
    times = re.findall(r"<time[^>]*>([^<]+)</time> ([^<]+)</li>", follow)
    assert times == [
        ("12-01 08:30", "已提交"),
        ("12-01 09:30", "驿站已受理"),
        ("12-01 10:30", "处理中"),
        ("12-02 10:30", "已解决"),
    ]
    assert "王站长" not in follow and "修好了吗？" in follow
    api = Client().get("/api/v1/feedback/follow/" + followed["follow_path"].split("/")[2])
    assert [s["label"] for s in api.json()["timeline"]] == [
        "已提交",
        "驿站已受理",
        "处理中",
        "已解决",
    ]
    # The page offers to copy and share its link (the buttons appear with JavaScript).
    assert "data-share" in follow and "data-copy" in follow
    assert f'value="http://testserver{followed["follow_path"]}"' in follow


def test_workers_merged_into_one_report_each_keep_their_own_link_and_answer(daoli, clock):
    d = daoli
    clock.move_to(START, tick=False)
    first = _report(RIDER, d, category="dirty", text="厕所很脏")
    clock.move_to(START + dt.timedelta(hours=1), tick=False)
    second = _report(
        COURIER, d, category="dirty", text="卫生间有异味", phone="13700000000", reply="true"
    )
    report = Report.objects.get()
    assert report.count == 2 and ReportEcho.objects.count() == 1
    assert first["follow_path"] != second["follow_path"]
    assert second["follow_path"] == f"/f/{ReportEcho.objects.get().follow_token}/"
    submitted = dt.datetime.fromisoformat(second["submitted_at"])
    assert submitted == START + dt.timedelta(hours=1)
    # Reporting again gives the courier the same link.
    again = _report(COURIER, d, category="dirty")
    assert again["follow_path"] == second["follow_path"]

    staff = Client()
    staff.force_login(d.master)
    staff.post(f"/staff/feedback/reports/{report.pk}/status/", {"status": "fixed"})
    rider, courier = Client(), Client()
    rider.post(first["follow_path"], {"answer": "yes"})
    courier_page = courier.get(second["follow_path"]).content.decode()
    assert "修好了吗？" in courier_page  # the rider's answer is not the courier's
    courier.post(second["follow_path"], {"answer": "no"})
    report.refresh_from_db()
    # The courier's own row (reporting again added a row at the same instant).
    echo = ReportEcho.objects.get(follow_token=second["follow_path"].split("/")[2])
    assert (report.fixed_confirmed, echo.fixed_confirmed) == ("yes", "no")
    assert echo.phone == ""  # answered: no call-back kept
    assert "谢谢，您的回答已记录：没修好" in courier.get(second["follow_path"]).content.decode()
    listed = staff.get("/staff/feedback/").content.decode()
    assert "1 人说修好了" in listed and "1 人说没修好" in listed


def test_my_page_and_a_second_scan_show_the_workers_reports(daoli, clock):
    d = daoli
    clock.move_to(START, tick=False)
    phone = Client()
    # The worker's phone: the QR page sets its cookie, then a report from that page.
    page = phone.get(qr_path(d.station.code, "report"))
    assert page.status_code == 200
    phone.post(qr_path(d.station.code, "report"), {"action": "occupation", "occupation": "rider"})
    sent = phone.post(
        qr_path(d.station.code, "report"),
        {"action": "report", "category": "broken_equipment", "text": "充电柜坏了"},
    )
    follow_path = sent["Location"]
    report = Report.objects.get()
    assert follow_path == f"/f/{report.follow_token}/"

    mine = phone.get("/my/").content.decode()
    assert "我反映的问题" in mine and follow_path in mine and "待受理" in mine
    # Scanning the station's board again shows it, still open.
    again = phone.get(qr_path(d.station.code, "checkin")).content.decode()
    assert "您在这里反映的问题" in again and follow_path in again

    staff = Client()
    staff.force_login(d.master)
    staff.post(f"/staff/feedback/reports/{report.pk}/status/", {"status": "in_progress"})
    assert "处理中" in phone.get("/my/").content.decode()
    # Once fixed it leaves the QR page's list, and stays on /my/ with its status.
    staff.post(f"/staff/feedback/reports/{report.pk}/status/", {"status": "fixed"})
    assert (
        "您在这里反映的问题" not in phone.get(qr_path(d.station.code, "checkin")).content.decode()
    )
    assert "已解决" in phone.get("/my/").content.decode()
    # Someone else's phone sees none of it.
    assert follow_path not in Client().get("/my/").content.decode()


def test_the_mini_program_lists_the_workers_reports(daoli, clock):
    clock.move_to(START, tick=False)
    followed = _report(RIDER, daoli, category="no_water")
    listed = Client().get("/api/v1/feedback/mine", HTTP_X_VISITOR=RIDER).json()
    assert [(r["follow_path"], r["status"]) for r in listed] == [(followed["follow_path"], "open")]
    assert Client().get("/api/v1/feedback/mine", HTTP_X_VISITOR=COURIER).json() == []


def test_the_feedback_list_is_in_the_navigation_of_those_who_may_see_it(daoli):
    d = daoli
    butler = UserFactory(username="butler1", role="staff")
    StationStaff.objects.create(station=d.station, role=StaffRole.BUTLER, name="管家", user=butler)
    for user in (d.master, d.administrator, butler, d.inspector, d.street_officer):
        client = Client()
        client.force_login(user)
        assert 'href="/staff/feedback/"' in client.get("/staff/").content.decode(), user
    for user in (d.worker, UserFactory(username="nostation", role="staff")):
        client = Client()
        client.force_login(user)
        assert 'href="/staff/feedback/"' not in client.get("/staff/").content.decode(), user


def test_the_feedback_list_never_says_no_reports_next_to_a_report(daoli, clock):
    """A station master has no region: the 30-day table read the region's reports (none)
    and said "近30天没有问题反映" under the master's own report."""
    clock.move_to(START, tick=False)
    _report(RIDER, daoli, category="dirty", text="厕所很脏")
    clock.move_to(START + dt.timedelta(minutes=5), tick=False)
    client = Client()
    client.force_login(daoli.master)
    page = client.get("/staff/feedback/").content.decode()
    assert "厕所很脏" in page
    assert "没有问题反映" not in page
    by_category = page.split("近30天按类别", 1)[1].split("近30天满意度", 1)[0]
    assert "卫生差" in by_category


def test_day_page_in_english_shows_the_report(daoli, clock):
    clock.move_to(START, tick=False)
    _report(RIDER, daoli, text="charger broken")
    client = Client()
    client.force_login(daoli.master)
    page = client.get("/en/staff/").content.decode()
    assert "Worker reports" in page and "charger broken" in page
    assert ">Acknowledge</button>" in page and ">In progress</button>" in page
