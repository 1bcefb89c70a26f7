"""Opening hours in OSM `opening_hours` syntax, evaluated with China's official calendar.

A pure rule module (no Django): the syntax is parsed and evaluated by `opening-hours-py`;
the calendar comes from the `holidays` package, because the evaluator's own holiday data
is not China's official one:

* ``PH`` matches China's public holidays *including* the working days given off by 调休
  (e.g. Friday 2026-02-20 during the Spring Festival break).
* A station that keeps working-day hours (工作日, ``workday=True``) is closed on every
  such day off, and a make-up working day (调休上班, e.g. Saturday 2026-02-14) follows the
  hours of the last regular working weekday before it.

How ``PH`` is fed to the evaluator: the evaluator is never told a country, so ``PH``
matches nothing. To evaluate the hours of day *d*, every ``PH`` token is replaced by the
weekday names of those of *d-1* and *d* that are holidays (``PH`` → ``We``). Within
those two days, which are all that decide *d*'s state (the day itself and the spill of
the night before), the two selectors match exactly the same days.

>>> h = OpeningHours.parse("Mo-Fr 08:00-18:00; PH off")
>>> from datetime import datetime
>>> h.is_open(datetime(2026, 2, 13, 9, 0, tzinfo=SHANGHAI))   # Friday
True
>>> h.is_open(datetime(2026, 2, 17, 9, 0, tzinfo=SHANGHAI))   # Spring Festival
False
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from time import monotonic

import holidays
import opening_hours as oh_lib

from yizhan.core.time import SHANGHAI

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_PH_TOKEN = re.compile(r'(?<![A-Za-z"])PH(?![A-Za-z])')
# Days searched ahead for the next opening or closing.
_HORIZON_DAYS = 14

Interval = tuple[datetime, datetime]


class InvalidOpeningHours(ValueError):
    """The string is not valid `opening_hours` syntax; the message says where."""


# ---------------------------------------------------------------------------
# China's official calendar
# ---------------------------------------------------------------------------


@cache
def _library_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    cn = holidays.China(years=year)
    days_off = frozenset(d for d in cn if d.year == year)
    makeup = frozenset(d for d in cn.weekend_workdays if d.year == year)
    return days_off, makeup


# The local calendar override (the console's 节假日调休, `models.CalendarDay`): a function
# giving a year's (days off, make-up working days), installed by the stations app; read
# at most every ``_OVERRIDE_SECONDS`` per process, so that an officer's entry reaches
# every process within a minute without a query per day evaluated.
OverrideSource = Callable[[int], tuple[frozenset[date], frozenset[date]]]
_override_source: list[OverrideSource] = []
_override_cache: dict[int, tuple[float, tuple[frozenset[date], frozenset[date]]]] = {}
_OVERRIDE_SECONDS = 60.0


def set_calendar_override(source: OverrideSource | None) -> None:
    _override_source[:] = [source] if source is not None else []
    calendar_override_changed()


def calendar_override_changed() -> None:
    """Forget the overrides read (this process; the others within a minute)."""
    _override_cache.clear()


def _override_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    if not _override_source:
        return frozenset(), frozenset()
    now = monotonic()
    hit = _override_cache.get(year)
    if hit is None or now - hit[0] > _OVERRIDE_SECONDS:
        hit = (now, _override_source[0](year))
        _override_cache[year] = hit
    return hit[1]


def _china_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The package's calendar of ``year``, corrected by the local override: a day
    entered as off is off (and not a make-up day), one entered as worked is worked."""
    days_off, makeup = _library_year(year)
    local_off, local_work = _override_year(year)
    if not local_off and not local_work:
        return days_off, makeup
    return (days_off - local_work) | local_off, (makeup - local_off) | local_work


def has_official_calendar(year: int) -> bool:
    """Whether ``year``'s 调休 is known: the package has its make-up working days, or an
    officer entered the year's calendar. (Every year has make-up days.)"""
    local_off, local_work = _override_year(year)
    return bool(_library_year(year)[1] or local_off or local_work)


def is_day_off(day: date) -> bool:
    """A public holiday or a working day given off by 调休 (China's official calendar).

    >>> is_day_off(date(2026, 10, 1)), is_day_off(date(2026, 2, 20)), is_day_off(date(2026, 2, 24))
    (True, True, False)
    """
    return day in _china_year(day.year)[0]


def is_makeup_workday(day: date) -> bool:
    """A weekend day worked in exchange for a day off (调休上班).

    >>> is_makeup_workday(date(2026, 2, 14)), is_makeup_workday(date(2026, 2, 21))
    (True, False)
    """
    return day in _china_year(day.year)[1]


def _regular_workday_before(day: date) -> date:
    probe = day - timedelta(days=1)
    while probe.weekday() >= 5 or is_day_off(probe) or is_makeup_workday(probe):
        probe -= timedelta(days=1)
    return probe


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _compile(rule: str) -> oh_lib.OpeningHours:
    return oh_lib.OpeningHours(rule, auto_country=False, auto_timezone=False)


def validate(rule: str) -> str:
    """Return the rule stripped, or raise InvalidOpeningHours with a readable message.

    >>> validate(" 24/7 ")
    '24/7'
    >>> validate("Mo-Fx 08:00-18:00")
    Traceback (most recent call last):
    ...
    yizhan.stations.hours.InvalidOpeningHours: 无法解析开放时间 “Mo-Fx 08:00-18:00”：第 4 个字符处应为星期。示例：Mo-Fr 08:00-18:00; Sa 09:00-12:00; PH off
    """
    rule = (rule or "").strip()
    if not rule:
        raise InvalidOpeningHours("开放时间不能为空")
    if len(rule) > 255:
        raise InvalidOpeningHours("开放时间过长(最多255个字符)")
    try:
        _compile(rule)
    except Exception as exc:  # the parser raises opening_hours.ParserError
        raise InvalidOpeningHours(_describe_parse_error(rule, str(exc))) from exc
    if "PH" in rule:
        # PH is evaluated by putting weekday names in its place (see the module doc):
        # a form that only PH allows, such as "PH +1 day", cannot be evaluated.
        try:
            _compile(_PH_TOKEN.sub("Mo", rule))
        except Exception as exc:
            raise InvalidOpeningHours(
                f"开放时间 “{rule}” 中的 PH 不能带前后偏移（如 PH +1 day），请直接写出日期"
            ) from exc
    return rule


_EXPECTED = {"wday": "星期", "time": "时间", "hour": "小时", "minute": "分钟"}


def _describe_parse_error(rule: str, message: str) -> str:
    """Say where the mistake is; name what was expected only when it is a word an
    officer knows (the parser's own grammar names, e.g. "rules_modifier", are not)."""
    where = re.search(r"--> 1:(\d+)", message)
    expected = re.search(r"= expected ([\w, ]+)", message)
    text = f"无法解析开放时间 “{rule}”"
    if where:
        text += f"：第 {where.group(1)} 个字符处"
        words = [w.strip() for w in expected.group(1).split(",")] if expected else []
        if words and all(w in _EXPECTED for w in words):
            text += "应为" + "或".join(_EXPECTED[w] for w in words)
        else:
            text += "有误"
    return text + "。示例：Mo-Fr 08:00-18:00; Sa 09:00-12:00; PH off"


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _local_naive(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("aware datetime required")
    return at.astimezone(SHANGHAI).replace(tzinfo=None)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=SHANGHAI)


@dataclass(frozen=True)
class OpeningHours:
    """A station's hours: the OSM rule plus whether it keeps working-day hours."""

    rule: str
    workday: bool = False

    @classmethod
    def parse(cls, rule: str, *, workday: bool = False) -> OpeningHours:
        return cls(validate(rule), workday)

    @property
    def is_always_open(self) -> bool:
        """24/7 (and not closed on holidays)."""
        return not self.workday and _compile(self.rule).normalize().__str__() == "24/7"

    def _variant_for(self, day: date) -> oh_lib.OpeningHours:
        if "PH" not in self.rule:
            return _compile(self.rule)
        names = [WEEKDAYS[d.weekday()] for d in (day - timedelta(days=1), day) if is_day_off(d)]
        if not names:
            return _compile(self.rule)
        return _compile(_PH_TOKEN.sub(",".join(names), self.rule))

    def _plain_day(self, day: date) -> list[tuple[datetime, datetime]]:
        start = datetime.combine(day, time())
        end = start + timedelta(days=1)
        return [
            (a, b)
            for a, b, state, _comment in self._variant_for(day).intervals(start, end)
            if state == oh_lib.State.OPEN
        ]

    def day_intervals(self, day: date) -> list[Interval]:
        """Open intervals within the local calendar day, as aware datetimes.

        >>> h = OpeningHours("Mo-Fr 09:00-17:00", workday=True)
        >>> [(a.strftime("%a %H:%M"), b.strftime("%H:%M")) for a, b in h.day_intervals(date(2026, 2, 14))]
        [('Sat 09:00', '17:00')]
        """
        if self.workday:
            naive = self._workday_day(day)
        else:
            naive = self._plain_day(day)
        return [(_aware(a), _aware(b)) for a, b in naive]

    def _starting_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Intervals the rule opens on ``day`` (an overnight one runs past midnight)."""
        start = datetime.combine(day, time())
        # Read from the day before, so that last night's spill shows as starting then
        # (the evaluator clips intervals at the start of the window asked for).
        spans = [
            (a, b)
            for a, b, state, _comment in self._variant_for(day).intervals(
                start - timedelta(days=1), start + timedelta(days=2)
            )
            if state == oh_lib.State.OPEN
        ]
        return [(a, b) for a, b in spans if start <= a < start + timedelta(days=1)]

    def _effective_starts(self, day: date) -> list[tuple[datetime, datetime]]:
        """Working-day calendar: nothing opens on a day off; a make-up working day opens
        as the last regular working day before it did."""
        if is_day_off(day):
            return []
        if is_makeup_workday(day):
            proxy = _regular_workday_before(day)
            shift = day - proxy
            return [(a + shift, b + shift) for a, b in self._starting_on(proxy)]
        return self._starting_on(day)

    def _workday_day(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's own openings plus the night before's spill past midnight, each
        taken from the effective (calendar-adjusted) day it belongs to."""
        start = datetime.combine(day, time())
        end = start + timedelta(days=1)
        spans = self._effective_starts(day - timedelta(days=1)) + self._effective_starts(day)
        clipped = sorted((max(a, start), min(b, end)) for a, b in spans if b > start and a < end)
        merged: list[tuple[datetime, datetime]] = []
        for a, b in clipped:
            if merged and merged[-1][1] >= a:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def is_open(self, at: datetime) -> bool:
        local = _local_naive(at)
        return any(a <= at < b for a, b in self.day_intervals(local.date()))

    def intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """Open intervals between two aware datetimes, merged across midnight."""
        out: list[Interval] = []
        day = _local_naive(start).date()
        last = _local_naive(end).date()
        while day <= last:
            for a, b in self.day_intervals(day):
                a, b = max(a, start), min(b, end)
                if a >= b:
                    continue
                if out and out[-1][1] >= a:
                    out[-1] = (out[-1][0], max(out[-1][1], b))
                else:
                    out.append((a, b))
            day += timedelta(days=1)
        return out

    def next_change(self, at: datetime) -> datetime | None:
        """When the state next flips (open → closed or closed → open), or None within
        two weeks (e.g. 24/7, or closed for good)."""
        horizon = at + timedelta(days=_HORIZON_DAYS)
        spans = self.intervals(at - timedelta(days=1), horizon)
        for a, b in spans:
            if a > at:
                return a
            if a <= at < b:
                return b if b < horizon else None
        return None


# ---------------------------------------------------------------------------
# Interval maths over opening spans
# ---------------------------------------------------------------------------


HOURS_PER_WEEK = 7 * 24


def week_open_hours(hours: OpeningHours, monday: date) -> tuple[bool, ...]:
    """168 flags, one per hour of the local week starting ``monday``: open for at least
    half of that hour (by the evaluator's open intervals: PH, 调休, spans past midnight).
    Each interval counts from its starting minute to its ending minute rounded up."""
    start = datetime.combine(monday, time(), tzinfo=SHANGHAI)
    week = HOURS_PER_WEEK * 60
    spans = []
    for a, b in hours.intervals(start, start + timedelta(days=7)):
        i = max(int((a - start).total_seconds() // 60), 0)
        j = min(math.ceil((b - start).total_seconds() / 60), week)
        if i < j:
            spans.append((i, j))
    minutes = [0] * HOURS_PER_WEEK
    covered = 0  # minutes before this are counted already (spans may touch or overlap)
    for i, j in sorted(spans):
        i = max(i, covered)
        if i >= j:
            continue
        covered = j
        for h in range(i // 60, (j - 1) // 60 + 1):
            minutes[h] += min(j, (h + 1) * 60) - max(i, h * 60)
    return tuple(m >= 30 for m in minutes)


def subtract_intervals(spans: list[Interval], cuts: Sequence[Interval]) -> list[Interval]:
    """``spans`` with every part inside one of ``cuts`` removed."""
    out = spans
    for c0, c1 in cuts:
        nxt: list[Interval] = []
        for a, b in out:
            if b <= c0 or a >= c1:
                nxt.append((a, b))
                continue
            if a < c0:
                nxt.append((a, c0))
            if b > c1:
                nxt.append((c1, b))
        out = nxt
    return out


def union_intervals(spans: Sequence[Interval], more: Sequence[Interval]) -> list[Interval]:
    """Sorted, merged union of two lists of spans (touching spans join).

    >>> union_intervals([(9, 17)], [(16, 20), (30, 36), (20, 21)])  # hours as numbers
    [(9, 21), (30, 36)]
    """
    out: list[Interval] = []
    for a, b in sorted((*spans, *more)):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


_DAY_WORDS = {
    "zh": {
        "Mo": "周一",
        "Tu": "周二",
        "We": "周三",
        "Th": "周四",
        "Fr": "周五",
        "Sa": "周六",
        "Su": "周日",
    },
    "en": {
        "Mo": "Mon",
        "Tu": "Tue",
        "We": "Wed",
        "Th": "Thu",
        "Fr": "Fri",
        "Sa": "Sat",
        "Su": "Sun",
    },
}
_MONTH_NUMBERS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def rule_words(rule: str, *, workday: bool = False, english: bool = False) -> str:
    """An opening_hours rule as a person reads it: ``Mo-Su 18:00-08:00`` → "每天
    18:00–次日 08:00" ("Daily 18:00–08:00 next day"); a rule it cannot word is returned
    as it is.

    >>> rule_words("Mo-Fr 08:00-12:00,13:00-17:30; PH off")
    '周一至周五 08:00–12:00、13:00–17:30；法定节假日休息'
    >>> rule_words("Mo-Su 18:00-08:00", english=True)
    'Daily 18:00–08:00 next day'
    >>> rule_words("Mo-Fr 08:00-11:30,13:00-17:30; Sa,Su off", english=True)
    'Mon–Fri 08:00–11:30, 13:00–17:30; Sat, Sun closed'
    >>> rule_words("24/7"), rule_words("May-Sep 05:30-19:00; Oct-Apr 06:30-17:00")
    ('全天24小时', '5–9月 05:30–19:00；10–4月 06:30–17:00')
    """
    lang = "en" if english else "zh"
    days_of = _DAY_WORDS[lang]
    parts: list[str] = []
    for clause in (c.strip() for c in rule.split(";")):
        if not clause:
            continue
        if clause == "24/7":
            parts.append("Open 24 hours" if english else "全天24小时")
            continue
        words: list[str] = []
        for token in clause.split():
            if m := re.fullmatch(r"(Mo|Tu|We|Th|Fr|Sa|Su)-(Mo|Tu|We|Th|Fr|Sa|Su)", token):
                if (m[1], m[2]) == ("Mo", "Su"):
                    words.append("Daily" if english else "每天")
                else:
                    joiner = "–" if english else "至"
                    words.append(f"{days_of[m[1]]}{joiner}{days_of[m[2]]}")
            elif re.fullmatch(r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su))+", token):
                words.append((", " if english else "、").join(days_of[d] for d in token.split(",")))
            elif token in days_of:
                words.append(days_of[token])
            elif token == "PH":
                words.append("public holidays" if english else "法定节假日")
            elif token in ("off", "closed"):
                words.append("closed" if english else "休息")
            elif m := re.fullmatch(r"([A-Z][a-z]{2})-([A-Z][a-z]{2})", token):
                if m[1] not in _MONTH_NUMBERS or m[2] not in _MONTH_NUMBERS:
                    return rule
                words.append(
                    f"{m[1]}–{m[2]}"
                    if english
                    else f"{_MONTH_NUMBERS[m[1]]}–{_MONTH_NUMBERS[m[2]]}月"
                )
            elif re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*", token):
                spans = []
                for span in token.split(","):
                    start, end = span.split("-")
                    if end <= start and end != "24:00":
                        spans.append(
                            f"{start}–{end} next day" if english else f"{start}–次日 {end}"
                        )
                    else:
                        spans.append(f"{start}–{end}")
                words.append((", " if english else "、").join(spans))
            else:
                return rule
        if english:
            parts.append(" ".join(words))
        else:
            parts.append(re.sub(r"(?<=[日期天假])\s+(?=休息)", "", " ".join(words)))
    text = ("; " if english else "；").join(parts)
    if workday:
        text += (
            " (closed on days off, open on make-up working days)"
            if english
            else "（按法定工作日：放假日闭站，调休上班日开放）"
        )
    return text or rule
