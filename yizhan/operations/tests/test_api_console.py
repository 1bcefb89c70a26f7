"""The JSON API for a staff app, the console's regime pages and `manage.py remind`."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command

from yizhan.core.time import SHANGHAI
from yizhan.operations.models import Checklist, OpeningLog, Rectification
from yizhan.operations.services import rectification_issue
from yizhan.stations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_api_opening_and_inspection_once_per_client_id(daoli, client):
    client.force_login(daoli.administrator)
    tap = {"action": "opened", "lat": 45.7823, "lon": 126.6175, "client_id": str(uuid.uuid4())}
    first = client.post(
        "/api/v1/operations/stations/HRB-DL-001/opening", tap, content_type="application/json"
    )
    again = client.post(
        "/api/v1/operations/stations/HRB-DL-001/opening", tap, content_type="application/json"
    )
    assert first.status_code == 201 and first.json()["away"] is True
    assert again.json()["id"] == first.json()["id"] and OpeningLog.objects.count() == 1

    # The same tap id from another staff member is refused by name, not handed their row.
    client.force_login(daoli.master)
    reused = client.post(
        "/api/v1/operations/stations/HRB-DL-001/opening", tap, content_type="application/json"
    )
    assert reused.status_code == 422 and OpeningLog.objects.count() == 1
    client.force_login(daoli.administrator)

    checklist = client.get("/api/v1/operations/stations/HRB-DL-001/checklist/daily").json()
    assert checklist["version"] == 1 and "door_open" in [i["code"] for i in checklist["items"]]
    answers = {i["code"]: "yes" for i in checklist["items"] if i["kind"] == "yes_no"} | {
        "water_temp": "90"
    }
    body = {"tier": "daily", "answers": answers, "client_id": str(uuid.uuid4())}
    made = client.post(
        "/api/v1/operations/stations/HRB-DL-001/inspections", body, content_type="application/json"
    )
    retry = client.post(
        "/api/v1/operations/stations/HRB-DL-001/inspections", body, content_type="application/json"
    )
    assert (made.status_code, retry.status_code) == (201, 200)
    assert made.json()["id"] == retry.json()["id"] and made.json()["late"] is True

    bad = client.post(
        "/api/v1/operations/stations/HRB-DL-001/inspections",
        {**body, "client_id": str(uuid.uuid4()), "answers": {**answers, "water_temp": "warm"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "water_temp"
    day = client.get("/api/v1/operations/my-day").json()
    assert day["stations"][0]["inspections"][0] == {
        "tier": "daily",
        "state": "done",
        "period_start": "2026-12-01",
        "last_at": "2026-12-01T08:30:00+08:00",
    }


def test_api_refuses_strangers(daoli, client):
    assert client.get("/api/v1/operations/my-day").status_code == 401
    client.force_login(daoli.other_admin)
    put = client.put(
        "/api/v1/operations/stations/HRB-DL-001/amenities/microwave",
        {"working": False, "reason": "坏了"},
        content_type="application/json",
    )
    assert put.status_code == 403


def test_console_shows_the_regime_and_copies_a_checklist_version(daoli, client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    for url in (
        "/console/operations/inspectionrule/",
        "/console/operations/checklist/",
        "/console/operations/rectification/",
        "/console/operations/inspection/",
        "/console/operations/seasonalmode/",
        "/console/operations/openinglog/",
    ):
        assert client.get(url).status_code == 200, url
    daily = Checklist.objects.get(tier="daily", version=1)
    client.post(
        "/console/operations/checklist/", {"action": "new_version", "_selected_action": [daily.pk]}
    )
    draft = Checklist.objects.get(tier="daily", version=2)
    assert draft.published_at is None and draft.items.count() == daily.items.count()


def test_remind_escalates_and_reminds(daoli, clock):
    order = rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="门上锁",
        severity="critical",
        source="officer",
    )
    clock.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    out = io.StringIO()
    call_command("remind", stdout=out)
    assert "rectifications escalated: 1" in out.getvalue()
    assert Rectification.objects.get(pk=order.pk).level == 1
