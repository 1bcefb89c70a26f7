"""Device events read back as signs of life: counts folded to the hour, people hashed,
alarms left out, each station its own."""

from __future__ import annotations

import datetime as dt

from yizhan.devices.selectors import life_events
from yizhan.devices.tests.conftest import NOW, Kit


def test_life_events_shape(kit: Kit) -> None:
    from yizhan.devices.services import AuthedDevice, events_ingest

    door = AuthedDevice(id=kit.door.pk, station_id=kit.station.pk, serial="DOOR-0001")
    at = NOW - dt.timedelta(hours=1)
    events_ingest(
        device=door,
        events=[
            {
                "event_id": "1",
                "kind": "door_open",
                "at": at.isoformat(),
                "method": "qr",
                "occupation": "courier",
                "person": "p1",
            },
            {"event_id": "2", "kind": "count", "at": at.isoformat(), "count": 3},
            {"event_id": "3", "kind": "count", "at": at.isoformat(), "count": 0},
            {"event_id": "4", "kind": "heartbeat", "at": at.isoformat()},
            {
                "event_id": "5",
                "kind": "alarm",
                "at": at.isoformat(),
                "payload": {"code": "door_held"},
            },
            {"event_id": "6", "kind": "door_open", "at": (NOW - dt.timedelta(days=2)).isoformat()},
        ],
    )
    events = sorted(
        life_events(station_ids=[kit.station.pk], start=NOW - dt.timedelta(days=1), end=NOW),
        key=lambda e: e.source,
    )
    # The two counts of one hour fold into one: three people, someone was there.
    assert [(e.source, e.people, e.presence, e.occupation) for e in events] == [
        ("counter", 3, True, ""),
        ("door", 1, True, "courier"),
        ("heartbeat", 0, False, ""),
    ]
    door_event = events[1]
    assert door_event.station_id == kit.station.pk and door_event.at == at
    assert len(door_event.person) == 32 and door_event.person != "p1"
    assert (
        list(
            life_events(
                station_ids=[kit.other_station.pk], start=NOW - dt.timedelta(days=1), end=NOW
            )
        )
        == []
    )
