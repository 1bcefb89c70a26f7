"""Who may act at a station, for services (a domain error) and for views (404 / 403).

needs:
- ``"any"``: any station role there, or a supervising officer/inspector;
- ``"run"``: station master or administrator, or a supervising officer;
- ``"supervise"``: an officer or inspector whose region holds the station.
"""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.accounts.selectors import StationAccess, station_access
from yizhan.core.errors import PermissionDenied
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
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

        raise DjangoPermissionDenied(_("你无权在此驿站进行此操作。"))
    return station, access
