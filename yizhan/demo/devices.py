"""Devices in the demo city: a door controller and a people counter at each of Daoli's
smart stations, with yesterday and today (so far) played through the signed endpoint,
and the weeks before (back to the first of last month, for the monthly evaluation)
written straight to the event table from the simulator's plan.
Idempotent: the simulated events have fixed ids, so a second run stores nothing new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from yizhan.core.time import SHANGHAI
from yizhan.demo.simulator import day_plan, devices_ensure, simulate_day
from yizhan.demo.stations import history_days
from yizhan.devices.models import DeviceEvent
from yizhan.devices.services import person_hash
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
        new += _history(station=station, today=today)
        new += simulate_day(station=station, day=today - dt.timedelta(days=1)).accepted
        new += simulate_day(station=station, day=today, until=now).accepted
    return DemoDevices(stations=len(stations), devices=2 * len(stations), events_new=new)


def _hourly(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A day's plan thinned to what evidence reads: evidence folds heartbeats and people
    counts to the station-hour, so the history keeps one heartbeat an hour (the hour's
    first one the power cut left) and one count an hour (the sum of its quarters, at the
    hour's last quarter), and every door opening and power event."""
    out: list[dict[str, Any]] = []
    beats: set[str] = set()
    counts: dict[str, dict[str, Any]] = {}
    for e in events:
        hour = e["at"][:13]
        if e["kind"] == "heartbeat":
            if hour not in beats:
                beats.add(hour)
                out.append(e)
        elif e["kind"] == "count":
            kept = counts.get(hour)
            if kept is None:
                counts[hour] = kept = dict(e)
                out.append(kept)
            else:
                kept["count"] += e["count"]
                kept["at"] = e["at"]
        else:
            out.append(e)
    return out


def _history(*, station: Station, today: dt.date) -> int:
    """Every day from the first of last month (or five weeks back) to the day before
    yesterday, as the devices would have uploaded it that night: the simulator's own
    plan, thinned to the hour (`_hourly`), written straight to the table."""
    devices = devices_ensure(station=station)
    rows = []
    for back in range(history_days(today, at_least=35), 1, -1):
        day = today - dt.timedelta(days=back)
        uploaded = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1), SHANGHAI)
        for kind, events in day_plan(station=station, day=day).items():
            device = devices[kind]
            rows += [
                DeviceEvent(
                    device=device,
                    station=station,
                    event_id=e["event_id"],
                    kind=e["kind"],
                    at=dt.datetime.fromisoformat(e["at"]),
                    received_at=uploaded,
                    method=e.get("method", ""),
                    occupation=e.get("occupation", ""),
                    person=person_hash(station_id=station.pk, token=e.get("person", "")),
                    count=e.get("count", 0),
                    payload=e.get("payload", {}),
                )
                for e in _hourly(events)
            ]
    before = DeviceEvent.objects.filter(station=station).count()
    DeviceEvent.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return DeviceEvent.objects.filter(station=station).count() - before
