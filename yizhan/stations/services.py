"""Writing the station registry: create/update with history, status lifecycle, amenity
state, verification and publishing records. Every function is atomic and keyword-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.core.errors import ApplicationError, FieldError, PermissionDenied, ValidationFailed
from yizhan.regions.models import Region
from yizhan.stations import hours
from yizhan.stations.models import (
    Amenity,
    AmenityState,
    LedgerColumn,
    MapPlatform,
    MobileStop,
    Service,
    StaffRole,
    Station,
    StationAmenity,
    StationChange,
    StationKind,
    StationListing,
    StationStaff,
    StationStatus,
)
from yizhan.stations.rules import (
    RuleError,
    check_code,
    check_name,
    check_short_name,
    coordinates_to_wgs84,
    parse_crs,
    parse_yes_no,
)

# Which status may follow which. Delisting is final except through re-planning.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    StationStatus.PLANNED: {StationStatus.ACTIVE, StationStatus.DELISTED},
    StationStatus.ACTIVE: {StationStatus.SUSPENDED, StationStatus.DELISTED},
    StationStatus.SUSPENDED: {StationStatus.ACTIVE, StationStatus.DELISTED},
    StationStatus.DELISTED: {StationStatus.PLANNED},
}
REASON_REQUIRED = {StationStatus.SUSPENDED, StationStatus.DELISTED}


@dataclass(frozen=True)
class AmenityEntry:
    code: str
    state: str = AmenityState.WORKING
    reason: str = ""


@dataclass(frozen=True)
class StaffEntry:
    role: str
    name: str
    phone: str = ""


@dataclass(frozen=True)
class StopEntry:
    place_name: str
    lat: float
    lon: float
    hours: str
    address: str = ""


@dataclass(frozen=True)
class StationData:
    """A station record as plain, already-checked data (WGS-84 coordinates)."""

    code: str
    name: str
    kind: str
    region_code: str
    address: str
    lat: float
    lon: float
    opening_hours: str
    keeps_workday_hours: bool = False
    amenities: tuple[AmenityEntry, ...] = ()
    services: tuple[str, ...] = ()
    floor_area_m2: int | None = None
    capacity: int | None = None
    star_level: int | None = None
    feature: str = ""
    phone: str = ""
    status: str = StationStatus.ACTIVE
    status_reason: str = ""
    last_verified_on: dt.date | None = None
    staff: tuple[StaffEntry, ...] = ()
    # None: leave the timetable as it is (e.g. a CSV without the timetable sheet).
    stops: tuple[StopEntry, ...] | None = None
    # None: leave the 上图简称 as it is (a spreadsheet has no such column).
    short_name: str | None = None


class RegionsByCode(dict[str, Region]):
    """Regions by code, fetched from the database on first use and kept: a batch of rows
    touches a few hundred of the country's 700,000 regions, never all of them."""

    absent: set[str]

    def get(self, code: str, default: Region | None = None) -> Region | None:  # type: ignore[override]
        if code not in self:
            self.load([code])
        return super().get(code, default)

    def __missing__(self, code: str) -> Region:
        self.load([code])
        if not dict.__contains__(self, code):
            raise KeyError(code)
        return dict.__getitem__(self, code)

    def load(self, codes: Iterable[str]) -> None:
        if not hasattr(self, "absent"):
            self.absent = set()
        wanted = [
            c
            for c in {str(c) for c in codes if c}
            if not dict.__contains__(self, c) and c not in self.absent
        ]
        for start in range(0, len(wanted), 500):
            for region in Region.objects.filter(code__in=wanted[start : start + 500]):
                self[region.code] = region
        self.absent.update(c for c in wanted if not dict.__contains__(self, c))


@dataclass
class Catalogue:
    """Lookups that a batch of rows shares: amenities, services, regions by code."""

    amenities: dict[str, Amenity] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    regions: RegionsByCode = field(default_factory=RegionsByCode)

    @classmethod
    def load(cls) -> Catalogue:
        return cls(
            amenities={a.code: a for a in Amenity.objects.all()},
            services={s.code: s for s in Service.objects.all()},
        )


# ---------------------------------------------------------------------------
# Cleaning raw input into StationData
# ---------------------------------------------------------------------------


# A raw record (or stop) whose lon/lat a reader already checked and converted to WGS-84
# (`stations.rules.coordinates_to_wgs84`): not checked a second time.
POINT_CHECKED = "point_checked"


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def _optional_int(
    raw: Mapping[str, Any], key: str, errors: list[FieldError], row: int | None, low: int, high: int
) -> int | None:
    text = _text(raw, key)
    if not text:
        return None
    try:
        as_float = float(text)
    except ValueError:
        as_float = float("nan")
    if not as_float.is_integer():
        errors.append(FieldError(key, "必须是整数", row, text))
        return None
    number = int(as_float)
    if not low <= number <= high:
        errors.append(FieldError(key, f"应在 {low}–{high} 之间", row, text))
        return None
    return number


def station_data_clean(
    raw: Mapping[str, Any],
    *,
    catalogue: Catalogue,
    scope: Scope,
    row: int | None = None,
    default_crs: str = "wgs84",
) -> StationData:
    """Check one raw record (from a form, the API or a spreadsheet row) and return it as
    StationData, or raise ValidationFailed naming every bad field (and the row)."""
    errors: list[FieldError] = []

    def fail(exc: RuleError, value: Any = "") -> None:
        errors.append(FieldError(exc.field, exc.message, row, str(value)))

    code = name = ""
    try:
        code = check_code(_text(raw, "code"))
    except RuleError as exc:
        fail(exc, raw.get("code"))
    try:
        name = check_name(_text(raw, "name"))
    except RuleError as exc:
        fail(exc, raw.get("name"))
    short_name: str | None = None
    if raw.get("short_name") is not None:
        try:
            short_name = check_short_name(_text(raw, "short_name"))
        except RuleError as exc:
            fail(exc, raw.get("short_name"))
    kind = _text(raw, "kind")
    if kind not in StationKind.values:
        errors.append(FieldError("kind", "类型应为 固定/流动/智能", row, kind))
    region_code = _text(raw, "region_code")
    region = catalogue.regions.get(region_code)
    if region is None:
        errors.append(FieldError("region_code", "未知的行政区划代码", row, region_code))
    elif not scope.contains(region):
        errors.append(FieldError("region_code", "该区划不在您的管辖范围内", row, region_code))
    address = _text(raw, "address")
    if not address or len(address) > 200:
        errors.append(FieldError("address", "地址不能为空且不超过200字", row, address))
    lat = lon = 0.0
    row_crs = str(default_crs)
    try:
        row_crs = parse_crs(_text(raw, "crs"), default=parse_crs(default_crs)).value
        if raw.get(POINT_CHECKED) and raw.get("lon") is not None:
            lon, lat = float(raw["lon"]), float(raw["lat"])  # the reader checked it already
        else:
            lon, lat = coordinates_to_wgs84(raw.get("lon"), raw.get("lat"), row_crs)
    except RuleError as exc:
        fail(exc, f"{raw.get('lon')}, {raw.get('lat')}")
    opening_hours = ""
    try:
        opening_hours = hours.validate(_text(raw, "opening_hours"))
    except hours.InvalidOpeningHours as exc:
        errors.append(FieldError("opening_hours", str(exc), row, _text(raw, "opening_hours")))
    amenities: list[AmenityEntry] = []
    for entry in raw.get("amenities") or ():
        entry = entry if isinstance(entry, AmenityEntry) else AmenityEntry(**entry)
        if any(a.code == entry.code for a in amenities):
            errors.append(FieldError("amenities", "设施重复", row, entry.code))
        elif entry.code not in catalogue.amenities:
            errors.append(FieldError("amenities", "设施目录中没有此项", row, entry.code))
        elif entry.state not in AmenityState.values:
            errors.append(FieldError("amenities", "设施状态应为 正常/故障", row, entry.state))
        else:
            amenities.append(entry)
    services: list[str] = []
    for service in raw.get("services") or ():
        if service in services:
            errors.append(FieldError("services", "服务重复", row, service))
        elif service not in catalogue.services:
            errors.append(FieldError("services", "服务目录中没有此项", row, service))
        else:
            services.append(service)
    status = _text(raw, "status") or StationStatus.ACTIVE
    if status not in StationStatus.values:
        errors.append(FieldError("status", "状态应为 规划中/运营中/暂停/已摘牌", row, status))
    status_reason = _text(raw, "status_reason")
    if status in REASON_REQUIRED and not status_reason:
        errors.append(FieldError("status_reason", "暂停或摘牌须填写原因", row, ""))
    verified = raw.get("last_verified_on")
    if isinstance(verified, str):
        verified_text = verified.strip()
        verified = None
        if verified_text:
            try:
                verified = dt.date.fromisoformat(verified_text.replace("/", "-")[:10])
            except ValueError:
                errors.append(
                    FieldError("last_verified_on", "日期格式应为 2026-03-01", row, verified_text)
                )
    elif isinstance(verified, dt.datetime):
        verified = verified.date()
    feature = _text(raw, "feature")
    if len(feature) > 200:
        errors.append(FieldError("feature", "一站一特色不超过200字", row, feature[:20]))
    phone = _text(raw, "phone")
    if len(phone) > 32:
        errors.append(FieldError("phone", "电话过长", row, phone))
    floor_area = _optional_int(raw, "floor_area_m2", errors, row, 1, 100000)
    capacity = _optional_int(raw, "capacity", errors, row, 1, 10000)
    star_level = _optional_int(raw, "star_level", errors, row, 1, 5)
    staff = tuple(
        s if isinstance(s, StaffEntry) else StaffEntry(**s) for s in raw.get("staff") or ()
    )
    for person in staff:
        if person.role not in REGISTRY_STAFF_ROLES or not person.name or len(person.name) > 40:
            errors.append(FieldError("staff", "人员姓名不能为空且不超过40字", row, person.name))
    workday = False
    try:
        workday = parse_yes_no(raw.get("keeps_workday_hours"))
    except RuleError as exc:
        fail(exc, raw.get("keeps_workday_hours"))
    stops_raw = raw.get("stops")
    stops: tuple[StopEntry, ...] | None = None
    if stops_raw is not None:
        stops = tuple(
            _clean_stop(s, default_crs=row_crs, errors=errors, row=row) for s in stops_raw
        )
        if stops and kind and kind != StationKind.MOBILE:
            errors.append(FieldError("stops", "只有流动驿站可以有停靠时刻表", row, kind))
    if errors:
        raise ValidationFailed(errors=errors)
    return StationData(
        code=code,
        name=name,
        kind=kind,
        region_code=region_code,
        address=address,
        lat=round(lat, 7),
        lon=round(lon, 7),
        opening_hours=opening_hours,
        keeps_workday_hours=workday,
        amenities=tuple(amenities),
        services=tuple(services),
        floor_area_m2=floor_area,
        capacity=capacity,
        star_level=star_level,
        feature=feature,
        phone=phone,
        status=status,
        status_reason=status_reason,
        last_verified_on=verified if isinstance(verified, dt.date) else None,
        staff=staff,
        stops=stops,
        short_name=short_name,
    )


def _clean_stop(
    stop: StopEntry | Mapping[str, Any],
    *,
    default_crs: str,
    errors: list[FieldError],
    row: int | None,
) -> StopEntry:
    """One timetable stop: a named place, a point in China (converted to WGS-84) and a
    valid time window."""
    raw = stop.__dict__ if isinstance(stop, StopEntry) else stop
    place = _text(raw, "place_name")
    label = place or "?"
    if not place or len(place) > 100:
        errors.append(FieldError("stops", "停靠点名称不能为空且不超过100字", row, place))
    address = _text(raw, "address")
    if len(address) > 200:
        errors.append(FieldError("stops", f"{label}: 地址不超过200字", row, address[:20]))
    lon = lat = 0.0
    try:
        crs = parse_crs(_text(raw, "crs"), default=parse_crs(default_crs))
        if raw.get(POINT_CHECKED):
            lon, lat = float(raw["lon"]), float(raw["lat"])
        else:
            lon, lat = coordinates_to_wgs84(raw.get("lon"), raw.get("lat"), crs)
    except RuleError as exc:
        errors.append(FieldError("stops", f"{label}: {exc.message}", row))
    window = _text(raw, "hours")
    try:
        window = hours.validate(window)
    except hours.InvalidOpeningHours as exc:
        errors.append(FieldError("stops", f"{label}: {exc}", row, window))
    return StopEntry(
        place_name=place, lat=round(lat, 7), lon=round(lon, 7), hours=window, address=address
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

SCALAR_FIELDS = (
    "name",
    "kind",
    "address",
    "lat",
    "lon",
    "opening_hours",
    "keeps_workday_hours",
    "floor_area_m2",
    "capacity",
    "star_level",
    "feature",
    "phone",
    "status",
    "status_reason",
    "last_verified_on",
)


# The roles the registry (and its spreadsheets) keeps. One-day masters are volunteers that
# station operations appoints; an import never touches them.
REGISTRY_STAFF_ROLES = frozenset(
    {StaffRole.MASTER, StaffRole.ADMINISTRATOR, StaffRole.BUTLER, StaffRole.CONTACT}
)


def station_snapshot(station: Station) -> dict[str, Any]:
    """Everything a registry row holds, as plain JSON-able values (for diffs and history)."""
    snap: dict[str, Any] = {f: getattr(station, f) for f in SCALAR_FIELDS}
    snap["short_name"] = station.short_name
    snap["region_code"] = station.region.code
    if snap["last_verified_on"] is not None:
        snap["last_verified_on"] = snap["last_verified_on"].isoformat()
    snap["amenities"] = sorted(
        [sa.amenity.code, sa.state, sa.reason] for sa in station.station_amenities.all()
    )
    snap["services"] = sorted(s.code for s in station.services.all())
    snap["staff"] = sorted(
        [s.role, s.name, s.phone] for s in station.staff.all() if s.role in REGISTRY_STAFF_ROLES
    )
    snap["stops"] = sorted(
        [s.place_name, s.lat, s.lon, s.hours, s.address] for s in station.stops.all()
    )
    return snap


def station_data_snapshot(data: StationData, current: dict[str, Any] | None) -> dict[str, Any]:
    snap: dict[str, Any] = {f: getattr(data, f) for f in SCALAR_FIELDS}
    if data.short_name is None:
        snap["short_name"] = current["short_name"] if current else ""
    else:
        snap["short_name"] = data.short_name
    snap["region_code"] = data.region_code
    if snap["last_verified_on"] is not None:
        snap["last_verified_on"] = snap["last_verified_on"].isoformat()
    snap["amenities"] = sorted([a.code, a.state, a.reason] for a in data.amenities)
    snap["services"] = sorted(data.services)
    snap["staff"] = sorted([s.role, s.name, s.phone] for s in data.staff)
    if data.stops is None:
        snap["stops"] = current["stops"] if current else []
    else:
        snap["stops"] = sorted([s.place_name, s.lat, s.lon, s.hours, s.address] for s in data.stops)
    return snap


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def station_change_errors(
    *, existing: Station | None, data: StationData, scope: Scope, row: int | None = None
) -> list[FieldError]:
    """Rules that need the stored record: the caller must be allowed to change the
    existing station, and a status change must follow the lifecycle."""
    if existing is None:
        return []
    errors: list[FieldError] = []
    if not scope.contains(existing.region):
        errors.append(
            FieldError("code", "该编号的驿站属于您管辖范围以外的区划", row, existing.code)
        )
    if data.status != existing.status and data.status not in STATUS_TRANSITIONS[existing.status]:
        errors.append(
            FieldError(
                "status",
                f"不能从“{StationStatus(existing.status).label}”"
                f"变为“{StationStatus(data.status).label}”",
                row,
                data.status,
            )
        )
    return errors


def _station_for_update(code: str) -> Station | None:
    return (
        Station.objects.select_for_update(of=("self",))
        .select_related("region")
        .prefetch_related("station_amenities__amenity", "services", "staff", "stops")
        .filter(code=code)
        .first()
    )


def station_upsert(
    *,
    data: StationData,
    user: User | None,
    catalogue: Catalogue,
    scope: Scope,
    action: str = StationChange.Action.UPDATE,
    reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[Station, str]:
    """Create or update the station with ``data.code``; returns (station, outcome) where
    outcome is "created", "updated" or "unchanged". History records who changed what.

    Raises ValidationFailed when the existing station lies outside ``scope`` or the
    status change is not allowed by the lifecycle."""
    now = now or timezone.now()
    with transaction.atomic():
        station = _station_for_update(data.code)
        errors = station_change_errors(existing=station, data=data, scope=scope)
        if errors:
            raise ValidationFailed(errors=errors)
        before = station_snapshot(station) if station else None
        after = station_data_snapshot(data, before)
        if station is not None and before == after:
            return station, "unchanged"
        region = catalogue.regions[data.region_code]
        created = station is None
        if station is None:
            station = Station(code=data.code)
        for name in SCALAR_FIELDS:
            setattr(station, name, getattr(data, name))
        if data.short_name is not None:
            station.short_name = data.short_name
        station.region = region
        if created or (before and before["status"] != data.status):
            station.status_changed_at = now
        station.save()
        _replace_children(station, data, catalogue, before=before, after=after)
        StationChange.objects.create(
            station=station,
            action=StationChange.Action.CREATE if created else action,
            changes=_diff(before or {}, after),
            reason=reason,
            changed_by=user,
            changed_at=now,
        )
    return station, "created" if created else "updated"


def _replace_children(
    station: Station,
    data: StationData,
    catalogue: Catalogue,
    *,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    """Write only the child lists that changed, keeping what other features hang on
    them (a staff member's account link, a stop's validity dates)."""
    if before is None:
        _create_children(station, data, catalogue)
        return
    changed = {k for k in after if before.get(k) != after[k]}
    if "amenities" in changed:
        wanted = {a.code: a for a in data.amenities}
        current = {
            sa.amenity.code: sa
            for sa in StationAmenity.objects.filter(station=station).select_related("amenity")
        }
        StationAmenity.objects.filter(station=station).exclude(amenity__code__in=wanted).delete()
        for code, entry in wanted.items():
            row = current.get(code)
            if row is None:
                StationAmenity.objects.create(
                    station=station,
                    amenity=catalogue.amenities[code],
                    state=entry.state,
                    reason=entry.reason,
                )
            elif (row.state, row.reason) != (entry.state, entry.reason):
                row.state, row.reason = entry.state, entry.reason
                if entry.state == AmenityState.WORKING:
                    row.expected_fix_on = None
                row.save(update_fields=["state", "reason", "expected_fix_on", "updated_at"])
    if "services" in changed:
        station.services.set([catalogue.services[c] for c in data.services])
    if "staff" in changed:
        kept = {
            (p.role, p.name): p
            for p in StationStaff.objects.filter(station=station, role__in=REGISTRY_STAFF_ROLES)
        }
        wanted_staff = {(p.role, p.name): p for p in data.staff}
        StationStaff.objects.filter(
            pk__in=[p.pk for key, p in kept.items() if key not in wanted_staff]
        ).delete()
        for key, person in wanted_staff.items():
            existing = kept.get(key)
            if existing is None:
                StationStaff.objects.create(
                    station=station, role=person.role, name=person.name, phone=person.phone
                )
            elif existing.phone != person.phone:
                existing.phone = person.phone
                existing.save(update_fields=["phone"])
    if data.stops is not None and "stops" in changed:
        MobileStop.objects.filter(station=station).delete()
        MobileStop.objects.bulk_create(
            MobileStop(
                station=station,
                place_name=s.place_name,
                address=s.address,
                lat=s.lat,
                lon=s.lon,
                hours=s.hours,
            )
            for s in data.stops
        )


def _create_children(station: Station, data: StationData, catalogue: Catalogue) -> None:
    """A new station has no children yet: write each list in one statement."""
    StationAmenity.objects.bulk_create(
        StationAmenity(
            station=station,
            amenity=catalogue.amenities[a.code],
            state=a.state,
            reason=a.reason,
        )
        for a in data.amenities
    )
    if data.services:
        station.services.add(*(catalogue.services[c] for c in data.services))
    StationStaff.objects.bulk_create(
        StationStaff(station=station, role=p.role, name=p.name, phone=p.phone) for p in data.staff
    )
    MobileStop.objects.bulk_create(
        MobileStop(
            station=station,
            place_name=s.place_name,
            address=s.address,
            lat=s.lat,
            lon=s.lon,
            hours=s.hours,
        )
        for s in data.stops or ()
    )


def station_record_change(
    *,
    station: Station,
    user: User | None,
    before: Mapping[str, Any] | None,
    action: str = StationChange.Action.UPDATE,
    reason: str = "",
) -> StationChange | None:
    """Record what an edit made elsewhere (the console's forms) changed; None if nothing."""
    after = station_snapshot(station)
    changes = _diff(before or {}, after)
    if not changes:
        return None
    Station.objects.filter(pk=station.pk).update(updated_at=timezone.now())
    return StationChange.objects.create(
        station=station,
        action=StationChange.Action.CREATE if before is None else action,
        changes=changes,
        reason=reason,
        changed_by=user,
        changed_at=timezone.now(),
    )


def station_status_set(
    *,
    station: Station,
    status: str,
    reason: str,
    user: User | None,
    scope: Scope,
    now: dt.datetime | None = None,
) -> Station:
    """Move a station along its lifecycle (planned → active → suspended → delisted)."""
    reason = (reason or "").strip()
    if status in REASON_REQUIRED and not reason:
        raise ValidationFailed(errors=[FieldError("status_reason", "暂停或摘牌须填写原因")])
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Station.objects.select_for_update(of=("self",))
            .select_related("region")
            .get(pk=station.pk)
        )
        if not scope.contains(locked.region):
            raise PermissionDenied("该驿站不在您的管辖范围内")
        if status not in STATUS_TRANSITIONS.get(locked.status, set()):
            raise ApplicationError(
                f"不能从“{StationStatus(locked.status).label}”变为“{StationStatus(status).label}”"
            )
        old = locked.status
        locked.status = status
        locked.status_reason = reason
        locked.status_changed_at = now
        locked.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        StationChange.objects.create(
            station=locked,
            action=StationChange.Action.STATUS,
            changes={"status": [old, status]},
            reason=reason,
            changed_by=user,
            changed_at=now,
        )
    return locked


def station_verify(
    *,
    station: Station,
    user: User | None,
    scope: Scope,
    on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Station:
    """Record that someone checked the record against reality (today by default)."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    with transaction.atomic():
        locked = (
            Station.objects.select_for_update(of=("self",))
            .select_related("region")
            .get(pk=station.pk)
        )
        if not scope.contains(locked.region):
            raise PermissionDenied("该驿站不在您的管辖范围内")
        old = locked.last_verified_on
        locked.last_verified_on = on
        locked.save(update_fields=["last_verified_on", "updated_at"])
        StationChange.objects.create(
            station=locked,
            action=StationChange.Action.VERIFY,
            changes={"last_verified_on": [old.isoformat() if old else None, on.isoformat()]},
            changed_by=user,
            changed_at=now,
        )
    return locked


def station_short_name_set(
    *,
    station: Station,
    short_name: str,
    user: User | None,
    scope: Scope,
    reason: str = "",
    now: dt.datetime | None = None,
) -> bool:
    """Set the 上图简称, the name sent to the map platforms in place of a name over
    their limit ("" clears it), with a history row. False when it already was that.

    Raises ValidationFailed naming the limit for a name too long, PermissionDenied for
    a station outside ``scope``."""
    try:
        short_name = check_short_name(short_name)
    except RuleError as exc:
        raise ValidationFailed(
            errors=[FieldError(exc.field, exc.message, None, str(short_name))]
        ) from exc
    return _station_field_set(
        station=station, field="short_name", value=short_name, user=user, reason=reason,
        now=now, scope=scope,
    )  # fmt: skip


def _station_field_set(
    *,
    station: Station,
    field: str,
    value: Any,
    user: User | None,
    reason: str,
    now: dt.datetime | None,
    scope: Scope | None = None,
) -> bool:
    """Set one registry field under a row lock with a history row naming why (the
    station must lie in ``scope`` when one is given). False when it already was that."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Station.objects.select_for_update(of=("self",))
            .select_related("region")
            .get(pk=station.pk)
        )
        if scope is not None and not scope.contains(locked.region):
            raise PermissionDenied("该驿站不在您的管辖范围内")
        old = getattr(locked, field)
        if old == value:
            return False
        setattr(locked, field, value)
        locked.save(update_fields=[field, "updated_at"])
        StationChange.objects.create(
            station=locked,
            action=StationChange.Action.UPDATE,
            changes={field: [old, value]},
            reason=reason[:200],
            changed_by=user,
            changed_at=now,
        )
    setattr(station, field, value)
    return True


def station_listings_mark(
    *,
    stations: Sequence[Station],
    platform: str,
    fingerprints: Mapping[int, str],
    user: User | None,
) -> int:
    """Record that these stations were published (上图) to ``platform`` as fingerprinted."""
    if platform not in MapPlatform.values:
        raise ValidationFailed(errors=[FieldError("platform", "平台应为 amap 或 baidu")])
    now = timezone.now()
    with transaction.atomic():
        for station in stations:
            StationListing.objects.update_or_create(
                station=station,
                platform=platform,
                defaults={
                    "fingerprint": fingerprints[station.pk],
                    "listed_at": now,
                    "listed_by": user,
                },
            )
            StationChange.objects.create(
                station=station,
                action=StationChange.Action.PUBLISH,
                changes={"platform": [None, platform]},
                changed_by=user,
                changed_at=now,
            )
    return len(stations)


def station_star_level_set(
    *,
    station: Station,
    level: int | None,
    reason: str,
    user: User | None,
    now: dt.datetime | None = None,
) -> bool:
    """Set a station's star level (the monthly evaluation's decision), with a history row
    naming why. False when it already had that level."""
    if level is not None and not 1 <= level <= 5:
        raise ValidationFailed(errors=[FieldError("star_level", "星级应为 1–5")])
    return _station_field_set(
        station=station, field="star_level", value=level, user=user, reason=reason, now=now
    )


def ledger_mapping_remember(*, user: User, mapping: Mapping[str, str]) -> None:
    """Remember what the officer said their ledger's columns mean, for their next upload
    ({folded header: raw key or ""})."""
    for header, key in mapping.items():
        LedgerColumn.objects.update_or_create(
            user=user, header=header[:100], defaults={"key": key[:40]}
        )
