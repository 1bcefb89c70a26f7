"""Reading operations data: seasons, due inspections, compliance, rectifications."""

from __future__ import annotations

import datetime as dt

from yizhan.operations.models import SeasonalMode
from yizhan.operations.seasons import ModeRow, season_for


def seasonal_modes_on(*, day: dt.date) -> list[ModeRow]:
    """Every mode in force on ``day`` (few rows: one per region that set one)."""
    return [
        ModeRow(*row)
        for row in SeasonalMode.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
            "region__code", "season", "starts_on", "ends_on"
        )
    ]


def station_season(*, region_code: str, day: dt.date) -> str:
    return season_for(region_code, day, seasonal_modes_on(day=day))
