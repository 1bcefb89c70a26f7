"""Acting on evidence: an officer opens a rectification order for a station that was
declared open with no sign of life."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.errors import ApplicationError
from yizhan.core.time import SHANGHAI
from yizhan.evidence import selectors
from yizhan.operations.models import Rectification
from yizhan.operations.services import rectification_issue
from yizhan.stations.access import station_access_require
from yizhan.stations.models import Station


def dead_hours_rectify(*, user: User, station: Station, day: dt.date) -> Rectification:
    """Open (or join) an order for ``station``'s day of declared opening without life.
    Refused when the evidence does not flag that day."""
    station_access_require(user=user, station=station, need="supervise")
    (found,) = selectors.station_days(stations=[station], first=day, last=day)
    c = found.compliance
    if not c.flagged:
        raise ApplicationError(_("这一天没有长时间无人迹的记录，不需要整改。"))
    spans = "、".join(
        f"{a.astimezone(SHANGHAI):%H:%M}–{b.astimezone(SHANGHAI):%H:%M}" for a, b in c.dead
    )
    return rectification_issue(
        user=user,
        station=station,
        title=_("开放时间内无人迹"),
        detail=_("%(day)s 公示开放但无任何使用或开门记录的时段：%(spans)s")
        % {"day": day, "spans": spans},
        severity="high",
        source="evidence",
        source_ref=f"evidence:dead:{day}",
    )
