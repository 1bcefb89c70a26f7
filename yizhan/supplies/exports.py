"""The officers' list of expiring stock as a spreadsheet (XLSX, Chinese headers)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _

from yizhan.regions.models import Region
from yizhan.supplies.selectors import ExpiringRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headers() -> list[tuple[str, int]]:
    return [
        (_("驿站编号"), 14),
        (_("驿站名称"), 26),
        (_("所属区划"), 14),
        (_("物资"), 22),
        (_("批号"), 14),
        (_("有效期至"), 12),
        (_("剩余天数"), 10),
        (_("数量"), 8),
        (_("单位"), 6),
        (_("状态"), 8),
    ]


def _state(row: ExpiringRow) -> str:
    return _("已过期") if row.state == "expired" else _("临期")


def expiring_export(
    *, rows: Sequence[ExpiringRow], today: dt.date, within_days: int, region: Region | None
) -> tuple[bytes, str, str]:
    """(content, content type, file name). Text cells stay text: a name starting with
    "=" is never read as a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(_("临期物资"))
    ws.freeze_panes = "A3"
    headers = _headers()
    for index, (_title, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    where = region.name if region else _("全部管辖区域")
    ws.append(
        [
            _("%(where)s：截至 %(today)s，%(days)d 天内到期及已过期的物资")
            % {"where": where, "today": today.isoformat(), "days": within_days}
        ]
    )
    bold = Font(bold=True)
    head = []
    for title, _width in headers:
        cell = WriteOnlyCell(ws, title)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    red = PatternFill("solid", fgColor="F8D7DA")
    for row in rows:
        values: list[object] = [
            row.station_code,
            row.station_name,
            row.region_name,
            row.item,
            row.batch_no,
            row.expires_on,
            row.days_to_expiry,
            row.quantity,
            row.unit,
            _state(row),
        ]
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if row.state == "expired":
                cell.fill = red
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"supplies-expiring-{region.code if region else 'all'}-{today.isoformat()}.xlsx"
    return buffer.getvalue(), XLSX, name
