"""Open-now with China's official calendar: holidays, 调休 working Saturdays, midnight, 24/7."""

from datetime import date, datetime

import pytest

from yizhan.core.time import SHANGHAI
from yizhan.stations.hours import (
    InvalidOpeningHours,
    OpeningHours,
    is_day_off,
    is_makeup_workday,
    validate,
    week_open_hours,
)


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_calendar_knows_2026_spring_festival_and_its_makeup_days():
    assert is_day_off(date(2026, 2, 17))  # 春节
    assert is_day_off(date(2026, 2, 20))  # Friday given off by 调休
    assert is_makeup_workday(date(2026, 2, 14))  # Saturday worked instead
    assert is_makeup_workday(date(2026, 2, 28))
    assert not is_day_off(date(2026, 2, 24))


def test_ph_off_closes_on_a_public_holiday_only():
    h = OpeningHours.parse("Mo-Su 08:00-20:00; PH off")
    assert not h.is_open(at(2026, 10, 1))  # 国庆节, Thursday
    assert not h.is_open(at(2026, 2, 20))  # day off moved by 调休 counts as PH
    assert h.is_open(at(2026, 10, 8))  # back to work


def test_ph_hours_replace_the_weekday_hours():
    h = OpeningHours.parse("Mo-Fr 08:00-18:00; PH 10:00-14:00")
    assert h.is_open(at(2026, 10, 1, 11))
    assert not h.is_open(at(2026, 10, 1, 9))
    assert h.is_open(at(2026, 9, 30, 9))


def test_ph_in_a_weekday_list():
    h = OpeningHours.parse("Sa,Su,PH 09:00-15:00")
    assert h.is_open(at(2026, 10, 1, 12))  # Thursday, but a holiday
    assert not h.is_open(at(2026, 10, 8, 12))  # ordinary Thursday


def test_workday_station_opens_on_the_tiaoxiu_saturday_and_closes_on_holidays():
    h = OpeningHours.parse("Mo-Fr 08:30-17:30", workday=True)
    # Saturday 2026-02-14 is a make-up working day: weekday hours apply.
    assert h.is_open(at(2026, 2, 14, 9))
    assert not h.is_open(at(2026, 2, 14, 18))
    # An ordinary Saturday stays closed.
    assert not h.is_open(at(2026, 2, 7, 9))
    # Tuesday 2026-02-17 (春节) and Friday 2026-02-20 (调休 day off) are closed.
    assert not h.is_open(at(2026, 2, 17, 9))
    assert not h.is_open(at(2026, 2, 20, 9))
    # Without the workday flag the same rule ignores the calendar.
    plain = OpeningHours.parse("Mo-Fr 08:30-17:30")
    assert plain.is_open(at(2026, 2, 20, 9))
    assert not plain.is_open(at(2026, 2, 14, 9))


def test_lunch_break():
    h = OpeningHours.parse("Mo-Fr 08:00-11:30,13:00-17:30")
    assert h.is_open(at(2026, 3, 2, 11, 0))
    assert not h.is_open(at(2026, 3, 2, 12, 0))
    assert h.next_change(at(2026, 3, 2, 12, 0)) == at(2026, 3, 2, 13, 0)


def test_overnight_hours_cross_midnight():
    h = OpeningHours.parse("Mo-Fr 18:00-08:00")
    assert h.is_open(at(2026, 3, 6, 23, 30))  # Friday night
    assert h.is_open(at(2026, 3, 7, 2, 0))  # spills into Saturday morning
    assert not h.is_open(at(2026, 3, 7, 9, 0))
    assert not h.is_open(at(2026, 3, 7, 23, 0))  # no Saturday night shift
    assert h.next_change(at(2026, 3, 7, 2, 0)) == at(2026, 3, 7, 8, 0)


def test_overnight_into_a_holiday_keeps_the_evening_before():
    # PH off on 2026-10-01: the night of 09-30 still runs until 08:00 on the holiday.
    h = OpeningHours.parse("Mo-Su 20:00-08:00; PH off")
    assert h.is_open(at(2026, 9, 30, 23))
    assert not h.is_open(at(2026, 10, 1, 21))


def test_always_open():
    h = OpeningHours.parse("24/7")
    assert h.is_always_open
    for moment in (at(2026, 2, 17, 3), at(2026, 10, 1, 0), at(2026, 12, 31, 23, 59)):
        assert h.is_open(moment)
    assert h.next_change(at(2026, 2, 17, 3)) is None


def test_aware_datetimes_in_other_zones_are_converted():
    h = OpeningHours.parse("Mo-Fr 08:00-18:00")
    # 01:00 UTC is 09:00 in Harbin.
    from datetime import UTC

    assert h.is_open(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "Mo-Fx 08:00-18:00",
        "08:00-25:61",
        "every day",
        "x" * 300,
        "Mo-Su 08:00-20:00; PH +1 day off",
    ],
)
def test_invalid_strings_are_refused_with_a_message(bad):
    with pytest.raises(InvalidOpeningHours) as err:
        validate(bad)
    assert "开放时间" in str(err.value)


def test_parser_grammar_names_do_not_reach_officers():
    with pytest.raises(InvalidOpeningHours) as err:
        validate("Mo-Fr 25:00-18:00")
    assert "rules_modifier" not in str(err.value) and "示例" in str(err.value)


def test_workday_overnight_hours_follow_the_effective_days():
    """Night shifts of a working-day station around 调休: 2026-01-04 (Sunday) is a make-up
    working day, 2026-01-01..03 are days off."""
    h = OpeningHours.parse("Mo-Fr 22:00-06:00", workday=True)
    # Saturday 01-03 was a day off: no shift that night, so Sunday 03:00 is closed.
    assert not h.is_open(at(2026, 1, 4, 3))
    # The make-up Sunday works a night shift, which runs into Monday morning.
    assert h.is_open(at(2026, 1, 4, 23))
    assert h.is_open(at(2026, 1, 5, 3))
    # An ordinary week: Friday night runs into Saturday, Saturday night has no shift.
    assert h.is_open(at(2026, 3, 7, 3))
    assert not h.is_open(at(2026, 3, 8, 3))


def test_the_week_grid_of_168_hours():
    """Open in an hour when open for at least half of it; spans past midnight spill into
    the next day; the calendar's holidays and 调休 days count."""
    monday = date(2026, 2, 9)  # the week before 春节: Saturday the 14th is worked (调休)
    grid = week_open_hours(OpeningHours.parse("Mo 22:00-02:00, Tu 10:30-11:00"), monday)
    assert len(grid) == 168
    assert [h for h, o in enumerate(grid) if o] == [22, 23, 24, 25, 34]
    almost = week_open_hours(OpeningHours.parse("Mo 10:31-11:00"), monday)
    assert not any(almost)
    office = week_open_hours(OpeningHours.parse("Mo-Fr 09:00-17:00", workday=True), monday)
    days = [sum(office[d * 24 : (d + 1) * 24]) for d in range(7)]
    assert days == [8, 8, 8, 8, 8, 8, 0]  # the 调休 Saturday keeps working-day hours
    holiday = week_open_hours(OpeningHours.parse("Mo-Su 08:00-20:00; PH off"), date(2026, 9, 28))
    days = [sum(holiday[d * 24 : (d + 1) * 24]) for d in range(7)]
    assert days == [12, 12, 12, 0, 0, 0, 12]  # 国庆节 Thursday–Saturday (Sunday is no PH)
