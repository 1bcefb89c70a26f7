"""Who may see what: a user's region scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from yizhan.accounts.models import User
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q


@dataclass(frozen=True)
class Scope:
    """The part of the country a user may see: everything, one subtree, or nothing."""

    national: bool
    region: Region | None

    def q(self, field: str = "region") -> Q:
        """Filter for rows whose ``field`` region lies inside this scope."""
        if self.national:
            return Q()
        if self.region is None:
            return Q(pk__in=[])
        return region_subtree_q(self.region, field=field)

    def contains(self, region: Region | None) -> bool:
        if self.national:
            return True
        if self.region is None or region is None:
            return False
        return region.code.startswith(self.region.code)


def user_scope(*, user: User | AnonymousUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(national=False, region=None)
    if user.is_superuser:
        return Scope(national=True, region=None)
    return Scope(national=False, region=user.region)
