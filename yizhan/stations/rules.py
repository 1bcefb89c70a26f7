"""Pure input rules for station records: coordinates, names, codes. No database.

Each check raises `RuleError(field, message)` so that forms, the API and spreadsheet
imports report the same words for the same mistake.
"""

from __future__ import annotations

import re

# Coordinates are core's rules (the finder checks a worker's point with the same words).
from yizhan.core.coords import coordinates_to_wgs84 as coordinates_to_wgs84
from yizhan.core.coords import in_china as in_china
from yizhan.core.coords import parse_crs as parse_crs
from yizhan.core.errors import RuleError as RuleError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
NAME_MAX = 60
# The longest name each map platform takes for a place (上图), keyed by MapPlatform
# value. We found no published limit for either Amap or Baidu, so both keep the 20 the
# pack has always used ("工会驿站（中央大街店）" is 11); correct one here when known.
PLATFORM_NAME_MAX = {"amap": 20, "baidu": 20}
# A station's 上图简称 serves both platforms, so it fits the stricter of the two.
LISTING_NAME_MAX = min(PLATFORM_NAME_MAX.values())


YES = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
NO = {"否", "n", "no", "false", "0", "×", "f", ""}


def parse_yes_no(value: object, field: str = "keeps_workday_hours") -> bool:
    """Read a yes/no cell: 是/否, yes/no, true/false, 1/0 (empty is no).

    >>> parse_yes_no("是"), parse_yes_no("否"), parse_yes_no(None), parse_yes_no(True)
    (True, False, False, True)
    """
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RuleError(field, f"应填 是 或 否，而不是 “{value}”")


def check_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise RuleError("code", "驿站编号须为1–32位字母、数字、- 或 _")
    return code


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise RuleError("name", "名称不能为空")
    if len(name) > NAME_MAX:
        raise RuleError("name", f"名称过长：{len(name)} 个字，最多 {NAME_MAX} 个字")
    return name


def check_short_name(short_name: str) -> str:
    """The 上图简称: blank (use the name) or at most LISTING_NAME_MAX characters.

    >>> check_short_name(" 工会驿站（中央大街店） ")
    '工会驿站（中央大街店）'
    >>> check_short_name("哈尔滨市道里区总工会户外劳动者服务驿站北门")
    Traceback (most recent call last):
    ...
    yizhan.core.errors.RuleError: 上图简称过长：21 个字，最多 20 个字
    """
    short_name = (short_name or "").strip()
    if len(short_name) > LISTING_NAME_MAX:
        raise RuleError(
            "short_name", f"上图简称过长：{len(short_name)} 个字，最多 {LISTING_NAME_MAX} 个字"
        )
    return short_name


def short_name_suggestion(name: str, branch: str = "") -> str:
    """A proposed 上图简称 in the platforms' "brand（branch店）" style, at most
    LISTING_NAME_MAX characters. Only ever offered to an officer to accept or edit: the
    pack never sends it by itself.

    "道里区总工会工会驿站" + "中央大街" → "工会驿站（中央大街店）", keeping the branch visible.

    >>> short_name_suggestion("工会驿站", "中央大街")
    '工会驿站（中央大街店）'
    >>> len(short_name_suggestion("哈尔滨市道里区总工会户外劳动者服务驿站", "经纬街道兆麟公园北门"))
    20
    """
    base = re.sub(r"[（(].*?[)）]", "", name).strip() or name
    if not branch:
        return base[:LISTING_NAME_MAX]
    suffix = branch if branch.endswith("店") else branch + "店"
    bracket = f"（{suffix}）"
    room = LISTING_NAME_MAX - len(bracket)
    if room < 4:  # keep at least "工会驿站"
        bracket = f"（{suffix[: LISTING_NAME_MAX - 6]}）"
        room = LISTING_NAME_MAX - len(bracket)
    if len(base) > room:
        base = base[-room:] if base.endswith("驿站") else base[:room]
    return base + bracket
