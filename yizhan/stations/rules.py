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
# Map platforms show at most 20 characters: "工会驿站（中央大街店）".
LISTING_NAME_MAX = 20


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


def listing_name(name: str, branch: str = "") -> str:
    """The name map platforms accept: at most 20 characters, branch in full-width brackets.

    "道里区总工会工会驿站" + "中央大街" → "工会驿站（中央大街店）" style shortening, keeping
    the branch visible.

    >>> listing_name("工会驿站", "中央大街")
    '工会驿站（中央大街店）'
    >>> len(listing_name("哈尔滨市道里区总工会户外劳动者服务驿站", "经纬街道兆麟公园北门"))
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
