"""The finder's in-memory index: every active station and mobile stop, their amenities,
and when each is open over the coming week — built from plain data, queried without
touching the database.

A pure module (no Django): `selectors.finder_index` reads the registry into
`StationRecord`s and builds a `FinderIndex`; the API and pages query it.

Time. The index covers a window of ``WINDOW_DAYS`` local days from today's midnight
(Asia/Shanghai), cut into ``SLOT_MINUTES`` slots. A station is "open in a slot" when it
is open at the slot's first instant, by its opening hours on China's official calendar
(holidays, 调休), minus its temporary closures. Stations share few distinct hours, so the
slot matrix holds one row per distinct (hours, calendar mode, closures) *pattern*.
The open/closed state and the times shown to people ("open until 22:00") come from the
exact intervals of the pattern, so a filter answer can be up to one slot late at the
moment a station opens or closes (it is then checked against the exact intervals, so a
closed station is never returned as open).

Volunteers. A fixed or smart station may carry extra open spans (``extra_open``: shifts
of volunteers who signed up to keep it open beyond its hours). Its open spans are then
(opening-hours spans ∪ extra spans) − closures, and the part of them outside its own
hours is marked, so that the open state can say "volunteer-staffed". A station whose
hours cannot be read is open during such spans and "hours unknown" otherwise. Mobile
stations ignore extra spans (a shift does not say where the bus stands).

Entries. A fixed or smart station is one entry at its place. A mobile station is one
entry per timetable stop, "present" only while its timetable puts it there; it appears
in a search only where it is at the time asked. Bits per entry: working amenities,
services, kind, 24-hour, free supplies.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from geoplan.route import along_route
from geoplan.spatial import StationIndex
from yizhan.core.time import SHANGHAI
from yizhan.stations.hours import (
    InvalidOpeningHours,
    OpeningHours,
    subtract_intervals,
    union_intervals,
    validate,
)

SLOT_MINUTES = 5
WINDOW_DAYS = 8
# Hours are read this many days past the window, so that a time asked at the end of the
# window still learns when the station next opens (or closes).
LOOKAHEAD_DAYS = 3
SLOTS = WINDOW_DAYS * 24 * 60 // SLOT_MINUTES
KINDS = ("fixed", "mobile", "smart")
# Bit layout of an entry's uint64: amenities 0–31, services 32–47, kinds 48–50, 24 h 51,
# free supplies 52.
AMENITY_BITS, SERVICE_BASE, KIND_BASE, ALWAYS_OPEN_BIT = 32, 32, 48, 51
FREE_SUPPLIES_BIT = 52
# Estimated travel: straight line × detour factor at a pace (metres per minute).
DETOUR_FACTOR = 1.3
WALK_M_PER_MIN = 75.0  # 4.5 km/h
EBIKE_M_PER_MIN = 250.0  # 15 km/h, the speed limit of an e-bike in China (GB 17761)

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class AmenityState:
    code: str
    working: bool
    reason: str = ""
    expected_fix_on: dt.date | None = None


@dataclass(frozen=True)
class StopRecord:
    place_name: str
    lat: float
    lon: float
    hours: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class StationRecord:
    """What the finder knows of one active station (coordinates WGS-84)."""

    code: str
    name: str
    kind: str
    lat: float
    lon: float
    address: str
    region_name: str
    opening_hours: str
    keeps_workday_hours: bool = False
    amenities: tuple[AmenityState, ...] = ()
    services: tuple[str, ...] = ()
    star_level: int | None = None
    feature: str = ""
    phone: str = ""
    last_verified_on: dt.date | None = None
    # Workers' weighted average stars over the last 90 days and how many rated (as of
    # the index's build: ratings do not rebuild the index, which is at most 10 min old).
    rating: float | None = None
    rating_count: int = 0
    stops: tuple[StopRecord, ...] = ()
    closures: tuple[tuple[dt.datetime, dt.datetime | None, str], ...] = ()
    # Spans kept open beyond the hours, with where they come from ("volunteer").
    extra_open: tuple[tuple[dt.datetime, dt.datetime, str], ...] = ()
    region_code: str = ""
    season: str = ""  # the region's seasonal mode on the index's day: summer/winter/""
    free_supplies: bool = False  # its lockers hand out free supplies (免费物资)


class OpenState(NamedTuple):
    """Open or closed at a moment, and until when (None: beyond the window / unknown).
    (Named tuples: several are made per query, and they are cheap to make.)"""

    known: bool
    is_open: bool
    until: dt.datetime | None
    closure_reason: str = ""
    volunteer: bool = False  # open only because volunteers keep it open (a shift)


class Found(NamedTuple):
    station: StationRecord
    distance_m: float
    lat: float  # where it is at the time asked (a mobile station's stop)
    lon: float
    stop: StopRecord | None
    state: OpenState
    always_open: bool
    along_m: float | None = None

    @property
    def walk_min(self) -> int:
        return max(1, math.ceil(self.distance_m * DETOUR_FACTOR / WALK_M_PER_MIN))

    @property
    def ebike_min(self) -> int:
        return max(1, math.ceil(self.distance_m * DETOUR_FACTOR / EBIKE_M_PER_MIN))


@dataclass(frozen=True)
class Query:
    at: dt.datetime
    open_only: bool = False
    always_open: bool = False
    amenities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    free_supplies: bool = False


class UnknownCode(ValueError):
    """An amenity, service or kind the catalogue does not have."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code


class OutsideWindow(ValueError):
    """A time the index does not cover."""


@dataclass
class _Patterns:
    window_start: dt.datetime
    keys: dict[tuple[object, ...], int] = field(default_factory=dict)
    rows: list[NDArray[np.bool_]] = field(default_factory=list)
    intervals: list[list[Interval]] = field(default_factory=list)
    known: list[bool] = field(default_factory=list)
    volunteer: list[list[Interval]] = field(default_factory=list)

    def add(
        self,
        key: tuple[object, ...],
        spans: list[Interval] | None,
        volunteer: list[Interval] | None = None,
    ) -> int:
        """The row of a pattern: ``spans`` open (None: hours unknown), of which
        ``volunteer`` are open only by volunteers. With unknown hours, the volunteer spans
        are the pattern's only (known) open spans."""
        if key in self.keys:
            return self.keys[key]
        volunteer = volunteer or []
        open_spans = spans if spans is not None else volunteer
        row = np.zeros(SLOTS, dtype=bool)
        for a, b in open_spans:
            first = _slot_ceil(self.window_start, a)
            last = _slot_ceil(self.window_start, b)
            row[max(first, 0) : max(min(last, SLOTS), 0)] = True
        self.keys[key] = len(self.rows)
        self.rows.append(row)
        self.intervals.append(open_spans)
        self.known.append(spans is not None)
        self.volunteer.append(volunteer)
        return self.keys[key]


def _slot_ceil(start: dt.datetime, at: dt.datetime) -> int:
    """Index of the first slot whose first instant is at or after ``at``."""
    seconds = (at - start).total_seconds()
    return math.ceil(seconds / (SLOT_MINUTES * 60))


def _valid_days(
    spans: list[Interval], first: dt.date | None, last: dt.date | None
) -> list[Interval]:
    """Clip a stop's spans to its validity dates (local days, inclusive)."""
    lo = dt.datetime.combine(first, dt.time(), SHANGHAI) if first else None
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI) if last else None
    out = []
    for a, b in spans:
        a2 = max(a, lo) if lo else a
        b2 = min(b, hi) if hi else b
        if a2 < b2:
            out.append((a2, b2))
    return out


@dataclass(frozen=True)
class FinderIndex:
    """Built once per registry version and day; immutable, shared by requests."""

    version: str
    window_start: dt.datetime
    amenity_codes: tuple[str, ...]
    service_codes: tuple[str, ...]
    stations: tuple[StationRecord, ...]
    spatial: StationIndex
    station_of: NDArray[np.intp]  # entry → position in stations
    stop_of: NDArray[np.intp]  # entry → stop position, −1 for a fixed place
    open_rows: NDArray[np.intp]  # entry → pattern row when open
    present_rows: NDArray[np.intp]  # entry → pattern row when there at all
    patterns: NDArray[np.bool_]
    intervals: tuple[list[Interval], ...]
    pattern_known: list[bool]
    always_open: NDArray[np.bool_]  # per station
    closure_reasons: tuple[tuple[tuple[dt.datetime, dt.datetime, str], ...], ...]
    # by station
    # "a:<amenity code>" / "s:<service code>" → (Chinese name, English name)
    catalogue: dict[str, tuple[str, str]] = field(default_factory=dict)
    position_of: dict[str, int] = field(default_factory=dict)  # station code → position
    # Each pattern's spans as POSIX seconds, for bisecting (state() runs per result).
    interval_starts: tuple[list[float], ...] = ()
    interval_ends: tuple[list[float], ...] = ()
    # Each pattern's volunteer-only spans as POSIX seconds (empty for nearly all).
    volunteer_starts: tuple[list[float], ...] = ()
    volunteer_ends: tuple[list[float], ...] = ()
    horizon: dt.datetime = dt.datetime.max.replace(tzinfo=dt.UTC)  # exact hours known until
    window_start_ts: float = 0.0  # window_start as POSIX seconds
    centre: tuple[float, float] = (116.397, 39.909)  # median lon/lat (Tiananmen when empty)
    _bits_memo: dict[tuple[object, ...], tuple[int, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def labels(self, english: bool) -> dict[str, str]:
        return {key: names[1 if english else 0] for key, names in self.catalogue.items()}

    @property
    def window_end(self) -> dt.datetime:
        return self.window_start + dt.timedelta(days=WINDOW_DAYS)

    @property
    def size(self) -> int:
        return len(self.stations)

    # ---------------------------------------------------------------- building

    @classmethod
    def build(
        cls,
        records: Sequence[StationRecord],
        *,
        today: dt.date,
        amenity_codes: Sequence[str],
        service_codes: Sequence[str],
        version: str = "",
        catalogue: dict[str, tuple[str, str]] | None = None,
    ) -> FinderIndex:
        if len(amenity_codes) > AMENITY_BITS or len(service_codes) > KIND_BASE - SERVICE_BASE:
            raise ValueError("too many amenities or services for the bit layout")
        start = dt.datetime.combine(today, dt.time(), SHANGHAI)
        end = start + dt.timedelta(days=WINDOW_DAYS + LOOKAHEAD_DAYS)
        amenity_bit = {c: 1 << i for i, c in enumerate(amenity_codes)}
        service_bit = {c: 1 << (SERVICE_BASE + i) for i, c in enumerate(service_codes)}
        patterns = _Patterns(start)
        everywhere = patterns.add(("present",), [(start, end)])
        lon, lat, bits, station_of, stop_of, open_rows, present_rows = [], [], [], [], [], [], []
        always, closure_reasons = [], []
        hours_cache: dict[tuple[str, bool], list[Interval] | None] = {}

        def spans_for(rule: str, workday: bool) -> list[Interval] | None:
            key = (rule, workday)
            if key not in hours_cache:
                try:
                    hours_cache[key] = OpeningHours(validate(rule), workday).intervals(start, end)
                except (InvalidOpeningHours, ValueError):
                    hours_cache[key] = None
            return hours_cache[key]

        for pos, rec in enumerate(records):
            clipped = [
                (max(a, start), min(b or end, end), reason)
                for a, b, reason in rec.closures
                if (b is None or b > start) and a < end
            ]
            cuts = tuple((a, b) for a, b, _reason in clipped)
            closure_reasons.append(tuple(clipped))
            is_24h = False
            try:
                is_24h = OpeningHours(
                    validate(rec.opening_hours), rec.keeps_workday_hours
                ).is_always_open
            except (InvalidOpeningHours, ValueError):
                pass
            always.append(is_24h)
            b = 1 << (KIND_BASE + KINDS.index(rec.kind)) if rec.kind in KINDS else 0
            if is_24h:
                b |= 1 << ALWAYS_OPEN_BIT
            if rec.free_supplies:
                b |= 1 << FREE_SUPPLIES_BIT
            for a in rec.amenities:
                if a.working and a.code in amenity_bit:
                    b |= amenity_bit[a.code]
            for s in rec.services:
                b |= service_bit.get(s, 0)
            places: list[tuple[float, float, int, list[Interval] | None, tuple[object, ...]]] = []
            if rec.stops:
                for i, stop in enumerate(rec.stops):
                    spans = spans_for(stop.hours, rec.keeps_workday_hours)
                    if spans is not None:
                        spans = _valid_days(spans, stop.valid_from, stop.valid_until)
                    key: tuple[object, ...] = (
                        "stop",
                        stop.hours,
                        rec.keeps_workday_hours,
                        stop.valid_from,
                        stop.valid_until,
                    )
                    places.append((stop.lon, stop.lat, i, spans, key))
            else:
                spans = spans_for(rec.opening_hours, rec.keeps_workday_hours)
                places.append(
                    (
                        rec.lon,
                        rec.lat,
                        -1,
                        spans,
                        ("hours", rec.opening_hours, rec.keeps_workday_hours),
                    )
                )
            extra = (
                sorted(
                    (max(a, start), min(b, end))
                    for a, b, _why in rec.extra_open
                    if b > start and a < end and a < b
                )
                if rec.extra_open and not rec.stops
                else []
            )
            for p_lon, p_lat, stop_i, spans, key in places:
                there = spans
                volunteer: list[Interval] = []
                if extra:
                    volunteer = subtract_intervals(
                        subtract_intervals(extra, spans) if spans is not None else extra, cuts
                    )
                    spans = union_intervals(spans, extra) if spans is not None else None
                    key = (*key, "extra", tuple(extra))
                open_spans = subtract_intervals(spans, cuts) if spans is not None else None
                lon.append(p_lon)
                lat.append(p_lat)
                bits.append(b)
                station_of.append(pos)
                stop_of.append(stop_i)
                open_rows.append(patterns.add((*key, cuts), open_spans, volunteer))
                present_rows.append(
                    everywhere if stop_i < 0 else patterns.add((*key, "present"), there)
                )

        matrix = np.array(patterns.rows, dtype=bool).reshape(len(patterns.rows), SLOTS)
        spatial = StationIndex.build(
            lon_deg=np.array(lon, dtype=np.float64),
            lat_deg=np.array(lat, dtype=np.float64),
            amenity_bits=np.array(bits, dtype=np.uint64),
            open_slots=matrix,
            slot_rows=np.array(open_rows, dtype=np.intp),
        )
        return cls(
            version=version,
            window_start=start,
            amenity_codes=tuple(amenity_codes),
            service_codes=tuple(service_codes),
            stations=tuple(records),
            spatial=spatial,
            station_of=np.array(station_of, dtype=np.intp),
            stop_of=np.array(stop_of, dtype=np.intp),
            open_rows=np.array(open_rows, dtype=np.intp),
            present_rows=np.array(present_rows, dtype=np.intp),
            patterns=matrix,
            intervals=tuple(patterns.intervals),
            pattern_known=list(patterns.known),
            always_open=np.array(always, dtype=bool),
            closure_reasons=tuple(closure_reasons),
            catalogue=dict(catalogue or {}),
            position_of={rec.code: i for i, rec in enumerate(records)},
            interval_starts=tuple([a.timestamp() for a, _b in row] for row in patterns.intervals),
            interval_ends=tuple([b.timestamp() for _a, b in row] for row in patterns.intervals),
            volunteer_starts=tuple([a.timestamp() for a, _b in row] for row in patterns.volunteer),
            volunteer_ends=tuple([b.timestamp() for _a, b in row] for row in patterns.volunteer),
            horizon=end,
            window_start_ts=start.timestamp(),
            centre=(float(np.median(lon)), float(np.median(lat))) if lon else (116.397, 39.909),
        )

    # ---------------------------------------------------------------- queries

    def slot(self, at: dt.datetime) -> int:
        """The slot holding ``at``; raises OutsideWindow beyond the index's week."""
        seconds = (at - self.window_start).total_seconds()
        s = math.floor(seconds / (SLOT_MINUTES * 60))
        if not 0 <= s < SLOTS:
            raise OutsideWindow(at.isoformat())
        return s

    def bits_for(self, query: Query) -> tuple[int, int]:
        """(all of, any of) bit masks for the query's filters (remembered: the same few
        filter sets come again and again)."""
        key = (
            query.amenities,
            query.services,
            query.kinds,
            query.always_open,
            query.free_supplies,
        )
        known = self._bits_memo.get(key)
        if known is None:
            known = self._bits_memo[key] = self._bits_for(query)
            if len(self._bits_memo) > 4096:
                self._bits_memo.clear()
        return known

    def _bits_for(self, query: Query) -> tuple[int, int]:
        need = 0
        for code in query.amenities:
            if code not in self.amenity_codes:
                raise UnknownCode("amenity", code)
            need |= 1 << self.amenity_codes.index(code)
        for code in query.services:
            if code not in self.service_codes:
                raise UnknownCode("service", code)
            need |= 1 << (SERVICE_BASE + self.service_codes.index(code))
        if query.always_open:
            need |= 1 << ALWAYS_OPEN_BIT
        if query.free_supplies:
            need |= 1 << FREE_SUPPLIES_BIT
        either = 0
        for kind in query.kinds:
            if kind not in KINDS:
                raise UnknownCode("kind", kind)
            either |= 1 << (KIND_BASE + KINDS.index(kind))
        return need, either

    def state(self, entry: int, at: dt.datetime, t: float | None = None) -> OpenState:
        """Open or closed at ``at`` (``t``: the same instant in POSIX seconds, if known)."""
        return self._state(
            int(self.open_rows[entry]),
            int(self.station_of[entry]),
            at,
            at.timestamp() if t is None else t,
        )

    def _state(self, row: int, pos: int, at: dt.datetime, t: float) -> OpenState:
        if not self.pattern_known[row]:
            # Hours unknown: open (and known) only while volunteers keep it open.
            starts = self.interval_starts[row]
            if starts:
                i = bisect_right(starts, t) - 1
                if i >= 0 and t < self.interval_ends[row][i]:
                    end = self.intervals[row][i][1]
                    return OpenState(True, True, end if end < self.horizon else None, "", True)
            return OpenState(known=False, is_open=False, until=None)
        reason = ""
        closures = self.closure_reasons[pos]
        if closures:
            for a, b, why in closures:
                if a <= at < b:
                    reason = why
        spans = self.intervals[row]
        i = bisect_right(self.interval_starts[row], t) - 1  # the last span starting ≤ at
        if i >= 0 and t < self.interval_ends[row][i]:
            end = spans[i][1]
            volunteer = False
            v_starts = self.volunteer_starts[row]
            if v_starts:
                j = bisect_right(v_starts, t) - 1
                volunteer = j >= 0 and t < self.volunteer_ends[row][j]
            return OpenState(True, True, end if end < self.horizon else None, "", volunteer)
        if i + 1 < len(spans):
            return OpenState(True, False, spans[i + 1][0], reason)
        return OpenState(True, False, None, reason)

    def _found(
        self,
        entry: int,
        distance_m: float,
        at: dt.datetime,
        along_m: float | None = None,
        t: float | None = None,
    ) -> Found:
        pos = int(self.station_of[entry])
        rec = self.stations[pos]
        stop_i = int(self.stop_of[entry])
        stop = rec.stops[stop_i] if stop_i >= 0 else None
        return Found(
            station=rec,
            distance_m=distance_m,
            lat=stop.lat if stop else rec.lat,
            lon=stop.lon if stop else rec.lon,
            stop=stop,
            state=self.state(entry, at, t),
            always_open=bool(self.always_open[pos]),
            along_m=along_m,
        )

    def nearby(
        self, lon: float, lat: float, query: Query, *, limit: int = 10, radius_m: float = math.inf
    ) -> list[Found]:
        """Nearest first; one answer per station (a mobile station at one stop)."""
        need, either = self.bits_for(query)
        t = query.at.timestamp()
        slot = int((t - self.window_start_ts) // (SLOT_MINUTES * 60))
        if not 0 <= slot < SLOTS:
            raise OutsideWindow(query.at.isoformat())
        rows = None if query.open_only else self.present_rows
        want = limit
        while True:
            hits = self.spatial.nearest(
                lon,
                lat,
                k=want,
                radius_m=radius_m,
                require_bits=need,
                any_bits=either,
                open_slot=slot,
                slot_rows=rows,
            )
            out: list[Found] = []
            seen: set[int] = set()
            # The hits' lookups in one go each (per-item numpy indexing costs more).
            entries = hits.index
            positions = self.station_of[entries].tolist()
            for d, pos, stop_i, row, always in zip(
                hits.distance_m.tolist(),
                positions,
                self.stop_of[entries].tolist(),
                self.open_rows[entries].tolist(),
                self.always_open[positions].tolist(),
                strict=True,
            ):
                if pos in seen:
                    continue
                state = self._state(row, pos, query.at, t)
                if query.open_only and not state.is_open:
                    continue  # the slot said open, the exact hours say not (yet)
                rec = self.stations[pos]
                stop = rec.stops[stop_i] if stop_i >= 0 else None
                seen.add(pos)
                out.append(
                    Found(
                        rec,
                        d,
                        stop.lat if stop else rec.lat,
                        stop.lon if stop else rec.lon,
                        stop,
                        state,
                        always,
                    )
                )
                if len(out) == limit:
                    return out
            if len(entries) < want:
                return out
            want *= 2

    def along(
        self,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        query: Query,
        *,
        max_off_m: float,
        speed_m_per_min: float = EBIKE_M_PER_MIN,
        limit: int = 50,
    ) -> list[Found]:
        """Stations within ``max_off_m`` of the route, in route order. With ``open_only``
        a station must be open (a mobile one present) when the traveller, leaving at
        ``query.at`` at ``speed_m_per_min``, gets there."""
        need, either = self.bits_for(query)
        self.slot(query.at)
        hits = along_route(
            self.spatial, lon, lat, max_off_m=max_off_m, require_bits=need, any_bits=either
        )
        out: list[Found] = []
        seen: set[int] = set()
        for entry, off, along in zip(
            hits.index.tolist(), hits.off_route_m.tolist(), hits.along_m.tolist(), strict=True
        ):
            pos = int(self.station_of[entry])
            if pos in seen:
                continue
            arrive = query.at + dt.timedelta(
                minutes=(along + off * DETOUR_FACTOR) / speed_m_per_min
            )
            try:
                slot = self.slot(arrive)
            except OutsideWindow:
                continue
            if not self.patterns[self.present_rows[entry], slot]:
                continue
            found = self._found(entry, off, arrive, along)
            if query.open_only and not found.state.is_open:
                continue
            seen.add(pos)
            out.append(found)
            if len(out) == limit:
                break
        return out

    def station(self, code: str, at: dt.datetime) -> Found | None:
        """One active station as a result at distance 0: a mobile station at the stop it
        stands at ``at`` (or its first stop, closed, when it is at none)."""
        pos = self.position_of.get(code)
        if pos is None:
            return None
        entries = np.flatnonzero(self.station_of == pos)
        slot = self.slot(at)
        for entry in entries.tolist():
            if self.patterns[self.present_rows[entry], slot]:
                return self._found(entry, 0.0, at)
        return self._found(int(entries[0]), 0.0, at) if len(entries) else None
