"""Importing officers' spreadsheets — the registry's template or their own ledgers: a dry
run that reports every row (what it becomes, its errors and warnings by the sheet's own
column names) and writes no station, then a commit of what the officer chose.

The dry run and the commit share one planner (`_plan`), so the commit does exactly what
the dry run promised or refuses: it re-reads the stored file inside the transaction, with
the stations it touches locked, and applies the chosen rows in one transaction.

Rules an officer will notice:

* A row is that station when its 驿站编号 matches; a row without a code is the station
  whose name and address it repeats exactly; otherwise it is new and gets a code
  (``<street code>-NNN``), which a re-import finds again by name and address.
* Optional columns missing from the file keep the station's current values; a column that
  is present but blank clears the value.
* A row repeating an earlier row (same name and address, or within `DUPLICATE_METRES` with
  a similar name), or a new row that close to a registry station with a similar name, is a
  duplicate: left out unless the officer decides "update the existing station", "keep
  both" or "skip" for it (`on_duplicate` for all of them).
* Rows with errors stop the whole import unless the officer chooses to import the good
  rows and leave those (``skip_errors``); what is left can be downloaded with a 错误说明
  column to fix and upload again.
* A CSV (or an XLSX without the "流动驿站时刻表" sheet) leaves timetables untouched.
* Coordinates that moved less than `COORD_NOISE_DEG` (about 0.1 m) are the same point.
* A row whose region, or whose existing station's region, lies outside the officer's
  scope is an error, and so is a status change the lifecycle forbids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.core.csv import content as csv_content
from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.core.progress import progress_set
from yizhan.core.xlsx import Book, Styled
from yizhan.regions.selectors import region_names_under, region_seasons
from yizhan.stations.io.reading import (
    CellError,
    LedgerContext,
    Upload,
    UploadError,
    UploadRow,
    read_upload,
    sheet_rows,
)
from yizhan.stations.io.spreadsheets import MAX_FILE_BYTES, CatalogueNames, cell_text
from yizhan.stations.io.streets import StreetIndex
from yizhan.stations.io.vocabulary import Vocabulary, norm
from yizhan.stations.models import LedgerWord, Station, StationChange, StationImport
from yizhan.stations.rules import RuleError, parse_crs
from yizhan.stations.selectors import IMPORT_STALE_AFTER, stations_base
from yizhan.stations.services import (
    Catalogue,
    StationData,
    StopEntry,
    station_change_errors,
    station_data_clean,
    station_data_snapshot,
    station_snapshot,
    station_upsert,
)

COORD_NOISE_DEG = 1e-6
DUPLICATE_METRES = 30.0
# Names at least this alike (after the words every station shares are dropped) are similar.
SIMILAR_NAMES = 0.6
# A commit still "committing" after this long lost its worker (one rule with the console's
# and the officer's day's count of imports in progress).
STALE_AFTER = IMPORT_STALE_AFTER
# Rows between two progress reports during a commit.
PROGRESS_EVERY = 25
ACTION_CREATE, ACTION_UPDATE, ACTION_UNCHANGED, ACTION_INVALID = (
    "create",
    "update",
    "unchanged",
    "invalid",
)
ACTION_LEFT = "left"  # a duplicate or (with skip_errors) an error row the commit leaves out
DECISIONS = ("update", "keep", "skip")
# Report statuses, worst first.
STATUS_ERROR, STATUS_DUPLICATE, STATUS_WARNING = "error", "duplicate", "warning"
STATUS_NEW, STATUS_CHANGED, STATUS_UNCHANGED, STATUS_SKIPPED = (
    "new",
    "changed",
    "unchanged",
    "skipped",
)
ERRORS_COLUMN = "错误说明"
# Optional columns whose absence means "keep the current value".
_KEEPABLE = (
    "status",
    "status_reason",
    "keeps_workday_hours",
    "amenities",
    "services",
    "floor_area_m2",
    "capacity",
    "star_level",
    "feature",
    "phone",
    "last_verified_on",
)
_CHANGE_HEADERS = {"lat": "纬度", "lon": "经度", "staff": "人员", "stops": "时刻表"}
_LOCK_CHUNK = 500
# As services.station_change_errors words it, for rows too broken to clean.
OUTSIDE_SCOPE = "该编号的驿站属于您管辖范围以外的区划"
# Words nearly every station's name has: dropped before names are compared.
_COMMON_NAME_WORDS = re.compile(
    r"(总工会|工会|户外劳动者|户外|劳动者|爱心|暖心|服务站|服务点|驿站|站点|之家|港湾|[站点家])"
)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """How a file is read and what its commit does (kept on the StationImport).

    ``region``: the region rows without one belong to, and inside which streets are
    matched by name (the officer's own region when empty). ``mapping``: {folded header:
    raw key or "" for "not imported"}. ``decisions``: {sheet row: "update" | "keep" |
    "skip"} for duplicates; ``on_duplicate`` for the rest of them. ``columns_confirmed``:
    the officer confirmed in the console what each column is (reading ignores it)."""

    default_crs: str = "wgs84"
    region: str = ""
    mapping: Mapping[str, str] = field(default_factory=dict)
    on_duplicate: str = ""
    decisions: Mapping[int, str] = field(default_factory=dict)
    skip_errors: bool = False
    columns_confirmed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "default_crs": self.default_crs,
            "region": self.region,
            "mapping": dict(self.mapping),
            "on_duplicate": self.on_duplicate,
            "decisions": {str(k): v for k, v in self.decisions.items()},
            "skip_errors": self.skip_errors,
            "columns_confirmed": self.columns_confirmed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, default_crs: str = "wgs84") -> ImportOptions:
        return cls(
            default_crs=data.get("default_crs") or default_crs,
            region=data.get("region", ""),
            mapping=dict(data.get("mapping") or {}),
            on_duplicate=data.get("on_duplicate", ""),
            decisions={int(k): v for k, v in (data.get("decisions") or {}).items()},
            skip_errors=bool(data.get("skip_errors")),
            columns_confirmed=bool(data.get("columns_confirmed")),
        )

    def decision(self, row: int) -> str:
        return self.decisions.get(row) or self.on_duplicate


def _check_options(options: ImportOptions) -> ImportOptions:
    try:
        crs = parse_crs(options.default_crs).value
    except RuleError as exc:
        raise ValidationFailed(
            errors=[FieldError("default_crs", exc.message, None, options.default_crs)]
        ) from exc
    bad = [
        d for d in (options.on_duplicate, *options.decisions.values()) if d and d not in DECISIONS
    ]
    if bad:
        raise ValidationFailed(
            errors=[
                FieldError("on_duplicate", "重复行的处理应为 update、keep 或 skip", None, bad[0])
            ]
        )
    return dataclasses.replace(options, default_crs=crs)


# ---------------------------------------------------------------------------
# What the registry already has
# ---------------------------------------------------------------------------


def _catalogue_names(catalogue: Catalogue) -> CatalogueNames:
    return CatalogueNames.build(
        ((a.code, a.name, a.name_en) for a in catalogue.amenities.values()),
        ((s.code, s.name, s.name_en) for s in catalogue.services.values()),
    )


def ledger_vocabulary(catalogue: Catalogue) -> Vocabulary:
    """The built-in kind and amenity words, the catalogue's names, and officers' words."""
    return Vocabulary.build(
        catalogue_amenities=((a.code, a.name, a.name_en) for a in catalogue.amenities.values()),
        added=LedgerWord.objects.values_list("what", "word", "code"),
    )


def _root_region(scope: Scope, options: ImportOptions) -> str:
    if options.region:
        return options.region
    return "" if scope.national or scope.region is None else scope.region.code


def _context(catalogue: Catalogue, scope: Scope, options: ImportOptions) -> LedgerContext:
    root = _root_region(scope, options)
    streets = (
        StreetIndex.build(region_names_under(root, communities=len(root) >= 6)) if root else None
    )
    summer, winter = region_seasons(root) if root else ((5, 9), (10, 4))
    return LedgerContext(
        names=_catalogue_names(catalogue),
        vocabulary=ledger_vocabulary(catalogue),
        streets=streets,
        default_region=root,
        mapping=options.mapping,
        default_crs=options.default_crs,
        summer=summer,
        winter=winter,
    )


def _existing(codes: Iterable[str], *, lock: bool) -> dict[str, Station]:
    wanted = sorted({c for c in codes if c})
    found: dict[str, Station] = {}
    for start in range(0, len(wanted), _LOCK_CHUNK):
        chunk = wanted[start : start + _LOCK_CHUNK]
        if lock:
            list(Station.objects.select_for_update().filter(code__in=chunk).values_list("pk"))
        found.update((s.code, s) for s in stations_base().filter(code__in=chunk))
    return found


@dataclass(frozen=True)
class _Known:
    code: str
    name: str
    address: str
    lat: float
    lon: float


def _same_key(name: str, address: str) -> tuple[str, str]:
    return norm(name), norm(address)


def _core_name(name: str) -> str:
    return _COMMON_NAME_WORDS.sub("", norm(name)) or norm(name)


def similar_names(a: str, b: str) -> bool:
    """Whether two station names likely mean the same place.

    >>> similar_names("兆麟公园户外劳动者驿站", "兆麟公园工会驿站")
    True
    >>> similar_names("兆麟公园驿站", "通江街道驿站"), similar_names("服务车1号", "服务车2号")
    (False, False)
    """
    x, y = _core_name(a), _core_name(b)
    if not x or not y:
        return False
    if re.findall(r"\d+", x) != re.findall(r"\d+", y):  # "1号车" and "2号车" are two vans
        return False
    if x in y or y in x:
        return True
    return difflib.SequenceMatcher(None, x, y).ratio() >= SIMILAR_NAMES


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (m)."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = rlat2 - rlat1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


class _Nearby:
    """Points on a grid of ~110 m cells, for "within 30 m" without a query per row."""

    CELL = 0.001

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, Any]]] = defaultdict(list)

    def add(self, lon: float, lat: float, item: Any) -> None:
        self.cells[(int(lon // self.CELL), int(lat // self.CELL))].append((lon, lat, item))

    def near(self, lon: float, lat: float, limit: float) -> list[tuple[float, Any]]:
        cx, cy = int(lon // self.CELL), int(lat // self.CELL)
        out = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for x, y, item in self.cells.get((cx + dx, cy + dy), ()):
                    distance = metres(lon, lat, x, y)
                    if distance <= limit:
                        out.append((distance, item))
        return sorted(out, key=lambda pair: pair[0])


def _registry_near(upload: Upload, root: str) -> tuple[dict[tuple[str, str], _Known], _Nearby]:
    """The registry's stations by exact (name, address), and on a grid, for the rows'
    matching and duplicate checks: those in the file's names and around its points."""
    names = {norm(str(r.raw.get("name", ""))) for r in upload.rows}
    points = [r.wgs84 for r in upload.rows if r.wgs84]
    rows = Station.objects.all()
    if root:
        rows = rows.filter(region__code__startswith=root[:4])
    if points:
        margin = 0.001
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        rows = rows.filter(
            Q(lon__gte=min(lons) - margin, lon__lte=max(lons) + margin)
            & Q(lat__gte=min(lats) - margin, lat__lte=max(lats) + margin)
            | Q(name__in=[r.raw.get("name", "") for r in upload.rows])
        )
    by_key: dict[tuple[str, str], _Known] = {}
    grid = _Nearby()
    for code, name, address, lat, lon in rows.values_list("code", "name", "address", "lat", "lon"):
        known = _Known(code, name, address, lat, lon)
        if norm(name) in names:
            by_key.setdefault(_same_key(name, address), known)
        grid.add(lon, lat, known)
    return by_key, grid


class _Codes:
    """New stations' codes: ``<region code>-NNN``, the next numbers free in the registry
    and in this file."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, region_code: str) -> str:
        prefix = f"{region_code}-"
        if region_code not in self.next:
            used = [0]
            for code in Station.objects.filter(code__startswith=prefix).values_list(
                "code", flat=True
            ):
                tail = code[len(prefix) :]
                if tail.isdigit():
                    used.append(int(tail))
            self.next[region_code] = max(used) + 1
        number = self.next[region_code]
        self.next[region_code] += 1
        return f"{prefix}{number:03d}"


# ---------------------------------------------------------------------------
# The plan: every row, what it is and what a commit does with it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    row: int
    data: StationData
    action: str


def _current_raw(station: Station) -> dict[str, Any]:
    """The keepable fields of a station in the raw form station_data_clean reads."""
    return {
        "status": station.status,
        "status_reason": station.status_reason,
        "keeps_workday_hours": station.keeps_workday_hours,
        "amenities": [
            {"code": sa.amenity.code, "state": sa.state, "reason": sa.reason}
            for sa in station.station_amenities.all()
        ],
        "services": [s.code for s in station.services.all()],
        "floor_area_m2": station.floor_area_m2,
        "capacity": station.capacity,
        "star_level": station.star_level,
        "feature": station.feature,
        "phone": station.phone,
        "last_verified_on": station.last_verified_on,
    }


def _merge_missing(raw: dict[str, Any], station: Station, upload: Upload) -> dict[str, Any]:
    current = _current_raw(station)
    merged = dict(raw)
    for key in _KEEPABLE:
        if key not in upload.keys and not (key == "keeps_workday_hours" and key in raw):
            merged[key] = current[key]
    if "kind" not in upload.keys:
        merged["kind"] = station.kind
    kept = [
        {"role": s.role, "name": s.name, "phone": s.phone}
        for s in station.staff.all()
        if s.role not in upload.staff_roles
    ]
    merged["staff"] = [*kept, *raw.get("staff", [])]
    return merged


def _absorb_noise(data: StationData, station: Station) -> StationData:
    """Keep the stored coordinates when the file's differ by CRS round-trip noise only."""

    def same(a: float, b: float) -> bool:
        return abs(a - b) <= COORD_NOISE_DEG

    if same(data.lat, station.lat) and same(data.lon, station.lon):
        data = dataclasses.replace(data, lat=station.lat, lon=station.lon)
    if data.stops:
        current = list(station.stops.all())
        stops: list[StopEntry] = []
        for stop in data.stops:
            match = next(
                (
                    c
                    for c in current
                    if (c.place_name, c.hours, c.address)
                    == (stop.place_name, stop.hours, stop.address)
                    and same(c.lat, stop.lat)
                    and same(c.lon, stop.lon)
                ),
                None,
            )
            stops.append(dataclasses.replace(stop, lat=match.lat, lon=match.lon) if match else stop)
        data = dataclasses.replace(data, stops=tuple(stops))
    return data


def _empty_report(filename: str, options: ImportOptions) -> dict[str, Any]:
    return {
        "filename": filename,
        "default_crs": options.default_crs,
        "options": options.as_dict(),
        "format": "",
        "sheet": "",
        "header_row": None,
        "columns": [],
        "not_imported": [],
        "timetable": False,
        "counts": dict.fromkeys(
            (
                "rows",
                ACTION_CREATE,
                ACTION_UPDATE,
                ACTION_UNCHANGED,
                ACTION_INVALID,
                ACTION_LEFT,
                "errors",
                "error_rows",
                STATUS_DUPLICATE,
                STATUS_WARNING,
                "committable",
            ),
            0,
        ),
        "errors": [],
        "warnings": [],
        "rows": [],
        "skipped": [],
        "committed": None,
    }


class _Planner:
    """One pass over the read rows: match each to a station, clean it, find duplicates,
    and decide what a commit would do."""

    def __init__(
        self, upload: Upload, catalogue: Catalogue, scope: Scope, options: ImportOptions, lock: bool
    ) -> None:
        self.upload, self.catalogue, self.scope, self.options = upload, catalogue, scope, options
        root = _root_region(scope, options)
        self.by_key, self.grid = _registry_near(upload, root)
        codes = [str(r.raw.get("code", "")).strip() for r in upload.rows]
        matched = [
            self.by_key[key].code
            for r in upload.rows
            if not r.raw.get("code")
            and (key := _same_key(str(r.raw.get("name", "")), str(r.raw.get("address", ""))))
            in self.by_key
        ]
        self.existing = _existing([*codes, *matched], lock=lock)
        catalogue.regions.load(str(r.raw.get("region_code", "")) for r in upload.rows)
        self.codes = _Codes()
        self.first_code: dict[str, int] = {}
        self.first_key: dict[tuple[str, str], int] = {}
        self.in_file = _Nearby()
        self.planned: list[_Planned] = []
        self.row_code: dict[int, str] = {}

    def column(self, key: str) -> str:
        return self.upload.header_of(key)

    def row(self, urow: UploadRow) -> dict[str, Any]:
        errors: list[CellError] = list(urow.errors)
        messages: list[dict[str, str]] = []
        raw = dict(urow.raw)
        name, address = str(raw.get("name", "")).strip(), str(raw.get("address", "")).strip()
        key = _same_key(name, address)
        code = str(raw.get("code", "")).strip()
        duplicate: dict[str, Any] | None = None
        if code and code in self.first_code:
            errors.append(
                CellError(
                    self.upload.sheet,
                    urow.row,
                    self.column("code"),
                    code,
                    f"驿站编号重复：与第 {self.first_code[code]} 行相同",
                )
            )
        elif code:
            self.first_code[code] = urow.row
        if not code and key in self.by_key:
            code = self.by_key[key].code  # the station whose name and address it repeats
        station = self.existing.get(code) if code else None
        if name and key in self.first_key and not urow.raw.get("code"):
            duplicate = {"kind": "file", "row": self.first_key[key], "distance_m": 0}
        elif station is None and name and urow.wgs84 and not urow.raw.get("code"):
            # A row with its own new code is a station the officer numbered apart.
            duplicate = self._near(name, urow)
        if duplicate and duplicate["kind"] == "file":
            duplicate["code"] = self.row_code.get(duplicate["row"], "")
        if name and key not in self.first_key:
            self.first_key[key] = urow.row
        if urow.wgs84 and name:
            self.in_file.add(urow.wgs84[0], urow.wgs84[1], (urow.row, name, code))
        if station is not None:
            raw = _merge_missing(raw, station, self.upload)
        decision = self.options.decision(urow.row) if duplicate else ""
        if duplicate and duplicate["kind"] == "registry" and decision == "update":
            code = duplicate["code"]
            station = self.existing.get(code) or _existing([code], lock=False).get(code)
            if station is not None:
                raw = _merge_missing(dict(urow.raw), station, self.upload)
        generated = False
        left = bool(duplicate) and decision not in ("keep", "update")
        if not code and raw.get("region_code") and not errors and not left:
            if duplicate and duplicate["kind"] == "file" and decision == "update":
                code = duplicate.get("code", "")
            generated = not code  # numbered once the row is known to be good
        raw["code"] = code or "X-0"  # a placeholder until then (or for a row left out)
        data: StationData | None = None
        try:
            data = station_data_clean(
                raw,
                catalogue=self.catalogue,
                scope=self.scope,
                row=urow.row,
                default_crs=self.options.default_crs,
            )
        except ValidationFailed as exc:
            errors.extend(
                CellError(
                    self.upload.sheet,
                    e.row or urow.row,
                    self.column(e.field),
                    e.value,
                    e.message,
                )
                for e in exc.errors
                # One message per cell: the reader's own (naming what it read) first.
                if self.column(e.field) not in self._read_error_columns(urow)
            )
        if data is not None:
            stored = station_change_errors(
                existing=station, data=data, scope=self.scope, row=urow.row
            )
        elif station is not None and not self.scope.contains(station.region):
            stored = [FieldError("code", OUTSIDE_SCOPE, urow.row, code)]
        else:
            stored = []
        errors.extend(
            CellError(
                self.upload.sheet, e.row or urow.row, self.column(e.field), e.value, e.message
            )
            for e in stored
        )
        entry: dict[str, Any] = {
            "sheet": self.upload.sheet,
            "row": urow.row,
            "code": code if (station is not None or urow.raw.get("code")) else "",
            "name": name,
            "status": "",
            "action": ACTION_INVALID,
            "messages": messages,
            "wgs84": {"lon": urow.wgs84[0], "lat": urow.wgs84[1]} if urow.wgs84 else None,
            "changes": [],
            "hours": urow.hours,
            "duplicate": duplicate,
            "decision": decision or None,
        }
        for error in errors:
            messages.append({"column": error.column, "text": error.message, "level": "error"})
        for warning in urow.warnings:
            messages.append({"column": warning.column, "text": warning.message, "level": "warning"})
        if duplicate:
            messages.append(
                {
                    "column": self.column("name"),
                    "text": self._duplicate_text(duplicate),
                    "level": "duplicate",
                }
            )
        entry["errors"] = [e.as_dict() for e in errors]
        entry["warnings"] = [w.as_dict() for w in urow.warnings]
        if errors or data is None:
            entry["status"] = STATUS_ERROR
            entry["action"] = ACTION_INVALID
            return entry
        if generated:
            data = dataclasses.replace(data, code=self.codes.take(data.region_code))
        if station is None:
            action = ACTION_CREATE
        else:
            data = _absorb_noise(data, station)
            before = station_snapshot(station)
            after = station_data_snapshot(data, before)
            changed = [k for k in after if before.get(k) != after[k]]
            action = ACTION_UPDATE if changed else ACTION_UNCHANGED
            entry["changes"] = list(
                dict.fromkeys(_CHANGE_HEADERS.get(k) or self.column(k) for k in changed)
            )
        if duplicate:
            entry["status"] = STATUS_DUPLICATE
            if decision == "keep" or (decision == "update" and duplicate["kind"] == "file"):
                pass
            elif decision == "update" and station is not None:
                pass
            else:
                entry["action"] = ACTION_LEFT
                return entry
            if duplicate["kind"] == "file" and decision == "update":
                action = ACTION_UPDATE
        elif urow.warnings:
            entry["status"] = STATUS_WARNING
        else:
            entry["status"] = {
                ACTION_CREATE: STATUS_NEW,
                ACTION_UPDATE: STATUS_CHANGED,
                ACTION_UNCHANGED: STATUS_UNCHANGED,
            }[action]
        entry["action"] = action
        entry["code"] = data.code
        self.row_code[urow.row] = data.code
        self.planned.append(_Planned(urow.row, data, action))
        return entry

    def _read_error_columns(self, urow: UploadRow) -> set[str]:
        columns = {e.column for e in urow.errors}
        if columns & {self.column("district"), self.column("city")}:  # nor its street
            columns.add(self.column("region_code"))
        return columns

    def _near(self, name: str, urow: UploadRow) -> dict[str, Any] | None:
        assert urow.wgs84 is not None
        lon, lat = urow.wgs84
        for distance, (row, other_name, _code) in self.in_file.near(lon, lat, DUPLICATE_METRES):
            if similar_names(name, other_name):
                return {"kind": "file", "row": row, "distance_m": round(distance)}
        for distance, known in self.grid.near(lon, lat, DUPLICATE_METRES):
            if similar_names(name, known.name):
                return {
                    "kind": "registry",
                    "code": known.code,
                    "name": known.name,
                    "address": known.address,
                    "distance_m": round(distance),
                }
        return None

    @staticmethod
    def _duplicate_text(duplicate: Mapping[str, Any]) -> str:
        if duplicate["kind"] == "file":
            if duplicate["distance_m"]:
                return (
                    f"与第 {duplicate['row']} 行相距 {duplicate['distance_m']} 米、"
                    "名称相近，可能是同一驿站"
                )
            return f"与第 {duplicate['row']} 行名称、地址相同：重复的行"
        return (
            f"与已登记的驿站 {duplicate['code']}“{duplicate['name']}”相距 "
            f"{duplicate['distance_m']} 米、名称相近，可能是同一驿站"
        )


def _plan(
    *, filename: str, content: bytes, options: ImportOptions, scope: Scope, lock: bool
) -> tuple[dict[str, Any], list[_Planned], Catalogue]:
    """Read and check the file against the registry as it is now; write nothing."""
    catalogue = Catalogue.load()
    report = _empty_report(filename, options)
    try:
        upload = read_upload(
            filename=filename, content=content, context=_context(catalogue, scope, options)
        )
    except UploadError as exc:
        report["errors"] = [e.as_dict() for e in exc.errors]
        report["counts"]["errors"] = len(exc.errors)
        return report, [], catalogue
    report.update(
        format=upload.format,
        sheet=upload.sheet,
        header_row=upload.header_row,
        columns=[c.as_dict() for c in upload.columns],
        not_imported=upload.not_imported,
        timetable=upload.has_stops,
        skipped=[{"row": row, "why": why} for row, why in sorted(upload.skipped.items())],
    )
    planner = _Planner(upload, catalogue, scope, options, lock)
    errors: list[dict[str, Any]] = [e.as_dict() for e in upload.errors]
    warnings: list[dict[str, Any]] = []
    for urow in upload.rows:
        entry = planner.row(urow)
        errors.extend(entry.pop("errors"))
        warnings.extend(entry.pop("warnings"))
        report["rows"].append(entry)
    report["errors"] = sorted(errors, key=lambda e: (e["sheet"] != upload.sheet, e["row"] or 0))
    report["warnings"] = warnings
    counts = report["counts"]
    counts["rows"] = len(upload.rows)
    counts["errors"] = len(errors)
    for entry in report["rows"]:
        counts[entry["action"]] += 1
        if entry["status"] == STATUS_ERROR:
            counts["error_rows"] += 1
        elif entry["status"] in (STATUS_DUPLICATE, STATUS_WARNING):
            counts[entry["status"]] += 1
    counts["committable"] = len(planner.planned)
    return report, planner.planned, catalogue


# ---------------------------------------------------------------------------
# Dry run and commit
# ---------------------------------------------------------------------------


def import_can_commit(report: Mapping[str, Any], *, skip_errors: bool) -> bool:
    """Whether a commit would write anything: no errors at all, or errors left out by
    choice and at least one good row."""
    counts = report.get("counts", {})
    if not counts.get("rows"):
        return False
    if report.get("errors"):
        if not skip_errors or any(e.get("row") is None for e in report["errors"]):
            return False
        return counts.get("committable", 0) > 0
    return True


def station_import_check(
    *,
    filename: str,
    content: bytes,
    user: User | None,
    scope: Scope,
    default_crs: str = "wgs84",
    options: ImportOptions | None = None,
) -> StationImport:
    """Dry run: read the file, check every row as the commit would, store the file and
    the report (per row: what it becomes, or its errors, warnings and duplicates by the
    sheet's column names). Writes no station. Status is "valid" only when no row has an
    error."""
    options = _check_options(options or ImportOptions(default_crs=default_crs))
    report, _planned, _catalogue = _plan(
        filename=filename, content=content, options=options, scope=scope, lock=False
    )
    valid = not report["errors"] and report["counts"]["rows"] > 0
    return StationImport.objects.create(
        filename=(filename or "upload")[:200],
        # An oversize file is refused, and not kept.
        content=content if len(content) <= MAX_FILE_BYTES else b"",
        default_crs=options.default_crs,
        status=StationImport.Status.VALID if valid else StationImport.Status.INVALID,
        report=report,
        options=options.as_dict(),
        uploaded_by=user,
    )


def station_import_recheck(
    *, station_import: StationImport, scope: Scope, options: ImportOptions
) -> StationImport:
    """Check the stored file again with new options (duplicate decisions, partial import,
    mapping): the same dry run, the same record."""
    if station_import.status in (StationImport.Status.COMMITTING, StationImport.Status.COMMITTED):
        raise ApplicationError("该文件已在导入中或已导入，不能再修改选项")
    options = _check_options(options)
    report, _planned, _catalogue = _plan(
        filename=station_import.filename,
        content=bytes(station_import.content),
        options=options,
        scope=scope,
        lock=False,
    )
    valid = not report["errors"] and report["counts"]["rows"] > 0
    station_import.report = report
    station_import.options = options.as_dict()
    station_import.default_crs = options.default_crs
    station_import.status = StationImport.Status.VALID if valid else StationImport.Status.INVALID
    station_import.save(update_fields=["report", "options", "default_crs", "status"])
    return station_import


def import_options(station_import: StationImport) -> ImportOptions:
    return ImportOptions.from_dict(
        station_import.options or {}, default_crs=station_import.default_crs
    )


def _as_field_errors(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    return [
        FieldError(e["column"] or "file", e["message"], e["row"], str(e["value"])) for e in errors
    ]


def progress_key(station_import: StationImport) -> str:
    return f"station_import:{station_import.pk}"


def import_is_stale(station_import: StationImport, *, now: dt.datetime | None = None) -> bool:
    """Queued for the worker so long ago that the worker must have died: the officer may
    confirm again (nothing was written; the commit is one transaction)."""
    now = now or timezone.now()
    return (
        station_import.status == StationImport.Status.COMMITTING
        and station_import.queued_at is not None
        and station_import.queued_at < now - STALE_AFTER
    )


def station_import_enqueue(*, station_import: StationImport, user: User | None) -> StationImport:
    """The officer confirmed a checked import: queue it for the task worker, once.

    The status moves valid (or invalid, when the officer chose to leave the rows with
    errors and good rows remain) → committing in one conditional update, so a double
    click or two tabs cannot queue the same file twice."""
    from yizhan.stations.tasks import station_import_commit_task

    now = timezone.now()
    options = import_options(station_import)
    with transaction.atomic():
        claimable = Q(status=StationImport.Status.VALID) | Q(
            status=StationImport.Status.COMMITTING, queued_at__lt=now - STALE_AFTER
        )
        if options.skip_errors and import_can_commit(station_import.report, skip_errors=True):
            claimable |= Q(status=StationImport.Status.INVALID)
        claimed = StationImport.objects.filter(claimable, pk=station_import.pk).update(
            status=StationImport.Status.COMMITTING, queued_at=now, commit_error=""
        )
        if not claimed:
            current = StationImport.objects.get(pk=station_import.pk)
            if current.status == StationImport.Status.COMMITTING:
                raise ApplicationError("该文件已在导入中，请稍候")
            if current.status == StationImport.Status.COMMITTED:
                raise ApplicationError("该文件已经导入过，不能重复导入；如需再次导入请重新上传")
            raise ApplicationError(
                "该文件校验未通过，不能导入；请修改后重新上传，或选择“只导入无误的行”"
            )
        total = station_import.report.get("counts", {}).get("committable", 0)
        progress_set(progress_key(station_import), done=0, total=total, phase="queued")
        transaction.on_commit(
            lambda: station_import_commit_task.enqueue(
                import_id=station_import.pk, user_id=user.pk if user else None
            )
        )
    station_import.status = StationImport.Status.COMMITTING
    station_import.queued_at = now
    return station_import


def station_import_commit(
    *,
    station_import: StationImport,
    user: User | None,
    scope: Scope,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Apply a checked import in one transaction: every row, or (when the officer chose
    to leave the rows with errors) every good row; duplicates only as decided.

    Re-checks the stored file against the registry as it is now (another officer may
    have changed it since the dry run); if that turns up an error the officer did not
    choose to leave, the import is marked invalid with the new report and ValidationFailed
    is raised. Rows the check finds unchanged are not written, so importing the same file
    twice changes nothing. Returns the report with ``committed`` = {"created", "updated",
    "unchanged", "left"}.
    """
    failed: dict[str, Any] | None = None
    with transaction.atomic():
        locked = StationImport.objects.select_for_update().get(pk=station_import.pk)
        if locked.status == StationImport.Status.COMMITTED:
            raise ApplicationError("该文件已经导入过，不能重复导入；如需再次导入请重新上传")
        options = import_options(locked)
        allowed = (StationImport.Status.VALID, StationImport.Status.COMMITTING)
        if locked.status not in allowed and not (
            options.skip_errors and locked.status == StationImport.Status.INVALID
        ):
            raise ApplicationError("该文件校验未通过，不能导入；请修改后重新上传")
        report, planned, catalogue = _plan(
            filename=locked.filename,
            content=bytes(locked.content),
            options=options,
            scope=scope,
            lock=True,
        )
        if not import_can_commit(report, skip_errors=options.skip_errors):
            failed = report
        else:
            report["committed"] = _write(locked, planned, catalogue, user, scope, progress)
            report["committed"]["left"] = (
                report["counts"][ACTION_INVALID] + report["counts"][ACTION_LEFT]
            )
            locked.status = StationImport.Status.COMMITTED
            locked.committed_at = timezone.now()
            locked.report = report
            locked.commit_error = ""
            locked.save(update_fields=["status", "committed_at", "report", "commit_error"])
    if failed is not None:
        StationImport.objects.filter(pk=station_import.pk).update(
            status=StationImport.Status.INVALID, report=failed
        )
        station_import.status = StationImport.Status.INVALID
        station_import.report = failed
        raise ValidationFailed(errors=_as_field_errors(failed["errors"]))
    station_import.status = locked.status
    station_import.committed_at = locked.committed_at
    station_import.report = report
    return report


def _write(
    station_import: StationImport,
    planned: Sequence[_Planned],
    catalogue: Catalogue,
    user: User | None,
    scope: Scope,
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    now = timezone.now()
    reason = f"导入 {station_import.filename}"[:200]
    outcome = {"created": 0, "updated": 0, "unchanged": 0}
    total = len(planned)
    for done, item in enumerate(planned):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if item.action == ACTION_UNCHANGED:
            outcome["unchanged"] += 1
            continue
        _station, result = station_upsert(
            data=item.data,
            user=user,
            catalogue=catalogue,
            scope=scope,
            action=StationChange.Action.IMPORT,
            reason=reason,
            now=now,
        )
        outcome[result] += 1
    if progress is not None:
        progress(total, total)
    return outcome


# ---------------------------------------------------------------------------
# What officers read: a summary line, the report as CSV, the rows left as a sheet
# ---------------------------------------------------------------------------


def import_summary(report: dict[str, Any]) -> str:
    """One line for messages: "新增 3，更新 2，不变 40" or the error count."""
    counts = report.get("counts", {})
    done = report.get("committed")
    if done:
        line = f"已导入：新增 {done['created']}，更新 {done['updated']}，不变 {done['unchanged']}"
        if done.get("left"):
            line += f"；留下 {done['left']} 行未导入"
        return line
    if report.get("errors"):
        problems = counts.get("errors", len(report["errors"]))
        return f"发现 {problems} 个问题，涉及 {counts.get('error_rows', 0)} 行"
    line = (
        f"校验通过：将新增 {counts.get(ACTION_CREATE, 0)}，更新 {counts.get(ACTION_UPDATE, 0)}，"
        f"不变 {counts.get(ACTION_UNCHANGED, 0)}"
    )
    if counts.get(ACTION_LEFT):
        line += f"；{counts[ACTION_LEFT]} 行重复，待您决定"
    return line


def report_csv(report: Mapping[str, Any], action_labels: Mapping[str, Any]) -> bytes:
    """An import's full report as CSV: its errors (sheet, row, column, value, problem),
    a blank line, then every row and what the import does with it."""
    errors = [
        [e["sheet"], e["row"] or "", e["column"], e["value"], e["message"]]
        for e in report.get("errors", [])
    ]
    rows = [
        [
            r["row"],
            r["code"],
            r["name"],
            action_labels.get(r["action"], r["action"]),
            "、".join(r["changes"]),
            "；".join(
                f"{m['column']}：{m['text']}" if m["column"] else m["text"]
                for m in r.get("messages", [])
            ),
        ]
        for r in report.get("rows", [])
    ]
    return csv_content(
        ["工作表", "行", "列", "值", "问题"],
        [*errors, [], ["行", "驿站编号", "名称", "处理", "变更内容", "说明"], *rows],
    )


def rows_left(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The report's rows a commit leaves out (errors, undecided or skipped duplicates)."""
    return [r for r in report.get("rows", []) if r["action"] in (ACTION_INVALID, ACTION_LEFT)]


def rows_left_xlsx(station_import: StationImport) -> bytes:
    """The rows left out, as the officer's own sheet: the header row and each row left,
    cell for cell, with a 错误说明 column saying what to fix; to fix and upload again."""
    report = station_import.report
    left = {r["row"]: r for r in rows_left(report)}
    header_row = report.get("header_row") or 1
    rows = sheet_rows(
        filename=station_import.filename,
        content=bytes(station_import.content),
        sheet=report.get("sheet", ""),
    )
    header = [cell_text(v) for v in rows[header_row - 1]] if len(rows) >= header_row else []
    # Up to the last column with anything in it (an .xlsx reads as MAX_COLUMNS wide).
    width = max(
        [_used_width(header), *(_used_width(rows[n - 1]) for n in left if n <= len(rows))],
        default=0,
    )
    header = header[:width]
    header = [*header, *[""] * (width - len(header))]
    body = []
    for number in sorted(left):
        if number > len(rows):
            continue
        values = [*rows[number - 1][:width], *[None] * (width - len(rows[number - 1]))]
        explain = "；".join(
            f"{m['column']}：{m['text']}" if m["column"] else m["text"]
            for m in left[number].get("messages", [])
        )
        body.append([*(_plain(v) for v in values), explain, number])
    book = Book()
    book.sheet(
        (report.get("sheet") or "驿站")[:31],
        [*header, Styled(ERRORS_COLUMN, fill="F4CCCC"), "原行号"],
        body,
        widths=[*([14] * width), 60, 8],
        freeze="A2",
        wrap=True,
    )
    return book.content()


def _used_width(values: Sequence[Any]) -> int:
    return max((i + 1 for i, v in enumerate(values) if cell_text(v)), default=0)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | int | float) or value is None:
        return value
    return str(value)
