"""The regime's clock as a registry: each app that reminds, escalates or expires something
on a schedule registers a function here in its `AppConfig.ready()`, and `manage.py remind`
runs them all, so the command (in core) imports no app and no app imports another for it.

A reminder takes the moment to act as of and returns what it did (a count, usually). They
run one after another in ascending ``order``; the registered ones are, in that order:

==  ==============================  ===========================================
 5  interrupted tasks               core: tasks whose worker died (core.heartbeat)
10  rectifications escalated        operations: overdue orders move up a level
15  reports overdue                 feedback: reports not acknowledged in time reach the
                                    inspector and the street officer
20  inspection reminders            operations: due and overdue inspections
30  stock reminders                 supplies: expired, expiring and low stock
40  shift reminders                 volunteers: shifts starting within 24 hours
50  locker reservations expired     lockers: uncollected reservations return
60  donation claims expired         lockers: uncollected claims return
==  ==============================  ===========================================

Escalation comes before the reminders so that a reminder names an order's new level;
the expiries, which only return stock, come last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Reminder = Callable[[dt.datetime], object]


@dataclass(frozen=True)
class Registered:
    name: str
    fn: Reminder
    order: int


_registry: dict[str, Registered] = {}


def register(name: str, fn: Reminder, *, order: int) -> None:
    """Run ``fn(now)`` on every `run_all`, labelled ``name`` (also the line the command
    prints). Registering a name again replaces it (an app's `ready()` may run twice in
    tests); two names may not share an order, so the order stays fixed."""
    for other in _registry.values():
        if other.order == order and other.name != name:
            raise ValueError(f"reminder order {order} is taken by {other.name!r}")
    _registry[name] = Registered(name, fn, order)


def registered() -> list[Registered]:
    """The registered reminders in the order they run."""
    return sorted(_registry.values(), key=lambda r: r.order)


def run_all(now: dt.datetime) -> dict[str, object]:
    """Run every reminder in order, as of ``now``; what each did, by name, in that order."""
    return {r.name: r.fn(now) for r in registered()}
