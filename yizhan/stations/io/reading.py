"""Reading what officers upload: the registry's own template, and their own ledgers (台账)
as they keep them — title and note rows above the header, merged cells, a sheet named
anything, headers worded their way, streets by name, hours in Chinese, coordinates in
whatever system their map app gave them.

`read_headers` reads only the sheet's header (for the console's column-mapping step);
`read_upload` reads every row into the raw records `services.station_data_clean` checks,
with each row's errors and warnings named by the header *as written in the sheet*.
Nothing here touches the database: regions, words and catalogue come in a `LedgerContext`.

Rows are numbered as Excel shows them, so that "第 7 行" is the row the officer sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geoplan.crs import CRS
from yizhan.core.csv import unprotect
from yizhan.stations import hours
from yizhan.stations.io.hours_text import HoursTextError, hours_from_text
from yizhan.stations.io.spreadsheets import (
    GUIDE_SHEET,
    MAIN_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    STATION_COLUMNS,
    STOP_COLUMNS,
    STOPS_SHEET,
    CatalogueNames,
    cell_text,
    date_text,
    header_for,
    split_items,
    star_text,
)
from yizhan.stations.io.streets import StreetError, StreetIndex
from yizhan.stations.io.vocabulary import (
    HEADER_LOOKUP,
    STAFF_HEADERS,
    Vocabulary,
    crs_in_words,
    header_core,
    norm,
)
from yizhan.stations.models import AmenityState
from yizhan.stations.rules import RuleError, coordinates_to_wgs84, parse_crs
from yizhan.stations.services import POINT_CHECKED

# The header is looked for in the first rows: titles and notes may sit above it.
HEADER_SEARCH_ROWS = 20
MAX_COLUMNS = 200
# A header row must name at least this many known columns to be taken for one.
MIN_HEADER_MATCHES = 2
# An .xlsx is a zip: refuse one that would unpack to more than this (a "zip bomb" of
# empty rows or one huge string costs gigabytes and minutes inside openpyxl).
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Sheets that are never the station table.
_NOT_STATION_SHEETS = (STOPS_SHEET, GUIDE_SHEET, "填表说明", "说明", "目录", "封面")
# The columns a station table needs (lon/lat may come as one 经纬度 cell).
REQUIRED_KEYS = ("name", "address", "opening_hours")
# Words that start a note row below (or between) the data.
_NOTE_WORDS = ("注", "备注", "说明", "填表", "制表", "审核", "合计", "总计", "小计", "统计", "附")

_TEMPLATE_LOOKUP: dict[str, str] = {}
for _column in STATION_COLUMNS:
    for _word in (_column.header, *_column.aliases):
        _TEMPLATE_LOOKUP.setdefault(norm(_word), _column.key)
LOOKUP: dict[str, str] = {**HEADER_LOOKUP, **_TEMPLATE_LOOKUP}
# Columns read for nothing (the template's informational region name).
NOT_READ_KEYS = frozenset({"region_name"})


# ---------------------------------------------------------------------------
# What a read gives back
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One problem in one cell (or one column, or the whole file when row is None).
    ``column`` is the header as the sheet writes it."""

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


@dataclass(frozen=True)
class SheetColumn:
    """One column of the officer's sheet and what it is read as ("" = not imported)."""

    index: int
    letter: str
    header: str
    key: str
    how: str  # "mapping" (the officer chose), "known" (a synonym), "unknown", "repeat"
    crs: str = ""  # a coordinate system the header itself names ("经纬度（高德）")

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "letter": self.letter,
            "header": self.header,
            "key": self.key,
            "how": self.how,
            "crs": self.crs,
        }


@dataclass
class UploadRow:
    row: int
    raw: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)
    # Hours read from Chinese text: {"text", "rule", "workday"} for the officer to confirm.
    hours: dict[str, Any] | None = None
    # The point in WGS-84 when the coordinates could be read.
    wgs84: tuple[float, float] | None = None


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
    sheet: str = MAIN_SHEET
    header_row: int = 1
    columns: list[SheetColumn] = field(default_factory=list)
    # Sheet rows that are not stations: {row: "title" | "header" | "blank" | "note"}.
    skipped: dict[int, str] = field(default_factory=dict)
    last_row: int = 0

    @property
    def not_imported(self) -> list[str]:
        return [c.header for c in self.columns if not c.key]

    def header_of(self, key: str) -> str:
        """The sheet's own header for a raw key or FieldError.field."""
        keys = {c.key: c.header for c in self.columns if c.key}
        if key in keys:
            return keys[key]
        if key in ("lon", "lat") and "lonlat" in keys:
            return keys["lonlat"]
        if key == "region_code":
            return keys.get("street") or keys.get("district") or keys.get("city") or header_for(key)
        if key == "stops":
            return STOPS_SHEET
        return header_for(key)


@dataclass(frozen=True)
class LedgerContext:
    """What reading needs to know about the registry: catalogue names (services), the
    kind and amenity words, the streets of the officer's region, the region a row without
    one belongs to, the officer's column mapping, the file's coordinate system and the
    months of 夏季 and 冬季."""

    names: CatalogueNames
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    streets: StreetIndex | None = None
    default_region: str = ""
    mapping: Mapping[str, str] = field(default_factory=dict)
    default_crs: str = CRS.WGS84.value
    summer: tuple[int, int] = (5, 9)
    winter: tuple[int, int] = (10, 4)


# ---------------------------------------------------------------------------
# The file
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


@dataclass
class _Sheet:
    title: str
    rows: list[tuple[Any, ...]]
    fmt: str


def _sheets(filename: str, content: bytes) -> tuple[list[_Sheet], _Sheet | None]:
    """The file's sheets as lists of rows (merged cells filled down), and the timetable
    sheet when the workbook has one."""
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
        return _xlsx_sheets(content)
    if ext in ("xlsx", "xlsm"):
        raise _file_error("文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名", filename)
    if ext not in ("csv", "txt", ""):
        raise _file_error(f"不支持的文件类型 .{ext}，请上传 .xlsx 或 .csv 表格", filename)
    return [_Sheet(MAIN_SHEET, _csv_rows(content), "csv")], None


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


def _xlsx_sheets(content: bytes) -> tuple[list[_Sheet], _Sheet | None]:
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
        sheets: list[_Sheet] = []
        stops: _Sheet | None = None
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible" and ws.title != STOPS_SHEET:
                continue
            rows = _filled_down(_sheet_rows(ws), _vertical_merges(ws))
            sheet = _Sheet(ws.title.strip(), rows, "xlsx")
            if sheet.title == STOPS_SHEET:
                stops = sheet
            elif sheet.title not in _NOT_STATION_SHEETS:
                sheets.append(sheet)
        return sheets, stops
    finally:
        book.close()


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    ws.reset_dimensions()  # some writers record a wrong size; read what is there
    rows: list[tuple[Any, ...]] = []
    for values in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        end = len(values)
        while end and (values[end - 1] is None or values[end - 1] == ""):
            end -= 1  # read-only rows come padded to max_col
        rows.append(values[:end])
        if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS + 1000:
            break
    while rows and not any(cell_text(v) for v in rows[-1]):
        rows.pop()
    return rows


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _vertical_merges(ws: Any) -> list[tuple[int, int, int]]:
    """Merged ranges one column wide and several rows high: (column, first row, last row),
    0-based column, 1-based rows. openpyxl's read-only sheets do not expose merges, so
    they are found in the sheet's XML (the ``mergeCell`` elements at its end) by a plain
    byte search: parsing the whole sheet a second time would double the read."""
    from openpyxl.utils.cell import range_boundaries

    out: list[tuple[int, int, int]] = []
    try:
        source = ws._get_source()
    except (AttributeError, KeyError, OSError):
        return out
    with source:
        data = source.read()
    for ref in _MERGE_REF.findall(data):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        except (TypeError, ValueError):
            continue
        if min_col == max_col and max_row > min_row:
            out.append((min_col - 1, min_row, max_row))
    return out


def _filled_down(
    rows: list[tuple[Any, ...]], merges: Iterable[tuple[int, int, int]]
) -> list[tuple[Any, ...]]:
    """A cell merged over several rows (a street written once for its three stations)
    holds its value on every row it covers."""
    for column, first, last in merges:
        if first > len(rows):
            continue
        top = rows[first - 1]
        value = top[column] if column < len(top) else None
        for number in range(first + 1, min(last, len(rows)) + 1):
            row = list(rows[number - 1])
            row.extend([None] * (column + 1 - len(row)))
            row[column] = value
            rows[number - 1] = tuple(row)
    return rows


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


def _csv_rows(content: bytes) -> list[tuple[Any, ...]]:
    text = _decode(content)
    sample = "\n".join(text.split("\n", 20)[:20])
    delimiter = max((",", "\t", ";", "；"), key=sample.count)
    if delimiter == "；":
        text = text.replace("；", ";")
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Undo the formula guard that the export adds ("'=..." → "=...").
        return [tuple(unprotect(cell) for cell in row) for row in reader]
    except csv.Error as exc:
        raise _file_error(f"CSV 格式错误：{exc}") from exc


def sheet_rows(*, filename: str, content: bytes, sheet: str) -> list[tuple[Any, ...]]:
    """The rows of one sheet of a stored upload, merged cells filled down (to hand an
    officer back the rows an import left out, as they wrote them)."""
    sheets, _stops = _sheets(filename, content)
    for candidate in sheets:
        if candidate.title == sheet:
            return candidate.rows
    return sheets[0].rows if sheets else []


# ---------------------------------------------------------------------------
# The header
# ---------------------------------------------------------------------------


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_key(text: str, mapping: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """What a header is read as, and how: the officer's own mapping first, then the
    template's headers and the synonyms (with bracketed remarks dropped: "开放时间（夏季）").

    >>> header_key("站点名称"), header_key("经纬度（高德）"), header_key("建设年份")
    (('name', 'known'), ('lonlat', 'known'), (None, 'unknown'))
    """
    folded = norm(text)
    if mapping and folded in mapping:
        return mapping[folded], "mapping"
    if folded in LOOKUP:
        return LOOKUP[folded], "known"
    core, _remarks = header_core(text)
    if core in LOOKUP:
        return LOOKUP[core], "known"
    return None, "unknown"


def _score(values: Sequence[Any], mapping: Mapping[str, str]) -> int:
    keys = set()
    for value in values:
        text = cell_text(value)
        if text and len(text) <= 30:
            key, _how = header_key(text, mapping)
            if key:
                keys.add(key)
    return len(keys)


def _header_at(
    rows: Sequence[tuple[Any, ...]], mapping: Mapping[str, str]
) -> tuple[int, list[str], int]:
    """(row number, header texts, rows it spans): the row among the first rows naming the
    most known columns, joined with a sub-header row below it ("坐标" over "经度 | 纬度")."""
    best, best_score = 0, 0
    for number, values in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        score = _score(values, mapping)
        if score > best_score:
            best, best_score = number, score
    if best_score < MIN_HEADER_MATCHES:
        return 0, [], 0
    texts = [cell_text(v) for v in rows[best - 1]]
    span = 1
    if best < len(rows):
        below = [cell_text(v) for v in rows[best]]
        known_below = [t for t in below if t and header_key(t, mapping)[0]]
        if known_below and len(known_below) * 2 >= len([t for t in below if t]):
            width = max(len(texts), len(below))
            texts.extend([""] * (width - len(texts)))
            for index, text in enumerate(below):
                if text:
                    texts[index] = text
            span = 2
    return best, texts, span


def _columns(texts: Sequence[str], mapping: Mapping[str, str]) -> list[SheetColumn]:
    columns: list[SheetColumn] = []
    seen: set[str] = set()
    has_code = any(header_key(t, mapping)[0] == "code" for t in texts if t)
    for index, text in enumerate(texts):
        if not text:
            continue
        key, how = header_key(text, mapping)
        if key is None:
            key = ""
        elif key in seen:
            key, how = "", "repeat"
        if key:
            seen.add(key)
        if key in NOT_READ_KEYS:
            key = ""
        elif key.startswith("staff.") and how == "known" and not has_code:
            # People and their mobile numbers are personal data: read from the registry's
            # own sheet (stations by code), not from a ledger unless the officer maps them.
            key, how = "", "personal"
        crs = (
            crs_in_words(header_core(text)[1] or text) if key in ("lon", "lat", "lonlat") else None
        )
        columns.append(
            SheetColumn(index, column_letter(index), text, key or "", how, crs.value if crs else "")
        )
    return columns


@dataclass(frozen=True)
class SheetHeader:
    """A sheet's header as read, for the column-mapping step."""

    sheet: str
    row: int
    columns: list[SheetColumn]
    missing: list[str]  # required keys no column gives
    samples: dict[int, list[str]]  # column index → the first few values under it

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "columns": [c.as_dict() for c in self.columns],
            "missing": self.missing,
            "samples": {str(k): v for k, v in self.samples.items()},
        }


def _missing(columns: Sequence[SheetColumn]) -> list[str]:
    keys = {c.key for c in columns if c.key}
    missing = [key for key in REQUIRED_KEYS if key not in keys]
    if "lonlat" not in keys and not {"lon", "lat"} <= keys:
        missing.append(
            "lonlat" if not keys & {"lon", "lat"} else ("lat" if "lon" in keys else "lon")
        )
    return missing


def _station_sheet(
    sheets: Sequence[_Sheet], mapping: Mapping[str, str]
) -> tuple[_Sheet, int, list[str], int]:
    """The sheet whose header names the most known columns (the template's "驿站" sheet
    first)."""
    best: tuple[_Sheet, int, list[str], int] | None = None
    best_score = -1
    for sheet in sheets:
        number, texts, span = _header_at(sheet.rows, mapping)
        score = _score(texts, mapping) + (100 if sheet.title == MAIN_SHEET and number else 0)
        if number and score > best_score:
            best, best_score = (sheet, number, texts, span), score
    if best is None:
        if not any(any(cell_text(v) for v in row) for sheet in sheets for row in sheet.rows):
            title = sheets[0].title if sheets else MAIN_SHEET
            raise UploadError([CellError(title, None, "", "", f"工作表“{title}”是空的")])
        first = next(
            (
                (sheet.title, n, [cell_text(v) for v in row if cell_text(v)])
                for sheet in sheets
                for n, row in enumerate(sheet.rows, start=1)
                if any(cell_text(v) for v in row)
            ),
            (MAIN_SHEET, 1, []),
        )
        shown = "、".join(first[2][:8])
        raise UploadError(
            [
                CellError(
                    first[0],
                    None,
                    "",
                    shown,
                    f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有一行像"
                    "“驿站名称、地址、经度、纬度、开放时间”这样的列名"
                    f"（第 {first[1]} 行是：{shown}）。"
                    "请确认上传的是驿站台账，或在“列对应”中指定各列",
                )
            ]
        )
    return best


def read_headers(
    *, filename: str, content: bytes, mapping: Mapping[str, str] | None = None
) -> SheetHeader:
    """The station sheet's header and a few values under each column, for the officer to
    confirm what each column is before the rows are read."""
    mapping = mapping or {}
    sheets, _stops = _sheets(filename, content)
    sheet, number, texts, span = _station_sheet(sheets, mapping)
    columns = _columns(texts, mapping)
    samples: dict[int, list[str]] = {c.index: [] for c in columns}
    for values in sheet.rows[number - 1 + span :]:
        for column in columns:
            text = cell_text(values[column.index]) if column.index < len(values) else ""
            if text and len(samples[column.index]) < 3:
                samples[column.index].append(text[:40])
        if all(len(v) >= 3 for v in samples.values()):
            break
    return SheetHeader(sheet.title, number, columns, _missing(columns), samples)


# ---------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------


def read_upload(*, filename: str, content: bytes, context: LedgerContext) -> Upload:
    """Read an uploaded .xlsx or .csv into raw station records.

    Raises `UploadError` when the file as a whole is unusable; problems in single cells
    are returned on their rows (errors, and warnings that do not stop the row)."""
    sheets, stops_sheet = _sheets(filename, content)
    sheet, number, texts, span = _station_sheet(sheets, context.mapping)
    columns = _columns(texts, context.mapping)
    missing = _missing(columns)
    if missing:
        shown = "、".join(header_for(key) for key in missing)
        raise UploadError(
            [
                CellError(
                    sheet.title,
                    number,
                    "",
                    shown,
                    f"缺少必填列：{shown}。表头（第 {number} 行）是："
                    + "、".join(c.header for c in columns)
                    + "；如列名不同，请在“列对应”中指定",
                )
            ]
        )
    upload = Upload(
        format=sheet.fmt,
        rows=[],
        keys=frozenset(),
        staff_roles=frozenset(),
        has_stops=False,
        sheet=sheet.title,
        header_row=number,
        columns=columns,
        last_row=len(sheet.rows),
    )
    for above in range(1, number):
        upload.skipped[above] = "title"
    for header in range(number, number + span):
        upload.skipped[header] = "header"
    keys = {c.key for c in columns if c.key}
    if "lonlat" in keys:
        keys |= {"lon", "lat"}
    if keys & {"street", "district", "city"}:
        keys.add("region_code")
    upload.keys = frozenset(keys - {"lonlat", "street", "district", "city"})
    upload.staff_roles = frozenset(
        key.split(".")[1] for key in keys if key.startswith("staff.") and key.count(".") == 1
    )
    reader = _RowReader(upload, context)
    first_data = number + span
    for row_number, values in enumerate(sheet.rows[first_data - 1 :], start=first_data):
        cells = {
            c.key: values[c.index] if c.index < len(values) else None for c in columns if c.key
        }
        texts_in_row = [t for t in map(cell_text, values) if t]
        if not texts_in_row:
            upload.skipped[row_number] = "blank"
            continue
        if _is_note(texts_in_row, cells):
            upload.skipped[row_number] = "note"
            continue
        if len(upload.rows) >= MAX_ROWS:
            raise UploadError(
                [
                    CellError(
                        sheet.title,
                        row_number,
                        "",
                        "",
                        f"数据行超过 {MAX_ROWS} 行，请分成几个文件导入",
                    )
                ]
            )
        upload.rows.append(reader.row(cells, row_number))
    if not upload.rows:
        raise UploadError([CellError(sheet.title, first_data, "", "", "表格中没有数据行")])
    if stops_sheet is not None:
        _attach_stops(upload, stops_sheet.rows, context.default_crs)
    _place_mobile_stations(upload)
    return upload


def _is_note(texts: Sequence[str], cells: Mapping[str, Any]) -> bool:
    """A row that is a remark, a signature or a total, not a station: one text repeated
    (a merged row), or text starting with 注/填表人/合计… while the name cell is empty or
    holds that same text."""
    name = cell_text(cells.get("name"))
    if len(set(texts)) == 1 and (len(texts) > 1 or not name or not cell_text(cells.get("address"))):
        station_cells = [k for k, v in cells.items() if cell_text(v) and k != ""]
        if len(texts) > 1 or len(station_cells) <= 1:
            return True
    first = texts[0]
    starts_note = any(
        first.startswith(word) and (len(first) == len(word) or first[len(word)] in "：:，, 人单")
        for word in _NOTE_WORDS
    )
    return starts_note and (not name or name == first)


_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_DMS = re.compile(
    rf"^(?P<hemi1>[EWNS东西南北]?)\s*(?P<deg>{_NUMBER})\s*[°度]\s*"
    rf"(?:(?P<min>{_NUMBER})\s*['′分])?\s*(?:(?P<sec>{_NUMBER})\s*(?:\"|″|''|′′|秒))?\s*(?P<hemi2>[EWNS]?)$"
)


def coordinate(value: Any) -> float | None:
    """A coordinate as a number: 126.6175, "１２６．６１７５", "E126.6175", "东经126.6175",
    "126°37′3″"; None when the cell is empty.

    >>> coordinate("１２６．６１７５"), coordinate("126°37′3″"), coordinate("北纬45.77")
    (126.6175, 126.6175, 45.77)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"^(东经|北纬|经度|纬度)\s*", "", text).replace("，", ".")
    if not text:
        return None
    plain = re.fullmatch(rf"[EWNS]?\s*({_NUMBER})\s*[EWNS°]?", text)
    if plain:
        return float(plain.group(1))
    match = _DMS.match(text)
    if match:
        degrees = float(match.group("deg"))
        minutes = float(match.group("min") or 0)
        seconds = float(match.group("sec") or 0)
        return round(degrees + minutes / 60 + seconds / 3600, 7)
    raise ValueError(text)


def _pair(text: str) -> tuple[str, str] | None:
    """A "经度,纬度" cell split in two: "126.61,45.77", "126.61，45.77", "126.61 45.77"."""
    folded = unicodedata.normalize("NFKC", text).strip().strip("()（）[]")
    parts = [p for p in re.split(r"\s*[,，;；/、\s]\s*", folded) if p]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


class _RowReader:
    """Reads one data row into a raw record; knows the sheet's columns and the context."""

    def __init__(self, upload: Upload, context: LedgerContext) -> None:
        self.upload = upload
        self.context = context
        self.sheet = upload.sheet
        self.column_crs = {c.key: c.crs for c in upload.columns if c.key and c.crs}

    def row(self, cells: Mapping[str, Any], number: int) -> UploadRow:
        out = UploadRow(row=number, raw={})
        self.errors, self.warnings = out.errors, out.warnings
        self.number = number
        raw = out.raw
        for key, value in cells.items():
            if key in (
                "lon",
                "lat",
                "lonlat",
                "crs",
                "street",
                "district",
                "city",
            ) or key.startswith("staff."):
                continue
            text = cell_text(value)
            if key == "kind":
                raw[key] = (self.context.vocabulary.kind(text) or text) if text else "fixed"
            elif key == "status":
                raw[key] = _STATUS.get(norm(text), text) if text else ""
            elif key == "keeps_workday_hours":
                raw[key] = value if isinstance(value, bool) else unicodedata.normalize("NFKC", text)
            elif key == "opening_hours":
                self._hours(text, out)
            elif key == "amenities":
                raw[key] = self._amenities(text)
            elif key == "services":
                raw[key] = self._services(text)
            elif key in ("floor_area_m2", "capacity"):
                raw[key] = re.sub(
                    r"(㎡|m2|平方米|平米|人)$", "", unicodedata.normalize("NFKC", text)
                )
            elif key == "star_level":
                raw[key] = star_text(unicodedata.normalize("NFKC", text))
            elif key == "last_verified_on":
                raw[key] = _date(value, text)
            elif key in ("region_code", "code"):
                raw[key] = unicodedata.normalize("NFKC", text).strip()
            else:
                raw[key] = text
        if "kind" not in cells:
            raw["kind"] = "fixed"  # a ledger without 类型: fixed stations (kept on update)
        self._region(cells, raw)
        self._point(cells, out)
        if self.upload.staff_roles:
            raw["staff"] = self._staff(cells)
        return out

    # -- messages ------------------------------------------------------------

    def error(self, key: str, value: str, message: str) -> None:
        self.errors.append(
            CellError(self.sheet, self.number, self.upload.header_of(key), value, message)
        )

    def warn(self, key: str, value: str, message: str) -> None:
        self.warnings.append(
            CellError(self.sheet, self.number, self.upload.header_of(key), value, message)
        )

    # -- cells ---------------------------------------------------------------

    def _hours(self, text: str, out: UploadRow) -> None:
        text = text.strip()
        if not text:
            out.raw["opening_hours"] = ""
            return
        try:
            out.raw["opening_hours"] = hours.validate(text)
            return
        except hours.InvalidOpeningHours as exc:
            if not re.search(r"[\u4e00-\u9fff]", text):  # OSM syntax mistyped: say where
                self.error("opening_hours", text, str(exc))
                out.raw["opening_hours"] = ""
                return
        try:
            parsed = hours_from_text(text, summer=self.context.summer, winter=self.context.winter)
        except HoursTextError as exc:
            self.error("opening_hours", text, str(exc))
            out.raw["opening_hours"] = ""
            return
        out.raw["opening_hours"] = parsed.rule
        out.raw["keeps_workday_hours"] = parsed.workday
        out.hours = {"text": text, "rule": parsed.rule, "workday": parsed.workday}

    def _amenities(self, text: str) -> list[dict[str, str]]:
        by_code: dict[str, dict[str, str]] = {}
        unknown: list[str] = []
        items: list[str] = []
        for item in split_items(text):
            # "热水/USB充电": a slash between words, unless the catalogue's own "暖气/取暖器"
            if "/" in item and self.context.vocabulary.amenity(item) is None:
                items.extend(p.strip() for p in item.split("/") if p.strip())
            else:
                items.append(item)
        for item in items:
            entry = _amenity(item, self.context.vocabulary)
            if entry is None:
                unknown.append(item)
                continue
            if entry["state"] not in AmenityState.values:
                self.error("amenities", item, f"设施“{item}”的状态应为 正常 或 故障")
                continue
            by_code.setdefault(entry["code"], entry)  # a word repeated is the same amenity
        if unknown:
            self.warn(
                "amenities",
                "、".join(unknown),
                "设施目录中没有：" + "、".join(f"“{w}”" for w in unknown) + "，该项未导入；"
                "可在“台账用语”中把它对应到目录中的设施",
            )
        return list(by_code.values())

    def _services(self, text: str) -> list[str]:
        codes: list[str] = []
        unknown: list[str] = []
        for item in split_items(text):
            code = self.context.names.service(item)
            if code is None:
                unknown.append(item)
            elif code not in codes:
                codes.append(code)
        if unknown:
            self.warn(
                "services",
                "、".join(unknown),
                "服务目录中没有：" + "、".join(f"“{w}”" for w in unknown) + "，该项未导入",
            )
        return codes

    def _region(self, cells: Mapping[str, Any], raw: dict[str, Any]) -> None:
        if raw.get("region_code"):
            return
        streets = self.context.streets
        city_text = cell_text(cells.get("city"))
        district_text = cell_text(cells.get("district"))
        street_text = cell_text(cells.get("street"))
        within = ""
        for key, text in (("city", city_text), ("district", district_text)):
            if text and streets is not None:
                try:
                    within = streets.district(text, within=within)
                except StreetError as exc:
                    self.error(key, text, str(exc))
                    raw["region_code"] = ""
                    return
        if street_text and streets is not None:
            try:
                raw["region_code"] = streets.street(street_text, within=within)
            except StreetError as exc:
                self.error("street", street_text, str(exc))
                raw["region_code"] = ""
            return
        raw["region_code"] = within or self.context.default_region
        if not raw["region_code"]:
            self.error("street", "", "缺少所属街道（或区划代码）")

    def _point(self, cells: Mapping[str, Any], out: UploadRow) -> None:
        raw = out.raw
        raw["crs"] = CRS.WGS84.value  # converted here; the cleaner converts nothing again
        lon_key, lat_key = "lon", "lat"
        if "lonlat" in cells and not (cell_text(cells.get("lon")) or cell_text(cells.get("lat"))):
            text = cell_text(cells.get("lonlat"))
            lon_key = lat_key = "lonlat"
            if not text:
                lon_value = lat_value = None
            else:
                pair = _pair(text)
                if pair is None:
                    self.error("lonlat", text, f"“{text}”应写作“经度,纬度”，如 126.6175,45.7733")
                    raw["lon"] = raw["lat"] = None
                    return
                lon_value, lat_value = pair
            crs_hint = self.column_crs.get("lonlat", "")
        else:
            lon_value, lat_value = cells.get("lon"), cells.get("lat")
            crs_hint = self.column_crs.get("lon") or self.column_crs.get("lat", "")
        shown = f"{cell_text(lon_value)}, {cell_text(lat_value)}"
        try:
            lon, lat = coordinate(lon_value), coordinate(lat_value)
        except ValueError as exc:
            self.error(lon_key, shown, f"坐标“{exc}”不是数字（应为十进制度，如 126.6175）")
            raw["lon"] = raw["lat"] = None
            return
        raw["lon"], raw["lat"] = lon, lat
        if lon is None or lat is None:
            if lon is None and lat is None:
                return  # a mobile station may have no fixed point; see _place_mobile_stations
            self.error(lon_key if lon is None else lat_key, shown, "经度和纬度须同时填写")
            return
        row_crs_text = cell_text(cells.get("crs"))
        try:
            crs = (
                crs_in_words(row_crs_text)
                or (parse_crs(row_crs_text) if row_crs_text else None)
                or (CRS(crs_hint) if crs_hint else None)
                or parse_crs(self.context.default_crs)
            )
        except RuleError:
            self.error(
                "crs", row_crs_text, f"未知坐标系“{row_crs_text}”，应为 高德/百度/GPS（WGS84）"
            )
            return
        if _looks_swapped(lon, lat):
            lon_header = self.upload.header_of(lon_key)
            lat_header = self.upload.header_of(lat_key)
            if lon_key == "lonlat":
                message = (
                    f"“{lon_header}”中 {lon:g} 像纬度、{lat:g} 像经度：经度应在前，请对调两个数"
                )
            else:
                message = (
                    f"“{lon_header}” {lon:g} 与“{lat_header}” {lat:g} 像是填反了："
                    f"请对调这一行的{lon_header}和{lat_header}"
                )
            self.error(lon_key, shown, message)
            return
        try:
            wgs_lon, wgs_lat = coordinates_to_wgs84(lon, lat, crs)
        except RuleError as exc:
            self.error(lon_key if exc.field != "lat" else lat_key, shown, exc.message)
            return
        raw["lon"], raw["lat"] = round(wgs_lon, 7), round(wgs_lat, 7)
        raw[POINT_CHECKED] = True
        out.wgs84 = (raw["lon"], raw["lat"])

    def _staff(self, cells: Mapping[str, Any]) -> list[dict[str, str]]:
        staff: list[dict[str, str]] = []
        for role in STAFF_HEADERS:
            if role not in self.upload.staff_roles:
                continue
            name_key, phone_key = f"staff.{role}", f"staff.{role}.phone"
            people = [p.strip() for p in _PEOPLE.split(cell_text(cells.get(name_key))) if p.strip()]
            phones = [
                p.strip()
                for p in _PEOPLE.split(
                    unicodedata.normalize("NFKC", cell_text(cells.get(phone_key)))
                )
                if p.strip()
            ]
            if len(phones) > len(people):
                self.error(
                    phone_key,
                    cell_text(cells.get(phone_key)),
                    "电话比姓名多：请在姓名列填写对应的人",
                )
            for index, person in enumerate(people):
                phone = phones[index] if index < len(phones) else ""
                phone = "" if phone == "-" else phone
                if len(person) > 40:
                    self.error(name_key, person, "姓名不超过40字")
                    continue
                if len(phone) > 32:
                    self.error(phone_key, phone, "电话过长")
                    continue
                staff.append({"role": role, "name": person, "phone": phone})
        return staff


_PEOPLE = re.compile(r"[、，,;；/\n]+")
_STATUS_WORDS = {
    "planned": ("规划中", "规划", "筹建", "筹建中", "在建", "planned"),
    "active": ("运营中", "运营", "开放", "正常", "正常运营", "在用", "active"),
    "suspended": ("暂停", "暂停运营", "暂停开放", "停用", "suspended"),
    "delisted": ("已摘牌", "摘牌", "撤销", "已撤销", "delisted"),
}
_STATUS = {norm(w): code for code, words in _STATUS_WORDS.items() for w in (code, *words)}
_STATE_WORDS = {
    AmenityState.WORKING.value: ("正常", "可用", "working"),
    AmenityState.OUT_OF_ORDER.value: (
        "故障",
        "损坏",
        "坏",
        "坏了",
        "停用",
        "维修中",
        "out_of_order",
    ),
}
_STATE = {norm(w): code for code, words in _STATE_WORDS.items() for w in (code, *words)}
_BRACKETED = re.compile(r"^(.*?)[（(](.*)[)）]\s*$", re.S)


def _amenity(item: str, vocabulary: Vocabulary) -> dict[str, str] | None:
    """ "手机充电（故障：线缆损坏）" → {"code": "charging", "state": "out_of_order",
    "reason": "线缆损坏"}; a word no list knows → None."""
    code = vocabulary.amenity(item)
    if code is not None:
        return {"code": code, "state": AmenityState.WORKING.value, "reason": ""}
    match = _BRACKETED.match(item)
    if not match:
        return None
    name, inside = match.group(1).strip(), match.group(2).strip()
    code = vocabulary.amenity(name)
    if code is None:
        return None
    parts = re.split(r"[:：]", inside, maxsplit=1)
    if len(parts) == 2:
        state_text, reason = parts[0].strip(), parts[1].strip()
    else:
        state_text, reason = inside, ""
        for word in sorted(_STATE, key=len, reverse=True):
            if norm(inside).startswith(word):
                state_text, reason = inside[: len(word)], inside[len(word) :].lstrip("，, ")
                break
    state = _STATE.get(norm(state_text))
    if state is None:  # "热水（24小时）": a remark, not a state
        return {"code": code, "state": AmenityState.WORKING.value, "reason": ""}
    return {"code": code, "state": state, "reason": reason}


def _date(value: Any, text: str) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return date_text(unicodedata.normalize("NFKC", text))


def _looks_swapped(lon: float, lat: float) -> bool:
    lat_range, lon_range = (3.8, 53.6), (73.4, 135.1)
    as_given = lat_range[0] <= lat <= lat_range[1] and lon_range[0] <= lon <= lon_range[1]
    swapped = lat_range[0] <= lon <= lat_range[1] and lon_range[0] <= lat <= lon_range[1]
    return swapped and not as_given


def _place_mobile_stations(upload: Upload) -> None:
    """A station without a point: a mobile one takes its first stop's; any other row (or
    a mobile one without stops) is refused naming the coordinate columns."""
    for urow in upload.rows:
        raw = urow.raw
        if raw.get("lon") is not None or any(
            e.column in _coord_headers(upload) for e in urow.errors
        ):
            continue
        stops = raw.get("stops") or []
        if raw.get("kind") == "mobile" and stops:
            raw["lon"], raw["lat"] = stops[0]["lon"], stops[0]["lat"]
            raw[POINT_CHECKED] = True
            urow.wgs84 = (raw["lon"], raw["lat"])
            continue
        key = "lonlat" if "lonlat" in {c.key for c in upload.columns} else "lon"
        if raw.get("kind") == "mobile":
            message = (
                f"流动驿站没有固定位置：请在“{upload.header_of(key)}”填写常驻点坐标，"
                f"或在“{STOPS_SHEET}”工作表中填写停靠点"
            )
        else:
            message = f"缺少坐标：请填写“{upload.header_of(key)}”"
            if key == "lon":
                message = (
                    f"缺少坐标：请填写“{upload.header_of('lon')}”和“{upload.header_of('lat')}”"
                )
        urow.errors.append(CellError(upload.sheet, urow.row, upload.header_of(key), "", message))


def _coord_headers(upload: Upload) -> set[str]:
    return {upload.header_of(k) for k in ("lon", "lat", "crs")}


# ---------------------------------------------------------------------------
# The timetable sheet (the template's own; stations matched by code or name)
# ---------------------------------------------------------------------------


def _stop_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in STOP_COLUMNS:
        for word in (column.header, *column.aliases):
            lookup[norm(word)] = column.key
    for word in ("驿站名称", "名称", "站点名称"):
        lookup[norm(word)] = "name"
    for word in ("序号", "备注", "说明"):
        lookup.setdefault(norm(word), "")
    return lookup


_STOP_LOOKUP = _stop_lookup()


def _attach_stops(upload: Upload, rows: Sequence[tuple[Any, ...]], default_crs: str) -> None:
    """Read the timetable sheet; every station row then carries its stops (maybe none)."""
    upload.has_stops = True
    by_code: dict[str, UploadRow] = {}
    by_name: dict[str, UploadRow] = {}
    for urow in upload.rows:
        urow.raw["stops"] = []
        if urow.raw.get("code"):
            by_code.setdefault(str(urow.raw["code"]), urow)
        by_name.setdefault(norm(str(urow.raw.get("name", ""))), urow)
    header_row = 0
    by_index: dict[int, str] = {}
    for number, values in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        found = {
            i: _STOP_LOOKUP[norm(cell_text(v))]
            for i, v in enumerate(values)
            if norm(cell_text(v)) in _STOP_LOOKUP
        }
        if {"place_name", "hours"} <= set(found.values()):
            header_row, by_index = number, {i: k for i, k in found.items() if k}
            break
    if not header_row:
        if any(any(cell_text(v) for v in row) for row in rows):
            upload.errors.append(
                CellError(STOPS_SHEET, None, "", "", "时刻表缺少“停靠点”或“停靠时间”列")
            )
        return
    count = 0
    for number, values in enumerate(rows[header_row:], start=header_row + 1):
        cells = {key: values[i] if i < len(values) else None for i, key in by_index.items()}
        if not any(cell_text(v) for v in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise UploadError([CellError(STOPS_SHEET, number, "", "", f"时刻表超过 {MAX_ROWS} 行")])
        code = cell_text(cells.get("code"))
        name = cell_text(cells.get("name"))
        owner = by_code.get(code) if code else by_name.get(norm(name))
        if owner is None:
            column, value = ("驿站编号", code) if code else ("驿站名称", name)
            upload.errors.append(
                CellError(
                    STOPS_SHEET,
                    number,
                    column,
                    value,
                    "驿站表中没有这个编号" if code else "驿站表中没有这个名称",
                )
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

    place = cell_text(cells.get("place_name"))
    address = cell_text(cells.get("address"))
    stop_hours = cell_text(cells.get("hours"))
    if not place or len(place) > 100:
        error("停靠点", place, "停靠点不能为空且不超过100字")
    if len(address) > 200:
        error("地址", address[:20], "地址不超过200字")
    try:
        stop_hours = hours.validate(stop_hours)
    except hours.InvalidOpeningHours as exc:
        try:
            stop_hours = hours_from_text(stop_hours).rule
        except HoursTextError:
            error("停靠时间", stop_hours, str(exc))
    lon = lat = 0.0
    crs_text = unicodedata.normalize("NFKC", cell_text(cells.get("crs")))
    try:
        crs = parse_crs(crs_text or station_crs)
        lon, lat = coordinates_to_wgs84(
            unicodedata.normalize("NFKC", cell_text(cells.get("lon"))),
            unicodedata.normalize("NFKC", cell_text(cells.get("lat"))),
            crs,
        )
    except RuleError as exc:
        header = {"lon": "经度", "lat": "纬度", "crs": "坐标系"}.get(exc.field, exc.field)
        error(header, f"{cell_text(cells.get('lon'))}, {cell_text(cells.get('lat'))}", exc.message)
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
        POINT_CHECKED: True,
    }, []
