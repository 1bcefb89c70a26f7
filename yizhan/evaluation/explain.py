"""The evaluation's results in people's words, in the active language: why a card, what
each number rests on, what pulls a score down and what to do about it.

Results are stored as codes and numbers (``StationScore.indicators``, ``Card.triggers``);
these functions turn them into sentences when a page or a bulletin is drawn, so a
Chinese officer and an English reader see the same facts in their own language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yizhan.evaluation.models import IndicatorCode, ScoreStatus, SixHaveCode
from yizhan.feedback.models import RatingTag, ReportCategory
from yizhan.stations.models import (
    Amenity,
    AmenityState,
    StaffRole,
    StationKind,
    catalogue_label,
)


def indicator_label(code: str) -> str:
    if code == "total":
        return _("综合得分")
    return str(dict(IndicatorCode.choices).get(code, code))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def value_text(code: str, value: float | None) -> str:
    """An indicator's value in its own unit."""
    if value is None:
        return "—"
    if code in {"opening", "inspection", "rectification"}:
        return _pct(value)
    if code == "usage":
        return _("%(pct)s 的预期") % {"pct": _pct(value)}
    if code == "satisfaction":
        return f"{value:.2f}★"
    if code == "complaints":
        return _("每百人次 %(n)s 人反映") % {"n": f"{value:.1f}"}
    return f"{value:g}"


def trigger_text(t: Mapping[str, Any]) -> str:
    """One reason for a card: "开放合规 68%，低于 80%"."""
    code = str(t.get("code", ""))
    value, threshold = t.get("value"), t.get("threshold")
    if code == "total":
        return _("综合得分 %(v)s，低于 %(t)s 分") % {"v": f"{value:g}", "t": f"{threshold:g}"}
    if code == "silent":
        return _("整改期间本月没有任何开放、使用或巡查记录")
    if code == "complaints":
        return _("%(what)s %(v)s，高于 %(t)s") % {
            "what": indicator_label(code),
            "v": value_text(code, value),
            "t": f"{threshold:g}",
        }
    shown = value_text(code, threshold) if code != "usage" else _pct(threshold)
    return _("%(what)s %(v)s，低于 %(t)s") % {
        "what": indicator_label(code),
        "v": value_text(code, value) if code != "usage" else _pct(value),
        "t": shown,
    }


def triggers_text(triggers: Sequence[Mapping[str, Any]]) -> str:
    return _("；").join(trigger_text(t) for t in triggers)


def _tag(code: str) -> str:
    return str(dict(RatingTag.choices).get(code, code))


def _category(code: str) -> str:
    return str(dict(ReportCategory.choices).get(code, code))


def evidence_text(ind: Mapping[str, Any]) -> str:
    """What an indicator's number rests on, in one line."""
    e: Mapping[str, Any] = ind.get("evidence") or {}
    code = ind.get("code")
    if code == "opening":
        text = _(
            "应开放 %(judged)s 小时(公示 %(declared)s，未达最低开放要求 %(undeclared)s)，"
            "有人迹 %(alive)s 小时；公示开放但无人迹 %(dead)s 小时，%(days)s 天被标记"
        ) % {
            "judged": e.get("judged_h", 0),
            "declared": e.get("declared_h", 0),
            "undeclared": e.get("undeclared_h", 0),
            "alive": e.get("alive_h", 0),
            "dead": e.get("dead_declared_h", 0),
            "days": e.get("flagged_days", 0),
        }
        return text
    if code == "usage":
        parts = [
            _("%(v)s 人次 / %(d)s 个开放日 = 日均 %(a)s")
            % {"v": e.get("visits", 0), "d": e.get("open_days", 0), "a": e.get("daily", "—")}
        ]
        if e.get("expected_daily"):
            parts.append(_("预期日均 %(n)s") % {"n": e["expected_daily"]})
        if e.get("district_median_daily"):
            parts.append(_("全区中位数 %(n)s") % {"n": e["district_median_daily"]})
        return _("，").join(parts)
    if code == "satisfaction":
        text = _("%(n)s 条评价(至少需 %(need)s 条)") % {
            "n": e.get("ratings", 0),
            "need": e.get("needed", 0),
        }
        tags = e.get("negative_tags") or []
        if tags:
            text += _("；差评标签：") + _("、").join(f"{_tag(t)} {n}" for t, n in tags)
        return text
    if code == "inspection":
        return _("应巡查 %(e)s 次，完成 %(d)s 次，逾期 %(l)s 次") % {
            "e": e.get("expected", 0),
            "d": e.get("done", 0),
            "l": e.get("late", 0),
        }
    if code == "rectification":
        if not e.get("due"):
            return _("本月没有到期的整改单")
        return _("到期整改单 %(due)s 张，按期完成 %(ok)s 张，仍逾期未改 %(open)s 张") % {
            "due": e.get("due", 0),
            "ok": e.get("on_time", 0),
            "open": e.get("open_overdue", 0),
        }
    if code == "complaints":
        text = _("%(r)s 人反映问题，%(v)s 人次到访") % {
            "r": e.get("reporters", 0),
            "v": e.get("visits", 0),
        }
        cats = e.get("categories") or []
        if cats:
            text += _("；") + _("、").join(f"{_category(c)} {n}" for c, n in cats)
        return text
    return ""


def status_text(ind: Mapping[str, Any]) -> str:
    status = ind.get("status")
    if status == "insufficient":
        return _("证据不足")
    if status == "na":
        return pgettext("indicator status", "不适用")
    return ""


def advice(ind: Mapping[str, Any]) -> str:
    """What a station master can do about an indicator that costs points."""
    e: Mapping[str, Any] = ind.get("evidence") or {}
    code = ind.get("code")
    if code == "opening":
        if e.get("undeclared_h"):
            return _(
                "按工会规定时段开放(包括周末)，并更新公示的开放时间；"
                "每次开门、关门在工作台点“开门”“关门”。"
            )
        return _(
            "按公示时间开门，开门和关门时在工作台点“开门”“关门”；临时闭站请提前登记，"
            "不要让职工吃闭门羹。"
        )
    if code == "usage":
        return _(
            "把驿站告诉周边的骑手、快递员和环卫工人：张贴公示牌和二维码，在站点群里宣传，"
            "核对地图上的位置和开放时间。"
        )
    if code == "satisfaction":
        tags = [t for t, _n in (e.get("negative_tags") or [])]
        if tags:
            return _("先解决职工最常提到的问题：%(tags)s。") % {
                "tags": _("、").join(_tag(t) for t in tags)
            }
        return _("请职工扫码评价；评价少于规定条数时本项不计分。")
    if code == "inspection":
        return _("按时完成日巡、周巡，在驿站现场提交。")
    if code == "rectification":
        return _("在期限内完成整改并上传照片，逾期的整改单请尽快处理。")
    if code == "complaints":
        cats = [c for c, _n in (e.get("categories") or [])]
        if cats:
            return _("针对反映最多的问题整改：%(c)s。") % {
                "c": _("、").join(_category(c) for c in cats)
            }
        return ""
    return ""


def six_have_label(code: str) -> str:
    return str(dict(SixHaveCode.choices).get(code, code))


def _amenity_names(codes: Sequence[str]) -> str:
    names = {a.code: catalogue_label(a.name, a.name_en) for a in Amenity.objects.all()}
    return _("、").join(names.get(c, c) for c in codes)


def _role_names(codes: Sequence[str]) -> str:
    return _("、").join(str(dict(StaffRole.choices).get(c, c)) for c in codes)


def need_text(word: str) -> str:
    """A machine word of the six-haves or star requirements in people's words:
    "missing:aed", "area:20<30", "roles:master", "not_listed", "unchecked"..."""
    kind, _sep, rest = word.partition(":")
    if kind in {"missing", "amenity"}:
        return _("需要正常可用的%(what)s") % {"what": _amenity_names(rest.split(","))}
    if kind in {"area", "capacity", "score", "six_haves", "services"}:
        have, _lt, need = rest.partition("<")
        template = {
            "area": _("面积需达到 %(need)s㎡(现为 %(have)s㎡)"),
            "capacity": _("需可容纳 %(need)s 人(现为 %(have)s 人)"),
            "score": _("综合得分需达到 %(need)s(本月 %(have)s)"),
            "six_haves": _("“六有”需达标 %(need)s 项(现为 %(have)s 项)"),
            "services": _("服务项目需不少于 %(need)s 项(现为 %(have)s 项)"),
        }[kind]
        return template % {"need": need, "have": have}
    if kind == "roles":
        return _("需登记%(who)s") % {"who": _role_names(rest.split(","))}
    if kind == "name":
        return _("名称需包含“%(text)s”") % {"text": rest}
    if kind == "not_listed":
        return _("需在高德或百度地图上图")
    if kind == "unchecked":
        return _("待工会干部核定")
    if kind == "officer_no":
        return _("工会干部核定未达标")
    return word


def decision_text(decision: str) -> str:
    return {
        "yellow": _("发黄牌"),
        "red": _("黄牌逾期未改，升级为红牌"),
        "propose": _("红牌逾期未改，提出摘牌建议"),
        "lift": _("问题已整改，撤销红黄牌"),
        "keep": _("整改期内，维持现状"),
        "refresh": _("重算本月，更新发牌原因"),
        "none": "",
        "history": _("历史月份重算，不改变星级和红黄牌"),
        "insufficient": _("证据不足，不评分、不发牌"),
    }.get(decision, decision)


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    label: str
    value: str
    points: float | None
    weight: float
    lost: float
    status: str
    evidence: str
    advice: str
    card: bool


def indicator_lines(indicators: Sequence[Mapping[str, Any]]) -> list[IndicatorLine]:
    """A result's indicators, what costs the most points first (those without evidence
    last), each with its evidence and what to do."""
    lines = [
        IndicatorLine(
            code=str(i.get("code")),
            label=indicator_label(str(i.get("code"))),
            value=value_text(str(i.get("code")), i.get("value")),
            points=i.get("points"),
            weight=float(i.get("weight") or 0),
            lost=float(i.get("lost") or 0),
            status=status_text(i),
            evidence=evidence_text(i),
            advice=advice(i) if (i.get("lost") or 0) > 0.5 or i.get("card") else "",
            card=bool(i.get("card")),
        )
        for i in indicators
    ]
    return sorted(lines, key=lambda x: (x.points is None, -x.lost))


@dataclass(frozen=True)
class SixLine:
    code: str
    label: str
    ok: bool | None
    why: str


def six_lines(items: Sequence[Mapping[str, Any]]) -> list[SixLine]:
    return [
        SixLine(
            code=str(i.get("code")),
            label=six_have_label(str(i.get("code"))),
            ok=i.get("ok"),
            why=need_text(str(i.get("why"))) if i.get("why") else "",
        )
        for i in items
    ]


def star_needs(words: str) -> list[str]:
    return [need_text(w) for w in words.split() if w]


# ---------------------------------------------------------------- what a rerun changed


def _stars(level: Any) -> str:
    return f"{level}★" if level else _("无星")


def _state(state: Any) -> str:
    return str(dict(AmenityState.choices).get(state, _("无"))) if state else _("无")


def _assessed(ok: Any) -> str:
    if ok is None:
        return _("待核定")
    return _("达标") if ok else _("未达标")


def _yes(value: Any) -> str:
    return _("是") if value else _("否")


def _hours(periods: Any) -> str:
    rules: list[str] = []
    for _since, rule, _workday in periods or []:
        if not rules or rules[-1] != rule:
            rules.append(rule or "—")
    return " / ".join(rules) or "—"


def change_what_text(item: Mapping[str, Any]) -> str:
    """One thing a rerun changed: "星级 4★ → 1★", "发黄牌"."""
    what, before, after = item.get("what"), item.get("before"), item.get("after")
    if what == "status":
        labels = dict(ScoreStatus.choices)
        return _("结论 %(a)s → %(b)s") % {
            "a": labels.get(str(before), before),
            "b": labels.get(str(after), after),
        }
    if what == "score":
        return _("得分 %(a)s → %(b)s") % {"a": f"{before:g}", "b": f"{after:g}"}
    if what == "star":
        return _("星级 %(a)s → %(b)s") % {"a": _stars(before), "b": _stars(after)}
    if what == "decision":
        if after == "reopen":
            return _("恢复本月首次评估撤销的红黄牌")
        if after == "refresh":
            return _("更新发牌原因")
        return decision_text(str(after))
    return str(what)


def change_why_text(item: Mapping[str, Any]) -> str:
    """One reason a rerun's result differs: an input of the month or its evidence."""
    why, before, after = item.get("why"), item.get("before"), item.get("after")
    code = str(item.get("code") or "")
    pair = {"a": before, "b": after}
    if why == "model":
        return _("评估模型 v%(a)s → v%(b)s") % pair
    if why == "amenity":
        return _("%(what)s：%(a)s → %(b)s") % {
            "what": _amenity_names([code]),
            "a": _state(before),
            "b": _state(after),
        }
    if why == "officer":
        return _("“%(what)s”核定：%(a)s → %(b)s") % {
            "what": six_have_label(code),
            "a": _assessed(before),
            "b": _assessed(after),
        }
    if why == "evidence":
        return _("%(what)s：%(a)s → %(b)s") % {
            "what": indicator_label(code),
            "a": evidence_text({"code": code, "evidence": before or {}}),
            "b": evidence_text({"code": code, "evidence": after or {}}),
        }
    if why == "hours":
        return _("开放时间 %(a)s → %(b)s") % {"a": _hours(before), "b": _hours(after)}
    if why == "staff_roles":
        return _("登记人员 %(a)s → %(b)s") % {
            "a": _role_names(before or []) or _("无"),
            "b": _role_names(after or []) or _("无"),
        }
    if why == "services":
        return _("服务项目 %(a)s 项 → %(b)s 项") % {"a": len(before or []), "b": len(after or [])}
    if why == "listed":
        return _("已上图 %(a)s → %(b)s") % {"a": _yes(before), "b": _yes(after)}
    if why == "floor_area_m2":
        return _("面积 %(a)s㎡ → %(b)s㎡") % {"a": before or 0, "b": after or 0}
    if why == "capacity":
        return _("可容纳 %(a)s 人 → %(b)s 人") % {"a": before or 0, "b": after or 0}
    if why == "kind":
        kinds = dict(StationKind.choices)
        return _("类型 %(a)s → %(b)s") % {
            "a": kinds.get(str(before), before),
            "b": kinds.get(str(after), after),
        }
    if why == "name":
        return _("名称 %(a)s → %(b)s") % pair
    return str(why)


@dataclass(frozen=True)
class ChangeLine:
    code: str
    name: str
    what: list[str]
    why: list[str]


def run_changes(outcome: Mapping[str, Any]) -> list[ChangeLine]:
    """The stations whose month a rerun changed, each with what changed and why."""
    return [
        ChangeLine(
            code=str(c.get("station", "")),
            name=str(c.get("name", "")),
            what=[change_what_text(w) for w in c.get("what") or []],
            why=[change_why_text(w) for w in c.get("why") or []],
        )
        for c in outcome.get("changes") or []
    ]
