"""Opening hours as officers write them in their ledgers (台账), turned into OSM
`opening_hours`: "周一至周五 8:00-18:00，节假日休息" → ``Mo-Fr 08:00-18:00; PH off``.

A pure rule module (no Django). Written by hand: no library reads Chinese hours text.
What it understands:

* days: 周一至周五, 周一—周六, 星期一到星期五, 礼拜一…, 周一、三、五, 周六日, 周末, 每天/每日,
  全年无休, 工作日 (Monday to Friday, keeping working-day hours: closed on every day off,
  open on 调休 make-up days); a day group followed by 休息/闭馆/不开放 is closed;
* times: 8:00, 08:00, 8点, 8点半, 8时, with 早上/上午/中午/下午/晚上/凌晨/次日 before them,
  早8晚6; ranges with -, —, ~, 至, 到; several ranges with commas; full-width digits and
  punctuation; 24小时, 全天, 24h, 00:00-24:00;
* a lunch break (午休 12:00-13:00) cut out of the day;
* holidays: 节假日休息 / 法定节假日闭站 / 节假日除外 → ``PH off``; 节假日照常 → nothing;
* 夏季 … 冬季 … → month ranges from the region's setting (default May–Sep and Oct–Apr).

Anything else is refused, quoting the text, so that no row is imported with hours the
officer did not write.

>>> hours_from_text("周一至周五 8:00-18:00，节假日休息").rule
'Mo-Fr 08:00-18:00; PH off'
>>> hours_from_text("工作日 9:00-17:00").workday
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY_CHAR = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_PREFIX = r"(?:周|星期|礼拜)"
_DAY = r"[一二三四五六日天七]"
_DAYSPEC = re.compile(
    rf"每天|每日|全年无休|全周|工作日|周六日|周末|"
    rf"{_PREFIX}{_DAY}(?:\s*-\s*{_PREFIX}?{_DAY}|(?:\s*、\s*{_PREFIX}?{_DAY})+)?"
)
_PERIOD = r"(?:次日\s*)?(?:早上|上午|中午|下午|晚上|凌晨|早|晚)?"
_TIME = rf"(?:{_PERIOD})\s*\d{{1,2}}(?:\s*:\s*\d{{2}}|\s*点\s*(?:半|\d{{1,2}}\s*分?)?|\s*时)?"
_TIME_PARTS = re.compile(
    r"(?P<next>次日)?\s*(?P<period>早上|上午|中午|下午|晚上|凌晨|早|晚)?\s*(?P<h>\d{1,2})"
    r"(?:\s*:\s*(?P<m>\d{2})|\s*点\s*(?P<half>半)?(?:(?P<pm>\d{1,2})\s*分?)?|\s*时)?"
)
_RANGE = re.compile(rf"(?P<a>{_TIME})\s*-\s*(?P<b>{_TIME})")
_OFF = re.compile(r"休息|闭馆|闭站|不开放|关闭|休")
_FILLER = re.compile(r"[\s,;:()、]+|开放时间|服务时间|开放|营业|时间|每")
_HOLIDAY_OFF = re.compile(
    r"\(?\s*(?:及|和)?\s*(?:法定)?(?:节假日|节日|假日)\s*(?:休息|闭站|闭馆|不开放|除外|关闭|休)\s*\)?"
)
_HOLIDAY_OPEN = re.compile(r"\(?\s*(?:法定)?节假日\s*照常(?:开放|营业)?\s*\)?")
_LUNCH = re.compile(rf"\(?\s*午休\s*:?\s*(?P<a>{_TIME})\s*-\s*(?P<b>{_TIME})\s*\)?")
_SEASON = re.compile(r"(夏季|冬季)")


class HoursTextError(ValueError):
    """The text is not hours this reader understands; the message quotes it."""


@dataclass(frozen=True)
class ParsedHours:
    rule: str  # OSM opening_hours
    workday: bool  # keeps working-day hours (工作日)
    text: str  # the officer's own words, kept beside the rule


def _refuse(text: str, why: str) -> HoursTextError:
    return HoursTextError(f"无法识别的开放时间“{text}”：{why}")


def _normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    for dash in ("—", "–", "−", "~", "至", "到", "－"):
        t = t.replace(dash, "-")
    # 早8晚6, 早6点晚8点: morning to evening.
    t = re.sub(r"早\s*(\d{1,2})\s*点?\s*-?\s*晚", r"早\g<1>点-晚", t)
    # 24小时 / 全天 after a day group: the whole day.
    t = re.sub(r"(?:(?:24\s*(?:小时|h)|全天)(?:开放|营业)?\s*)+", " 00:00-24:00 ", t)
    return t.strip()


def _minutes(token: str, text: str, *, end: bool) -> int:
    m = _TIME_PARTS.fullmatch(token.strip())
    if m is None:
        raise _refuse(text, f"看不懂时间 {token.strip()}")
    hour = int(m["h"])
    minute = 30 if m["half"] else int(m["m"] or m["pm"] or 0)
    period = m["period"] or ""
    if period in ("下午", "晚上", "晚") and hour < 12:
        hour += 12
    elif period == "中午" and hour < 11:
        hour += 12
    if hour > 24 or minute > 59 or (hour == 24 and (minute or not end)):
        raise _refuse(text, f"时间 {token.strip()} 不存在")
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(spec: str, text: str) -> tuple[str, bool]:
    """OSM weekdays of a day group, and whether it means working-day hours."""
    spec = re.sub(r"\s+", "", spec)
    if spec in ("每天", "每日", "全年无休", "全周"):
        return "Mo-Su", False
    if spec == "工作日":
        return "Mo-Fr", True
    if spec in ("周六日", "周末"):
        return "Sa,Su", False
    chars = [_DAY_CHAR[c] for c in re.sub(_PREFIX, "", spec) if c in _DAY_CHAR]
    if "-" in spec and len(chars) == 2:
        first, last = chars
        if first == last:
            return DAYS[first], False
        if first > last:
            raise _refuse(text, f"星期范围 {spec} 前后颠倒")
        return f"{DAYS[first]}-{DAYS[last]}", False
    return ",".join(DAYS[c] for c in chars), False


def _clauses(t: str, text: str, lunch: tuple[int, int] | None) -> tuple[list[str], bool]:
    """Day groups with their ranges, in the order written."""
    clauses: list[tuple[str, list[tuple[int, int]], bool]] = []  # days, ranges, off
    workday = False
    days: str | None = None
    ranges: list[tuple[int, int]] = []
    off = False

    def close() -> None:
        if ranges or off:
            clauses.append((days or "Mo-Su", list(ranges), off))

    pos = 0
    # Whether a day group was written before the first times (then a trailing one is new).
    trailing_ok = bool(_DAYSPEC.match(t.lstrip(" ,;:(")))
    while pos < len(t):
        if m := _RANGE.match(t, pos):
            a = _minutes(m["a"], text, end=False)
            b = _minutes(m["b"], text, end=True)
            # 下午2点到5点: the end keeps the start's afternoon or evening.
            start_period = _TIME_PARTS.fullmatch(m["a"].strip())
            end_period = _TIME_PARTS.fullmatch(m["b"].strip())
            if (
                start_period
                and end_period
                and start_period["period"] in ("下午", "晚上", "晚", "中午")
                and not end_period["period"]
                and not end_period["next"]
                and b < 12 * 60
            ):
                b += 12 * 60
            if a == b:
                raise _refuse(text, f"{m.group(0)} 开始和结束相同")
            ranges.append((a, b))
        elif m := _DAYSPEC.match(t, pos):
            if days is not None and not ranges and not off:
                raise _refuse(text, f"{m.group(0)} 之前的星期没有时间")
            close()
            days, is_workday = _days(m.group(0), text)
            workday = workday or is_workday
            ranges, off = [], False
        elif (m := _OFF.match(t, pos)) and days is not None and not ranges:
            off = True
        elif m := _FILLER.match(t, pos):
            pass
        else:
            raise _refuse(text, f"第 {pos + 1} 个字符起“{t[pos : pos + 6]}”看不懂")
        pos = m.end()
    if days is not None and not ranges and not off:
        # 8:30-17:30（周一至周五）: the days written after the times they belong to.
        if clauses and clauses[-1][0] == "Mo-Su" and not clauses[-1][2] and not trailing_ok:
            clauses[-1] = (days, clauses[-1][1], False)
        else:
            raise _refuse(text, "星期之后没有时间")
    close()
    if not clauses:
        raise _refuse(text, "没有找到时间")
    out = []
    for clause_days, clause_ranges, clause_off in clauses:
        if clause_off:
            out.append(f"{clause_days} off")
            continue
        spans = []
        for a, b in clause_ranges:
            if lunch and a <= lunch[0] < lunch[1] <= b:
                spans += [(a, lunch[0]), (lunch[1], b)]
            else:
                spans.append((a, b))
        if clause_days == "Mo-Su" and spans == [(0, 24 * 60)]:
            out.append("24/7")
            continue
        out.append(f"{clause_days} " + ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in spans))
    return out, workday


def _month_range(months: tuple[int, int]) -> str:
    first, last = months
    return f"{MONTHS[first - 1]}-{MONTHS[last - 1]}"


def hours_from_text(
    text: str, *, summer: tuple[int, int] = (5, 9), winter: tuple[int, int] = (10, 4)
) -> ParsedHours:
    """Read ``text`` as opening hours; `HoursTextError` quoting it when it cannot.

    ``summer`` and ``winter`` are the months (first, last) of 夏季 and 冬季 hours, from
    the region's setting.

    >>> hours_from_text("夏季 7:00-19:00，冬季 8:00-17:00").rule
    'May-Sep 07:00-19:00; Oct-Apr 08:00-17:00'
    """
    if not text or not text.strip():
        raise _refuse(text, "为空")
    t = _normalize(text)
    # 周日及节假日休息: the day group is closed as well as the holidays.
    t = re.sub(
        r"(?P<d>周[一二三四五六日天]|周末|周六日)\s*(?:及|和)\s*(?P<h>(?:法定)?节假日)\s*"
        r"(?P<w>休息|闭站|闭馆|不开放|关闭)",
        r"\g<d>\g<w> \g<h>\g<w>",
        t,
    )
    ph_off = bool(_HOLIDAY_OFF.search(t))
    t = _HOLIDAY_OPEN.sub(" ", _HOLIDAY_OFF.sub(" ", t))
    lunch: tuple[int, int] | None = None
    if m := _LUNCH.search(t):
        lunch = (_minutes(m["a"], text, end=False), _minutes(m["b"], text, end=True))
        t = t[: m.start()] + " " + t[m.end() :]
    if _SEASON.search(t):
        rules, workday = [], False
        parts = _SEASON.split(t)
        if parts[0].strip(" ,;"):
            raise _refuse(text, "季节之前的时间归属不明")
        for season, body in zip(parts[1::2], parts[2::2], strict=True):
            months = _month_range(summer if season == "夏季" else winter)
            if written := re.match(r"\s*\(?\s*(\d{1,2})\s*-\s*(\d{1,2})\s*月\s*\)?", body):
                first, last = int(written[1]), int(written[2])
                if not (1 <= first <= 12 and 1 <= last <= 12):
                    raise _refuse(text, f"月份 {written.group(0).strip()} 不存在")
                months, body = _month_range((first, last)), body[written.end() :]
            found, is_workday = _clauses(body, text, lunch)
            workday = workday or is_workday
            for r in found:
                r = "00:00-24:00" if r == "24/7" else r.removeprefix("Mo-Su ")
                rules.append(f"{months} {r}")
    else:
        rules, workday = _clauses(t, text, lunch)
    if ph_off:
        rules.append("PH off")
    return ParsedHours(rule="; ".join(rules), workday=workday, text=text)
