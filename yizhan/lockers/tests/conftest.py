"""A smart station of 道里区 with an 18-compartment locker bound to a signed locker
device, its staff and officers (the operations tests' district and clock: Tuesday
1 December 2026, 08:30), and helpers to call the API as a worker and as the locker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.test import Client

from yizhan.devices import signing
from yizhan.devices.models import Device
from yizhan.devices.services import device_register
from yizhan.lockers import services
from yizhan.lockers.models import Compartment, Locker
from yizhan.operations.tests.conftest import _fresh_finder, clock, daoli  # noqa: F401
from yizhan.supplies.models import SupplyItem

WORKER = "worker-aaaaaaaaaaaaaaaa"


@dataclass
class Smart:
    district: Any
    locker: Locker
    device: Device
    secret: str

    def compartment(self, number: int) -> Compartment:
        return self.locker.compartments.get(number=number)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def smart(daoli) -> Smart:  # noqa: F811
    s = daoli.station
    s.kind, s.opening_hours = "smart", "24/7"
    s.save()
    device, secret = device_register(user=None, station=s, kind="locker", serial="LOCKER-001")
    locker = services.locker_register(
        user=daoli.administrator, station=s, name="1号爱心柜", sizes=["M"] * 18, device=device
    )
    return Smart(daoli, locker, device, secret)


def item(code: str) -> SupplyItem:
    return SupplyItem.objects.get(code=code)


def worker(client: Client, key: str = WORKER) -> dict[str, str]:
    """Headers of a mini-program worker."""
    return {"HTTP_X_VISITOR": key}


def device_post(client: Client, smart: Smart, path: str, body: dict[str, Any]) -> Any:
    """A signed call from the locker, as its firmware makes it."""
    raw = json.dumps(body).encode()
    headers = signing.sign_request(
        serial=smart.device.serial, secret=smart.secret, method="POST", path=path, body=raw
    )
    return client.post(
        path,
        raw,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )
