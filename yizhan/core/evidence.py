"""The one shape every source of evidence gives: a sign of life at a station.

Sources (the opening log, worker check-ins, ratings and reports, door events, people
counters, heartbeats) each offer a selector

    life_events(*, station_ids: Sequence[int] | None, start: datetime, end: datetime)
        -> Iterator[LifeEvent]

and register it here from their `AppConfig.ready()` (`source_register`); `yizhan.evidence`
(a higher floor) computes usage and opening compliance from the union of the registered
sources, without importing them: an app left out of a deployment simply adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
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


LifeEventSource = Callable[..., Iterable[LifeEvent]]
_SOURCES: dict[str, tuple[int, LifeEventSource]] = {}


def source_register(name: str, source: LifeEventSource, *, order: int) -> None:
    """Register ``source`` (called as ``source(station_ids=…, start=…, end=…)``) under the
    app's ``name``; registering a name again replaces it (an app's ready() may run twice).
    Sources are read in ``order``: operations 10 (the opening log), feedback 20 (check-ins,
    ratings, reports), devices 30 (doors, counters, heartbeats)."""
    _SOURCES[name] = (order, source)


def sources() -> list[tuple[str, LifeEventSource]]:
    """The registered sources in their order."""
    return [(name, fn) for name, (_order, fn) in sorted(_SOURCES.items(), key=lambda i: i[1][0])]


def events_from_sources(
    *, station_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> list[LifeEvent]:
    """Every sign of life from every registered source within [start, end)."""
    out: list[LifeEvent] = []
    for _name, source in sources():
        out.extend(source(station_ids=station_ids, start=start, end=end))
    return out
