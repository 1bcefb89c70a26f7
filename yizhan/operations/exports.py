"""XLSX exports of what officers see: inspection compliance and open rectifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yizhan.core.xlsx import DATETIME, PERCENT, XLSX, Book
from yizhan.operations.models import Rectification, Tier
from yizhan.operations.selectors import ComplianceRow, ComplianceTotal

__all__ = ["XLSX", "compliance_xlsx", "rectifications_xlsx"]
STATE_NAMES = {
    "done": gettext_lazy("本期已完成"),
    "due": gettext_lazy("本期待完成"),
    "overdue": gettext_lazy("逾期"),
    "not_due": gettext_lazy("今日不开放"),
}


def _share(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def compliance_xlsx(
    rows: Sequence[ComplianceRow], totals: Sequence[ComplianceTotal], start: dt.date, end: dt.date
) -> bytes:
    book = Book()
    book.sheet(
        _("按区域"),
        [
            _("区域"),
            _("巡查层级"),
            _("驿站数"),
            _("应巡周期"),
            _("已巡周期"),
            _("完成率"),
            _("当前逾期驿站"),
        ],
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
        formats={5: PERCENT},
        autofilter=True,
    )
    book.sheet(
        _("按驿站"),
        [
            _("驿站编号"),
            _("驿站名称"),
            _("区域"),
            _("巡查层级"),
            _("应巡周期"),
            _("已巡周期"),
            _("完成率"),
            _("逾期完成"),
            _("不在驿站"),
            _("当前状态"),
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
                str(STATE_NAMES.get(r.state, r.state)),
            ]
            for r in rows
        ],
        formats={6: PERCENT},
        autofilter=True,
    )
    book.sheet(
        _("说明"),
        [_("统计区间：%(start)s 至 %(end)s（北京时间）") % {"start": start, "end": end}],
        [[_("应巡周期：日巡按驿站开放日计，周巡按自然周，月巡按自然月；驿站启用之前的周期不计。")]],
        widths=(60,),
        freeze=None,
    )
    return book.content()


def rectifications_xlsx(rows: Sequence[Rectification]) -> bytes:
    book = Book()
    book.sheet(
        _("未销号整改单"),
        [
            _("编号"),
            _("驿站编号"),
            _("驿站名称"),
            _("区域"),
            _("问题"),
            _("等级"),
            _("来源"),
            _("状态"),
            _("督办层级"),
            _("责任人"),
            _("下发时间"),
            _("整改期限"),
            _("已下发天数"),
            _("是否逾期"),
        ],
        [
            [
                r.pk,
                r.station.code,
                r.station.name,
                r.station.region.name,
                r.label,
                r.get_severity_display(),
                r.get_source_display(),
                r.get_status_display(),
                str(r.get_level_display()),
                r.assignee.display_name if r.assignee else "",
                r.created_at,
                r.deadline,
                getattr(r, "age_days", ""),
                _("是") if getattr(r, "overdue", False) else _("否"),
            ]
            for r in rows
        ],
        formats={10: DATETIME, 11: DATETIME},
        autofilter=True,
    )
    return book.content()
