"""Workbooks officers open in Excel: bold frozen headers, and text that stays text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def append_text_safe(ws: Worksheet, row: Sequence[Any]) -> None:
    """Append a row whose text stays text: people's typing (a station's name, a master's
    answer) that starts with "=" would otherwise become a live formula."""
    ws.append(list(row))
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] = (16, 26, 14),
) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in rows:
        append_text_safe(ws, row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", widths, strict=False):
        ws.column_dimensions[col].width = width
    return ws
