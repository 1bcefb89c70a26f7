"""Staff pages: a person's day across their stations, and one station's running."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yizhan.accounts.selectors import staff_station_ids
from yizhan.operations.access import station_for_request
from yizhan.stations.models import Station


@login_required
def home(request: HttpRequest) -> HttpResponse:
    stations = list(
        Station.objects.filter(pk__in=staff_station_ids(user=request.user))
        .select_related("region")
        .order_by("code")
    )
    return render(request, "staff/home.html", {"stations": stations, "nav": "home"})


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    return render(request, "staff/station.html", {"station": obj, "access": access})
