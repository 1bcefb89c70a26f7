"""The one shape every source of evidence gives: a sign of life at a station.

Sources (the opening log, worker check-ins, ratings and reports, door events, people
counters, heartbeats) each offer a selector

    life_events(*, station_ids: Sequence[int] | None, start: datetime, end: datetime)
        -> Iterator[LifeEvent]

and `yizhan.evidence` (a higher floor) computes usage and opening compliance from their union."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class LifeEvent(NamedTuple):
    station_id: int
    at: dt.datetime  # aware
    # "opening_log", "checkin", "rating", "report", "door", "counter", "heartbeat"
    source: str
    # A pseudonymous key for the person ("" when the source cannot tell: a heartbeat, a
    # counter). Two events with the same key close together are one person-visit.
    person: str = ""
    occupation: str = ""
    # People counted by a counter event (1 for a person's own event, 0 for a heartbeat).
    people: int = 1
    # Whether the event proves a person was there (a heartbeat only proves power).
    presence: bool = True
