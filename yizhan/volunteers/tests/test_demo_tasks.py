"""The demo's weekend shifts and the reminder task."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.demo.volunteers import demo_ensure
from yizhan.notifications.models import Notification
from yizhan.stations.tests.factories import StationFactory, UserFactory
from yizhan.volunteers.models import Shift, ShiftSignup
from yizhan.volunteers.tasks import shift_reminders_task
from yizhan.volunteers.tests.conftest import THURSDAY_10AM

pytestmark = pytest.mark.django_db


def test_demo_opens_weekday_stations_at_weekends_once(thursday):
    StationFactory(code="D1", opening_hours="Mo-Fr 09:00-17:00")
    StationFactory(code="D2", opening_hours="Mo-Su 08:00-20:00")  # open anyway: left alone
    first = demo_ensure(now=THURSDAY_10AM)
    assert (first.shifts, first.signups) == (4, 0)  # two weekends, Saturday and Sunday
    saturday = Shift.objects.filter(station__code="D1").first()
    assert saturday is not None
    assert (saturday.starts_at.isoformat(), saturday.ends_at.isoformat()) == (
        "2026-03-14T01:00:00+00:00",
        "2026-03-14T09:00:00+00:00",
    )
    assert not Shift.objects.filter(station__code="D2").exists()
    UserFactory(username="volunteer1", role="worker")
    again = demo_ensure(now=THURSDAY_10AM)
    assert (again.shifts, again.signups) == (0, 4)
    assert demo_ensure(now=THURSDAY_10AM) == again.__class__(0, 0)
    assert ShiftSignup.objects.count() == 4


def test_the_reminder_task_reminds_once(saturday_shift, volunteer):
    import time_machine

    ShiftSignup.objects.create(shift=saturday_shift, user=volunteer)
    with time_machine.travel(dt.datetime(2026, 3, 13, 12, 0, tzinfo=dt.UTC)):
        assert shift_reminders_task.enqueue().return_value == 1
        assert shift_reminders_task.enqueue().return_value == 0
    assert Notification.objects.filter(user=volunteer).count() == 1
