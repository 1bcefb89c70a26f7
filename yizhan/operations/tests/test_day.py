"""Each role's day, through the pages a phone shows (the Django test client)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from yizhan.core.time import SHANGHAI
from yizhan.notifications.models import Notification
from yizhan.notifications.sms import MemorySmsBackend
from yizhan.operations import services
from yizhan.operations.models import (
    Inspection,
    OpeningLog,
    Rectification,
    SeasonalMode,
)

from .conftest import START, jpeg

pytestmark = pytest.mark.django_db

DAILY_OK = {
    "item_door_open": "yes",
    "item_water_temp": "92",
    "item_chargers_work": "yes",
    "item_clean": "yes",
    "item_sign_visible": "yes",
    "item_medicine_in_date": "yes",
    "item_room_temp_winter": "19",
    "item_hand_warmers": "yes",
}


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.YIZHAN = {
        **settings.YIZHAN,
        "SMS_BACKEND": "yizhan.notifications.sms.MemorySmsBackend",
    }
    MemorySmsBackend.outbox.clear()


def test_administrator_day_expired_medicine_to_closed_rectification(
    client, daoli, clock, django_capture_on_commit_callbacks
):
    SeasonalMode.objects.create(
        region=daoli.city,
        season="winter",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2027, 3, 31),
    )
    # Yesterday's daily check was done (so today's is on time).
    clock.move_to(dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    services.inspection_submit(
        user=daoli.administrator,
        station=daoli.station,
        tier="daily",
        answers={k.removeprefix("item_"): v for k, v in DAILY_OK.items()},
        client_id=uuid.uuid4(),
    )
    clock.move_to(START)
    daoli.master.email = "master@example.org"
    daoli.master.phone = "13800000002"
    daoli.master.save()

    # 08:30 — the administrator signs in on the phone and opens the station.
    client.force_login(daoli.administrator)
    page = client.get("/staff/")
    assert "兆麟1号工会驿站" in page.content.decode()
    station_page = client.get("/staff/s/HRB-DL-001/").content.decode()
    assert "已开门" in station_page
    # The daily check is theirs; the master's weekly and the district's monthly are not.
    assert "/inspect/daily/" in station_page
    assert "/inspect/weekly/" not in station_page and "/inspect/monthly/" not in station_page
    client.post(
        "/staff/s/HRB-DL-001/opening/",
        {
            "action": "opened",
            "lat": "45.7734",
            "lon": "126.6176",
            "accuracy": "15",
            "client_id": str(uuid.uuid4()),
        },
    )
    log = OpeningLog.objects.get()
    assert (log.action, log.away, log.no_position) == ("opened", False, False)
    assert log.at.astimezone(SHANGHAI).strftime("%H:%M") == "08:30"

    # The daily check shows the winter items (Harbin in winter mode), not the summer ones.
    form = client.get("/staff/s/HRB-DL-001/inspect/daily/").content.decode()
    assert "室内温度" in form and "暖宝宝" in form
    assert "空调/风扇制冷正常" not in form

    # Expired medicine found: without a photo the form says which item needs one.
    client_id = str(uuid.uuid4())
    answers = {
        **DAILY_OK,
        "item_medicine_in_date": "no",
        "client_id": client_id,
        "lat": "45.7733",
        "lon": "126.6175",
    }
    refused = client.post("/staff/s/HRB-DL-001/inspect/daily/", answers)
    assert refused.status_code == 200
    assert "不合格项须拍照留证：药箱药品均在有效期内" in refused.content.decode()
    assert Inspection.objects.count() == 1  # only yesterday's
    not_a_photo = SimpleUploadedFile("medicine.jpg", b"not an image", content_type="image/jpeg")
    bad_photo = client.post(
        "/staff/s/HRB-DL-001/inspect/daily/", {**answers, "photo_medicine_in_date": not_a_photo}
    ).content.decode()
    assert '<p class="error">文件不是可识别的图片</p>' in bad_photo

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/staff/s/HRB-DL-001/inspect/daily/", {**answers, "photo_medicine_in_date": jpeg()}
        )
    assert done.status_code == 302
    # A network retry of the same form records nothing more.
    again = client.post(
        "/staff/s/HRB-DL-001/inspect/daily/", {**answers, "photo_medicine_in_date": jpeg()}
    )
    assert again.status_code == 302 and again.url == done.url
    inspection = Inspection.objects.get(submitted_at__date=dt.date(2026, 12, 1))
    assert (inspection.tier, inspection.failed_count, inspection.late, inspection.away) == (
        "daily",
        1,
        False,
        False,
    )
    assert inspection.season == "winter"
    assert inspection.photos.count() == 1

    # The finding became an order for the station master, who is told in the app, by
    # e-mail and by SMS.
    order = Rectification.objects.get()
    assert order.title == "药箱药品均在有效期内"
    assert (order.assignee, order.issued_by, order.severity) == (
        daoli.master,
        daoli.administrator,
        "high",
    )
    assert order.deadline == inspection.submitted_at + dt.timedelta(days=3)
    assert (
        Notification.objects.filter(user=daoli.master, kind="rectification_assigned").count() == 1
    )
    assert len(mail.outbox) == 1 and "药箱药品" in mail.outbox[0].subject
    assert [m.phone for m in MemorySmsBackend.outbox] == ["13800000002"]

    # 14:00 — the master replaces the medicine and reports the fix with a photo.
    clock.move_to(dt.datetime(2026, 12, 1, 14, 0, tzinfo=SHANGHAI))
    client.force_login(daoli.master)
    assert "药箱药品均在有效期内" in client.get("/staff/").content.decode()
    no_photo = client.post(f"/staff/r/{order.pk}/", {"action": "fix", "note": "已更换药品"})
    assert "请上传整改后的照片" in no_photo.content.decode()
    client.post(
        f"/staff/r/{order.pk}/",
        {"action": "fix", "note": "过期药品已下架，补充新药", "photo": jpeg()},
    )
    order.refresh_from_db()
    assert order.status == "fixed" and order.fix_photo.name.endswith(".jpg")

    # The administrator who found it checks the fix and closes the order.
    client.force_login(daoli.administrator)
    assert "待复核" in client.get("/staff/").content.decode()
    client.post(f"/staff/r/{order.pk}/", {"action": "accept"})
    order.refresh_from_db()
    assert order.status == "closed" and order.checked_by == daoli.administrator
    history = [e.action for e in order.events.all()]
    assert history == ["issued", "fixed", "closed"]


def test_overdue_order_escalates_street_district_city(daoli, clock):
    order = services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="门上锁",
        severity="critical",
        source="inspection",
    )
    assert order.level == 0 and order.assignee == daoli.master
    assert services.rectifications_escalate() == 0  # not yet due

    clock.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))  # past its one-day deadline
    assert services.rectifications_escalate() == 1
    order.refresh_from_db()
    assert order.get_level_display() == "街道工会"
    assert Notification.objects.filter(
        user=daoli.street_officer, kind="rectification_overdue"
    ).exists()
    # The station's deadline stays; the street has a day of its own before the district.
    assert order.deadline == dt.datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI)
    assert order.level_deadline == dt.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)

    clock.move_to(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.get_level_display() == "区级工会"
    assert Notification.objects.filter(user=daoli.district_officer).exists()

    clock.move_to(dt.datetime(2026, 12, 4, 11, 0, tzinfo=SHANGHAI))
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.get_level_display() == "市级工会"
    assert Notification.objects.filter(user=daoli.city_officer).exists()

    # At the top it stays, and the city is reminded once a day, not once a run.
    clock.move_to(dt.datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI))
    services.rectifications_escalate()
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.level == 3
    assert Notification.objects.filter(user=daoli.city_officer).count() == 2
    assert [e.action for e in order.events.all()].count("escalated") == 3


def test_a_fixed_order_does_not_escalate_and_a_rejected_one_does(daoli, clock):
    order = services.rectification_issue(
        user=daoli.street_officer,
        station=daoli.station,
        title="标识不清",
        severity="low",
        source="officer",
    )
    services.rectification_fix(user=daoli.master, rectification=order, note="已更换", photo=jpeg())
    clock.move_to(dt.datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI))
    assert services.rectifications_escalate() == 0
    services.rectification_check(
        user=daoli.street_officer, rectification=order, accept=False, note="仍看不清"
    )
    assert services.rectifications_escalate() == 1
