"""XLSX of what officers see on the evaluation pages: the month's scores with every
indicator, the rankings, and the monthly bulletin's tables with its charts (openpyxl's
native charts, so they stay live in Excel and WPS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from yizhan.core.xlsx import Book, Styled
from yizhan.evaluation import explain, rules
from yizhan.evaluation.models import Card, StationScore
from yizhan.evaluation.selectors import Bulletin, Rankings, RankRow

YELLOW = "FFF2B3"
RED = "F4C7C3"


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
                _card_kind(card),
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


def _card_kind(card: Card | None) -> Any:
    """The card's kind, in its colour."""
    if card is None:
        return ""
    colour = {"yellow": YELLOW, "red": RED}.get(card.kind)
    return Styled(card.get_kind_display(), fill=colour) if colour else card.get_kind_display()


def scores_xlsx(scores: Sequence[StationScore], cards: dict[int, Card]) -> bytes:
    book = Book()
    book.sheet(_("评估结果"), _score_header(), _score_rows(scores, cards))
    return book.content()


def _rank_rows(rows: Sequence[RankRow], upgrade: bool) -> list[list[Any]]:
    out = []
    for n, r in enumerate(rows, start=1):
        s = r.score
        line = [n, s.station.code, s.station.name, s.station.region.name, s.score, s.star_after]
        if upgrade:
            line += [r.value, s.visits, s.night_visits, s.closed_demand]
        out.append(line)
    return out


def _rank_sheets(book: Book, rankings: Rankings) -> None:
    base = [_("名次"), _("驿站编号"), _("驿站名称"), _("区域"), _("综合得分"), _("星级")]
    book.sheet(_("最美驿站候选"), base, _rank_rows(rankings.top, False))
    book.sheet(
        _("智能化升级候选"),
        [*base, _("升级指数"), _("到访人次"), _("夜间到访"), _("闭站时段需求")],
        _rank_rows(rankings.upgrade, True),
    )


def rankings_xlsx(rankings: Rankings) -> bytes:
    book = Book()
    _rank_sheets(book, rankings)
    return book.content()


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
    book = Book()
    facts: list[list[Any]] = [
        [_("评估模型"), f"v{b.spec.version} {b.spec.name}"],
        [_("参评驿站"), len(b.scores)],
        [_("已评分"), len(b.scored)],
        [_("证据不足"), len(b.insufficient)],
        [_("平均得分"), b.average],
        [_("新发黄牌"), sum(1 for c in b.cards_new if c.kind == "yellow")],
        [_("新发红牌"), sum(1 for c in b.cards_new if c.kind == "red")],
        [_("撤销红黄牌"), len(b.cards_lifted)],
        [_("摘牌建议"), len(b.proposals)],
        [],
    ]
    first = len(facts) + 2  # the header row, then the facts: the distribution's header
    facts += [[_("得分段"), _("驿站数")], *([label, n] for label, n in b.distribution), []]
    second = len(facts) + 2
    facts += [
        [_("月份"), _("平均得分"), _("黄牌"), _("红牌")],
        *(
            [month.strftime("%Y-%m"), average, yellow, red]
            for month, average, yellow, red in b.trend
        ),
    ]
    ws = book.sheet(
        _("概况"),
        [
            Styled(_("工会驿站月度评估通报"), bold=True, size=14),
            b.region.full_name,
            b.month.strftime("%Y-%m"),
        ],
        facts,
        widths={0: 18, 1: 28},
        freeze=None,
    )
    book.chart(
        ws,
        kind="bar",
        title=_("得分分布"),
        y_title=_("驿站数"),
        column=2,
        first_row=first,
        last_row=first + 10,
        categories=1,
        anchor="E2",
        size=(14, 7),
    )
    book.chart(
        ws,
        kind="line",
        title=_("近六个月平均得分"),
        column=2,
        first_row=second,
        last_row=second + len(b.trend),
        categories=1,
        anchor="E18",
        size=(14, 7),
    )
    book.sheet(
        _("分区情况"),
        [_("区域"), _("参评驿站"), _("已评分"), _("平均得分"), _("新发黄牌"), _("新发红牌")],
        [[a.region.name, a.stations, a.scored, a.average, a.yellow, a.red] for a in b.areas],
    )
    book.sheet(_("评估结果"), _score_header(), _score_rows(b.scores, cards))
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
    book.sheet(_("本月发牌"), header, _card_rows(b.cards_new))
    book.sheet(_("在整改的红黄牌"), header, _card_rows(b.cards_active))
    _rank_sheets(book, b.rankings)
    book.sheet(
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
                p.created_at,
                p.respond_by,
                p.reason,
                p.response,
                p.get_status_display(),
            ]
            for p in b.proposals
        ],
    )
    return book.content()
