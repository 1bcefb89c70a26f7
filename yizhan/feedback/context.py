"""`nav_feedback` for the staff pages' header: whether the signed-in person may open the
workers' feedback list (`/staff/feedback/`): station staff and supervising officers and
inspectors. Worked out only when a template asks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yizhan.stations.access import is_supervisor, staff_station_ids


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_feedback": lambda: is_supervisor(user) or bool(staff_station_ids(user=user))}
