"""The one spreadsheet writer: every XLSX an officer downloads is built here.

A sheet has a bold, frozen header row (labels are gettext strings, so Chinese or English
by the active language), then rows. Numbers stay numbers (a negative -3 too), dates and
date-times stay real dates (Beijing time, without a zone — spreadsheets have none), and
text stays text: people's typing that starts with ``= + - @``, a tab or a carriage return
(``=HYPERLINK(…)``, ``@SUM(A1)``) is stored as a string with Excel's quote prefix, so it is
never run as a formula, not even after someone edits the cell.

    book = Book()
    book.sheet(_("问题反映"), [_("驿站"), _("描述")], rows, formats={2: DATETIME})
    return book.response("worker-reports.xlsx")

``Book(write_only=True)`` streams rows in constant memory for big exports (the registry);
its column widths come from ``widths`` or the header, not from the rows. Charts
(``Book.chart``) are openpyxl's native ones, so they stay live in Excel and WPS. No module
outside ``core`` needs to import openpyxl to write a workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yizhan.core.time import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"
# A cell starting with one of these is a formula (or the start of one) to Excel, WPS and
# LibreOffice; text that starts with them must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60


def formula_like(value: Any) -> bool:
    """True for text a spreadsheet would read as a formula (numbers are never text)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


@dataclass(frozen=True)
class Styled:
    """A value with a look: a fill colour (hex, e.g. "FFF2B3"), bold, a font size, a
    number format, wrapped text."""

    value: Any
    fill: str | None = None
    bold: bool = False
    size: float | None = None
    number_format: str | None = None
    wrap: bool = False


def plain(value: Any) -> Any:
    """What a cell holds: lazy translations as text, aware date-times in Beijing time
    without a zone, everything else as given."""
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value


def _width(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = "" if value is None else str(value)
    # Chinese characters take two columns.
    longest = max((line for line in text.split("\n")), key=len, default="")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in longest)


class Book:
    """A workbook being written; ``sheet`` adds a sheet, ``content``/``response`` finish."""

    def __init__(self, *, write_only: bool = False) -> None:
        self.write_only = write_only
        self._wb = Workbook(write_only=write_only)
        if not write_only and self._wb.active is not None:
            self._wb.remove(self._wb.active)

    def _cell(
        self,
        ws: Worksheet,
        raw: Any,
        *,
        number_format: str | None = None,
        bold: bool = False,
        wrap: bool = False,
    ) -> Cell:
        style = raw if isinstance(raw, Styled) else Styled(raw)
        value = plain(raw)
        cell = Cell(ws, row=1, column=1, value=value)  # placed by append
        if isinstance(value, str):
            # Never a formula ("="), never an error code ("#N/A"): what was typed.
            cell.data_type = "s"
            if formula_like(value):
                cell.quotePrefix = True
        elif isinstance(value, dt.datetime):
            cell.number_format = DATETIME
        elif isinstance(value, dt.date):
            cell.number_format = DATE
        if style.number_format or number_format:
            cell.number_format = style.number_format or number_format or "General"
        if style.fill:
            cell.fill = PatternFill("solid", fgColor=style.fill)
        if bold or style.bold or style.size:
            cell.font = Font(bold=bold or style.bold, size=style.size)
        if wrap or style.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def sheet(
        self,
        title: str,
        header: Sequence[Any],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[int] | Mapping[int, int] | None = None,
        formats: Mapping[int, str] | None = None,
        caption: str | None = None,
        freeze: str | None = "A2",
        autofilter: bool = False,
        wrap: bool = False,
    ) -> Worksheet:
        """One sheet: an optional caption line, the bold header, the rows.

        ``widths`` by 0-based column (a sequence, or a mapping of some columns); the rest
        fit their content (header only in write-only mode). ``formats`` gives number
        formats by 0-based column (e.g. PERCENT). ``freeze`` is the top-left unfrozen
        cell ("A2" freezes the header row; a caption moves it down one line)."""
        ws: Worksheet = self._wb.create_sheet(str(title))
        header = list(header)
        given: dict[int, int] = (
            dict(widths) if isinstance(widths, Mapping) else dict(enumerate(widths or ()))
        )
        longest = [_width(plain(h)) for h in header]
        if freeze and caption:
            freeze = f"{freeze[0]}{int(freeze[1:]) + 1}"
        if self.write_only:
            if freeze:
                ws.freeze_panes = freeze
            for i, n in enumerate(longest):
                ws.column_dimensions[get_column_letter(i + 1)].width = given.get(
                    i, min(MAX_WIDTH, max(MIN_WIDTH, n + 2))
                )
        if caption is not None:
            ws.append([self._cell(ws, caption, bold=True)])
        ws.append([self._cell(ws, h, bold=True) for h in header])
        for row in rows:
            cells = []
            for i, value in enumerate(row):
                cells.append(self._cell(ws, value, number_format=(formats or {}).get(i), wrap=wrap))
                if not self.write_only:
                    while len(longest) <= i:
                        longest.append(0)
                    longest[i] = max(longest[i], _width(plain(value)))
            ws.append(cells)
        if not self.write_only:
            if freeze:
                ws.freeze_panes = freeze
            if autofilter and header:
                first = 2 if caption is not None else 1
                ws.auto_filter.ref = (
                    f"A{first}:{get_column_letter(len(header))}{max(ws.max_row, first)}"
                )
            for i, n in enumerate(longest):
                ws.column_dimensions[get_column_letter(i + 1)].width = given.get(
                    i, min(MAX_WIDTH, max(MIN_WIDTH, n + 2))
                )
        return ws

    def chart(
        self,
        ws: Worksheet,
        *,
        kind: Literal["bar", "line"],
        title: str,
        column: int,
        first_row: int,
        last_row: int,
        anchor: str,
        categories: int | None = None,
        y_title: str | None = None,
        size: tuple[float, float] | None = None,
    ) -> None:
        """A native chart of one column (1-based) of ``ws``: ``first_row`` is the series'
        title (its header), rows after it the values; ``categories`` a column of labels."""
        chart = BarChart() if kind == "bar" else LineChart()
        chart.title = str(title)
        if y_title:
            chart.y_axis.title = str(y_title)
        chart.add_data(
            Reference(ws, min_col=column, min_row=first_row, max_row=last_row),
            titles_from_data=True,
        )
        if categories:
            chart.set_categories(
                Reference(ws, min_col=categories, min_row=first_row + 1, max_row=last_row)
            )
        if size:
            chart.width, chart.height = size
        ws.add_chart(chart, anchor)

    def content(self) -> bytes:
        out = io.BytesIO()
        self._wb.save(out)
        return out.getvalue()

    def response(self, filename: str) -> HttpResponse:
        return response(self.content(), filename)


def response(content: bytes, filename: str) -> HttpResponse:
    """An XLSX download."""
    out = HttpResponse(content, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="{filename}"'
    return out
