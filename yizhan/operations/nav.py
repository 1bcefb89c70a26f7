"""One navigation for the staff pages and the console (issue 18, point 1).

Every entry a signed-in person may follow between the registry (the console), the staff
day, workers' reports, evidence, evaluation, planning and lockers lives in `ENTRIES`, once:
its page, its words, who may open it, where the header shows it, the group the officer's
day puts it in and the figures the day shows beside it. Three readers use the list:

- the staff pages' header (``staff/base.html`` → ``staff/_nav.html``),
- the console's header (``admin/base_site.html``, the same include),
- the officer's day (`officer_day`, ``staff/_officer_day.html``), where each figure is a
  link to the list behind it.

`staff_nav` (a context processor) hands templates a `Navigation` worked out only when a
template reads it. Who may open what is `yizhan.stations.access`'s rule; an entry shows
only to those its page lets in.

Figures come from the apps that own the rows: operations' orders and the registry's
imports are read here; workers' reports (feedback), cards and delisting proposals
(evaluation) and stations flagged by the evidence arrive through
`yizhan.core.hooks.day_figures` (this app may not import them). URLs are reversed by name
(a name is not an import).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.hooks import day_figures
from yizhan.core.time import SHANGHAI
from yizhan.operations.selectors import rectification_figures
from yizhan.stations.access import is_supervisor, staff_station_ids
from yizhan.stations.selectors import imports_committing_count

# Who may open a page: "anyone" signed in; "staff_or_supervisor" holds a station role or
# oversees a region (an officer, an inspector); "supervisor" oversees a region; "console"
# may enter the console (an active staff account).
Who = Literal["anyone", "staff_or_supervisor", "supervisor", "console"]
# Where the header shows an entry: before the menu, in the menu (grouped), after the menu.
Place = Literal["start", "menu", "end"]


@dataclass(frozen=True)
class Figure:
    """A number the officer's day shows beside an entry, and the list behind it.

    ``key`` is the provider's (``"operations.rectifications_overdue"``); the link is the
    entry's page, or ``url_name``'s, with ``query`` (``{yesterday}`` is filled in). An
    ``urgent`` figure stands out when it is not zero; zero is always shown calmly."""

    key: str
    label: str | Promise
    query: str = ""
    url_name: str = ""
    urgent: bool = False
    perm: str = ""  # a Django permission the list behind it needs


@dataclass(frozen=True)
class Entry:
    key: str
    url_name: str
    label: str | Promise  # in the header
    who: Who
    place: Place
    group: str = ""  # the officer's day group (`GROUPS`); "" for none
    title: str | Promise = ""  # on the day and in the menu, when longer than the label
    figures: tuple[Figure, ...] = ()


GROUPS: tuple[tuple[str, str | Promise], ...] = (
    ("orders", _("整改与反映")),
    ("flags", _("评估与监测")),
    ("checks", _("巡查与抽检")),
    ("services", _("服务保障")),
    ("plans", _("规划与台账")),
)

ENTRIES: tuple[Entry, ...] = (
    Entry("home", "operations:home", pgettext_lazy("staff page", "今天"), "anyone", "start"),
    Entry(
        "feedback",
        "feedback:index",
        pgettext_lazy("staff nav", "反馈"),
        "staff_or_supervisor",
        "start",
        group="orders",
        title=_("劳动者反映"),
        figures=(
            Figure(
                "feedback.reports_open",
                pgettext_lazy("report status", "待受理"),
                query="?status=open",
            ),
            Figure(
                "feedback.reports_overdue",
                _("超时未受理"),
                query="?status=open&overdue=1",
                urgent=True,
            ),
        ),
    ),
    Entry("notices", "notifications:list", _("通知"), "anyone", "start"),
    Entry(
        "rectifications",
        "operations:rectifications",
        _("整改单"),
        "supervisor",
        "menu",
        group="orders",
        title=_("未销号整改单"),
        figures=(
            Figure("operations.rectifications_open", pgettext_lazy("day figure", "未销号")),
            Figure(
                "operations.rectifications_overdue",
                pgettext_lazy("day figure", "已逾期"),
                query="?overdue=1",
                urgent=True,
            ),
        ),
    ),
    Entry(
        "evaluation",
        "evaluation:month",
        _("月度评估"),
        "supervisor",
        "menu",
        group="flags",
        figures=(
            Figure("evaluation.cards_yellow", pgettext_lazy("day figure", "黄牌")),
            Figure("evaluation.cards_red", pgettext_lazy("day figure", "红牌"), urgent=True),
        ),
    ),
    Entry(
        "proposals",
        "evaluation:proposals",
        _("摘牌建议"),
        "supervisor",
        "menu",
        group="flags",
        figures=(
            Figure("evaluation.proposals_pending", pgettext_lazy("proposal status", "待审批")),
        ),
    ),
    Entry(
        "evidence",
        "evidence:dashboard",
        _("使用与开放"),
        "supervisor",
        "menu",
        group="flags",
        figures=(
            Figure(
                "evidence.flagged_yesterday",
                pgettext_lazy("day figure", "昨天被标记的驿站"),
                query="?start={yesterday}&end={yesterday}",
            ),
        ),
    ),
    Entry("compliance", "operations:compliance", _("巡查完成情况"), "supervisor", "menu", "checks"),
    Entry("spot", "operations:spot", _("抽检与暗访"), "supervisor", "menu", "checks"),
    Entry("seasons", "operations:seasons", _("季节模式"), "supervisor", "menu", "checks"),
    Entry("supplies", "supplies:region", _("临期物资"), "supervisor", "menu", "services"),
    Entry("lockers", "lockers:region", _("智能柜与爱心互献"), "supervisor", "menu", "services"),
    Entry(
        "boards",
        "signage:index",
        _("公示牌"),
        "staff_or_supervisor",
        "menu",
        group="services",
        title=_("公示牌批量打印"),
    ),
    Entry("planning", "planning:index", _("布局规划"), "supervisor", "menu", "plans"),
    Entry("shifts", "volunteers:list", _("志愿服务"), "anyone", "menu", title=_("志愿者值班报名")),
    Entry(
        "registry",
        "admin:index",
        _("驿站台账"),
        "console",
        "end",
        group="plans",
        title=_("驿站台账(管理后台)"),
        figures=(
            Figure(
                "stations.imports_committing",
                pgettext_lazy("import status", "正在导入"),
                url_name="admin:stations_stationimport_changelist",
                query="?status__exact=committing",
                perm="stations.view_stationimport",
            ),
        ),
    ),
)


# ------------------------------------------------------------------------------ the header


@dataclass(frozen=True)
class Link:
    key: str
    url: str
    label: str | Promise
    title: str | Promise
    current: bool


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # an app left out of a deployment: no entry
        return None


class Navigation:
    """What one person's header shows on one page: every entry they may open, the page
    they are on marked (the entry whose address is the longest start of the path)."""

    def __init__(self, user: User, path: str) -> None:
        self.user = user
        self.path = path

    @cached_property
    def _may(self) -> frozenset[str]:
        user = self.user
        out = {"anyone"}
        supervisor = is_supervisor(user)
        if supervisor:
            out.add("supervisor")
        if supervisor or staff_station_ids(user=user):
            out.add("staff_or_supervisor")
        if user.is_active and user.is_staff:
            out.add("console")
        return frozenset(out)

    def may(self, entry: Entry) -> bool:
        return entry.who in self._may

    @cached_property
    def links(self) -> dict[str, Link]:
        """Entry key → its link, for the entries this person may open, in `ENTRIES` order."""
        urls = [(e, _url(e.url_name)) for e in ENTRIES if self.may(e)]
        found = [(e, u) for e, u in urls if u is not None]
        # The page is under the entry whose address is the longest start of its path.
        here = max((u for _e, u in found if self.path.startswith(u)), key=len, default=None)
        return {e.key: Link(e.key, u, e.label, e.title or e.label, u == here) for e, u in found}

    def _placed(self, place: Place) -> list[Link]:
        return [self.links[e.key] for e in ENTRIES if e.place == place and e.key in self.links]

    @cached_property
    def start(self) -> list[Link]:
        return self._placed("start")

    @cached_property
    def end(self) -> list[Link]:
        return self._placed("end")

    @cached_property
    def menu(self) -> list[tuple[str | Promise, list[Link]]]:
        """The menu's entries by the day's groups (those in no group last, unlabelled)."""
        out: list[tuple[str | Promise, list[Link]]] = []
        for key, label in (*GROUPS, ("", "")):
            links = [
                self.links[e.key]
                for e in ENTRIES
                if e.place == "menu" and e.group == key and e.key in self.links
            ]
            if links:
                out.append((label, links))
        return out

    @cached_property
    def menu_current(self) -> bool:
        return any(link.current for _label, links in self.menu for link in links)

    @cached_property
    def menu_label(self) -> str | Promise:
        """督查 for those who oversee a region (the menu is their pages), else 更多."""
        return _("督查") if "supervisor" in self._may else _("更多")


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """``staff_nav`` for the staff pages' and the console's headers: a `Navigation` built
    when a template first reads it (a page that shows no header reads nothing)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:
        return {}
    return {"staff_nav": SimpleLazyObject(lambda: Navigation(user, request.path))}


# ------------------------------------------------------------------------ the officer's day


@dataclass(frozen=True)
class DayFigure:
    url: str
    label: str | Promise
    count: int
    urgent: bool  # not zero, and overdue (or as serious): it stands out

    @property
    def calm(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class DayLink:
    url: str
    label: str | Promise
    figures: list[DayFigure]


@dataclass(frozen=True)
class DayGroup:
    key: str
    label: str | Promise
    links: list[DayLink]


def _figures_for(user: User, now: dt.datetime) -> dict[str, int]:
    out = rectification_figures(scope=user_scope(user=user), now=now)
    if user.is_active and user.is_staff and user.has_perm("stations.view_stationimport"):
        out["stations.imports_committing"] = imports_committing_count(user=user, now=now)
    out.update(day_figures(user=user, now=now))
    return out


def officer_day(*, user: User, now: dt.datetime) -> list[DayGroup]:
    """The officer's pages by group, each with the figures that wait in the officer's
    region as of ``now`` (a figure no app gave is left out; its page still shows)."""
    nav = Navigation(user, "")
    counts = _figures_for(user, now)
    yesterday = (now.astimezone(SHANGHAI).date() - dt.timedelta(days=1)).isoformat()
    groups = []
    for key, label in GROUPS:
        links = []
        for e in ENTRIES:
            link = nav.links.get(e.key)
            if e.group != key or link is None:
                continue
            figures = []
            for f in e.figures:
                if f.key not in counts or (f.perm and not user.has_perm(f.perm)):
                    continue
                base = _url(f.url_name) if f.url_name else link.url
                if base is None:
                    continue
                n = counts[f.key]
                url = base + f.query.format(yesterday=yesterday)
                figures.append(DayFigure(url, f.label, n, f.urgent and n > 0))
            links.append(DayLink(link.url, link.title, figures))
        if links:
            groups.append(DayGroup(key, label, links))
    return groups
