"""Reads of device data: the signs of life they give, and the registry per station."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.evidence import LifeEvent
from yizhan.devices.models import Device, DeviceEvent, DeviceKind, EventKind

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
    - people counter: ``source="counter"``, ``people`` = those counted, presence when
      someone was counted (a counter reporting 0 every quarter hour proves only power);
    - heartbeat / power: ``source="heartbeat"`` / ``"power"``, no people, no presence.

    Heartbeats and counts come every few minutes and say the same thing for a whole
    hour: the database folds them to the first and last of each station-hour (and the
    people counted in it), about 12 times fewer rows for evidence to read. Alarms are
    not signs of life and are left out. ``station_ids=None``: all stations."""
    qs = DeviceEvent.objects.filter(at__gte=start, at__lt=end)
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    doors = qs.filter(kind=EventKind.DOOR_OPEN).values_list(
        "station_id", "at", "person", "occupation"
    )
    for station_id, at, person, occupation in doors.iterator(chunk_size=5000):
        yield LifeEvent(station_id, at, "door", person, occupation, 1, True)
    folded = (
        # Only a door controller's heartbeat says the door opens (a powered counter or
        # locker in a padlocked room proves nothing).
        qs.filter(
            Q(kind=EventKind.HEARTBEAT, device__kind=DeviceKind.DOOR)
            | Q(kind__in=[EventKind.POWER, EventKind.COUNT])
        )
        .annotate(hour=_hour_bucket())
        .values("station_id", "kind", "hour")
        # Counted people are placed at the hour's first report that counted someone.
        .annotate(
            first=Min("at"),
            last=Max("at"),
            people=Sum("count"),
            first_counted=Min("at", filter=Q(count__gt=0)),
        )
        .values_list("station_id", "kind", "first", "last", "people", "first_counted")
    )
    for station_id, kind, first, last, people, first_counted in folded.iterator(chunk_size=5000):
        if kind == EventKind.COUNT:
            at = first_counted or first
            yield LifeEvent(station_id, at, "counter", "", "", people or 0, bool(people))
            continue
        source = _SOURCE[kind]
        yield LifeEvent(station_id, first, source, "", "", 0, False)
        if last != first:
            yield LifeEvent(station_id, last, source, "", "", 0, False)


def _hour_bucket() -> RawSQL:
    """Hours since the epoch, computed by the database (Beijing is a whole number of hours
    from UTC, so UTC hours are local hours). Plain arithmetic: SQLite would call back into
    Python once per row for a time-zone-aware truncation."""
    if connection.vendor == "postgresql":
        return RawSQL("floor(extract(epoch from at) / 3600)", ())
    return RawSQL("CAST(strftime('%%s', at) AS INTEGER) / 3600", ())


def devices_for_user(*, user: User) -> QuerySet[Device]:
    """The devices at stations in the user's region."""
    return (
        Device.objects.filter(user_scope(user=user).q("station__region"))
        .select_related("station")
        .order_by("station__code", "kind", "serial")
    )
