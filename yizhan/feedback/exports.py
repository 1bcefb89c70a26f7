"""XLSX exports of workers' reports and survey results (Chinese headers)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from yizhan.feedback.models import Report
from yizhan.feedback.selectors import SurveyResults
from yizhan.operations.exports import XLSX, _local, _sheet

__all__ = ["XLSX", "reports_xlsx", "survey_xlsx"]


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def reports_xlsx(reports: Sequence[Report]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    _sheet(
        wb,
        "问题反映",
        [
            "驿站编码",
            "驿站",
            "区划",
            "类别",
            "描述",
            "反映人次",
            "首次反映",
            "最近反映",
            "状态",
            "整改单",
        ],
        [
            (
                r.station.code,
                r.station.name,
                r.station.region.name,
                r.get_category_display(),
                r.text,
                r.count,
                _local(r.created_at),
                _local(r.last_reported_at),
                r.get_shown_status_display(),
                r.rectification_id or "",
            )
            for r in reports
        ],
        formats={6: "yyyy-mm-dd hh:mm", 7: "yyyy-mm-dd hh:mm"},
    )
    return _save(wb)


def survey_xlsx(results: SurveyResults) -> bytes:
    """One sheet of totals, one by occupation, one by region, one of written answers."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    totals: list[tuple[str, str, int]] = []
    by_occ: list[tuple[str, str, str, int]] = []
    by_region: list[tuple[str, str, str, int]] = []
    texts: list[tuple[str, str]] = []
    for q in results.questions:
        for option in q.options:
            totals.append((q.text, option, q.totals[option]))
            for occ in results.occupations:
                by_occ.append((q.text, option, occ, q.by_occupation.get(occ, {}).get(option, 0)))
            for region in results.regions:
                by_region.append(
                    (q.text, option, region, q.by_region.get(region, {}).get(option, 0))
                )
        texts.extend((q.text, t) for t in q.texts)
    _sheet(wb, "汇总", ["问题", "选项", "人数"], totals)
    _sheet(wb, "按职业", ["问题", "选项", "职业", "人数"], by_occ)
    _sheet(wb, "按区划", ["问题", "选项", "区划", "人数"], by_region)
    _sheet(wb, "填空回答", ["问题", "回答"], texts)
    return _save(wb)
