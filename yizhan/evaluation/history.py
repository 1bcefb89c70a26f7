"""A station as it stood in a month, replayed from the registry's change history and the
equipment log: plain data in, plain data out (no database here).

The registry writes every change of a station as ``{field: [before, after]}``
(``StationChange``); staff's equipment marks ("out of order", "fixed") are written as
(amenity, state, time) with no "before" (``EquipmentLog``). The value of a field at a
moment ``t`` is

1. the *after* of its last change before ``t``; else
2. the *before* of its first change from ``t`` on, up to ``cutoff``. The station's
   creation has no before and answers nothing; an equipment mark's before is taken to be
   its opposite (a piece marked out of order was working, one marked fixed was not);
   else
3. the fallback: what the registry said when the month was first evaluated (its
   snapshot, reused by every rerun).

``cutoff`` is the moment of the month's first run. A change made since cannot move a
month already judged, while a change dated inside the month (an equipment fault recorded
late) is that month's evidence and counts whenever it was written.

>>> nov = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
>>> dec, jan = nov.replace(month=12), nov.replace(year=2027, month=1)
>>> marked_broken = [Change(dec.replace(day=5), "working", "out_of_order")]
>>> value_at(marked_broken, dec, cutoff=jan, fallback="out_of_order")
('working', True)
>>> value_at(marked_broken, dec, cutoff=dec.replace(day=2), fallback="working")
('working', False)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WORKING = "working"
OUT_OF_ORDER = "out_of_order"
# The registry's own fields a month's evaluation reads (StationChange keys).
SCALARS = ("name", "kind", "opening_hours", "keeps_workday_hours", "floor_area_m2", "capacity")


@dataclass(frozen=True)
class Change:
    """One change of one field: when, from what, to what. ``known_before`` is False for
    the station's creation (there was nothing before)."""

    at: dt.datetime
    before: Any
    after: Any
    known_before: bool = True


def value_at(
    changes: Sequence[Change], t: dt.datetime, *, cutoff: dt.datetime, fallback: Any
) -> tuple[Any, bool]:
    """The value at ``t`` of a field with these changes (in time order), and whether
    its history answered (False: the fallback)."""
    last: Change | None = None
    for c in changes:
        if c.at < t:
            last = c
            continue
        if last is not None:
            break
        if c.at <= cutoff and c.known_before:
            return c.before, True
        break
    if last is not None:
        return last.after, True
    return fallback, False


def timeline(
    changes: Sequence[Change],
    start: dt.datetime,
    end: dt.datetime,
    *,
    cutoff: dt.datetime,
    fallback: Any,
) -> tuple[list[tuple[dt.datetime, Any]], bool]:
    """The values a field took in [start, end): (since, value) pairs, the first one from
    ``start``; and whether history answered."""
    first, known = value_at(changes, start, cutoff=cutoff, fallback=fallback)
    out = [(start, first)]
    for c in changes:
        if start <= c.at < end:
            if c.at == out[-1][0]:
                out[-1] = (c.at, c.after)
            else:
                out.append((c.at, c.after))
            known = True
    return out, known


def _in_force(line: Sequence[tuple[dt.datetime, Any]], t: dt.datetime) -> Any:
    value = line[0][1]
    for since, v in line:
        if since > t:
            break
        value = v
    return value


# ---------------------------------------------------------------- a station's month


@dataclass(frozen=True)
class RegistryRow:
    """A ``StationChange`` as plain data."""

    at: dt.datetime
    created: bool
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class Mark:
    """An ``EquipmentLog`` entry as plain data."""

    at: dt.datetime
    amenity: str
    state: str


@dataclass(frozen=True)
class Stood:
    """What a month was judged on: the station as it stood. Facilities, staff, services,
    area and name at the month's end; its hours as they ran through the month."""

    name: str
    kind: str
    floor_area_m2: int | None
    capacity: int | None
    amenities: Mapping[str, str]  # amenity code → state
    services: tuple[str, ...]
    staff_roles: tuple[str, ...]
    listed: bool
    officer_checks: Mapping[str, bool]
    hours: tuple[tuple[dt.datetime, str, bool], ...]  # (since, rule, keeps workday hours)
    from_history: tuple[str, ...] = field(default=())  # what history answered

    @property
    def working(self) -> frozenset[str]:
        return frozenset(c for c, state in self.amenities.items() if state == WORKING)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "floor_area_m2": self.floor_area_m2,
            "capacity": self.capacity,
            "amenities": dict(sorted(self.amenities.items())),
            "services": list(self.services),
            "staff_roles": list(self.staff_roles),
            "listed": self.listed,
            "officer_checks": dict(sorted(self.officer_checks.items())),
            "hours": [[since.isoformat(), rule, wd] for since, rule, wd in self.hours],
            "from_history": list(self.from_history),
        }


def _amenity_map(rows: Iterable[Sequence[Any]] | None) -> dict[str, str] | None:
    """The registry's amenity list ([code, state, reason], …) as code → state."""
    if rows is None:
        return None
    return {str(r[0]): str(r[1]) for r in rows}


def _roles(rows: Iterable[Sequence[Any]] | None) -> tuple[str, ...] | None:
    if rows is None:
        return None
    return tuple(sorted({str(r[0]) for r in rows}))


def _registry_changes(rows: Sequence[RegistryRow], key: str, convert: Any = None) -> list[Change]:
    out = []
    for row in rows:
        if key not in row.changes:
            continue
        before, after = row.changes[key]
        if convert is not None:
            before, after = convert(before), convert(after)
        out.append(Change(row.at, before, after, known_before=not row.created))
    return out


def _amenity_changes(
    rows: Sequence[RegistryRow], marks: Sequence[Mark], codes: set[str]
) -> dict[str, list[Change]]:
    """Per amenity code, its changes in time order. A registry change of the amenity
    list says the state of every amenity (absent: None); a mark says one's."""
    per: dict[str, list[Change]] = {c: [] for c in codes}
    for row in rows:
        if "amenities" not in row.changes:
            continue
        before_rows, after_rows = row.changes["amenities"]
        before = _amenity_map(before_rows) or {}
        after = _amenity_map(after_rows) or {}
        for code in codes:
            per[code].append(
                Change(row.at, before.get(code), after.get(code), known_before=not row.created)
            )
    for m in marks:
        opposite = OUT_OF_ORDER if m.state == WORKING else WORKING
        per[m.amenity].append(Change(m.at, opposite, m.state))
    for changes in per.values():
        changes.sort(key=lambda c: c.at)  # stable: same instant keeps the order given
    return per


def registry_codes(snapshot: Mapping[str, Any], rows: Sequence[RegistryRow]) -> set[str]:
    codes = set((snapshot.get("amenities") or {}).keys())
    for row in rows:
        if "amenities" in row.changes:
            for side in row.changes["amenities"]:
                codes |= set((_amenity_map(side) or {}).keys())
    return codes


def as_it_stood(
    *,
    snapshot: Mapping[str, Any],
    rows: Sequence[RegistryRow],
    marks: Sequence[Mark],
    listed_at: Sequence[dt.datetime],
    officer_checks: Mapping[str, bool],
    start: dt.datetime,
    end: dt.datetime,
    cutoff: dt.datetime,
) -> Stood:
    """A station in the month [start, end): each field from its history where the history
    answers, else from ``snapshot`` (the registry when the month was first evaluated:
    scalar fields by name, ``amenities`` code → state, ``services`` codes, ``staff``
    registry roles, ``other_roles`` roles the registry does not keep).

    >>> start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> end, later = start.replace(month=12), start.replace(month=12, day=9)
    >>> snap = {"name": "x", "kind": "fixed", "opening_hours": "24/7",
    ...         "keeps_workday_hours": False, "floor_area_m2": 20, "capacity": 8,
    ...         "amenities": {"charging": "out_of_order", "hot_water": "working"},
    ...         "services": [], "staff": ["master"], "other_roles": []}
    >>> broke = [Mark(start.replace(month=12, day=5), "charging", "out_of_order")]
    >>> s = as_it_stood(snapshot=snap, rows=[], marks=broke, listed_at=[], officer_checks={},
    ...                 start=start, end=end, cutoff=later)
    >>> sorted(s.working), s.from_history
    (['charging', 'hot_water'], ('amenities',))
    """
    at_end = end
    known: list[str] = []
    values: dict[str, Any] = {}
    for name in SCALARS:
        if name in ("opening_hours", "keeps_workday_hours"):
            continue
        values[name], answered = value_at(
            _registry_changes(rows, name), at_end, cutoff=cutoff, fallback=snapshot.get(name)
        )
        if answered:
            known.append(name)
    # Hours run through the month: each day is judged by the hours then in force.
    rule_line, rule_known = timeline(
        _registry_changes(rows, "opening_hours"),
        start,
        end,
        cutoff=cutoff,
        fallback=snapshot.get("opening_hours") or "",
    )
    workday_line, workday_known = timeline(
        _registry_changes(rows, "keeps_workday_hours"),
        start,
        end,
        cutoff=cutoff,
        fallback=bool(snapshot.get("keeps_workday_hours")),
    )
    if rule_known or workday_known:
        known.append("hours")
    moments = sorted({t for t, _v in rule_line} | {t for t, _v in workday_line})
    hours = tuple(
        (t, str(_in_force(rule_line, t) or ""), bool(_in_force(workday_line, t))) for t in moments
    )
    codes = registry_codes(snapshot, rows) | {m.amenity for m in marks}
    fallback_amenities = snapshot.get("amenities") or {}
    amenities: dict[str, str] = {}
    amenities_known = False
    for code, changes in sorted(_amenity_changes(rows, marks, codes).items()):
        state, answered = value_at(
            changes, at_end, cutoff=cutoff, fallback=fallback_amenities.get(code)
        )
        amenities_known = amenities_known or answered
        if state is not None:
            amenities[code] = str(state)
    if amenities_known:
        known.append("amenities")
    services, answered = value_at(
        _registry_changes(rows, "services", lambda v: None if v is None else sorted(v)),
        at_end,
        cutoff=cutoff,
        fallback=list(snapshot.get("services") or []),
    )
    if answered:
        known.append("services")
    staff, answered = value_at(
        _registry_changes(rows, "staff", _roles),
        at_end,
        cutoff=cutoff,
        fallback=tuple(snapshot.get("staff") or ()),
    )
    if answered:
        known.append("staff")
    roles = tuple(sorted(set(staff or ()) | set(snapshot.get("other_roles") or ())))
    return Stood(
        name=str(values.get("name") or ""),
        kind=str(values.get("kind") or ""),
        floor_area_m2=values.get("floor_area_m2"),
        capacity=values.get("capacity"),
        amenities=amenities,
        services=tuple(services or ()),
        staff_roles=roles,
        listed=any(t < end for t in listed_at),
        officer_checks=dict(officer_checks),
        hours=hours,
        from_history=tuple(known),
    )
