"""Reads of device data: the signs of life they give, and the registry per station."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.devices.models import Device, DeviceEvent, EventKind
from yizhan.evidence.events import LifeEvent

_SOURCE = {
    EventKind.DOOR_OPEN.value: "door",
    EventKind.COUNT.value: "counter",
    EventKind.HEARTBEAT.value: "heartbeat",
    EventKind.POWER.value: "power",
}


def life_events(
    *, station_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> Iterator[LifeEvent]:
    """Device events in ``[start, end)`` as LifeEvents, in no particular order.

    - door opened: ``source="door"``, the person's hashed token (or ""), their
      occupation, one person, presence;
    - people counter: ``source="counter"``, ``people=count``, presence when someone was
      counted (a counter reporting 0 every quarter hour proves only that it has power);
    - heartbeat / power: ``source="heartbeat"`` / ``"power"``, no people, no presence.

    Alarms are not signs of life and are left out. ``station_ids=None``: all stations."""
    qs = DeviceEvent.objects.filter(at__gte=start, at__lt=end, kind__in=list(_SOURCE))
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    rows = qs.values_list("station_id", "at", "kind", "person", "occupation", "count")
    for station_id, at, kind, person, occupation, count in rows.iterator(chunk_size=5000):
        if kind == "door_open":
            yield LifeEvent(station_id, at, "door", person, occupation, 1, True)
        elif kind == "count":
            yield LifeEvent(station_id, at, "counter", "", "", count, count > 0)
        else:
            yield LifeEvent(station_id, at, _SOURCE[kind], "", "", 0, False)


def devices_for_user(*, user: User) -> QuerySet[Device]:
    """The devices at stations in the user's region."""
    return (
        Device.objects.filter(user_scope(user=user).q("station__region"))
        .select_related("station")
        .order_by("station__code", "kind", "serial")
    )
