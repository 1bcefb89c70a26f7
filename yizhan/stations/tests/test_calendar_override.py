"""The 调休 calendar override: officers enter next year's days off and make-up working
days; opening hours follow them; from 1 December officers' pages warn while next year's
calendar is unknown (the holidays package has no 2027 调休)."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from yizhan.core.time import SHANGHAI
from yizhan.stations import hours
from yizhan.stations.models import CalendarDay
from yizhan.stations.selectors import calendar_missing_year
from yizhan.stations.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

# Days the package cannot know (it computes the festivals, not the 调休 around them):
# a Monday given off and the Saturday before it worked.
OFF, WORK = date(2027, 3, 15), date(2027, 3, 13)


@pytest.fixture(autouse=True)
def _fresh_override():
    hours.calendar_override_changed()
    yield
    hours.calendar_override_changed()


def test_without_an_override_2027_has_no_adjusted_days():
    assert not hours.has_official_calendar(2027)
    assert not hours.is_day_off(OFF) and not hours.is_makeup_workday(WORK)
    assert hours.has_official_calendar(2026)  # the package knows 2026


def test_the_override_drives_ph_and_working_day_hours():
    CalendarDay.objects.create(day=OFF, kind=CalendarDay.Kind.OFF, note="春节")
    CalendarDay.objects.create(day=WORK, kind=CalendarDay.Kind.WORK, note="春节调休")
    assert hours.is_day_off(OFF) and hours.is_makeup_workday(WORK)
    assert hours.has_official_calendar(2027)
    ph_off = hours.OpeningHours.parse("Mo-Fr 08:00-18:00; PH off")
    assert not ph_off.is_open(datetime(2027, 3, 15, 9, 0, tzinfo=SHANGHAI))
    assert ph_off.is_open(datetime(2027, 3, 22, 9, 0, tzinfo=SHANGHAI))  # a plain Monday
    workday = hours.OpeningHours.parse("Mo-Fr 08:00-18:00", workday=True)
    assert not workday.is_open(datetime(2027, 3, 15, 9, 0, tzinfo=SHANGHAI))
    assert workday.is_open(datetime(2027, 3, 13, 9, 0, tzinfo=SHANGHAI))  # 调休上班 Saturday
    # Deleting the entry gives the day back at once in this process.
    CalendarDay.objects.filter(day=OFF).delete()
    assert not hours.is_day_off(OFF)


def test_an_override_can_take_back_a_day_of_the_package():
    CalendarDay.objects.create(day=date(2026, 2, 20), kind=CalendarDay.Kind.WORK)
    assert not hours.is_day_off(date(2026, 2, 20))
    assert hours.is_day_off(date(2026, 2, 17))  # the rest of the package's year stands


def test_the_alarm_starts_on_1_december_and_stops_once_the_year_is_entered():
    assert calendar_missing_year(today=date(2026, 11, 30)) is None
    assert calendar_missing_year(today=date(2026, 12, 1)) == 2027
    assert calendar_missing_year(today=date(2025, 12, 15)) is None  # the package knows 2026
    CalendarDay.objects.create(day=OFF, kind=CalendarDay.Kind.OFF)
    assert calendar_missing_year(today=date(2026, 12, 1)) is None


def test_officers_pages_show_the_alarm_in_december(client):
    officer = OfficerFactory(permissions=["stations.add_calendarday", "stations.view_calendarday"])
    client.force_login(officer)
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=SHANGHAI), tick=False):
        assert "调休安排尚未录入" not in client.get(reverse("operations:home")).content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, tzinfo=SHANGHAI), tick=False):
        page = client.get(reverse("operations:home")).content.decode()
        assert "2027 年的节假日调休安排尚未录入" in page
        assert reverse("admin:stations_calendarday_changelist") in page
        console = client.get(reverse("admin:index")).content.decode()
        assert "2027 年的节假日调休安排尚未录入" in console
        listing = client.get(reverse("admin:stations_calendarday_changelist"))
        assert listing.status_code == 200
        CalendarDay.objects.create(day=OFF, kind=CalendarDay.Kind.OFF)
        assert "调休安排尚未录入" not in client.get(reverse("operations:home")).content.decode()
