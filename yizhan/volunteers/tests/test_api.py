"""/api/v1/shifts: workers see a station's shifts without signing in; sign-up and
withdrawal need a session; mistakes are 422s naming their field, others' data 403/404."""

from __future__ import annotations

import pytest

from yizhan.stations.tests.factories import OfficerFactory, UserFactory
from yizhan.volunteers.models import ShiftSignup

pytestmark = pytest.mark.django_db
API = "/api/v1/shifts"


def test_anyone_sees_a_stations_upcoming_shifts(client, thursday, saturday_shift):
    ShiftSignup.objects.create(shift=saturday_shift, user=UserFactory(role="worker"))
    body = client.get(f"{API}/stations/WD1").json()
    assert [
        (s["role"], s["starts_at"], s["free"], s["slots"], s["extends_hours"], s["staffed"])
        for s in body
    ] == [("one_day_master", "2026-03-14T02:00:00Z", 1, 2, True, True)]
    assert "user" not in body[0]
    assert client.get(f"{API}/stations/NOPE").status_code == 404


def test_sign_up_and_withdraw(client, thursday, saturday_shift, volunteer):
    assert client.post(f"{API}/{saturday_shift.pk}/signup").status_code == 401
    client.force_login(volunteer)
    created = client.post(f"{API}/{saturday_shift.pk}/signup")
    assert created.status_code == 201 and created.json()["status"] == "signed_up"
    again = client.post(f"{API}/{saturday_shift.pk}/signup")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "user"
    mine = client.get(f"{API}/mine").json()
    assert [m["shift"] for m in mine] == [saturday_shift.pk]
    gone = client.post(f"{API}/signups/{created.json()['id']}/cancel")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"


def test_a_full_shift_is_a_422_naming_slots(client, thursday, saturday_shift, volunteer):
    for _ in range(2):
        ShiftSignup.objects.create(shift=saturday_shift, user=UserFactory(role="worker"))
    client.force_login(volunteer)
    response = client.post(f"{API}/{saturday_shift.pk}/signup")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"row": None, "field": "slots", "message": "名额已满", "value": "2"}
    ]


def test_officers_do_not_sign_up_and_nobody_cancels_anothers(
    client, thursday, saturday_shift, volunteer
):
    client.force_login(OfficerFactory())
    assert client.post(f"{API}/{saturday_shift.pk}/signup").status_code == 403
    theirs = ShiftSignup.objects.create(shift=saturday_shift, user=volunteer)
    assert client.post(f"{API}/signups/{theirs.pk}/cancel").status_code == 404
    assert client.post(f"{API}/999999/signup").status_code == 404
