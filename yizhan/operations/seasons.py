"""Which seasonal mode holds where: pure rules over (region code, season, dates) rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple


class ModeRow(NamedTuple):
    region_code: str
    season: str
    starts_on: dt.date
    ends_on: dt.date


def season_for(region_code: str, day: dt.date, modes: Iterable[ModeRow]) -> str:
    """The season ("summer", "winter" or "") for a station in ``region_code`` on ``day``:
    the mode set on the most specific region that holds the station wins.

    >>> rows = [ModeRow("2301", "winter", dt.date(2026, 11, 1), dt.date(2027, 3, 31)),
    ...         ModeRow("230102", "summer", dt.date(2026, 11, 20), dt.date(2026, 11, 25))]
    >>> season_for("230102001", dt.date(2026, 11, 22), rows)
    'summer'
    >>> season_for("230103001", dt.date(2026, 11, 22), rows)
    'winter'
    >>> season_for("2302", dt.date(2026, 12, 1), rows)
    ''
    """
    best, best_len = "", -1
    for row in modes:
        if row.starts_on <= day <= row.ends_on and region_code.startswith(row.region_code):
            if len(row.region_code) > best_len:
                best, best_len = row.season, len(row.region_code)
    return best
