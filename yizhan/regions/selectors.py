"""Reading regions, and the one rule of region scoping: a subtree is a code prefix."""

from __future__ import annotations

from django.db.models import Q

from yizhan.regions.models import Region


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
