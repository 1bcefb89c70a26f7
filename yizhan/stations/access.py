"""Who may do what: the one home of every permission rule about stations and regions.

A person is two things at once. At a station they hold station roles
(`stations.StationStaff`: master, administrator, butler, one-day master, contact). Over a
region they are what their account says (`accounts.User.role`): a union officer or an
inspector sees and supervises the stations of their region's subtree (see
`accounts.selectors.user_scope`, "what regions a user sees"). A superuser is everywhere.
A suspended account (``is_active`` false) is nothing anywhere, superuser or not.

Station needs (`station_access_require`, `station_for_request`):

- ``"any"``: any station role there, or a supervising officer/inspector;
- ``"run"``: station master or administrator, or a supervising officer/inspector;
- ``"supervise"``: an officer or inspector whose region holds the station.

Services raise the domain's `PermissionDenied`; pages raise 404 (the station is not
theirs: its existence is not confirmed) or 403 (theirs, but not this need). The console
(Django admin) scopes its lists with `ScopedAdminMixin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from yizhan.accounts.models import User, UserRole
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import NotFound, PermissionDenied
from yizhan.regions.models import Region, RegionLevel
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.models import StaffRole, Station, StationStaff

AnyUser = User | AnonymousUser

# ------------------------------------------------------------------------------ roles

STATION_RUNNERS = frozenset({StaffRole.MASTER.value, StaffRole.ADMINISTRATOR.value})
VOLUNTEERS = frozenset({StaffRole.BUTLER.value, StaffRole.ONE_DAY_MASTER.value})
SUPERVISOR_ROLES = frozenset({UserRole.OFFICER.value, UserRole.INSPECTOR.value})


def _active(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_supervisor(user: AnyUser | None) -> bool:
    """An active officer or inspector (or superuser): one who oversees a region's stations.
    Which stations is the region scope's business (`user_scope`)."""
    return _active(user) and bool(user.is_superuser or user.role in SUPERVISOR_ROLES)  # type: ignore[union-attr]


def is_officer(user: AnyUser | None) -> bool:
    """An active union officer (or superuser): plans, draws spot checks, sets quotas and
    seasons, publishes. Inspectors inspect; they do not decide, even as superusers."""
    if not _active(user):
        return False
    assert isinstance(user, User)
    if user.role == UserRole.INSPECTOR:
        return False
    return user.is_superuser or user.role == UserRole.OFFICER


def officer_at(user: AnyUser | None, levels: frozenset[str]) -> bool:
    """An officer (`is_officer`) whose own region is at one of ``levels``; a superuser at
    any level."""
    if not is_officer(user):
        return False
    assert isinstance(user, User)
    return user.is_superuser or (user.region is not None and user.region.level in levels)


# ---------------------------------------------------------------------------- stations

Need = Literal["any", "run", "supervise"]


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

    def allows(self, need: Need) -> bool:
        if need == "supervise":
            return self.supervisor
        if need == "run":
            return self.runs or self.supervisor
        return self.any


def station_access(*, user: AnyUser, station: Station) -> StationAccess:
    if not _active(user):
        return StationAccess(frozenset(), False)
    assert isinstance(user, User)
    roles = frozenset(
        StationStaff.objects.filter(station=station, user=user).values_list("role", flat=True)
    )
    supervisor = is_supervisor(user) and user_scope(user=user).contains(station.region)
    return StationAccess(roles, supervisor)


def staff_station_ids(*, user: AnyUser) -> list[int]:
    """The stations where the (active) user holds a station role."""
    if not _active(user):
        return []
    assert isinstance(user, User)
    return list(
        StationStaff.objects.filter(user=user).values_list("station_id", flat=True).distinct()
    )


def station_access_require(
    *, user: AnyUser, station: Station, need: Need = "any", message: str | None = None
) -> StationAccess:
    """The user's access at ``station``; `PermissionDenied` (with ``message``, or a
    general one) when it falls short of ``need``."""
    access = station_access(user=user, station=station)
    if not access.allows(need):
        raise PermissionDenied(
            message or _("你无权在驿站 %(code)s 进行此操作。") % {"code": station.code},
            extra={"station": station.code},
        )
    return access


def station_for_request(
    request: HttpRequest, code: str, *, need: Need = "any"
) -> tuple[Station, StationAccess]:
    """The station behind a staff page. A station the user has nothing to do with is a
    404 (its existence is not confirmed); one where they lack the role is a 403."""
    station = Station.objects.select_related("region").filter(code=code).first()
    if station is None:
        raise Http404(code)
    access = station_access(user=request.user, station=station)
    if not access.any:
        raise Http404(code)
    if not access.allows(need):
        raise DjangoPermissionDenied(_("你无权在此驿站进行此操作。"))
    return station, access


# ----------------------------------------------------------------------------- regions


def officer_for_request(request: HttpRequest) -> User:
    """The signed-in officer or inspector behind a region page (else 403)."""
    user = request.user
    if not is_supervisor(user):
        raise DjangoPermissionDenied(_("只有工会干部和督查员可以查看。"))
    assert isinstance(user, User)
    return user


def region_for_request(request: HttpRequest, user: User) -> Region | None:
    """The region a page asks for (``?region=``), inside the user's scope (else 404);
    by default the user's own."""
    code = request.GET.get("region") or request.POST.get("region") or ""
    if not code:
        return user.region
    region = Region.objects.filter(code=code).first()
    if region is None or not user_scope(user=user).contains(region):
        raise Http404(code)
    return region


def regions_in_scope(user: User) -> list[Region]:
    """The regions a user may pick on a region page (at most 300)."""
    scope = user_scope(user=user)
    if scope.national:
        return list(Region.objects.filter(stations__isnull=False).distinct().order_by("code")[:300])
    if user.region is None:
        return []
    return list(
        Region.objects.filter(region_subtree_q(user.region, field="")).order_by("code")[:300]
    )


def officer_require(*, user: User, region: Region, denied: str, outside: str) -> None:
    """An officer whose scope holds ``region``; `PermissionDenied` (``denied``) for anyone
    else, and (``outside``) for an officer elsewhere."""
    if not is_officer(user):
        raise PermissionDenied(denied)
    if not user_scope(user=user).contains(region):
        raise PermissionDenied(outside)


def supervises_region(user: AnyUser | None, region: Region | None) -> bool:
    """An officer or inspector (or superuser) whose scope holds ``region``: one who may
    be assigned its inspections and print its boards."""
    return is_supervisor(user) and user_scope(user=user).contains(region)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- areas

# Planning: officers of the region (or above) plan; inspectors and station staff do not.


def planning_require(*, user: User, region: Region) -> None:
    if not is_officer(user):
        raise PermissionDenied(_("只有工会干部可以做布局规划。"))
    if not user_scope(user=user).contains(region):
        raise NotFound(_("不在你的辖区内"))


# Evaluation: district, city and province officers start runs and lift cards (street
# officers read results); the model is one for the whole country, written by province
# officers; city and province officers decide delisting proposals in their region.
EVALUATION_RUNNER_LEVELS: frozenset[str] = frozenset(
    {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DISTRICT}
)
EVALUATION_DECIDER_LEVELS: frozenset[str] = frozenset({RegionLevel.PROVINCE, RegionLevel.CITY})


def evaluation_can_run(user: AnyUser | None) -> bool:
    return officer_at(user, EVALUATION_RUNNER_LEVELS)


def evaluation_can_edit_model(user: AnyUser | None) -> bool:
    return officer_at(user, frozenset({RegionLevel.PROVINCE}))


def evaluation_can_decide(user: AnyUser | None, station: Station) -> bool:
    return officer_at(user, EVALUATION_DECIDER_LEVELS) and user_scope(
        user=user  # type: ignore[arg-type]
    ).contains(station.region)


# Volunteering: registered workers and station staff sign up for shifts (officers and
# inspectors supervise them, they do not take them).
VOLUNTEER_USER_ROLES = frozenset({UserRole.WORKER.value, UserRole.STAFF.value})


def volunteers_can_sign_up(user: AnyUser | None) -> bool:
    if not _active(user):
        return False
    assert isinstance(user, User)
    return user.is_superuser or user.role in VOLUNTEER_USER_ROLES


# Inspections: a station's master or administrator does the daily round, its master the
# weekly one, a supervising officer or inspector the monthly one. Spot checks and mystery
# visits are done by whoever an officer assigned them to (operations checks the assignment).


def inspection_tiers(access: StationAccess) -> frozenset[str]:
    """The periodic inspection tiers (``operations.Tier`` values) one may do at a station.

    >>> sorted(inspection_tiers(StationAccess(frozenset({"administrator"}), False)))
    ['daily']
    >>> sorted(inspection_tiers(StationAccess(frozenset({"master"}), True)))
    ['daily', 'monthly', 'weekly']
    """
    out = set()
    if access.runs:
        out.add("daily")
    if StaffRole.MASTER in access.roles:
        out.add("weekly")
    if access.supervisor:
        out.add("monthly")
    return frozenset(out)


# Rectification: the issuer checks the fix; where the issuer is gone (or the order was
# escalated), a supervising officer or inspector of the station may.


def rectification_can_check(*, user: User, issuer_id: int | None, station: Station) -> bool:
    if not _active(user):
        return False
    if issuer_id is not None and issuer_id == user.pk:
        return True
    return station_access(user=user, station=station).supervisor


def rectification_can_reassign(*, user: User, issuer_id: int | None, station: Station) -> bool:
    """Who may change an order's responsible person: whoever may check it (its issuer, or
    an officer or inspector over the station)."""
    return rectification_can_check(user=user, issuer_id=issuer_id, station=station)


def rectification_can_hold(*, user: User, station: Station) -> bool:
    """Who may be responsible for an order at ``station``: anyone of its staff with an
    account, or an officer or inspector over it."""
    return station_access(user=user, station=station).any


# ----------------------------------------------------------------------------- console


def console_user(request: HttpRequest) -> User | None:
    """The signed-in console user (active, staff), or None."""
    user = request.user
    return user if isinstance(user, User) and user.is_active and user.is_staff else None


def console_supervisor(request: HttpRequest) -> bool:
    """An officer or inspector (or superuser) in the console: reads the region's records."""
    return is_supervisor(console_user(request))


def console_officer(request: HttpRequest) -> bool:
    """An officer (`is_officer`) in the console: writes the region's settings."""
    return is_officer(console_user(request))


REGION_LOAD_PERMISSIONS = ("regions.add_region", "regions.change_region")


def regions_can_load(user: AnyUser | None) -> bool:
    """May load the whole country's regions. The GB/T 2260 hierarchy is reference data
    every scope shares, so this is for national scope only: a superuser, or an officer
    with no region of their own granted adding and changing regions. An officer of a
    province or below may not, whatever permissions they hold; nor may an inspector."""
    if not _active(user):
        return False
    assert isinstance(user, User)
    if user.is_superuser:
        return True
    return is_officer(user) and user.region_id is None and user.has_perms(REGION_LOAD_PERMISSIONS)


def console_regions_loader(request: HttpRequest) -> bool:
    """`regions_can_load` in the console (active staff): 导入全国行政区划."""
    return regions_can_load(console_user(request))


def region_seasons_can_edit(user: AnyUser | None, region: Region | None) -> bool:
    """Who sets a region's 夏季 months (how ledgers' summer/winter hours are read): a
    superuser, or an officer who may change stations and whose scope holds the region."""
    if user is None or not _active(user):
        return False
    if user.is_superuser:
        return True
    return (
        is_officer(user)
        and user.has_perm("stations.change_station")
        and (region is None or user_scope(user=user).contains(region))  # type: ignore[arg-type]
    )


def console_perms_require(request: HttpRequest, *perms: str) -> None:
    """The console user holds every one of ``perms`` (Django's model permissions); else 403."""
    if not request.user.has_perms(perms):
        raise DjangoPermissionDenied


class ScopedAdminMixin:
    """Officers see and change only rows in their region's subtree (``region_field``;
    ``""`` for regions themselves), and pick only regions there."""

    region_field = "region"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return qs.filter(user_scope(user=request.user).q(self.region_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Region:
            kwargs["queryset"] = Region.objects.filter(user_scope(user=request.user).q(""))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


# Worker reports: a station's master and administrator answer them (``"run"``). One still
# not acknowledged (待受理) after `settings.YIZHAN["REPORT_ACK_HOURS"]` is chased by the
# inspectors over the station and the officers of its street.


def _chases_reports_q() -> Q:
    return Q(role=UserRole.INSPECTOR) | Q(role=UserRole.OFFICER, region__level=RegionLevel.STREET)


def chases_overdue_reports(user: AnyUser | None) -> bool:
    """An inspector, or an officer of a street: overdue worker reports in their scope
    appear in their day."""
    if not _active(user):
        return False
    assert isinstance(user, User)
    # The same rule as `_chases_reports_q`, on the user at hand.
    if user.role == UserRole.INSPECTOR:
        return True
    region = user.region
    street = region is not None and region.level == RegionLevel.STREET
    return user.role == UserRole.OFFICER and street


def overdue_report_chasers(station: Station) -> list[User]:
    """The active inspectors whose region holds ``station`` and the officers of its street."""
    code = station.region.code
    above = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    return list(
        User.objects.filter(_chases_reports_q(), is_active=True, region__code__in=above)
        .select_related("region")
        .order_by("role", "id")
    )
