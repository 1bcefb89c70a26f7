"""Devices in the demo city: a door controller and a people counter at each of Daoli's
smart stations, with yesterday and today (so far) played through the signed endpoint.
Idempotent: the simulated events have fixed ids, so a second run stores nothing new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yizhan.devices.simulator import simulate_day
from yizhan.stations.hours import SHANGHAI
from yizhan.stations.models import Station, StationKind, StationStatus

DEMO_DISTRICT = "230102"


@dataclass(frozen=True)
class DemoDevices:
    stations: int
    devices: int
    events_new: int


def demo_ensure(*, now: dt.datetime) -> DemoDevices:
    stations = list(
        Station.objects.filter(
            kind=StationKind.SMART,
            status=StationStatus.ACTIVE,
            region__code__startswith=DEMO_DISTRICT,
        ).order_by("code")
    )
    today = now.astimezone(SHANGHAI).date()
    new = 0
    for station in stations:
        new += simulate_day(station=station, day=today - dt.timedelta(days=1)).accepted
        new += simulate_day(station=station, day=today, until=now).accepted
    return DemoDevices(stations=len(stations), devices=2 * len(stations), events_new=new)
