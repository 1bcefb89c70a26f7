"""Officers' spreadsheets: the registry's column catalogue (its template), the cells as
officers type them, and writing stations back as those cells (reading is `io.reading`).

What a cell holds is what an officer types: 类型 "固定", 状态 "运营中", 按工作日开放 "是",
设施 "热水、微波炉、手机充电（故障：线缆损坏）", 服务 by catalogue name. Reading turns
those into the raw dicts that ``services.station_data_clean`` checks (codes, lists,
booleans); writing does the reverse, so that an export re-imports unchanged.

No database queries here: the amenity and service names come in as a `CatalogueNames`,
stations come in with their relations already loaded.

Rows are numbered as Excel shows them (the header is row 1), so that "第 7 行" in a
report is the row the officer sees.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geoplan.crs import CRS, from_wgs84
from yizhan.core.csv import content as csv_content
from yizhan.core.xlsx import Book, Styled
from yizhan.stations.io.vocabulary import norm
from yizhan.stations.models import AmenityState, StaffRole, Station, StationKind, StationStatus

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAIN_SHEET = "驿站"
STOPS_SHEET = "流动驿站时刻表"
GUIDE_SHEET = "填写说明"
# Decimals written for coordinates converted out of WGS-84 (8 ≈ 1 mm).
CONVERTED_DECIMALS = 8


# ---------------------------------------------------------------------------
# The column catalogue
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: the raw key it fills, its Chinese header, other accepted
    spellings, and a line for the guide sheet."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    note: str = ""


def _staff_columns() -> tuple[Column, ...]:
    out: list[Column] = []
    for role, header in STAFF_HEADERS.items():
        out.append(
            Column(f"staff.{role}", header, (f"{role}", f"{role}_name"), note="多人用、分隔")
        )
        out.append(
            Column(
                f"staff.{role}.phone",
                f"{header}电话",
                (f"{role}_phone", f"{header}手机", f"{header}联系电话"),
                note="与姓名一一对应，多人用、分隔",
            )
        )
    return tuple(out)


STAFF_HEADERS: dict[str, str] = {
    StaffRole.MASTER.value: "站长",
    StaffRole.ADMINISTRATOR.value: "管理员",
    StaffRole.BUTLER.value: "驿站管家",
    StaffRole.CONTACT.value: "联系人",
}

# In the order an export writes them.
STATION_COLUMNS: tuple[Column, ...] = (
    Column(
        "code", "驿站编号", ("编号", "code", "station_code"), True, "全局唯一；按编号新增或更新"
    ),
    Column("name", "名称", ("驿站名称", "name"), True, "不超过60个字"),
    Column(
        "short_name", "上图简称", ("short_name",), False, "名称超过地图平台上限时必填，不超过20个字"
    ),
    Column("kind", "类型", ("驿站类型", "kind", "type"), True, "固定 / 流动 / 智能"),
    Column("status", "状态", ("status",), False, "规划中 / 运营中 / 暂停 / 已摘牌；空白为运营中"),
    Column("status_reason", "状态说明", ("status_reason",), False, "暂停或摘牌时必填"),
    Column("region_code", "区划代码", ("行政区划代码", "region_code", "region"), True, "GB/T 2260"),
    Column("region_name", "区划名称", ("region_name",), False, "仅供阅读，导入时忽略"),
    Column("address", "地址", ("详细地址", "address"), True, "不超过200字"),
    Column("lon", "经度", ("lon", "lng", "longitude"), True, "十进制度"),
    Column("lat", "纬度", ("lat", "latitude"), True, "十进制度"),
    Column("crs", "坐标系", ("crs",), False, "WGS84 / GCJ02 / BD09；空白按上传时选择的坐标系"),
    Column(
        "opening_hours",
        "开放时间",
        ("opening_hours", "hours"),
        True,
        "如 Mo-Fr 08:00-18:00; PH off",
    ),
    Column(
        "keeps_workday_hours", "按工作日开放", ("keeps_workday_hours", "workday"), False, "是 / 否"
    ),
    Column("amenities", "设施", ("amenities",), False, "用、分隔；故障写作 微波炉（故障：原因）"),
    Column("services", "服务", ("services",), False, "用、分隔"),
    Column("floor_area_m2", "面积(㎡)", ("面积", "面积(平方米)", "floor_area_m2"), False, "整数"),
    Column("capacity", "可容纳人数", ("容纳人数", "capacity"), False, "整数"),
    Column("star_level", "星级", ("star_level", "stars"), False, "1–5"),
    Column("feature", "一站一特色", ("特色", "feature"), False, "不超过200字"),
    Column("phone", "联系电话", ("电话", "phone"), False, "驿站对外电话"),
    *_staff_columns(),
    Column(
        "last_verified_on", "最近核实日期", ("核实日期", "last_verified_on"), False, "如 2026-03-01"
    ),
)
STOP_COLUMNS: tuple[Column, ...] = (
    Column("code", "驿站编号", ("编号", "code", "station_code"), True),
    Column("place_name", "停靠点", ("停靠地点", "place_name"), True, "不超过100字"),
    Column("address", "地址", ("address",), False),
    Column("lon", "经度", ("lon", "lng", "longitude"), True),
    Column("lat", "纬度", ("lat", "latitude"), True),
    Column("hours", "停靠时间", ("hours", "停靠时段"), True, "如 Sa,Su 17:00-21:00"),
    Column("crs", "坐标系", ("crs",), False, "空白时与驿站表该站一致"),
)

# FieldError.field (from station_data_clean and the rules) → the header an officer sees.
FIELD_HEADERS: dict[str, str] = {
    **{c.key: c.header for c in STATION_COLUMNS},
    "staff": "站长/管理员",
    "stops": STOPS_SHEET,
    "default_crs": "默认坐标系",
    # Read from officers' own ledgers (not written by the template).
    "city": "所属市",
    "district": "所属区县",
    "street": "所属街道",
    "lonlat": "经纬度",
    "on_duplicate": "重复行的处理",
}


def header_for(field_key: str) -> str:
    """The Chinese column header for a raw key or FieldError.field (the key itself if
    unknown).

    >>> header_for("opening_hours"), header_for("lon"), header_for("staff.master.phone")
    ('开放时间', '经度', '站长电话')
    """
    return FIELD_HEADERS.get(field_key, field_key)


KIND_LABELS = {
    StationKind.FIXED.value: "固定",
    StationKind.MOBILE.value: "流动",
    StationKind.SMART.value: "智能",
}
STATUS_LABELS = {
    StationStatus.PLANNED.value: "规划中",
    StationStatus.ACTIVE.value: "运营中",
    StationStatus.SUSPENDED.value: "暂停",
    StationStatus.DELISTED.value: "已摘牌",
}
STATE_LABELS = {AmenityState.WORKING.value: "正常", AmenityState.OUT_OF_ORDER.value: "故障"}


@dataclass(frozen=True)
class CatalogueNames:
    """Amenity and service names (and codes, and English names) → catalogue codes."""

    amenities: Mapping[str, str]
    services: Mapping[str, str]
    amenity_names: Mapping[str, str] = field(default_factory=dict)
    service_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        amenities: Iterable[tuple[str, str, str]],
        services: Iterable[tuple[str, str, str]],
    ) -> CatalogueNames:
        """From (code, name, name_en) triples."""
        amenities, services = list(amenities), list(services)

        def index(rows: list[tuple[str, str, str]]) -> dict[str, str]:
            out: dict[str, str] = {}
            for code, name, name_en in rows:
                for word in (name_en, code, name):  # the Chinese name wins a clash
                    if word:
                        out[norm(word)] = code
            return out

        return cls(
            amenities=index(amenities),
            services=index(services),
            amenity_names={code: name for code, name, _ in amenities},
            service_names={code: name for code, name, _ in services},
        )

    def amenity(self, word: str) -> str | None:
        return self.amenities.get(norm(word))

    def service(self, word: str) -> str | None:
        return self.services.get(norm(word))


# ---------------------------------------------------------------------------
# Cells as officers type them (shared by reading and writing)
# ---------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text the way the officer sees it: 3.0 → "3", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def split_items(text: str) -> list[str]:
    """Split a list cell on 、，,;；/newline, but never inside brackets.

    >>> split_items("热水、微波炉（故障：门坏、待修）, 手机充电")
    ['热水', '微波炉（故障：门坏、待修）', '手机充电']
    """
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and char in "、，,;；\n\r":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


_STAR_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def star_text(text: str) -> str:
    """ "★★★" / "三星" / "3星级" → "3"; anything else as typed."""
    text = text.strip()
    if text and set(text) <= {"★", "☆"}:
        return str(text.count("★"))
    match = re.fullmatch(r"([1-5一二两三四五])\s*星级?", text)
    if match:
        word = match.group(1)
        return str(_STAR_WORDS.get(word, word))
    return text


def date_text(text: str) -> str:
    match = re.fullmatch(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?", text
    )
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return text


# ---------------------------------------------------------------------------
# Writing: a station as the cells an officer would type
# ---------------------------------------------------------------------------


def _converted(lon: float, lat: float, crs: CRS) -> tuple[float, float]:
    if crs is CRS.WGS84:
        return lon, lat
    x, y = from_wgs84(lon, lat, crs)
    return round(x, CONVERTED_DECIMALS), round(y, CONVERTED_DECIMALS)


def crs_label(crs: CRS) -> str:
    return {CRS.WGS84: "WGS84", CRS.GCJ02: "GCJ02", CRS.BD09: "BD09"}[crs]


def amenity_text(name: str, state: str, reason: str) -> str:
    """The inverse of `reading.amenity`.

    >>> amenity_text("手机充电", "out_of_order", "线缆损坏")
    '手机充电（故障：线缆损坏）'
    """
    if state == AmenityState.WORKING.value and not reason:
        return name
    label = STATE_LABELS.get(state, state)
    return f"{name}（{label}：{reason}）" if reason else f"{name}（{label}）"


def station_cells(station: Station, *, crs: CRS) -> dict[str, Any]:
    """A station as {raw key: cell value}, in the form `read_upload` reads back.

    Uses ``region``, ``station_amenities__amenity``, ``services`` and ``staff``: load them
    with the registry selectors first (``selectors.stations_base``)."""
    lon, lat = _converted(station.lon, station.lat, crs)
    staff: dict[str, list[tuple[str, str]]] = {role: [] for role in STAFF_HEADERS}
    for person in sorted(station.staff.all(), key=lambda s: (s.role, s.name, s.id or 0)):
        staff.setdefault(person.role, []).append((person.name, person.phone))
    cells: dict[str, Any] = {
        "code": station.code,
        "name": station.name,
        "short_name": station.short_name,
        "kind": KIND_LABELS.get(station.kind, station.kind),
        "status": STATUS_LABELS.get(station.status, station.status),
        "status_reason": station.status_reason,
        "region_code": station.region.code,
        "region_name": station.region.name,
        "address": station.address,
        "lon": lon,
        "lat": lat,
        "crs": crs_label(crs),
        "opening_hours": station.opening_hours,
        "keeps_workday_hours": "是" if station.keeps_workday_hours else "否",
        "amenities": "、".join(
            amenity_text(sa.amenity.name, sa.state, sa.reason)
            for sa in station.station_amenities.all()
        ),
        "services": "、".join(s.name for s in station.services.all()),
        "floor_area_m2": station.floor_area_m2,
        "capacity": station.capacity,
        "star_level": station.star_level,
        "feature": station.feature,
        "phone": station.phone,
        "last_verified_on": station.last_verified_on,
    }
    for role, people in staff.items():
        if role in STAFF_HEADERS:
            cells[f"staff.{role}"] = "、".join(name for name, _ in people)
            # Trailing empty phones are dropped so that names and phones stay aligned.
            phones = [phone for _, phone in people]
            while phones and not phones[-1]:
                phones.pop()
            cells[f"staff.{role}.phone"] = "、".join(phones) if all(phones) else _aligned(phones)
    return cells


def _aligned(phones: list[str]) -> str:
    # A person without a phone between two with phones keeps their place with "-".
    return "、".join(phone or "-" for phone in phones)


def stop_cells(station: Station, *, crs: CRS) -> list[dict[str, Any]]:
    out = []
    for stop in station.stops.all():
        lon, lat = _converted(stop.lon, stop.lat, crs)
        out.append(
            {
                "code": station.code,
                "place_name": stop.place_name,
                "address": stop.address,
                "lon": lon,
                "lat": lat,
                "hours": stop.hours,
                "crs": crs_label(crs),
            }
        )
    return out


def write_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Station rows as CSV (``core.csv``: UTF-8 with BOM, formula-like text behind an
    apostrophe that ``read_upload`` removes again)."""
    return csv_content(
        [c.header for c in STATION_COLUMNS],
        ([row.get(c.key) for c in STATION_COLUMNS] for row in rows),
    )


_WIDTHS = {
    "name": 28,
    "address": 36,
    "opening_hours": 26,
    "amenities": 40,
    "services": 24,
    "feature": 24,
    "status_reason": 18,
    "place_name": 24,
    "hours": 26,
}
REQUIRED_FILL = "FFF2CC"


def write_xlsx(
    sheets: Sequence[tuple[str, Sequence[Column], Iterable[Mapping[str, Any]]]],
    *,
    guide: Sequence[Sequence[Any]] | None = None,
) -> bytes:
    """Write sheets of {key: value} rows under the columns' headers (write-only mode:
    constant memory whatever the row count; ``core.xlsx`` keeps text text)."""
    book = Book(write_only=True)
    for title, columns, rows in sheets:
        book.sheet(
            title,
            [Styled(c.header, fill=REQUIRED_FILL) if c.required else c.header for c in columns],
            ([row.get(c.key) for c in columns] for row in rows),
            widths=[_WIDTHS.get(c.key, max(10, len(c.header) * 2 + 2)) for c in columns],
            freeze="B2",
        )
    if guide:
        book.sheet(GUIDE_SHEET, guide[0], guide[1:], widths=(18, 10, 80), freeze=None, wrap=True)
    return book.content()


def guide_lines(names: CatalogueNames) -> list[list[Any]]:
    """The "填写说明" sheet: each column, whether it is required, what it takes."""
    lines: list[list[Any]] = [["列", "必填", "说明"]]
    for column in STATION_COLUMNS:
        lines.append([column.header, "是" if column.required else "", column.note])
    lines.append([])
    lines.append([STOPS_SHEET, "", "流动驿站的停靠点，一行一个；不含此表的文件不改动时刻表"])
    for column in STOP_COLUMNS:
        lines.append([column.header, "是" if column.required else "", column.note])
    lines.append([])
    lines.append(["设施目录", "", "、".join(names.amenity_names.values())])
    lines.append(["服务目录", "", "、".join(names.service_names.values())])
    lines.append([])
    lines.append(
        [
            "缺少的可选列",
            "",
            "更新已有驿站时，文件中没有的可选列保持原值；列存在但单元格为空表示清空",
        ]
    )
    return lines
