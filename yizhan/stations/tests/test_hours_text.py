"""Chinese opening-hours text as officers write it in their ledgers (台账) → OSM
opening_hours. The phrasings were written down from the forms people use before the
parser was written, and not changed to suit it."""

from __future__ import annotations

import pytest

from yizhan.stations.hours import validate
from yizhan.stations.io.hours_text import HoursTextError, hours_from_text

PHRASINGS = [
    ("周一至周五 8:00-18:00", "Mo-Fr 08:00-18:00", False),
    ("周一到周五 08:00—18:00", "Mo-Fr 08:00-18:00", False),
    ("周一—周六 9:00～17:30", "Mo-Sa 09:00-17:30", False),
    ("每日 8:00-20:00", "Mo-Su 08:00-20:00", False),
    ("每天8:00-20:00", "Mo-Su 08:00-20:00", False),
    ("全天", "24/7", False),
    ("24小时", "24/7", False),
    ("24小时开放", "24/7", False),
    ("全天24小时", "24/7", False),
    ("24h", "24/7", False),
    ("周一至周日 00:00-24:00", "24/7", False),
    ("工作日 9:00-17:00", "Mo-Fr 09:00-17:00", True),
    ("早上8点到晚上6点", "Mo-Su 08:00-18:00", False),
    ("上午8点至下午5点半", "Mo-Su 08:00-17:30", False),
    ("8：00－18：00", "Mo-Su 08:00-18:00", False),
    ("周一至周五 8:00-12:00，14:00-18:00", "Mo-Fr 08:00-12:00,14:00-18:00", False),
    ("8:00-18:00（午休12:00-13:00）", "Mo-Su 08:00-12:00,13:00-18:00", False),
    ("周一至周五8:00-18:00；周六9:00-12:00", "Mo-Fr 08:00-18:00; Sa 09:00-12:00", False),
    ("周一至周五 8:00-18:00，节假日休息", "Mo-Fr 08:00-18:00; PH off", False),
    ("每天 8:00-18:00 法定节假日闭站", "Mo-Su 08:00-18:00; PH off", False),
    ("每天 8:00-18:00，节假日照常", "Mo-Su 08:00-18:00", False),
    ("夏季 7:00-19:00，冬季 8:00-17:00", "May-Sep 07:00-19:00; Oct-Apr 08:00-17:00", False),
    ("周六日 9:00-17:00", "Sa,Su 09:00-17:00", False),
    ("周末 10:00-16:00", "Sa,Su 10:00-16:00", False),
    ("周一、三、五 9:00-11:00", "Mo,We,Fr 09:00-11:00", False),
    ("星期一至星期五 8:30-17:30", "Mo-Fr 08:30-17:30", False),
    ("礼拜一到礼拜五 8:30-17:30", "Mo-Fr 08:30-17:30", False),
    ("晚上6点至次日早上8点", "Mo-Su 18:00-08:00", False),
    ("18:00-次日8:00", "Mo-Su 18:00-08:00", False),
    ("全年无休 8:00-20:00", "Mo-Su 08:00-20:00", False),
    ("8点-18点", "Mo-Su 08:00-18:00", False),
    ("中午12点到下午2点", "Mo-Su 12:00-14:00", False),
    (
        "周一至周五 9:00-17:00 周六 9:00-12:00 周日休息",
        "Mo-Fr 09:00-17:00; Sa 09:00-12:00; Su off",
        False,
    ),
    ("周一至周五 8:00-17:00（节假日除外）", "Mo-Fr 08:00-17:00; PH off", False),
    ("7:30—11:30，13:30—17:30", "Mo-Su 07:30-11:30,13:30-17:30", False),
    ("周一至周五：8:00至18:00", "Mo-Fr 08:00-18:00", False),
    ("每周一至周五 8:00~18:00", "Mo-Fr 08:00-18:00", False),
    ("早8晚6", "Mo-Su 08:00-18:00", False),
    ("下午2:00-晚上9:00", "Mo-Su 14:00-21:00", False),
    ("周二至周四 10:00-15:00", "Tu-Th 10:00-15:00", False),
    ("工作日 8:30-17:30，节假日休息", "Mo-Fr 08:30-17:30; PH off", True),
    ("周一至周五 8:00-18:00 周末休息", "Mo-Fr 08:00-18:00; Sa,Su off", False),
]


# Found by trying phrasings the list above did not have (after the parser was written).
PROBED = [
    ("8:30-17:30（周一至周五）", "Mo-Fr 08:30-17:30", False),
    ("周一至周六 9:00-18:00，周日及节假日休息", "Mo-Sa 09:00-18:00; Su off; PH off", False),
    ("每天上午9点到12点，下午2点到5点", "Mo-Su 09:00-12:00,14:00-17:00", False),
    ("夏季（6-8月）7:00-19:00，冬季 8:00-17:00", "Jun-Aug 07:00-19:00; Oct-Apr 08:00-17:00", False),
    ("周一至周五上午8:30-11:30 下午14:00-17:00", "Mo-Fr 08:30-11:30,14:00-17:00", False),
    ("8:00-20:00 周一闭馆", "Mo-Su 08:00-20:00; Mo off", False),
]


@pytest.mark.parametrize(("text", "rule", "workday"), PHRASINGS + PROBED)
def test_ledger_hours_become_opening_hours(text: str, rule: str, workday: bool) -> None:
    parsed = hours_from_text(text)
    assert (parsed.rule, parsed.workday) == (rule, workday)
    assert validate(parsed.rule) == parsed.rule  # the evaluator reads it
    assert parsed.text == text  # the officer's words are kept beside it


def test_summer_and_winter_follow_the_region_setting() -> None:
    parsed = hours_from_text("夏季 7:00-19:00，冬季 8:00-17:00", summer=(6, 8), winter=(11, 3))
    assert parsed.rule == "Jun-Aug 07:00-19:00; Nov-Mar 08:00-17:00"


@pytest.mark.parametrize(
    "text",
    [
        "看情况",
        "有人就开",
        "8:00-",
        "周八 9:00-10:00",
        "25:00-26:00",
        "周一至周五",
        "24小时（刷脸进入）",
    ],
)
def test_text_it_cannot_read_is_refused_and_quoted(text: str) -> None:
    with pytest.raises(HoursTextError) as caught:
        hours_from_text(text)
    assert f"“{text}”" in str(caught.value)
