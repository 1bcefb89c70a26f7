"""Importing officers' spreadsheets: a dry run that reports every problem by row and
column and writes no station, then an all-or-nothing commit of what was checked.

The dry run and the commit share one planner (`_plan`), so the commit does exactly what
the dry run promised or refuses: it re-reads the stored file inside the transaction, with
the stations it touches locked, and applies every row or none.

Rules an officer will notice:

* A row is matched to a station by 驿站编号; stations absent from the file are left
  alone. Optional columns missing from the file keep the station's current values; a
  column that is present but blank clears the value.
* A CSV (or an XLSX without the "流动驿站时刻表" sheet) leaves timetables untouched.
* Coordinates that moved less than `COORD_NOISE_DEG` (about 0.1 m) are treated as the
  same point: that is the noise of a WGS-84 → GCJ-02/BD-09 → WGS-84 round trip, not an
  edit.
* A row whose region, or whose existing station's region, lies outside the officer's
  scope is an error, and so is a status change the lifecycle forbids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.core.csv import content as csv_content
from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.core.progress import progress_set
from yizhan.stations.io.spreadsheets import (
    MAIN_SHEET,
    MAX_FILE_BYTES,
    CatalogueNames,
    CellError,
    Upload,
    UploadError,
    header_for,
    read_upload,
)
from yizhan.stations.models import Station, StationChange, StationImport
from yizhan.stations.rules import RuleError, parse_crs
from yizhan.stations.selectors import stations_base
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
# A commit still "committing" after this long lost its worker (20,000 rows take minutes).
STALE_AFTER = dt.timedelta(minutes=30)
# Rows between two progress reports during a commit.
PROGRESS_EVERY = 25
ACTION_CREATE, ACTION_UPDATE, ACTION_UNCHANGED, ACTION_INVALID = (
    "create",
    "update",
    "unchanged",
    "invalid",
)
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


@dataclass(frozen=True)
class _Planned:
    row: int
    data: StationData
    action: str


def _catalogue_names(catalogue: Catalogue) -> CatalogueNames:
    return CatalogueNames.build(
        ((a.code, a.name, a.name_en) for a in catalogue.amenities.values()),
        ((s.code, s.name, s.name_en) for s in catalogue.services.values()),
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
        if key not in upload.keys:
            merged[key] = current[key]
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


def _plan(
    *, filename: str, content: bytes, default_crs: str, scope: Scope, lock: bool
) -> tuple[dict[str, Any], list[_Planned], Catalogue]:
    """Read and check the file against the registry as it is now; write nothing."""
    catalogue = Catalogue.load()
    report: dict[str, Any] = {
        "filename": filename,
        "default_crs": default_crs,
        "format": "",
        "timetable": False,
        "counts": dict.fromkeys(
            ("rows", ACTION_CREATE, ACTION_UPDATE, ACTION_UNCHANGED, ACTION_INVALID, "errors"), 0
        ),
        "errors": [],
        "rows": [],
        "committed": None,
    }
    try:
        upload = read_upload(
            filename=filename,
            content=content,
            names=_catalogue_names(catalogue),
            default_crs=default_crs,
        )
    except UploadError as exc:
        report["errors"] = [e.as_dict() for e in exc.errors]
        report["counts"]["errors"] = len(exc.errors)
        return report, [], catalogue
    report["format"] = upload.format
    report["timetable"] = upload.has_stops
    existing = _existing((str(r.raw.get("code", "")).strip() for r in upload.rows), lock=lock)
    errors: list[CellError] = list(upload.errors)
    planned: list[_Planned] = []
    first_row: dict[str, int] = {}
    for urow in upload.rows:
        row_errors = list(urow.errors)
        code = str(urow.raw.get("code", "")).strip()
        if code and code in first_row:
            row_errors.append(
                CellError(
                    MAIN_SHEET,
                    urow.row,
                    header_for("code"),
                    code,
                    f"驿站编号重复：与第 {first_row[code]} 行相同",
                )
            )
        elif code:
            first_row[code] = urow.row
        station = existing.get(code)
        raw = urow.raw
        if station is not None:
            raw = _merge_missing(raw, station, upload)
        data: StationData | None = None
        try:
            data = station_data_clean(
                raw, catalogue=catalogue, scope=scope, row=urow.row, default_crs=default_crs
            )
        except ValidationFailed as exc:
            row_errors.extend(
                CellError(MAIN_SHEET, e.row or urow.row, header_for(e.field), e.value, e.message)
                for e in exc.errors
            )
        # Rules that need the stored row (the same ones station_upsert enforces).
        if data is not None:
            stored = station_change_errors(existing=station, data=data, scope=scope, row=urow.row)
        elif station is not None and not scope.contains(station.region):
            stored = [FieldError("code", OUTSIDE_SCOPE, urow.row, code)]
        else:
            stored = []
        row_errors.extend(
            CellError(MAIN_SHEET, e.row or urow.row, header_for(e.field), e.value, e.message)
            for e in stored
        )
        entry: dict[str, Any] = {
            "row": urow.row,
            "code": code,
            "name": str(raw.get("name", "")),
            "action": ACTION_INVALID,
            "changes": [],
        }
        if row_errors or data is None:
            errors.extend(row_errors)
            report["rows"].append(entry)
            continue
        if station is None:
            action = ACTION_CREATE
        else:
            data = _absorb_noise(data, station)
            before = station_snapshot(station)
            after = station_data_snapshot(data, before)
            changed = [key for key in after if before.get(key) != after[key]]
            action = ACTION_UPDATE if changed else ACTION_UNCHANGED
            entry["changes"] = list(
                dict.fromkeys(_CHANGE_HEADERS.get(k) or header_for(k) for k in changed)
            )
        entry["action"] = action
        report["rows"].append(entry)
        planned.append(_Planned(urow.row, data, action))
    errors.sort(key=lambda e: (e.sheet != MAIN_SHEET, e.row or 0))
    report["errors"] = [e.as_dict() for e in errors]
    counts = report["counts"]
    counts["rows"] = len(upload.rows)
    counts["errors"] = len(errors)
    for entry in report["rows"]:
        counts[entry["action"]] += 1
    return report, planned, catalogue


def _default_crs(value: str) -> str:
    try:
        return parse_crs(value).value
    except RuleError as exc:
        raise ValidationFailed(
            errors=[FieldError("default_crs", exc.message, None, value)]
        ) from exc


def station_import_check(
    *, filename: str, content: bytes, default_crs: str, user: User | None, scope: Scope
) -> StationImport:
    """Dry run: read the file, check every row as the commit would, store the file and
    the report (per row: create / update / unchanged, or the errors with row and column).
    Writes no station. Status is "valid" only when every row is."""
    crs = _default_crs(default_crs)
    report, _planned, _catalogue = _plan(
        filename=filename, content=content, default_crs=crs, scope=scope, lock=False
    )
    valid = not report["errors"] and report["counts"]["rows"] > 0
    return StationImport.objects.create(
        filename=(filename or "upload")[:200],
        # An oversize file is refused, and not kept.
        content=content if len(content) <= MAX_FILE_BYTES else b"",
        default_crs=crs,
        status=StationImport.Status.VALID if valid else StationImport.Status.INVALID,
        report=report,
        uploaded_by=user,
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

    The status moves valid → committing in one conditional update, so a double click or
    two tabs cannot queue the same file twice."""
    from yizhan.stations.tasks import station_import_commit_task

    now = timezone.now()
    with transaction.atomic():
        # A valid import, or one whose worker died (queued long ago, never finished).
        claimable = Q(status=StationImport.Status.VALID) | Q(
            status=StationImport.Status.COMMITTING, queued_at__lt=now - STALE_AFTER
        )
        claimed = StationImport.objects.filter(claimable, pk=station_import.pk).update(
            status=StationImport.Status.COMMITTING, queued_at=now, commit_error=""
        )
        if not claimed:
            current = StationImport.objects.get(pk=station_import.pk)
            if current.status == StationImport.Status.COMMITTING:
                raise ApplicationError("该文件已在导入中，请稍候")
            if current.status == StationImport.Status.COMMITTED:
                raise ApplicationError("该文件已经导入过，不能重复导入；如需再次导入请重新上传")
            raise ApplicationError("该文件校验未通过，不能导入；请修改后重新上传")
        total = station_import.report.get("counts", {}).get("rows", 0)
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
    """Apply a checked import: every row in one transaction, or nothing.

    Re-checks the stored file against the registry as it is now (another officer may
    have changed it since the dry run); if anything is wrong the import is marked
    invalid with the new report and ValidationFailed is raised. Rows the check finds
    unchanged are not written, so importing the same file twice changes nothing.
    Returns the report with ``committed`` = {"created", "updated", "unchanged"}.
    """
    failed: dict[str, Any] | None = None
    with transaction.atomic():
        locked = StationImport.objects.select_for_update().get(pk=station_import.pk)
        if locked.status == StationImport.Status.COMMITTED:
            raise ApplicationError("该文件已经导入过，不能重复导入；如需再次导入请重新上传")
        if locked.status not in (StationImport.Status.VALID, StationImport.Status.COMMITTING):
            raise ApplicationError("该文件校验未通过，不能导入；请修改后重新上传")
        report, planned, catalogue = _plan(
            filename=locked.filename,
            content=bytes(locked.content),
            default_crs=locked.default_crs,
            scope=scope,
            lock=True,
        )
        if report["errors"]:
            failed = report
        else:
            now = timezone.now()
            reason = f"导入 {locked.filename}"[:200]
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
            report["committed"] = outcome
            if progress is not None:
                progress(total, total)
            locked.status = StationImport.Status.COMMITTED
            locked.committed_at = now
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


def import_summary(report: dict[str, Any]) -> str:
    """One line for messages: "新增 3，更新 2，不变 40" or the error count."""
    counts = report.get("counts", {})
    if report.get("errors"):
        problems = counts.get("errors", len(report["errors"]))
        return f"发现 {problems} 个问题，涉及 {counts.get(ACTION_INVALID, 0)} 行"
    done = report.get("committed")
    if done:
        return f"已导入：新增 {done['created']}，更新 {done['updated']}，不变 {done['unchanged']}"
    return (
        f"校验通过：将新增 {counts.get(ACTION_CREATE, 0)}，更新 {counts.get(ACTION_UPDATE, 0)}，"
        f"不变 {counts.get(ACTION_UNCHANGED, 0)}"
    )


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
        ]
        for r in report.get("rows", [])
    ]
    return csv_content(
        ["工作表", "行", "列", "值", "问题"],
        [*errors, [], ["行", "驿站编号", "名称", "处理", "变更内容"], *rows],
    )
