"""A worker scans a board: occupation once, check in, rate, report, follow, survey."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yizhan.feedback.models import CheckIn, Rating, Report
from yizhan.feedback.tests.conftest import jpeg, qr
from yizhan.operations.models import Rectification
from yizhan.signage.selectors import qr_path
from yizhan.visitors.models import Visitor

pytestmark = pytest.mark.django_db


def choose(client, path: str, occupation: str = "rider"):
    return client.post(path, {"action": "occupation", "occupation": occupation})


def test_scan_opens_the_worker_page_and_asks_occupation_once(client, place):
    path = qr(place.station, "checkin")
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert "兆麟驿站" in body and "您是做什么工作的？" in body
    cookie = page.cookies["yz_visitor"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert choose(client, path).status_code == 302
    again = client.get(path).content.decode()
    assert "您是做什么工作的？" not in again and "我到了，签到" in again
    # The visitor is stored only as a keyed hash, never the cookie's id.
    visitor = Visitor.objects.get()
    assert visitor.occupation == "rider" and len(visitor.key_hash) == 64
    raw = client.cookies["yz_visitor"].value
    assert visitor.key_hash not in raw and raw.split(":")[0] not in visitor.key_hash


def test_check_in_without_login_and_a_retried_form_records_once(client, place):
    path = qr(place.station, "checkin")
    client.get(path)
    choose(client, path)
    form = {"action": "checkin", "client_id": str(uuid.uuid4())}
    first = client.post(path, form)
    assert first.status_code == 302 and first["Location"].endswith("?done=checkin")
    client.post(path, form)
    assert CheckIn.objects.count() == 1
    checkin = CheckIn.objects.get()
    assert checkin.station == place.station and checkin.occupation == "rider"
    assert "签到成功" in client.get(first["Location"]).content.decode()


def test_forged_code_is_404_and_writes_nothing(client, place):
    good = qr(place.station, "checkin").strip("/").split("/")
    sig = good[3]
    forged_station = f"/q/checkin/{place.other.code}/{sig}/"
    forged_purpose = f"/q/report/{place.station.code}/{sig}/"
    join_sig = qr_path(place.station.code, "join").strip("/").split("/")[3]
    for path in (forged_station, forged_purpose, f"/q/checkin/{place.station.code}/{join_sig}/"):
        assert client.get(path).status_code == 404
        response = client.post(path, {"action": "checkin"})
        assert response.status_code == 404
    assert not CheckIn.objects.exists() and not Visitor.objects.exists()


def test_join_still_goes_to_the_station_page(client, place):
    response = client.get(qr_path(place.station.code, "join"))
    assert response.status_code == 302 and "/s/HRB-DL-001/" in response["Location"]


def test_rating_with_tags_after_check_in_counts_fully(client, place):
    path = qr(place.station, "rate")
    client.get(path)
    choose(client, path, "courier")
    client.post(path, {"action": "checkin"})
    response = client.post(
        path, {"action": "rate", "stars": "5", "tags": ["clean", "hot_water"], "comment": "好"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.stars, rating.tags, rating.checked_in, rating.flagged, rating.weight) == (
        5,
        ["clean", "hot_water"],
        True,
        False,
        1.0,
    )
    assert "您今天已经评价过：5 星" in client.get(path).content.decode()


def test_bad_photo_is_refused_at_the_photo_field(client, place):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post(path, {"action": "report", "category": "dirty", "photo": fake})
    assert response.status_code == 422
    assert "文件不是可识别的图片" in response.content.decode()
    assert not Report.objects.exists()


def test_report_with_photo_leads_to_the_follow_page(client, place):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    response = client.post(
        path,
        {
            "action": "report",
            "category": "door_locked",
            "text": "中午门锁着",
            "photo": jpeg(),
            "reply": "1",
            "phone": "13912345678",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/f/{report.follow_token}/"
    assert report.photo.name.endswith(".jpg") and report.phone == "13912345678"
    page = client.get(response["Location"]).content.decode()
    assert "门锁进不去" in page and "处理中" in page and "已转为整改单" in page
    # No names on the follow page: not the administrator the order went to.
    assert "李管理" not in page


def test_follow_page_asks_fixed_once_after_the_order_closes(client, place, clock):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    follow = client.post(path, {"action": "report", "category": "closed_in_hours"})["Location"]
    assert "修好了吗？" not in client.get(follow).content.decode()
    assert client.post(follow, {"answer": "yes"}).status_code == 422
    order = Rectification.objects.get()
    order.status = "closed"
    order.checked_at = order.created_at + dt.timedelta(hours=5)
    order.save()
    page = client.get(follow).content.decode()
    assert "修好了吗？" in page and "已解决" in page
    assert client.post(follow, {"answer": "no"}).status_code == 302
    assert Report.objects.get().fixed_confirmed == "no"
    again = client.post(follow, {"answer": "yes"})
    assert again.status_code == 404 or "修好了吗？" not in client.get(follow).content.decode()
    assert Report.objects.get().fixed_confirmed == "no"


def test_writes_per_address_are_limited(client, place):
    path = qr(place.station, "checkin")
    client.get(path)
    codes = [
        client.post(path, {"action": "checkin", "client_id": str(uuid.uuid4())}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [302] * 10 and codes[10] == 429


def test_writes_per_visitor_are_limited_per_day(client, place, clock):
    from yizhan.feedback import services

    paths = [qr(place.station, "checkin"), qr(place.other, "checkin")]
    client.get(paths[0])
    choose(client, paths[0])
    statuses = []
    for n in range(services.VISITOR_WRITES_PER_DAY + 1):
        # A new visit each time (over 30 minutes apart at one station), from many addresses.
        clock.shift(dt.timedelta(minutes=16))
        statuses.append(
            client.post(paths[n % 2], {"action": "checkin"}, REMOTE_ADDR=f"10.0.{n}.1").status_code
        )
    assert statuses[-1] == 429 and statuses[:-1] == [302] * services.VISITOR_WRITES_PER_DAY


def test_report_text_is_escaped_on_the_staff_list(client, place):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    client.post(
        path, {"action": "report", "category": "other", "text": "<script>alert(1)</script>"}
    )
    client.force_login(place.admin)
    page = client.get("/staff/feedback/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_staff_list_is_scoped(client, place):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    client.post(path, {"action": "report", "category": "dirty", "text": "厕所很脏"})
    client.force_login(place.other_officer)
    assert "厕所很脏" not in client.get("/staff/feedback/").content.decode()
    client.force_login(place.officer)
    page = client.get("/staff/feedback/").content.decode()
    assert "厕所很脏" in page and "卫生差" in page
    xlsx = client.get("/staff/feedback/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_english_page(client, place):
    body = client.get("/en" + qr(place.station, "checkin")).content.decode()
    assert re.search(r'<html lang="en"', body)
