"""The JSON API for mini-programs: the same rules as the QR pages."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.feedback.models import CheckIn, Report
from yizhan.feedback.tests.conftest import VISITOR, jpeg
from yizhan.signage.selectors import qr_sig

pytestmark = pytest.mark.django_db
BASE = "/api/v1/feedback"


def fields(station, purpose="checkin"):
    return {"purpose": purpose, "code": station.code, "sig": qr_sig(station.code, purpose)}


def test_checkin_and_rating_with_a_visitor_header(client, place):
    h = {"HTTP_X_VISITOR": VISITOR}
    r = client.post(
        f"{BASE}/checkin",
        {**fields(place.station), "occupation": "driver"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["station"] == "HRB-DL-001"
    r = client.post(
        f"{BASE}/rating",
        {**fields(place.station, "rate"), "stars": 4, "tags": ["clean"]},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["weight"] == 1.0
    again = client.post(
        f"{BASE}/rating",
        {**fields(place.station, "rate"), "stars": 5},
        content_type="application/json",
        **h,
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "stars"


def test_forged_signature_is_404(client, place):
    forged = {**fields(place.station), "code": place.other.code}
    r = client.post(
        f"{BASE}/checkin", forged, content_type="application/json", HTTP_X_VISITOR=VISITOR
    )
    assert r.status_code == 404 and not CheckIn.objects.exists()


def test_missing_visitor_and_bad_fields_are_named(client, place):
    r = client.post(f"{BASE}/checkin", fields(place.station), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "X-Visitor"
    r = client.post(
        f"{BASE}/rating",
        {**fields(place.station, "rate"), "stars": 9},
        content_type="application/json",
        HTTP_X_VISITOR=VISITOR,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stars"


def test_report_with_photo_and_follow(client, place, clock):
    r = client.post(
        f"{BASE}/report",
        {**fields(place.station, "report"), "category": "expired_medicine", "photo": jpeg()},
        HTTP_X_VISITOR=VISITOR,
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "in_progress" and body["order_status"] == "open"
    token = Report.objects.get().follow_token
    assert body["follow_path"] == f"/f/{token}/"
    assert Report.objects.get().photo.name.endswith(".jpg")  # the photo is kept
    follow = client.get(f"{BASE}/follow/{token}").json()
    assert follow["category_label"] == "药品过期" and follow["count"] == 1
    assert client.get(f"{BASE}/follow/nope").status_code == 404


def test_writes_limited_per_address(client, place, clock):
    codes = []
    for n in range(11):
        clock.shift(dt.timedelta(seconds=1))
        codes.append(
            client.post(
                f"{BASE}/checkin",
                fields(place.station),
                content_type="application/json",
                HTTP_X_VISITOR=f"{n:02d}" + "a" * 20,
            ).status_code
        )
    assert codes[:10] == [200] * 10 and codes[10] == 429
