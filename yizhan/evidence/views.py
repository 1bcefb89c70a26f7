"""Officers' evidence dashboards: usage and opening compliance by region and station,
with charts, a map and XLSX exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.basemap import street_centres
from yizhan.core.errors import ApplicationError
from yizhan.core.occupation import Occupation
from yizhan.core.time import SHANGHAI
from yizhan.core.xlsx import PERCENT, Book
from yizhan.evidence import selectors, services
from yizhan.feedback.selectors import ratings_summary_for, reports_by_category
from yizhan.stations.access import (
    officer_for_request,
    region_for_request,
    regions_in_scope,
    station_for_request,
)


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.now().astimezone(SHANGHAI).date()
    try:
        last = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        last = today
    try:
        first = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        first = last - dt.timedelta(days=29)
    if first > last:
        first, last = last, first
    return max(first, last - dt.timedelta(days=91)), last  # at most 92 days


def _occupation_label(code: str) -> str:
    return str(Occupation(code).label) if code in Occupation.values else code


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    first, last = _period(request)
    stations = selectors.stations_in(scope=user_scope(user=user), region=region)
    days = selectors.station_days(stations=stations, first=first, last=last)
    summary = sorted(
        selectors.summarise(days), key=lambda s: (s.compliance is None, s.compliance or 0)
    )
    if request.GET.get("format") == "xlsx":
        return _xlsx(summary, selectors.daily_trend(days), first, last)
    trend = selectors.daily_trend(days)
    by_hour = [sum(s.by_hour[h] for s in summary) for h in range(24)]
    occupations: dict[str, int] = {}
    for s in summary:
        for code, n in s.occupations.items():
            occupations[code] = occupations.get(code, 0) + n
    start_at = dt.datetime.combine(first, dt.time(), SHANGHAI)
    end_at = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI)
    satisfaction = ratings_summary_for(
        station_ids=[s.pk for s in stations], start=start_at, end=end_at
    )
    # The region asked for (already checked to lie in the officer's scope), else the scope.
    scope = Scope(national=False, region=region) if region is not None else user_scope(user=user)
    reports = reports_by_category(scope, start_at, end_at)
    declared = sum(s.declared_minutes for s in summary)
    alive = sum(s.alive_minutes for s in summary)
    charts: dict[str, Any] = {
        "days": [f"{d:%m-%d}" for d, _v, _c in trend],
        "visits": [v for _d, v, _c in trend],
        "compliance": [None if c is None else round(c * 100, 1) for _d, _v, c in trend],
        "hours": by_hour,
        "tags": [{"name": label, "value": n} for _code, label, n in satisfaction.tags[:8]],
        "reports": [{"name": r.label, "value": r.reports} for r in reports],
        "occupations": [
            {"name": _occupation_label(k), "value": v} for k, v in sorted(occupations.items())
        ],
        "stations": [
            {
                "code": s.station.code,
                "name": s.station.name,
                "lat": s.station.lat,
                "lon": s.station.lon,
                "compliance": None if s.compliance is None else round(s.compliance * 100),
                "visits": s.visits,
                "url": f"/staff/evidence/s/{s.station.code}/",
            }
            for s in summary
        ],
        # Street names for the plain base map (no tiles, offline): WGS-84, as the stations.
        "streets": street_centres(
            (s.station.region.name if s.station.region_id else "", s.station.lon, s.station.lat)
            for s in summary
        ),
        "labels": {
            "visits": _("到访人次"),
            "compliance": _("开放合规率(%)"),
            "hours": _("到访时段"),
            "occupations": _("职业构成"),
            "tags": _("评价标签"),
            "reports": _("问题反映(类别)"),
        },
    }
    return render(
        request,
        "evidence/dashboard.html",
        {
            "nav": "evidence",
            "region": region,
            "regions": regions_in_scope(user),
            "start": first,
            "end": last,
            "summary": summary,
            "visits": sum(s.visits for s in summary),
            "compliance": alive / declared if declared else None,
            "dead_hours": round((declared - alive) / 60),
            "flagged": [s for s in summary if s.flagged_days],
            "satisfaction": satisfaction,
            "reports": reports,
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


def _xlsx(
    summary: list[selectors.StationSummary], trend: list[Any], first: dt.date, last: dt.date
) -> HttpResponse:
    book = Book()
    by_station = [selectors.as_row(row) for row in summary]
    book.sheet(
        _("按驿站"),
        [
            _("驿站编号"),
            _("驿站名称"),
            _("区域"),
            _("到访人次"),
            _("开放合规率"),
            _("公示开放但无人迹(小时)"),
            _("被标记天数"),
        ],
        [
            [
                r["code"],
                r["name"],
                r["region"],
                r["visits"],
                r["compliance"],
                r["dead_hours"],
                r["flagged_days"],
            ]
            for r in by_station
        ],
        widths=(24, 24, 24),
        formats={4: PERCENT},
    )
    book.sheet(
        _("按日"),
        [_("日期"), _("到访人次"), _("开放合规率")],
        [[day, visits, share] for day, visits, share in trend],
        widths=(24, 24, 24),
        formats={2: PERCENT},
    )
    return book.response(f"evidence-{first}-{last}.xlsx")


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    first, last = _period(request)
    days = selectors.station_days(stations=[obj], first=first, last=last)
    summaries = selectors.summarise(days)
    summary = summaries[0] if summaries else None
    return render(
        request,
        "evidence/station.html",
        {
            "station": obj,
            "access": access,
            "days": list(reversed(days)),
            "summary": summary,
            "start": first,
            "end": last,
            "nav": "evidence",
        },
    )


@login_required
@require_POST
def rectify(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code, need="supervise")
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError as exc:
        raise Http404("day") from exc
    try:
        order = services.dead_hours_rectify(user=request.user, station=obj, day=day)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("evidence:station", code=obj.code)
    messages.success(request, _("已下发整改单。"))
    return redirect("operations:rectification", pk=order.pk)
