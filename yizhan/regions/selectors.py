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
