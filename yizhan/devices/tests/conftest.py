"""A smart station with a door controller and a people counter, and a helper that posts
signed batches to the real endpoint. The clock stands at Tuesday 1 December 2026, 12:00
Beijing time unless a test moves it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from yizhan.core.time import SHANGHAI
from yizhan.devices import signing
from yizhan.devices.models import Device, DeviceKind
from yizhan.devices.services import device_register
from yizhan.stations.models import Station, StationKind
from yizhan.stations.tests.factories import RegionFactory, StationFactory

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)
PATH = "/api/v1/devices/events"


@dataclass
class Kit:
    station: Station
    door: Device
    door_secret: str
    counter: Device
    counter_secret: str
    other_station: Station


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kit(db: Any, clock: time_machine.Coordinates) -> Kit:
    caches["ratelimit"].clear()
    street = RegionFactory(code="230102001")
    station = StationFactory(
        code="HRB-DL-S001", kind=StationKind.SMART, region=street, opening_hours="24/7"
    )
    other = StationFactory(code="HRB-DL-S002", kind=StationKind.SMART, region=street)
    door, door_secret = device_register(
        user=None, station=station, kind=DeviceKind.DOOR, serial="DOOR-0001", name="正门"
    )
    counter, counter_secret = device_register(
        user=None, station=station, kind=DeviceKind.COUNTER, serial="CNT-0001"
    )
    return Kit(station, door, door_secret, counter, counter_secret, other)


Post = Callable[..., Any]


@pytest.fixture
def post(client: Client) -> Post:
    def _post(
        serial: str,
        secret: str,
        events: list[dict[str, Any]] | None = None,
        *,
        body: bytes | None = None,
        nonce: str | None = None,
        timestamp: int | None = None,
        sign_path: str = PATH,
    ) -> Any:
        raw = body if body is not None else json.dumps({"events": events or []}).encode()
        headers = signing.sign_request(
            serial=serial,
            secret=secret,
            method="POST",
            path=sign_path,
            body=raw,
            nonce=nonce,
            timestamp=timestamp,
        )
        return client.post(PATH, data=raw, content_type="application/json", headers=headers)

    return _post


def door_event(n: int, at: dt.datetime = NOW, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"d-{n}",
        "kind": "door_open",
        "at": (at - dt.timedelta(minutes=n)).isoformat(),
        "method": "face",
        "occupation": "rider",
        "person": f"tok{n % 3}",
        **extra,
    }
