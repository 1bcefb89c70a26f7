"""A realistic day of device events at a smart station, sent through the real signed
endpoint (in-process, with Django's test client), for the demo and for trying a device
integration without hardware.

The day: a door controller opened by face or QR code (some ID cards), busiest at lunch
and in the evening, with riders most, then couriers, drivers and sanitation workers and
regulars who come back; a people counter reporting every quarter hour; a heartbeat every
five minutes; one short power cut (no heartbeats while it lasts). Batches go out in time
order except for two sent the wrong way round and one shuffled, and one batch is sent
twice, as real devices on a flaky network do. The same station and day always give the
same events (and the same event ids), so playing a day again stores nothing new."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from yizhan.core.time import SHANGHAI
from yizhan.devices.models import Device, DeviceKind, DeviceSecret
from yizhan.devices.services import device_register, sign_request
from yizhan.stations.models import Station

PATH = "/api/v1/devices/events"
BATCH = 200
# Door openings per hour at a 24-hour station (mean of a Poisson count).
HOURLY_OPENINGS = (2, 1, 1, 1, 2, 3, 6, 8, 7, 6, 8, 16, 20, 12, 7, 6, 8, 14, 18, 14, 9, 6, 4, 3)
OCCUPATIONS = (("rider", 45), ("courier", 25), ("driver", 15), ("sanitation", 10), ("other", 5))
METHODS = (("face", 55), ("qr", 40), ("id_card", 5))
REGULARS = 40


@dataclass
class DayResult:
    station: str
    day: dt.date
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    door_opens: int = 0
    counted: int = 0
    requests: int = 0
    statuses: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here are small.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def day_plan(
    *, station: Station, day: dt.date, until: dt.datetime | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The events of ``day`` at ``station`` up to ``until``, per device kind ("door",
    "counter"), as the devices would upload them. Pure apart from reading the station."""
    rng = random.Random(f"{station.code}:{day.isoformat()}")
    start = dt.datetime.combine(day, dt.time(0), SHANGHAI)
    all_day = station.opening_hours.strip() == "24/7"
    stamp = day.strftime("%Y%m%d")
    door: list[dict[str, Any]] = []
    opens_at: list[dt.datetime] = []
    regulars = [f"{station.code}-m{n:03d}" for n in range(REGULARS)]
    for hour, mean in enumerate(HOURLY_OPENINGS):
        if not all_day and not 7 <= hour < 21:
            continue
        for _ in range(_poisson(rng, mean)):
            at = start + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
            opens_at.append(at)
    opens_at.sort()
    for n, at in enumerate(opens_at):
        method = _weighted(rng, METHODS)
        occupation = _weighted(rng, OCCUPATIONS)
        regular = rng.random() < 0.7
        person = rng.choice(regulars) if regular else f"{station.code}-v{stamp}{n:04d}"
        door.append(
            {
                "event_id": f"door-{stamp}-{n:05d}",
                "kind": "door_open",
                "at": at.isoformat(),
                "method": method,
                "occupation": occupation,
                # A QR code identifies a registered app user; a face match the
                # controller's own enrolment id; an ID card swipe gives no token here.
                "person": "" if method == "id_card" else person,
            }
        )
    # One power cut of 4–12 minutes at a random time; no heartbeats while it lasts.
    cut = start + dt.timedelta(minutes=rng.randrange(60, 23 * 60))
    back = cut + dt.timedelta(minutes=rng.randint(4, 12))
    door.append(
        {
            "event_id": f"power-{stamp}-0",
            "kind": "power",
            "at": cut.isoformat(),
            "payload": {"state": "off"},
        }
    )
    door.append(
        {
            "event_id": f"power-{stamp}-1",
            "kind": "power",
            "at": back.isoformat(),
            "payload": {"state": "on"},
        }
    )
    for k in range(24 * 12):
        at = start + dt.timedelta(minutes=5 * k)
        if cut <= at < back:
            continue
        door.append({"event_id": f"hb-{stamp}-{k:03d}", "kind": "heartbeat", "at": at.isoformat()})
    counter: list[dict[str, Any]] = []
    for q in range(24 * 4):
        end = start + dt.timedelta(minutes=15 * (q + 1))
        # opens_at is sorted: the openings in [end − 15 min, end) by bisection.
        inside = bisect.bisect_left(opens_at, end) - bisect.bisect_left(
            opens_at, end - dt.timedelta(minutes=15)
        )
        companions = sum(1 for _ in range(inside) if rng.random() < 0.15)
        counter.append(
            {
                "event_id": f"cnt-{stamp}-{q:03d}",
                "kind": "count",
                "at": end.isoformat(),
                "count": inside + companions,
            }
        )
    if until is not None:
        door = [e for e in door if dt.datetime.fromisoformat(e["at"]) <= until]
        counter = [e for e in counter if dt.datetime.fromisoformat(e["at"]) <= until]
    door.sort(key=lambda e: e["at"])
    return {"door": door, "counter": counter}


def devices_ensure(*, station: Station) -> dict[str, Device]:
    """The simulated door controller and people counter of ``station`` (registered
    when missing)."""
    out = {}
    for kind, suffix, name in (
        (DeviceKind.DOOR, "DOOR", "正门门禁"),
        (DeviceKind.COUNTER, "CNT", "客流计数器"),
    ):
        serial = f"SIM-{station.code}-{suffix}"
        device = Device.objects.filter(serial=serial).first()
        if device is None:
            device, _secret = device_register(
                user=None, station=station, kind=kind, serial=serial, name=name
            )
        out[str(kind)] = device
    return out


def _live_secret(device: Device) -> str:
    now = timezone.now()
    return (
        DeviceSecret.objects.filter(device=device)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=now))
        .order_by("-created_at")
        .values_list("secret", flat=True)
        .first()
        or ""
    )


def _client() -> Client:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    return Client(HTTP_HOST=hosts[0] if hosts else "localhost")


def _batches(events: list[dict[str, Any]], rng: random.Random) -> Iterable[list[dict[str, Any]]]:
    """In order, except two batches swapped, one shuffled, and one sent again."""
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    if len(batches) >= 3:
        batches[1], batches[2] = batches[2], batches[1]
    if batches:
        shuffled = list(batches[0])
        rng.shuffle(shuffled)
        batches[0] = shuffled
        batches.append(batches[len(batches) // 2])
    return batches


def post_batch(
    client: Client, *, device: Device, secret: str, events: list[dict[str, Any]]
) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"events": events}, ensure_ascii=False).encode()
    headers = sign_request(serial=device.serial, secret=secret, method="POST", path=PATH, body=body)
    r = client.post(PATH, data=body, content_type="application/json", headers=headers, secure=True)
    return r.status_code, (
        r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}
    )


def simulate_day(*, station: Station, day: dt.date, until: dt.datetime | None = None) -> DayResult:
    """Play ``day`` at ``station`` through the signed endpoint."""
    devices = devices_ensure(station=station)
    plan = day_plan(station=station, day=day, until=until)
    rng = random.Random(f"batches:{station.code}:{day.isoformat()}")
    client = _client()
    result = DayResult(station=station.code, day=day)
    result.door_opens = sum(1 for e in plan["door"] if e["kind"] == "door_open")
    result.counted = sum(e["count"] for e in plan["counter"])
    for kind, events in plan.items():
        device = devices[kind]
        secret = _live_secret(device)
        for batch in _batches(events, rng):
            status, out = post_batch(client, device=device, secret=secret, events=batch)
            result.requests += 1
            result.statuses.append(status)
            result.sent += len(batch)
            result.accepted += int(out.get("accepted", 0))
            result.duplicates += int(out.get("duplicates", 0))
            result.rejected += len(out.get("rejected", []))
    return result
