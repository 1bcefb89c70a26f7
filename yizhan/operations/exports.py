"""XLSX exports of what officers see: inspection compliance and open rectifications."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from yizhan.core.time import SHANGHAI
from yizhan.operations.models import Rectification, Tier
from yizhan.operations.selectors import ComplianceRow, ComplianceTotal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_NAMES = {
    "done": "本期已完成",
    "due": "本期待完成",
    "overdue": "逾期",
    "not_due": "今日不开放",
}


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths: dict[int, int] | None = None,
    formats: dict[int, str] | None = None,
) -> None:
    """One sheet: bold frozen headers, columns wide enough for their content (Chinese
    characters count double), and number formats by column (0-based) — shares as
    percentages, times as real date-times that sort and filter."""
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    longest = [_width(h) for h in headers]
    for row in rows:
        ws.append(list(row))
        for i, value in enumerate(row):
            longest[i] = max(longest[i], _width(value))
    for i, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, n in enumerate(longest, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(
            60, max(8, (widths or {}).get(i - 1, n) + 2)
        )


def _width(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return 16
    text = str(value) if value is not None else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _local(at: dt.datetime | None) -> dt.datetime | str:
    """Beijing time without a zone (spreadsheets have none), or blank."""
    return at.astimezone(SHANGHAI).replace(tzinfo=None) if at else ""


def _share(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def compliance_xlsx(
    rows: Sequence[ComplianceRow], totals: Sequence[ComplianceTotal], start: dt.date, end: dt.date
) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    _sheet(
        wb,
        "按区域",
        ["区域", "巡查层级", "驿站数", "应巡周期", "已巡周期", "完成率", "当前逾期驿站"],
        [
            [
                t.region_name,
                str(Tier(t.tier).label),
                t.stations,
                t.expected,
                t.done,
                _share(t.share),
                t.overdue_now,
            ]
            for t in totals
        ],
        formats={5: "0.0%"},
    )
    _sheet(
        wb,
        "按驿站",
        [
            "驿站编号",
            "驿站名称",
            "区域",
            "巡查层级",
            "应巡周期",
            "已巡周期",
            "完成率",
            "逾期完成",
            "不在驿站",
            "当前状态",
        ],
        [
            [
                r.station.code,
                r.station.name,
                r.station.region.name,
                str(Tier(r.tier).label),
                r.expected,
                r.done,
                _share(r.share),
                r.late,
                r.away,
                STATE_NAMES.get(r.state, r.state),
            ]
            for r in rows
        ],
        formats={6: "0.0%"},
    )
    ws = wb.create_sheet("说明")
    ws.append([f"统计区间：{start} 至 {end}（北京时间）"])
    ws.append(
        ["应巡周期：日巡按驿站开放日计，周巡按自然周，月巡按自然月；驿站启用之前的周期不计。"]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rectifications_xlsx(rows: Sequence[Rectification]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]

    _sheet(
        wb,
        "未销号整改单",
        [
            "编号",
            "驿站编号",
            "驿站名称",
            "区域",
            "问题",
            "等级",
            "来源",
            "状态",
            "督办层级",
            "责任人",
            "下发时间",
            "整改期限",
            "已下发天数",
            "是否逾期",
        ],
        [
            [
                r.pk,
                r.station.code,
                r.station.name,
                r.station.region.name,
                r.title,
                r.get_severity_display(),
                r.get_source_display(),
                r.get_status_display(),
                str(r.get_level_display()),
                r.assignee.display_name if r.assignee else "",
                _local(r.created_at),
                _local(r.deadline),
                getattr(r, "age_days", ""),
                "是" if getattr(r, "overdue", False) else "否",
            ]
            for r in rows
        ],
        formats={10: "yyyy-mm-dd hh:mm", 11: "yyyy-mm-dd hh:mm"},
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
