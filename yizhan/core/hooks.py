"""Hooks: how a lower app calls a higher one without importing it.

The lower app names what it needs here, with the signature it will call (a stub
function); the higher app registers its implementation in its `AppConfig.ready()`.
Calling a hook nobody registered is a clear error naming the hook and the app that
should provide it, not an ``AttributeError`` somewhere deep.

>>> def _spec(*, n: int) -> int: ...
>>> double = Hook("double", _spec, provider="an example app")
>>> double(n=2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
yizhan.core.hooks.HookNotRegistered: Nothing registered the hook 'double' (it is provided ...
>>> _ = double.register(lambda *, n: 2 * n)
>>> double(n=2)
4
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class HookNotRegistered(RuntimeError):
    """A hook was called before (or without) the app that provides it registering."""


class HookAlreadyRegistered(RuntimeError):
    """A second, different implementation was registered for a one-provider hook."""


class Hook[**P, R]:
    """One named call point with one implementation, typed by ``spec``'s signature."""

    def __init__(self, name: str, spec: Callable[P, R], *, provider: str) -> None:
        self.name = name
        self.provider = provider
        self.__doc__ = spec.__doc__
        self._impl: Callable[P, R] | None = None

    def register(self, impl: Callable[P, R]) -> Callable[P, R]:
        """Install ``impl`` (again is harmless; a different one is an error)."""
        if self._impl is not None and self._impl is not impl:
            raise HookAlreadyRegistered(
                f"The hook {self.name!r} already has {self._impl!r}; refusing {impl!r}"
            )
        self._impl = impl
        return impl

    @property
    def registered(self) -> bool:
        return self._impl is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._impl is None:
            raise HookNotRegistered(
                f"Nothing registered the hook {self.name!r} (it is provided by "
                f"{self.provider} in its AppConfig.ready(); is that app in INSTALLED_APPS?)"
            )
        return self._impl(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({'registered' if self.registered else 'empty'})>"


# The hooks ----------------------------------------------------------------------------------


def _nearby_station_codes(*, lat: float, lon: float, limit: int = 30) -> list[str]:
    """The codes of the active stations nearest a point (WGS-84), nearest first, open or
    not (the lockers' donation exchange lists things near the worker)."""
    raise NotImplementedError


nearby_station_codes = Hook("nearby_station_codes", _nearby_station_codes, provider="yizhan.finder")


@dataclass(frozen=True)
class DayReport:
    """A worker's problem report as a person's day shows it (the shape the feedback app
    hands the operations app's day, which cannot import it)."""

    id: int
    station_code: str
    station_name: str
    category: str
    category_label: str
    text: str
    photo_url: str  # "" when no reporter sent one
    count: int  # reporters merged into it
    created_at: dt.datetime
    age_hours: float
    status: str
    status_label: str
    overdue: bool  # still 待受理 past the hours allowed
    phone: str = ""  # a call-back number, when a reporter asked for one
    order_id: int | None = None  # the rectification order it is handled by
    # The statuses this person may set it to now (empty: not theirs, or handled by an order).
    may_set: tuple[str, ...] = ()
    # "离线提交，晚到 N 分钟" when a phone's offline queue sent it late ("" otherwise).
    late_label: str = ""


@dataclass(frozen=True)
class DayReports:
    # Unresolved reports at the stations the person runs (master, administrator).
    to_answer: list[DayReport] = field(default_factory=list)
    # Reports past the hours allowed to acknowledge, at stations the person supervises
    # (an inspector, a street officer).
    overdue: list[DayReport] = field(default_factory=list)


def _reports_for_day(*, user: Any, now: dt.datetime) -> DayReports:
    """The worker reports waiting for ``user`` (an `accounts.User`) as of ``now``."""
    raise NotImplementedError


reports_for_day = Hook("reports_for_day", _reports_for_day, provider="yizhan.feedback")


# Figures for an officer's day ---------------------------------------------------------------
#
# The officer's day (operations) shows how many of each thing wait in the officer's region:
# open and overdue orders (its own), workers' reports (feedback), cards and delisting
# proposals (evaluation), stations flagged by the evidence. Operations may not import the
# apps above it or beside it that import it, so each app registers a function here in its
# `AppConfig.ready()` and the day reads the union: an app left out of a deployment adds no
# figure (its link shows without a number).
#
# A provider is called as ``provider(user=…, now=…)`` and returns ``{key: count}``, keys
# prefixed with the app's name ("feedback.reports_open"), counted in the user's scope.
# Which figure goes beside which link, in what words, is the day's business
# (`yizhan/operations/nav.py`).

DayFigureProvider = Callable[..., dict[str, int]]
_DAY_FIGURES: dict[str, tuple[int, DayFigureProvider]] = {}


def day_figures_register(name: str, provider: DayFigureProvider, *, order: int) -> None:
    """Register ``provider`` under the app's ``name`` (again: replaced, since an app's
    `ready()` may run twice); providers are asked in ``order``."""
    _DAY_FIGURES[name] = (order, provider)


def day_figure_providers() -> list[tuple[str, DayFigureProvider]]:
    return [(n, fn) for n, (_o, fn) in sorted(_DAY_FIGURES.items(), key=lambda i: i[1][0])]


def day_figures(*, user: Any, now: dt.datetime) -> dict[str, int]:
    """Every registered app's figures for ``user`` (an `accounts.User`) as of ``now``."""
    out: dict[str, int] = {}
    for _name, provider in day_figure_providers():
        out.update(provider(user=user, now=now))
    return out
