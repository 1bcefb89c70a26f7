"""``{% calendar_alarm %}``: on officers' pages from 1 December, a warning when next
year's 调休 is not known yet (stations.selectors.calendar_missing_year), with a link
to the console's 节假日调休 for those who may fill it."""

from __future__ import annotations

from typing import Any

from django import template

from yizhan.core.time import today
from yizhan.stations.selectors import calendar_missing_year

register = template.Library()


@register.inclusion_tag("stations/_calendar_alarm.html", takes_context=True)
def calendar_alarm(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"year": None}
    return {
        "year": calendar_missing_year(today=today()),
        "can_fill": user.has_perm("stations.add_calendarday"),
    }
