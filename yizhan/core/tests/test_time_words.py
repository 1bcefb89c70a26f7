"""Deadlines in words (`core.time.when_words` and the ``when`` template filter): 今天 and
明天 follow the calendar day in Asia/Shanghai, whatever the day is in UTC, and turn
over at local midnight."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import trans_real

from yizhan.core.time import SHANGHAI, when_words

PO = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# Monday 7 December 2026, a minute before midnight in Harbin (15:59 UTC).
LATE = at(2026, 12, 7, 23, 59)


@pytest.fixture
def english() -> Iterator[None]:
    """English needs the compiled catalogue (build output, not committed)."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command(
            "compilemessages", ignore_patterns=[".venv", "node_modules", "var"], verbosity=0
        )
        trans_real._translations = {}
        trans_real._default = None
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (at(2026, 12, 7, 23, 59, 50), "今天 23:59"),
        (at(2026, 12, 8, 0, 0), "明天 00:00"),  # a minute later, the next day
        (at(2026, 12, 8, 18, 0), "明天 18:00"),
        (at(2026, 12, 7, 0, 5), "今天 00:05"),
        (at(2026, 12, 6, 22, 0), "昨天 22:00"),
        (at(2026, 12, 9, 9, 0), "周三 09:00"),  # within the coming week: the weekday
        (at(2026, 12, 13, 9, 0), "周日 09:00"),
        (at(2026, 12, 14, 9, 0), "12-14 周一 09:00"),  # a week on: the date as well
        (at(2026, 12, 1, 9, 0), "12-01 周二 09:00"),  # past, not yesterday
        (at(2027, 1, 4, 9, 0), "2027-01-04 周一 09:00"),  # another year
    ],
)
def test_a_minute_before_midnight(when: dt.datetime, words: str) -> None:
    assert when_words(when, now=LATE) == words


def test_the_day_turns_at_local_midnight_not_utc() -> None:
    # 01:00 on Tuesday in Harbin is still Monday in UTC (17:00): 18:00 is today.
    now = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
    evening = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    assert when_words(evening, now=now) == "今天 18:00"
    # And a minute after local midnight, 23:59 the evening before is yesterday.
    assert when_words(at(2026, 12, 7, 23, 59), now=at(2026, 12, 8, 0, 1)) == "昨天 23:59"


def test_dates_say_the_day_only() -> None:
    assert when_words(dt.date(2026, 12, 7), now=LATE) == "今天"
    assert when_words(dt.date(2026, 12, 8), now=LATE) == "明天"
    assert when_words(dt.date(2026, 12, 6), now=LATE) == "昨天"
    assert when_words(dt.date(2026, 12, 10), now=LATE) == "周四"
    assert when_words(dt.date(2027, 3, 1), now=LATE) == "2027-03-01 周一"


def test_the_clock_alone_for_lines_about_today() -> None:
    assert when_words(at(2026, 12, 7, 23, 59, 59), now=LATE, today_word=False) == "23:59"
    assert when_words(at(2026, 12, 8, 8, 0), now=LATE, today_word=False) == "明天 08:00"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        when_words(dt.datetime(2026, 12, 7, 18, 0), now=LATE)  # noqa: DTZ001


def test_english(english: None) -> None:
    assert when_words(at(2026, 12, 7, 23, 59, 50), now=LATE) == "today 23:59"
    assert when_words(at(2026, 12, 8, 9, 0), now=LATE) == "tomorrow 09:00"
    assert when_words(at(2026, 12, 6, 22, 0), now=LATE) == "yesterday 22:00"
    assert when_words(at(2026, 12, 12, 9, 0), now=LATE) == "Sat 09:00"
    assert when_words(dt.date(2026, 12, 8), now=LATE) == "tomorrow"


def test_the_template_filter_reads_the_clock() -> None:
    page = Template("{% load time_words %}{{ t|when }} 前领取|{{ d|when }}|{{ none|when }}")
    with time_machine.travel(LATE, tick=False):
        text = page.render(
            Context({"t": at(2026, 12, 8, 0, 14), "d": dt.date(2026, 12, 7), "none": None})
        )
    assert text == "明天 00:14 前领取|今天|"
