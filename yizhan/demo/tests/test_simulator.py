"""The simulator plays a plausible day through the signed endpoint, and the day reads
back as signs of life."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yizhan.core.time import SHANGHAI
from yizhan.demo.devices import demo_ensure
from yizhan.demo.simulator import simulate_day
from yizhan.devices.models import Device, DeviceEvent
from yizhan.devices.selectors import life_events
from yizhan.devices.tests.conftest import NOW, Kit, clock, kit  # noqa: F401
from yizhan.stations.models import StationKind
from yizhan.stations.tests.factories import RegionFactory, StationFactory

YESTERDAY = (NOW - dt.timedelta(days=1)).date()


def _day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), SHANGHAI)
    return start, start + dt.timedelta(days=1)


def test_simulated_day_is_plausible(kit: Kit) -> None:  # noqa: F811
    r = simulate_day(station=kit.station, day=YESTERDAY)
    assert set(r.statuses) == {200}
    # One batch sent twice: everything stored once.
    assert r.duplicates > 0 and r.rejected == 0
    assert r.accepted == r.sent - r.duplicates
    events = list(
        life_events(station_ids=[kit.station.pk], start=_day(YESTERDAY)[0], end=_day(YESTERDAY)[1])
    )
    by_source = Counter(e.source for e in events)
    assert 100 <= by_source["door"] <= 400  # a busy smart station: a few hundred a day
    assert by_source["power"] == 2
    # Every 5 min, folded to the first and last of each hour; the power cut leaves a gap.
    beat_hours = {e.at.astimezone(SHANGHAI).hour for e in events if e.source == "heartbeat"}
    assert 40 <= by_source["heartbeat"] <= 48 and len(beat_hours) >= 22
    hours = Counter(e.at.astimezone(SHANGHAI).hour for e in events if e.source == "door")
    lunch, small_hours = hours[11] + hours[12], hours[2] + hours[3]
    assert lunch > 3 * max(small_hours, 1)
    assert small_hours >= 0 and sum(hours[h] for h in range(0, 6)) > 0  # open all night
    occupations = Counter(e.occupation for e in events if e.source == "door")
    assert occupations.most_common(1)[0][0] == "rider"
    assert {"courier", "driver", "sanitation"} <= set(occupations)
    # Regulars come back: fewer people than door openings.
    people = {e.person for e in events if e.source == "door" and e.person}
    assert len(people) < by_source["door"]
    counted = sum(e.people for e in events if e.source == "counter")
    assert counted >= by_source["door"]
    assert all(e.at.tzinfo is not None for e in events)


def test_playing_a_day_again_stores_nothing(kit: Kit) -> None:  # noqa: F811
    simulate_day(station=kit.station, day=YESTERDAY)
    n = DeviceEvent.objects.count()
    again = simulate_day(station=kit.station, day=YESTERDAY)
    assert again.accepted == 0 and DeviceEvent.objects.count() == n


def test_today_is_played_up_to_now_only(kit: Kit) -> None:  # noqa: F811
    r = simulate_day(station=kit.station, day=NOW.date(), until=NOW)
    assert r.rejected == 0
    assert not DeviceEvent.objects.filter(at__gt=NOW).exists()
    assert DeviceEvent.objects.filter(kind="heartbeat").count() <= 12 * 12 + 1


def test_command_and_demo(kit: Kit) -> None:  # noqa: F811
    out = StringIO()
    call_command(
        "simulate_devices", "--date", YESTERDAY.isoformat(), "--stations", "HRB-DL-S001", stdout=out
    )
    assert "HRB-DL-S001" in out.getvalue() and "door opens" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("simulate_devices", "--stations", "NOPE")
    # The demo: every smart station of Daoli gets its two devices and two days.
    StationFactory(
        code="HRB-DL-S09",
        kind=StationKind.SMART,
        region=RegionFactory(code="230102019"),
        opening_hours="24/7",
    )
    result = demo_ensure(now=NOW)
    assert result.stations == 3 and result.events_new > 0
    assert Device.objects.filter(serial__startswith="SIM-HRB-DL-S09").count() == 2
    assert demo_ensure(now=NOW).events_new == 0
