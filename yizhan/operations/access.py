"""Who may act at a station, for services (a domain error) and for views (404 / 403).

needs:
- ``"any"``: any station role there, or a supervising officer/inspector;
- ``"run"``: station master or administrator, or a supervising officer;
- ``"supervise"``: an officer or inspector whose region holds the station.
"""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from yizhan.accounts.models import User, UserRole
from yizhan.accounts.selectors import StationAccess, station_access, user_scope
from yizhan.core.errors import PermissionDenied
from yizhan.regions.models import Region
from yizhan.stations.models import Station

Need = Literal["any", "run", "supervise"]


def _allowed(access: StationAccess, need: Need) -> bool:
    if need == "supervise":
        return access.supervisor
    if need == "run":
        return access.runs or access.supervisor
    return access.any


def station_access_require(
    *, user: User | AnonymousUser, station: Station, need: Need = "any"
) -> StationAccess:
    """The user's access at ``station``; `PermissionDenied` when it falls short of ``need``."""
    access = station_access(user=user, station=station)
    if not _allowed(access, need):
        raise PermissionDenied(
            _("你无权在驿站 %(code)s 进行此操作。") % {"code": station.code},
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
    if not _allowed(access, need):
        raise DjangoPermissionDenied(_("你无权在此驿站进行此操作。"))
    return station, access


def officer_for_request(request: HttpRequest) -> User:
    """The signed-in officer or inspector behind a region page (else 403)."""
    user = request.user
    assert isinstance(user, User)
    if not (user.is_superuser or user.role in (UserRole.OFFICER, UserRole.INSPECTOR)):
        raise DjangoPermissionDenied(_("只有工会干部和督查员可以查看。"))
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
    from yizhan.regions.selectors import region_subtree_q

    return list(
        Region.objects.filter(region_subtree_q(user.region, field="")).order_by("code")[:300]
    )
