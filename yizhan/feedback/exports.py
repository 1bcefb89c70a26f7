"""XLSX exports of workers' reports and survey results (Chinese headers)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from yizhan.core.xlsx import DATETIME, XLSX, Book
from yizhan.feedback.models import Report
from yizhan.feedback.selectors import SurveyResults

__all__ = ["XLSX", "reports_xlsx", "survey_xlsx"]


def reports_xlsx(reports: Sequence[Report]) -> bytes:
    book = Book()
    book.sheet(
        _("问题反映"),
        [
            _("驿站编码"),
            _("驿站"),
            _("区划"),
            _("类别"),
            _("描述"),
            _("反映人次"),
            _("首次反映"),
            _("最近反映"),
            _("状态"),
            _("整改单"),
            _("离线晚到（分钟）"),
        ],
        [
            (
                r.station.code,
                r.station.name,
                r.station.region.name,
                r.get_category_display(),
                r.text,
                r.count,
                r.created_at,
                r.last_reported_at,
                r.get_shown_status_display(),
                r.rectification_id or "",
                r.late_minutes if r.late_minutes is not None else "",
            )
            for r in reports
        ],
        formats={6: DATETIME, 7: DATETIME},
        autofilter=True,
    )
    return book.content()


def survey_xlsx(results: SurveyResults) -> bytes:
    """One sheet of totals, one by occupation, one by region, one of written answers."""
    book = Book()
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
    book.sheet(_("汇总"), [_("问题"), _("选项"), _("人数")], totals, autofilter=True)
    book.sheet(_("按职业"), [_("问题"), _("选项"), _("职业"), _("人数")], by_occ, autofilter=True)
    book.sheet(
        _("按区划"), [_("问题"), _("选项"), _("区划"), _("人数")], by_region, autofilter=True
    )
    book.sheet(_("填空回答"), [_("问题"), _("回答")], texts, autofilter=True)
    return book.content()
