"""XLSX of what officers see on the evaluation pages: the month's scores with every
indicator, the rankings, and the monthly bulletin's tables with its charts (openpyxl's
native charts, so they stay live in Excel and WPS)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from yizhan.core.time import SHANGHAI
from yizhan.core.xlsx import sheet as _sheet
from yizhan.evaluation import explain, rules
from yizhan.evaluation.models import Card, StationScore
from yizhan.evaluation.selectors import Bulletin, Rankings, RankRow

YELLOW = PatternFill("solid", fgColor="FFF2B3")
RED = PatternFill("solid", fgColor="F4C7C3")


def _value(score: StationScore, code: str) -> Any:
    found = next((i for i in score.indicators if i.get("code") == code), None)
    return None if found is None else found.get("value")


def _points(score: StationScore, code: str) -> Any:
    found = next((i for i in score.indicators if i.get("code") == code), None)
    return None if found is None else found.get("points")


def _score_rows(scores: Sequence[StationScore], cards: dict[int, Card]) -> list[list[Any]]:
    rows = []
    for s in scores:
        card = cards.get(s.station_id)
        rows.append(
            [
                s.station.code,
                s.station.name,
                s.station.region.name,
                s.station.get_kind_display(),
                str(s.get_status_display()),
                s.score,
                s.star_before,
                s.star_after,
                *[_value(s, c) for c in rules.INDICATORS],
                *[_points(s, c) for c in rules.INDICATORS],
                card.get_kind_display() if card else "",
                card.deadline if card else None,
                explain.triggers_text(s.triggers),
                explain.decision_text(s.decision),
                s.model_version,
            ]
        )
    return rows


def _score_header() -> list[str]:
    return [
        _("驿站编号"),
        _("驿站名称"),
        _("区域"),
        _("类型"),
        _("结论"),
        _("综合得分"),
        _("原星级"),
        _("评定星级"),
        *[_("%(x)s(值)") % {"x": explain.indicator_label(c)} for c in rules.INDICATORS],
        *[_("%(x)s(得分)") % {"x": explain.indicator_label(c)} for c in rules.INDICATORS],
        _("红黄牌"),
        _("整改期限"),
        _("发牌原因"),
        _("处理"),
        _("模型版本"),
    ]


def _colour_cards(ws: Worksheet, column: int) -> None:
    for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
        if cell.value == str(_("黄牌")):
            cell.fill = YELLOW
        elif cell.value == str(_("红牌")):
            cell.fill = RED


def scores_xlsx(scores: Sequence[StationScore], cards: dict[int, Card]) -> bytes:
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    ws = _sheet(wb, _("评估结果"), _score_header(), _score_rows(scores, cards))
    _colour_cards(ws, 9 + 2 * len(rules.INDICATORS))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rank_rows(rows: Sequence[RankRow], upgrade: bool) -> list[list[Any]]:
    out = []
    for n, r in enumerate(rows, start=1):
        s = r.score
        line = [n, s.station.code, s.station.name, s.station.region.name, s.score, s.star_after]
        if upgrade:
            line += [r.value, s.visits, s.night_visits, s.closed_demand]
        out.append(line)
    return out


def _rank_sheets(wb: Workbook, rankings: Rankings) -> None:
    base = [_("名次"), _("驿站编号"), _("驿站名称"), _("区域"), _("综合得分"), _("星级")]
    _sheet(wb, _("最美驿站候选"), base, _rank_rows(rankings.top, False))
    _sheet(
        wb,
        _("智能化升级候选"),
        [*base, _("升级指数"), _("到访人次"), _("夜间到访"), _("闭站时段需求")],
        _rank_rows(rankings.upgrade, True),
    )


def rankings_xlsx(rankings: Rankings) -> bytes:
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    _rank_sheets(wb, rankings)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _card_rows(cards: Sequence[Card]) -> list[list[Any]]:
    return [
        [
            c.station.code,
            c.station.name,
            c.station.region.name,
            c.get_kind_display(),
            c.month.strftime("%Y-%m"),
            c.deadline,
            explain.triggers_text(c.triggers) or c.reason,
            c.get_status_display(),
        ]
        for c in cards
    ]


def bulletin_xlsx(b: Bulletin, cards: dict[int, Card]) -> bytes:
    """The bulletin's tables, one sheet each, with its charts on the first."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("概况")
    ws.append([_("工会驿站月度评估通报"), b.region.full_name, b.month.strftime("%Y-%m")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("评估模型"), f"v{b.spec.version} {b.spec.name}"])
    ws.append([_("参评驿站"), len(b.scores)])
    ws.append([_("已评分"), len(b.scored)])
    ws.append([_("证据不足"), len(b.insufficient)])
    ws.append([_("平均得分"), b.average])
    ws.append([_("新发黄牌"), sum(1 for c in b.cards_new if c.kind == "yellow")])
    ws.append([_("新发红牌"), sum(1 for c in b.cards_new if c.kind == "red")])
    ws.append([_("撤销红黄牌"), len(b.cards_lifted)])
    ws.append([_("摘牌建议"), len(b.proposals)])
    ws.append([])
    first = ws.max_row + 1
    ws.append([_("得分段"), _("驿站数")])
    for label, n in b.distribution:
        ws.append([label, n])
    chart = BarChart()
    chart.title = _("得分分布")
    chart.y_axis.title = _("驿站数")
    chart.add_data(
        Reference(ws, min_col=2, min_row=first, max_row=first + 10), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=first + 10))
    chart.height, chart.width = 7, 14
    ws.add_chart(chart, "E2")
    ws.append([])
    second = ws.max_row + 1
    ws.append([_("月份"), _("平均得分"), _("黄牌"), _("红牌")])
    for month, average, yellow, red in b.trend:
        ws.append([month.strftime("%Y-%m"), average, yellow, red])
    line = LineChart()
    line.title = _("近六个月平均得分")
    line.add_data(
        Reference(ws, min_col=2, min_row=second, max_row=second + len(b.trend)),
        titles_from_data=True,
    )
    line.set_categories(Reference(ws, min_col=1, min_row=second + 1, max_row=second + len(b.trend)))
    line.height, line.width = 7, 14
    ws.add_chart(line, "E18")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 28
    _sheet(
        wb,
        _("分区情况"),
        [_("区域"), _("参评驿站"), _("已评分"), _("平均得分"), _("新发黄牌"), _("新发红牌")],
        [[a.region.name, a.stations, a.scored, a.average, a.yellow, a.red] for a in b.areas],
    )
    scores = _sheet(wb, _("评估结果"), _score_header(), _score_rows(b.scores, cards))
    _colour_cards(scores, 9 + 2 * len(rules.INDICATORS))
    header = [
        _("驿站编号"),
        _("驿站名称"),
        _("区域"),
        _("类别"),
        _("评估月份"),
        _("整改期限"),
        _("原因"),
        _("状态"),
    ]
    _sheet(wb, _("本月发牌"), header, _card_rows(b.cards_new))
    _sheet(wb, _("在整改的红黄牌"), header, _card_rows(b.cards_active))
    _rank_sheets(wb, b.rankings)
    _sheet(
        wb,
        _("摘牌建议"),
        [
            _("驿站编号"),
            _("驿站名称"),
            _("提出时间"),
            _("答复期限"),
            _("理由"),
            _("站长答复"),
            _("状态"),
        ],
        [
            [
                p.station.code,
                p.station.name,
                p.created_at.astimezone(SHANGHAI).replace(tzinfo=None),
                p.respond_by,
                p.reason,
                p.response,
                p.get_status_display(),
            ]
            for p in b.proposals
        ],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
