"""Shifts say their day in words on the volunteer's list (issue 18, point 3): on
Thursday, Saturday's 10:00 shift is "周六 10:00", tomorrow's is "明天"."""

from __future__ import annotations

import pytest

from yizhan.volunteers.models import Shift
from yizhan.volunteers.tests.conftest import SATURDAY, at

pytestmark = pytest.mark.django_db


def test_the_list_says_the_shifts_day_in_words(client, thursday, saturday_shift, volunteer):
    client.force_login(volunteer)
    page = client.get("/staff/shifts/").content.decode()
    assert "周六 10:00–16:00" in page
    Shift.objects.update(
        starts_at=at(SATURDAY.replace(day=13), 9), ends_at=at(SATURDAY.replace(day=13), 12)
    )
    page = client.get("/staff/shifts/?day=2026-03-13").content.decode()
    assert "明天 09:00–12:00" in page
