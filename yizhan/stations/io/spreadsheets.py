"""Officers' spreadsheets: the column catalogue, reading an upload into raw records, and
writing stations back as the same cells.

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

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geoplan.crs import CRS, from_wgs84
from yizhan.core.csv import content as csv_content
from yizhan.core.csv import unprotect
from yizhan.core.xlsx import Book, Styled
from yizhan.stations import hours
from yizhan.stations.models import AmenityState, StaffRole, Station, StationKind, StationStatus
from yizhan.stations.rules import RuleError, coordinates_to_wgs84, parse_crs

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAIN_SHEET = "驿站"
STOPS_SHEET = "流动驿站时刻表"
GUIDE_SHEET = "填写说明"
# The header is looked for in the first rows, so a title row above it does no harm.
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 200
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
# Read by nothing: columns officers often add, and the informational region name.
IGNORED_KEYS = frozenset({"region_name", "ignored"})
IGNORED_HEADERS = ("序号", "备注", "说明")

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


def _norm(text: str) -> str:
    """Fold width, case and spaces: "智能驿站（24小时）" and "智能驿站(24小时)" match."""
    return re.sub(r"[\s*＊]+", "", unicodedata.normalize("NFKC", text)).lower()


_KIND_WORDS = {
    StationKind.FIXED.value: ("固定", "固定驿站", "fixed"),
    StationKind.MOBILE.value: ("流动", "流动驿站", "mobile", "流动服务车"),
    StationKind.SMART.value: ("智能", "智能驿站", "智能驿站(24小时)", "24小时智能驿站", "smart"),
}
_STATUS_WORDS = {
    StationStatus.PLANNED.value: ("规划中", "规划", "筹建", "planned"),
    StationStatus.ACTIVE.value: ("运营中", "运营", "开放", "active"),
    StationStatus.SUSPENDED.value: ("暂停", "暂停运营", "暂停开放", "suspended"),
    StationStatus.DELISTED.value: ("已摘牌", "摘牌", "delisted"),
}
_STATE_WORDS = {
    AmenityState.WORKING.value: ("正常", "可用", "working"),
    AmenityState.OUT_OF_ORDER.value: ("故障", "损坏", "坏", "停用", "维修中", "out_of_order"),
}


def _lookup(words: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {_norm(word): code for code, spellings in words.items() for word in (code, *spellings)}


KIND_LOOKUP = _lookup(_KIND_WORDS)
STATUS_LOOKUP = _lookup(_STATUS_WORDS)
STATE_LOOKUP = _lookup(_STATE_WORDS)


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
                        out[_norm(word)] = code
            return out

        return cls(
            amenities=index(amenities),
            services=index(services),
            amenity_names={code: name for code, name, _ in amenities},
            service_names={code: name for code, name, _ in services},
        )

    def amenity(self, word: str) -> str | None:
        return self.amenities.get(_norm(word))

    def service(self, word: str) -> str | None:
        return self.services.get(_norm(word))


# ---------------------------------------------------------------------------
# Errors and results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One problem in one cell (or one column, or the whole file when row is None)."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class UploadError(Exception):
    """The file cannot be read as a station table at all (wrong type, header, size)."""

    def __init__(self, errors: Sequence[CellError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


@dataclass
class UploadRow:
    row: int
    raw: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)


@dataclass
class Upload:
    """A file read into raw records. ``keys`` are the raw keys whose columns the file
    has (a missing optional column means "leave as it is"); ``has_stops`` whether it
    carries the timetable sheet (otherwise ``raw["stops"]`` is None)."""

    format: str
    rows: list[UploadRow]
    keys: frozenset[str]
    staff_roles: frozenset[str]
    has_stops: bool
    errors: list[CellError] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

_MAGIC = (
    (b"\x89PNG", "这是一个图片文件（PNG），请上传 .xlsx 或 .csv 表格"),
    (b"\xff\xd8\xff", "这是一个图片文件（JPEG），请上传 .xlsx 或 .csv 表格"),
    (b"GIF8", "这是一个图片文件（GIF），请上传 .xlsx 或 .csv 表格"),
    (b"%PDF", "这是一个 PDF 文件，请上传 .xlsx 或 .csv 表格"),
    (b"\xd0\xcf\x11\xe0", "不支持旧版 Excel（.xls）或 WPS 格式，请在 Excel 中另存为 .xlsx 后上传"),
    (b"Rar!", "这是一个压缩包（RAR），请上传 .xlsx 或 .csv 表格"),
    (b"7z\xbc\xaf", "这是一个压缩包（7z），请上传 .xlsx 或 .csv 表格"),
)


def _file_error(message: str, value: str = "") -> UploadError:
    return UploadError([CellError("", None, "", value, message)])


def read_upload(
    *,
    filename: str,
    content: bytes,
    names: CatalogueNames,
    default_crs: str = CRS.WGS84.value,
) -> Upload:
    """Read an uploaded .xlsx or .csv into raw station records.

    Raises `UploadError` when the file as a whole is unusable; problems in single cells
    are returned on their rows for the caller to report with its own checks.
    """
    if not content:
        raise _file_error("文件是空的")
    if len(content) > MAX_FILE_BYTES:
        raise _file_error(
            f"文件过大：{len(content) / 1024 / 1024:.1f} MB，"
            f"最大 {MAX_FILE_BYTES // 1024 // 1024} MB；"
            "请分成几个文件导入"
        )
    for magic, message in _MAGIC:
        if content.startswith(magic):
            raise _file_error(message, filename)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, names, default_crs)
    if ext in ("xlsx", "xlsm"):
        raise _file_error("文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名", filename)
    if ext not in ("csv", "txt", ""):
        raise _file_error(f"不支持的文件类型 .{ext}，请上传 .xlsx 或 .csv 表格", filename)
    return _read_csv(content, names)


# An .xlsx is a zip: refuse one that would unpack to more than this (a "zip bomb" of
# empty rows or one huge string costs gigabytes and minutes inside openpyxl).
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100


def _check_zip_size(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _file_error("无法读取 Excel 文件：文件已损坏，或不是 .xlsx 表格") from exc
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise _file_error(
            f"Excel 文件解压后过大（{unpacked / 1024 / 1024:.0f} MB），"
            "请删除空行、空列后另存，或分批导入"
        )


def _read_xlsx(content: bytes, names: CatalogueNames, default_crs: str) -> Upload:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip_size(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _file_error("无法读取 Excel 文件：文件已损坏，或不是 .xlsx 表格") from exc
    try:
        sheets = {ws.title.strip(): ws for ws in book.worksheets}
        main = sheets.get(MAIN_SHEET) or next(
            (ws for title, ws in sheets.items() if title not in (STOPS_SHEET, GUIDE_SHEET)), None
        )
        if main is None:
            raise _file_error(f"找不到驿站表（工作表“{MAIN_SHEET}”）")
        sheet_name = main.title
        upload = _read_station_rows(_sheet_rows(main), sheet_name, names, "xlsx")
        stops_ws = sheets.get(STOPS_SHEET)
        if stops_ws is not None:
            _attach_stops(upload, _sheet_rows(stops_ws), default_crs)
        return upload
    finally:
        book.close()


def _sheet_rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    ws.reset_dimensions()  # some writers record a wrong size; read what is there
    yield from ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if b"\x00" in content[:65536]:
        raise _file_error("文件不是表格：内容含有二进制数据，请上传 .xlsx 或 .csv 表格")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text[:65536]):
            raise _file_error("文件不是表格：内容含有二进制数据，请上传 .xlsx 或 .csv 表格")
        return text
    raise _file_error("无法识别文件编码：请把 CSV 另存为 UTF-8 或 GB18030（GBK）编码")


def _read_csv(content: bytes, names: CatalogueNames) -> Upload:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "；"), key=first_line.count)
    if delimiter == "；":
        text = text.replace("；", ";")
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in reader:
            # Undo the formula guard that the export adds ("'=..." → "=...").
            yield tuple(unprotect(cell) for cell in row)

    try:
        return _read_station_rows(rows(), MAIN_SHEET, names, "csv")
    except csv.Error as exc:
        raise _file_error(f"CSV 格式错误：{exc}") from exc


def _match_headers(
    header: Sequence[Any], columns: Sequence[Column], sheet: str, row: int
) -> tuple[dict[int, str], list[CellError]]:
    lookup: dict[str, str] = {}
    for column in columns:
        for word in (column.header, *column.aliases):
            lookup[_norm(word)] = column.key
    for word in IGNORED_HEADERS:
        lookup.setdefault(_norm(word), "ignored")
    by_index: dict[int, str] = {}
    seen: dict[str, int] = {}
    errors: list[CellError] = []
    unknown: list[str] = []
    headers = {c.key: c.header for c in columns}
    for index, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        key = lookup.get(_norm(text))
        if key is None:
            unknown.append(f"“{text}”（{_column_letter(index)}列）")
            continue
        if key == "ignored":
            continue
        if key in seen:
            errors.append(
                CellError(
                    sheet,
                    row,
                    headers[key],
                    text,
                    f"列“{headers[key]}”重复：{_column_letter(seen[key])}列和{_column_letter(index)}列",
                )
            )
            continue
        seen[key] = index
        by_index[index] = key
    if unknown:
        errors.append(
            CellError(
                sheet,
                row,
                "",
                "、".join(unknown),
                "无法识别的列："
                + "、".join(unknown)
                + f"。请使用模板中的列名（见“{GUIDE_SHEET}”）",
            )
        )
    missing = [c.header for c in columns if c.required and c.key not in seen]
    if missing:
        errors.append(
            CellError(sheet, row, "", "、".join(missing), "缺少必填列：" + "、".join(missing))
        )
    return by_index, errors


def _find_header(
    rows: Iterator[tuple[Any, ...]], columns: Sequence[Column], sheet: str
) -> tuple[int, tuple[Any, ...]] | None:
    """The header row (its number and cells) among the first rows, or None when the
    sheet is empty. The rows after it stay in ``rows``."""
    code_words = {_norm(w) for w in (columns[0].header, *columns[0].aliases)}
    first: tuple[int, tuple[Any, ...]] | None = None
    for number, values in enumerate(rows, start=1):
        if first is None and any(_cell_text(v) for v in values):
            first = (number, values)
        if any(_norm(_cell_text(v)) in code_words for v in values):
            return number, values
        if number >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        return None
    # No code column anywhere: report the header problems against the first row used.
    _, errors = _match_headers(first[1], columns, sheet, first[0])
    raise UploadError(errors)


def _read_station_rows(
    rows: Iterator[tuple[Any, ...]], sheet: str, names: CatalogueNames, fmt: str
) -> Upload:
    found = _find_header(rows, STATION_COLUMNS, sheet)
    if found is None:
        raise UploadError([CellError(sheet, None, "", "", f"工作表“{sheet}”是空的")])
    header_row, header = found
    by_index, errors = _match_headers(header, STATION_COLUMNS, sheet, header_row)
    if errors:
        raise UploadError(errors)
    keys = frozenset(by_index.values()) - IGNORED_KEYS
    roles = frozenset(
        key.split(".")[1] for key in keys if key.startswith("staff.") and key.count(".") == 1
    )
    out: list[UploadRow] = []
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {key: values[i] if i < len(values) else None for i, key in by_index.items()}
        if not any(_cell_text(v) for v in cells.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise UploadError(
                [CellError(sheet, number, "", "", f"数据行超过 {MAX_ROWS} 行，请分成几个文件导入")]
            )
        out.append(_parse_station(cells, number, sheet, names, roles))
    if not out:
        raise UploadError([CellError(sheet, header_row + 1, "", "", "表格中没有数据行")])
    return Upload(format=fmt, rows=out, keys=keys, staff_roles=roles, has_stops=False)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_text(value: Any) -> str:
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


_BRACKETED = re.compile(r"^(.*?)[（(](.*)[)）]\s*$", re.S)


def parse_amenity(item: str, names: CatalogueNames) -> dict[str, str]:
    """ "手机充电（故障：线缆损坏）" → {"code": "charging", "state": "out_of_order",
    "reason": "线缆损坏"}. Unknown names and states pass through for the cleaner to
    report in its own words."""
    code = names.amenity(item)
    if code is not None:
        return {"code": code, "state": AmenityState.WORKING.value, "reason": ""}
    match = _BRACKETED.match(item)
    if not match:
        return {"code": item, "state": AmenityState.WORKING.value, "reason": ""}
    name, inside = match.group(1).strip(), match.group(2).strip()
    state_text, _, reason = _split_state(inside)
    state = STATE_LOOKUP.get(_norm(state_text), state_text)
    return {"code": names.amenity(name) or name, "state": state, "reason": reason.strip()}


def _split_state(inside: str) -> tuple[str, str, str]:
    parts = re.split(r"[:：]", inside, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), ":", parts[1].strip()
    # "故障线缆损坏" without a colon: a known state word at the start still counts.
    for word in sorted(STATE_LOOKUP, key=len, reverse=True):
        if _norm(inside).startswith(word) and word:
            return inside[: len(word)], "", inside[len(word) :].lstrip("，, ")
    return inside, "", ""


_STAR_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def _star_text(text: str) -> str:
    """ "★★★" / "三星" / "3星级" → "3"; anything else as typed."""
    text = text.strip()
    if text and set(text) <= {"★", "☆"}:
        return str(text.count("★"))
    match = re.fullmatch(r"([1-5一二两三四五])\s*星级?", text)
    if match:
        word = match.group(1)
        return str(_STAR_WORDS.get(word, word))
    return text


def _date_text(text: str) -> str:
    match = re.fullmatch(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?", text
    )
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return text


def _parse_station(
    cells: Mapping[str, Any],
    row: int,
    sheet: str,
    names: CatalogueNames,
    roles: frozenset[str],
) -> UploadRow:
    raw: dict[str, Any] = {}
    errors: list[CellError] = []

    def error(key: str, value: str, message: str) -> None:
        errors.append(CellError(sheet, row, header_for(key), value, message))

    for key, value in cells.items():
        if key in IGNORED_KEYS or key.startswith("staff."):
            continue
        text = _cell_text(value)
        if key == "kind":
            raw[key] = KIND_LOOKUP.get(_norm(text), text)
        elif key == "status":
            raw[key] = STATUS_LOOKUP.get(_norm(text), text) if text else ""
        elif key == "keeps_workday_hours":
            # 是/否 is read by rules.parse_yes_no inside station_data_clean.
            raw[key] = value if isinstance(value, bool) else unicodedata.normalize("NFKC", text)
        elif key == "amenities":
            by_code: dict[str, dict[str, str]] = {}
            for item in split_items(text):
                entry = parse_amenity(item, names)
                if entry["code"] in by_code:
                    error(key, item, f"设施“{item}”重复填写")
                by_code[entry["code"]] = entry
            raw[key] = list(by_code.values())
        elif key == "services":
            codes: list[str] = []
            for item in split_items(text):
                code = names.service(item) or item
                if code in codes:
                    error(key, item, f"服务“{item}”重复填写")
                else:
                    codes.append(code)
            raw[key] = codes
        elif key in ("lon", "lat"):
            raw[key] = (
                value if isinstance(value, int | float) else unicodedata.normalize("NFKC", text)
            )
        elif key in ("floor_area_m2", "capacity"):
            raw[key] = unicodedata.normalize("NFKC", text)
        elif key == "star_level":
            raw[key] = _star_text(unicodedata.normalize("NFKC", text))
        elif key == "last_verified_on":
            if isinstance(value, dt.datetime):
                raw[key] = value.date()
            elif isinstance(value, dt.date):
                raw[key] = value
            else:
                raw[key] = _date_text(unicodedata.normalize("NFKC", text))
        elif key in ("region_code", "crs"):
            raw[key] = unicodedata.normalize("NFKC", text)
        else:
            raw[key] = text
    if roles:
        raw["staff"] = _parse_staff(cells, roles, error)
    return UploadRow(row=row, raw=raw, errors=errors)


_PEOPLE_SEPARATORS = re.compile(r"[、，,;；/\n]+")


def _parse_staff(
    cells: Mapping[str, Any], roles: frozenset[str], error: Any
) -> list[dict[str, str]]:
    staff: list[dict[str, str]] = []
    for role in STAFF_HEADERS:
        if role not in roles:
            continue
        name_key, phone_key = f"staff.{role}", f"staff.{role}.phone"
        people = [
            p.strip()
            for p in _PEOPLE_SEPARATORS.split(_cell_text(cells.get(name_key)))
            if p.strip()
        ]
        phones = [
            p.strip()
            for p in _PEOPLE_SEPARATORS.split(_cell_text(cells.get(phone_key)))
            if p.strip()
        ]
        if len(phones) > len(people):
            error(
                phone_key, _cell_text(cells.get(phone_key)), "电话比姓名多：请在姓名列填写对应的人"
            )
        for index, person in enumerate(people):
            phone = phones[index] if index < len(phones) else ""
            phone = "" if phone == "-" else phone
            if len(person) > 40:
                error(name_key, person, "姓名不超过40字")
                continue
            if len(phone) > 32:
                error(phone_key, phone, "电话过长")
                continue
            staff.append({"role": role, "name": person, "phone": phone})
    return staff


def _attach_stops(upload: Upload, rows: Iterator[tuple[Any, ...]], default_crs: str) -> None:
    """Read the timetable sheet; every station row then carries its stops (maybe none)."""
    found = _find_header(rows, STOP_COLUMNS, STOPS_SHEET)
    by_index: dict[int, str] = {}
    header_row = 0
    if found is not None:  # an empty timetable sheet means: no station has stops
        header_row, header = found
        by_index, errors = _match_headers(header, STOP_COLUMNS, STOPS_SHEET, header_row)
        if errors:
            raise UploadError(errors)
    upload.has_stops = True
    by_code: dict[str, UploadRow] = {}
    for urow in upload.rows:
        urow.raw["stops"] = []
        by_code.setdefault(str(urow.raw.get("code", "")), urow)
    count = 0
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {key: values[i] if i < len(values) else None for i, key in by_index.items()}
        if not any(_cell_text(v) for v in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise UploadError([CellError(STOPS_SHEET, number, "", "", f"时刻表超过 {MAX_ROWS} 行")])
        code = _cell_text(cells.get("code"))
        owner = by_code.get(code)
        if owner is None:
            upload.errors.append(
                CellError(STOPS_SHEET, number, "驿站编号", code, "驿站表中没有这个编号")
            )
            continue
        stop, stop_errors = _parse_stop(cells, number, owner.raw.get("crs") or default_crs)
        owner.errors.extend(stop_errors)
        if stop is not None:
            owner.raw["stops"].append(stop)


def _parse_stop(
    cells: Mapping[str, Any], row: int, station_crs: str
) -> tuple[dict[str, Any] | None, list[CellError]]:
    errors: list[CellError] = []

    def error(header: str, value: str, message: str) -> None:
        errors.append(CellError(STOPS_SHEET, row, header, value, message))

    place = _cell_text(cells.get("place_name"))
    address = _cell_text(cells.get("address"))
    stop_hours = _cell_text(cells.get("hours"))
    if not place or len(place) > 100:
        error("停靠点", place, "停靠点不能为空且不超过100字")
    if len(address) > 200:
        error("地址", address[:20], "地址不超过200字")
    try:
        stop_hours = hours.validate(stop_hours)
    except hours.InvalidOpeningHours as exc:
        error("停靠时间", stop_hours, str(exc))
    lon = lat = 0.0
    crs_text = unicodedata.normalize("NFKC", _cell_text(cells.get("crs")))
    try:
        crs = parse_crs(crs_text or station_crs)
        lon_raw, lat_raw = cells.get("lon"), cells.get("lat")
        lon, lat = coordinates_to_wgs84(
            unicodedata.normalize("NFKC", _cell_text(lon_raw)),
            unicodedata.normalize("NFKC", _cell_text(lat_raw)),
            crs,
        )
    except RuleError as exc:
        header = {"lon": "经度", "lat": "纬度", "crs": "坐标系"}.get(exc.field, exc.field)
        error(
            header, f"{_cell_text(cells.get('lon'))}, {_cell_text(cells.get('lat'))}", exc.message
        )
    if errors:
        return None, errors
    # Already converted: tell station_data_clean not to convert again.
    return {
        "place_name": place,
        "address": address,
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "hours": stop_hours,
        "crs": CRS.WGS84.value,
    }, []


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
    """The inverse of `parse_amenity`.

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
