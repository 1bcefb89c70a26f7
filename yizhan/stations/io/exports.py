"""Exports of the registry (XLSX, CSV, GeoJSON) and the 上图 publishing pack for Amap and
Baidu: what to send each platform, and which stations are new or changed since the last
time they were published."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from geoplan.crs import CRS, from_wgs84
from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.regions.models import Region
from yizhan.stations.hours import _DAY_WORDS
from yizhan.stations.io.spreadsheets import (
    MAIN_SHEET,
    STATION_COLUMNS,
    STOP_COLUMNS,
    STOPS_SHEET,
    CatalogueNames,
    Column,
    guide_lines,
    station_cells,
    stop_cells,
    write_csv,
    write_xlsx,
)
from yizhan.stations.models import (
    Amenity,
    AmenityState,
    MapPlatform,
    Service,
    Station,
    StationChange,
    StationKind,
    StationListing,
    StationStatus,
)
from yizhan.stations.rules import (
    PLATFORM_NAME_MAX,
    RuleError,
    parse_crs,
    short_name_suggestion,
)

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}


def _stations(stations: Iterable[Station]) -> list[Station]:
    if isinstance(stations, QuerySet):
        from yizhan.stations.selectors import stations_base

        return list(stations_base().filter(pk__in=stations.values("pk")).order_by("code"))
    return list(stations)


def catalogue_names() -> CatalogueNames:
    return CatalogueNames.build(
        Amenity.objects.values_list("code", "name", "name_en"),
        Service.objects.values_list("code", "name", "name_en"),
    )


def _crs(value: CRS | str | None) -> CRS:
    try:
        return parse_crs(str(value.value if isinstance(value, CRS) else value or ""))
    except RuleError as exc:
        raise ValidationFailed(errors=[FieldError("crs", exc.message, None, str(value))]) from exc


def stations_export(
    *, stations: Iterable[Station], fmt: str, crs: CRS | str = CRS.WGS84
) -> tuple[bytes, str, str]:
    """The stations as a file: (content, content type, file name).

    XLSX and CSV hold exactly the columns `read_upload` reads (the XLSX also the mobile
    timetable and a guide sheet), with coordinates in ``crs`` and the 坐标系 column
    saying so. GeoJSON is always WGS-84, as RFC 7946 requires.

    Pass stations loaded with ``selectors.stations_base()`` (a queryset is reloaded that
    way); otherwise every station costs a few queries.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(
            errors=[FieldError("format", "导出格式应为 xlsx、csv 或 geojson", None, fmt)]
        )
    target = _crs(crs)
    items = _stations(stations)
    stamp = timezone.localdate().strftime("%Y%m%d")
    suffix = "" if target is CRS.WGS84 or fmt == "geojson" else f"-{target.value}"
    filename = f"yizhan-stations-{stamp}{suffix}.{fmt}"
    if fmt == "geojson":
        if target is not CRS.WGS84:
            raise ApplicationError(
                "GeoJSON 按 RFC 7946 只使用 WGS-84 坐标；需要高德或百度坐标请导出 XLSX 或 CSV"
            )
        return stations_geojson(items), FORMATS[fmt], filename
    rows = [station_cells(s, crs=target) for s in items]
    if fmt == "csv":
        return write_csv(rows), FORMATS[fmt], filename
    stops = [
        stop for s in items if s.kind == StationKind.MOBILE for stop in stop_cells(s, crs=target)
    ]
    content = write_xlsx(
        [(MAIN_SHEET, STATION_COLUMNS, rows), (STOPS_SHEET, STOP_COLUMNS, stops)],
        guide=guide_lines(catalogue_names()),
    )
    return content, FORMATS[fmt], filename


def station_feature(station: Station) -> dict[str, Any]:
    """One GeoJSON Feature (RFC 7946: WGS-84, [lon, lat])."""
    working = [
        sa.amenity.code
        for sa in station.station_amenities.all()
        if sa.state == AmenityState.WORKING
    ]
    broken = [
        sa.amenity.code
        for sa in station.station_amenities.all()
        if sa.state != AmenityState.WORKING
    ]
    return {
        "type": "Feature",
        "id": station.code,
        "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
        "properties": {
            "code": station.code,
            "name": station.name,
            "kind": station.kind,
            "status": station.status,
            "region": station.region.code,
            "region_name": station.region.name,
            "address": station.address,
            "opening_hours": station.opening_hours,
            "keeps_workday_hours": station.keeps_workday_hours,
            "amenities": working,
            "amenities_out_of_order": broken,
            "services": [s.code for s in station.services.all()],
            "star_level": station.star_level,
            "phone": station.phone,
        },
    }


def stations_geojson(stations: Iterable[Station]) -> bytes:
    collection = {
        "type": "FeatureCollection",
        "features": [station_feature(s) for s in stations],
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------
# 上图: publishing to Amap and Baidu
# ---------------------------------------------------------------------------

LISTING_CATEGORY = "生活服务;公共服务设施;工会驿站"
LISTING_BRAND = "工会驿站"
PLATFORM_CRS = {MapPlatform.AMAP.value: CRS.GCJ02, MapPlatform.BAIDU.value: CRS.BD09}
# What the platforms' submission forms ask for, in their order. "code" is ours, not
# sent, and not part of the fingerprint.
LISTING_COLUMNS: tuple[Column, ...] = (
    Column("code", "驿站编号"),
    Column("name", "名称"),
    Column("province", "省"),
    Column("city", "市"),
    Column("district", "区县"),
    Column("address", "地址"),
    Column("category", "分类"),
    Column("phone", "电话"),
    Column("lon", "经度"),
    Column("lat", "纬度"),
    Column("crs", "坐标系"),
    Column("opening_hours", "营业时间"),
    Column("photos", "照片"),
    Column("facilities", "设施"),
)
LISTING_SHEET = "上图清单"
PENDING_SHEET = "待上图或有变更"
REASON_NEW = "未上图"
REASON_CHANGED = "信息有变更"
REASON_WITHDRAW = "已暂停或摘牌，需下线"
# Registry history keys → the listing field an officer recognises.
_CHANGE_LABELS = {
    "name": "名称",
    "short_name": "名称",
    "address": "地址",
    "region_code": "区县",
    "phone": "电话",
    "lat": "坐标",
    "lon": "坐标",
    "opening_hours": "营业时间",
    "keeps_workday_hours": "营业时间",
    "amenities": "设施",
}
_LABEL_OF = {c.key: c.header for c in LISTING_COLUMNS}


def _platform(platform: str) -> str:
    if platform not in MapPlatform.values:
        raise ValidationFailed(
            errors=[FieldError("platform", "平台应为 amap 或 baidu", None, platform)]
        )
    return platform


_WEEKDAYS = _DAY_WORDS["zh"]  # the hours' own day words (周一 … 周日)


def hours_text(rule: str, keeps_workday_hours: bool = False) -> str:
    """OSM opening_hours as the Chinese a map listing shows.

    >>> hours_text("Mo-Fr 08:00-18:00; PH off")
    '周一至周五 08:00-18:00；法定节假日 休息'
    >>> hours_text("24/7")
    '24小时开放'
    """
    text = rule.strip()
    if text == "24/7" and not keeps_workday_hours:
        return "24小时开放"
    text = text.replace("24/7", "每天 00:00-24:00")
    text = re.sub(
        r"\b(Mo|Tu|We|Th|Fr|Sa|Su)-(Mo|Tu|We|Th|Fr|Sa|Su)\b",
        lambda m: f"{_WEEKDAYS[m.group(1)]}至{_WEEKDAYS[m.group(2)]}",
        text,
    )
    text = re.sub(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)\b", lambda m: _WEEKDAYS[m.group(1)], text)
    text = re.sub(r"\bPH\b", "法定节假日", text)
    text = re.sub(r"\b(off|closed)\b", "休息", text)
    text = re.sub(r"\s*;\s*", "；", text)
    text = re.sub(r"(?<=[一二三四五六日]),(?=周)", "、", text)
    if keeps_workday_hours:
        text += "（法定节假日及调休放假日闭站，调休上班日开放）"
    return text


def _region_names(stations: Sequence[Station]) -> dict[str, str]:
    prefixes = {s.region.code[:n] for s in stations for n in (2, 4, 6)}
    return dict(Region.objects.filter(code__in=prefixes).values_list("code", "name"))


def _names_for(station: Station, regions: Mapping[str, str] | None) -> tuple[str, str, str]:
    if regions is None:
        chain: dict[str, str] = {}
        node: Region | None = station.region
        while node is not None:
            chain[node.code] = node.name
            node = node.parent
        regions = chain
    code = station.region.code
    return regions.get(code[:2], ""), regions.get(code[:4], ""), regions.get(code[:6], "")


def _branch(station: Station, region_words: Sequence[str]) -> tuple[str, str]:
    """(brand, branch) for the platform name "工会驿站（中央大街店）"."""
    name = station.name.strip()
    bracket = re.search(r"[（(](.+?)[)）]", name)
    if bracket:
        base = (name[: bracket.start()] + name[bracket.end() :]).strip()
        return (LISTING_BRAND if "驿站" in base else base), bracket.group(1).strip()
    if "驿站" not in name:
        return name, ""
    rest = name
    for word in sorted((w for w in region_words if w), key=len, reverse=True):
        if rest.startswith(word) and len(rest) > len(word):
            rest = rest[len(word) :]
    rest = re.sub(r"(总工会|工会)?(户外劳动者)?(服务)?(爱心|暖心)?驿站$", "", rest).strip(" -·")
    if not rest:
        rest = station.region.name if len(station.region.code) >= 9 else ""
    return LISTING_BRAND, rest


def listing_suggestion(station: Station, *, regions: Mapping[str, str] | None = None) -> str:
    """A proposed 上图简称 ("工会驿站（中央大街店）") for the officer to accept or edit;
    never sent by itself."""
    province, city, district = _names_for(station, regions)
    brand, branch = _branch(station, [province, city, district, station.region.name])
    return short_name_suggestion(brand, branch)


def listing_fields(
    station: Station,
    platform: str,
    *,
    regions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What to submit to ``platform`` ("amap" or "baidu") for this station: the name
    (the 上图简称 when there is one, else the full name, never shortened here: see
    `listing_warnings`), address, category, phone, coordinates in the platform's datum
    (GCJ-02 for Amap, BD-09 for Baidu), opening hours in words, photo URLs and the
    facilities in working order.

    ``regions`` ({code: name} for province, city, district) saves a query per station.
    """
    crs = PLATFORM_CRS[_platform(platform)]
    province, city, district = _names_for(station, regions)
    lon, lat = from_wgs84(station.lon, station.lat, crs)
    return {
        "name": station.short_name.strip() or station.name.strip(),
        "province": province,
        "city": city,
        "district": district,
        "address": station.address,
        "category": LISTING_CATEGORY,
        "phone": station.phone,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "crs": crs.value,
        "opening_hours": hours_text(station.opening_hours, station.keeps_workday_hours),
        "photos": [photo.image.url for photo in station.photos.all() if photo.image],
        "facilities": [
            sa.amenity.name
            for sa in station.station_amenities.all()
            if sa.state == AmenityState.WORKING
        ],
    }


def listing_fingerprint(fields: Mapping[str, Any]) -> str:
    """sha256 of the fields as canonical JSON: equal fields, equal fingerprint."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# What a warning says in the pack, by code ("%(…)s" from its params). The console page
# shows the same words through gettext (admin_views.WARNING_TEXTS).
WARNING_TEXTS = {
    "name_too_long": "名称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限："
    "请填写上图简称（不会自动截短）",
    "short_name_too_long": "上图简称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限："
    "请改短",
    "listed_name": "上次以“%(old)s”上图，现按名称“%(name)s”提交；如要保留原名，请把它填为上图简称",
    "no_address": "缺少地址",
    "no_phone": "缺少联系电话",
    "no_opening_hours": "缺少营业时间",
    "no_photos": "缺少照片（平台要求门头或内景照片）",
}
BLOCKING = frozenset({"name_too_long", "short_name_too_long"})
_PLATFORM_NAMES = {MapPlatform.AMAP.value: "高德地图", MapPlatform.BAIDU.value: "百度地图"}
# The fields a platform's form requires (name and coordinates are always there).
_REQUIRED = ("address", "phone", "opening_hours", "photos")


@dataclass(frozen=True)
class ListingWarning:
    """Something the platform will refuse or ask for: a `WARNING_TEXTS` code and the
    values its words name. A blocking one (a name over the limit) keeps the station out
    of the pack until it has a 上图简称 that fits."""

    code: str
    params: tuple[tuple[str, str | int], ...] = ()

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING

    @property
    def text(self) -> str:
        """The words in the pack (Chinese, whatever the console's language)."""
        params = dict(self.params)
        if "platform" in params:
            params["platform"] = _PLATFORM_NAMES[str(params["platform"])]
        return WARNING_TEXTS[self.code] % params


def listing_warnings(
    station: Station, fields: Mapping[str, Any], platform: str
) -> tuple[ListingWarning, ...]:
    """What stands between these fields and the platform: a name over its limit
    (naming the limit and the length), then each required field that is empty."""
    limit = PLATFORM_NAME_MAX[_platform(platform)]
    warnings: list[ListingWarning] = []
    name = str(fields["name"])
    if len(name) > limit:
        code = "short_name_too_long" if station.short_name.strip() else "name_too_long"
        params = (("length", len(name)), ("platform", platform), ("limit", limit))
        warnings.append(ListingWarning(code, params))
    warnings.extend(ListingWarning(f"no_{key}") for key in _REQUIRED if not fields.get(key))
    return tuple(warnings)


@dataclass(frozen=True)
class PendingListing:
    """A station to (re)submit to a platform, or to take off it, and why; with what the
    platform will refuse or miss (``warnings``) and, where the name does not fit or was
    listed in another form, a proposed 上图简称 (``suggestion``) for the officer."""

    station: Station
    fields: dict[str, Any]
    fingerprint: str
    reason: str
    changed: tuple[str, ...] = ()
    listed_at: dt.datetime | None = None
    warnings: tuple[ListingWarning, ...] = ()
    suggestion: str = ""

    @property
    def needs_short_name(self) -> bool:
        """The name is over the platform's limit: no pack, no marking, until it has a
        上图简称 that fits."""
        return any(w.blocking for w in self.warnings)

    @property
    def markable(self) -> bool:
        """Whether "标记为已上图" applies: not to a station that must come off the map,
        nor to one whose name the platform would refuse."""
        return self.reason != REASON_WITHDRAW and not self.needs_short_name

    @property
    def warning_text(self) -> str:
        return "；".join(w.text for w in self.warnings)


def listings_pending(*, stations: Iterable[Station], platform: str) -> list[PendingListing]:
    """Active stations never published to ``platform`` or whose fields differ from what
    was published (with the fields that changed since, from the registry history), and
    published stations that are no longer active and must come off the map.

    Each active one carries its `listing_warnings`; one whose name is over the limit
    also a proposed 上图简称. A station published under the name this pack derived
    before short names existed ("工会驿站（兆麟公园店）") is named as such, with that
    name offered as its 上图简称, so that keeping it is one click."""
    platform = _platform(platform)
    items = _stations(stations)
    regions = _region_names(items)
    listings = {
        listing.station_id: listing
        for listing in StationListing.objects.filter(
            platform=platform, station_id__in=[s.pk for s in items]
        )
    }
    pending: list[PendingListing] = []
    changed_ids: list[int] = []
    labels: dict[int, list[str]] = {}
    for station in items:
        listing = listings.get(station.pk)
        fields = listing_fields(station, platform, regions=regions)
        fingerprint = listing_fingerprint(fields)
        if station.status != StationStatus.ACTIVE:
            if listing is not None:
                pending.append(
                    PendingListing(
                        station, fields, fingerprint, REASON_WITHDRAW, (), listing.listed_at
                    )
                )
            continue
        if listing is not None and listing.fingerprint == fingerprint:
            continue
        warnings = listing_warnings(station, fields, platform)
        blocked = any(w.blocking for w in warnings)
        suggestion = ""
        if blocked or listing is not None:
            suggestion = listing_suggestion(station, regions=regions)
        if listing is None:
            pending.append(
                PendingListing(
                    station,
                    fields,
                    fingerprint,
                    REASON_NEW,
                    warnings=warnings,
                    suggestion=suggestion if blocked else "",
                )
            )
            continue
        changed_ids.append(station.pk)
        labels[station.pk] = []
        if (
            not station.short_name
            and suggestion != fields["name"]
            and listing_fingerprint({**fields, "name": suggestion}) == listing.fingerprint
        ):
            labels[station.pk].append(_CHANGE_LABELS["name"])
            listed_name = (("old", suggestion), ("name", str(fields["name"])))
            warnings = (ListingWarning("listed_name", listed_name), *warnings)
        elif not blocked:
            suggestion = ""
        pending.append(
            PendingListing(
                station,
                fields,
                fingerprint,
                REASON_CHANGED,
                (),
                listing.listed_at,
                warnings=warnings,
                suggestion=suggestion,
            )
        )
    if not changed_ids:
        return pending
    since = min(listings[pk].listed_at for pk in changed_ids)
    history = (
        StationChange.objects.filter(station_id__in=changed_ids, changed_at__gt=since)
        .exclude(action=StationChange.Action.PUBLISH)
        .order_by("changed_at")
        .values_list("station_id", "changed_at", "changes")
    )
    for station_id, changed_at, changes in history:
        if changed_at <= listings[station_id].listed_at:
            continue
        for key in changes or {}:
            label = _CHANGE_LABELS.get(key)
            if label and label not in labels[station_id]:
                labels[station_id].append(label)
    return [
        dataclasses.replace(p, changed=tuple(labels[p.station.pk]))
        if p.reason == REASON_CHANGED
        else p
        for p in pending
    ]


def _listing_row(code: str, fields: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    row = dict(fields)
    row["code"] = code
    row["crs"] = {"gcj02": "GCJ02", "bd09": "BD09"}.get(str(fields["crs"]), fields["crs"])
    row["photos"] = "\n".join(
        base_url.rstrip("/") + url if url.startswith("/") else url for url in fields["photos"]
    )
    row["facilities"] = "、".join(fields["facilities"])
    return row


PENDING_COLUMNS: tuple[Column, ...] = (
    Column("reason", "原因"),
    Column("changed", "变更内容"),
    Column("listed_at", "上次上图"),
    Column("warnings", "提示"),
    *LISTING_COLUMNS,
    Column("fingerprint", "内容指纹"),
)


def listing_pack(*, stations: Iterable[Station], platform: str, base_url: str = "") -> bytes:
    """The XLSX to hand to (or fill in for) the platform: sheet "上图清单" with every
    active station the platform can take, sheet "待上图或有变更" with what is new,
    changed or to take down, each with its warnings (提示).

    A station whose name is over the platform's limit and has no 上图简称 is not in
    "上图清单" (the platform would refuse it or cut the name itself); it is in
    "待上图或有变更" with the warning saying so, and the guide sheet counts it.

    ``base_url`` (e.g. "https://yizhan.example.cn") makes photo URLs absolute."""
    platform = _platform(platform)
    items = _stations(stations)
    regions = _region_names(items)
    pending = listings_pending(stations=items, platform=platform)
    blocked = {p.station.pk for p in pending if p.needs_short_name}
    all_rows = [
        _listing_row(s.code, listing_fields(s, platform, regions=regions), base_url)
        for s in items
        if s.status == StationStatus.ACTIVE and s.pk not in blocked
    ]
    pending_rows = []
    for p in pending:
        row = _listing_row(p.station.code, p.fields, base_url)
        row["reason"] = p.reason
        row["changed"] = "、".join(p.changed)
        row["listed_at"] = (
            timezone.localtime(p.listed_at).strftime("%Y-%m-%d %H:%M") if p.listed_at else ""
        )
        row["warnings"] = p.warning_text
        row["fingerprint"] = p.fingerprint
        pending_rows.append(row)
    guide = [
        ["平台", "", str(MapPlatform(platform).label)],
        ["坐标系", "", "GCJ-02（高德）" if platform == MapPlatform.AMAP else "BD-09（百度）"],
        ["生成时间", "", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [
            "说明",
            "",
            "提交平台后，请在“上图管理”页面点“标记为已上图”，下次只列出新增和变更的驿站。",
        ],
    ]
    if blocked:
        limit = PLATFORM_NAME_MAX[platform]
        guide.append(
            [
                "未列入上图清单",
                "",
                f"{len(blocked)} 个驿站名称超过 {limit} 个字且没有上图简称，未列入“{LISTING_SHEET}”"
                f"（见“{PENDING_SHEET}”的“提示”列）。请在“上图管理”页面填写上图简称后重新下载。",
            ]
        )
    return write_xlsx(
        [
            (LISTING_SHEET, LISTING_COLUMNS, all_rows),
            (PENDING_SHEET, PENDING_COLUMNS, pending_rows),
        ],
        guide=guide,
    )


def read_sheet(content: bytes, title: str) -> list[dict[str, Any]]:
    """Rows of one sheet of an XLSX as {header: value} (for tests and checks)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = list(book[title].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]
