"""Who may see what: a user's region scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


# Who may do what at one station. Station roles come from `stations.StationStaff`; region
# roles (officer, inspector) from the user's role and region; superusers everywhere.
STATION_RUNNERS = frozenset({"master", "administrator"})
VOLUNTEERS = frozenset({"butler", "one_day_master"})


@dataclass(frozen=True)
class StationAccess:
    """What one user is at one station.

    ``roles`` are their station roles there; ``supervisor`` is true for an officer or
    inspector whose region holds the station (or a superuser)."""

    roles: frozenset[str]
    supervisor: bool

    @property
    def runs(self) -> bool:
        """Station master or administrator: may run the station's day."""
        return bool(self.roles & STATION_RUNNERS)

    @property
    def any(self) -> bool:
        return bool(self.roles) or self.supervisor


def station_access(*, user: User | AnonymousUser, station: Any) -> StationAccess:
    """``station`` is a `stations.Station` (typed loosely: accounts sits below stations)."""
    if not user.is_authenticated or not user.is_active:
        return StationAccess(frozenset(), False)
    from yizhan.stations.models import StationStaff

    roles = frozenset(
        StationStaff.objects.filter(station=station, user=user).values_list("role", flat=True)
    )
    supervisor = bool(
        user.is_superuser
        or (
            user.role in {"officer", "inspector"} and user_scope(user=user).contains(station.region)
        )
    )
    return StationAccess(roles, supervisor)


def staff_station_ids(*, user: User | AnonymousUser) -> list[int]:
    """The stations where the user holds a station role."""
    if not user.is_authenticated:
        return []
    from yizhan.stations.models import StationStaff

    return list(
        StationStaff.objects.filter(user=user).values_list("station_id", flat=True).distinct()
    )
