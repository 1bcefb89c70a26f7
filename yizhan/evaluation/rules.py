"""Pure rules of the monthly evaluation: no database here.

A station's month arrives as `StationEvidence` (numbers the selectors counted) and
`StationFacts` (what the registry says of it); the model arrives as a `ModelSpec` (the
run's snapshot). Out come indicator results, a score, the six-haves, a star level and
the card decision.

Indicators
    Each indicator has a *value* in its own unit and earns points on a straight line
    between ``floor`` (0 points) and ``target`` (100 points), clamped:

        points = 100 · clamp((value − floor) / (target − floor), 0, 1)

    A floor above the target means less is better (complaints per 100 visits).

    opening        alive time ÷ the time the station had to be open: what it declares
                   (less declared closures) joined with the hours the union requires of
                   its kind (``KindNorm.required_hours``), and on each day at least
                   ``KindNorm.min_daily_hours``. Time required but not declared counts
                   as dead: a weekday-only station that must open every day loses its
                   weekends.
    usage          visits a day open, against the kind's expected visits and the
                   district's median, each ratio capped at 1.5, averaged.
    satisfaction   weighted stars of the month's ratings (a rating without a check-in
                   weighs half); fewer than ``min_evidence`` ratings is insufficient.
    inspection     periodic inspections done ÷ expected.
    rectification  orders due in the month fixed by their deadline ÷ orders due; no order
                   due is "not applicable", never full or zero marks.
    complaints     people reporting problems per 100 contacts (visits, or the reporters
                   themselves when more); fewer than ``min_evidence`` contacts is
                   insufficient.

Score
    The weighted mean of the points of the indicators with evidence. When the weight of
    those falls below ``min_evidence_share`` of the weight that applies, or the station
    left no record at all in the month, the result is *insufficient evidence*: no score,
    no star change, no card. A station with no data is never scored zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

INDICATORS = ("opening", "usage", "satisfaction", "inspection", "rectification", "complaints")
USAGE_RATIO_CAP = 1.5


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    weight: float
    floor: float
    target: float
    card_threshold: float | None = None
    min_evidence: int = 0

    def points(self, value: float) -> float:
        """Points for a value.

        >>> IndicatorSpec("opening", 30, 0.5, 0.95).points(0.725)
        50.0
        >>> fewer_is_better = IndicatorSpec("complaints", 5, 10, 0)
        >>> fewer_is_better.points(2.5), fewer_is_better.points(12)
        (75.0, 0.0)
        """
        share = (value - self.floor) / (self.target - self.floor)
        return round(100 * min(1.0, max(0.0, share)), 1)

    def worse_than_threshold(self, value: float) -> bool:
        """Whether a value crosses the indicator's own card line.

        >>> IndicatorSpec("opening", 30, 0.5, 0.95, card_threshold=0.8).worse_than_threshold(0.79)
        True
        >>> IndicatorSpec("complaints", 5, 10, 0, card_threshold=5).worse_than_threshold(4)
        False
        """
        if self.card_threshold is None:
            return False
        if self.target > self.floor:
            return value < self.card_threshold
        return value > self.card_threshold


@dataclass(frozen=True)
class NormSpec:
    kind: str
    required_hours: str
    expected_daily_visits: int
    min_daily_hours: float = 0.0


@dataclass(frozen=True)
class StarSpec:
    level: int
    min_score: float
    min_area_m2: int | None = None
    min_capacity: int | None = None
    amenities: tuple[str, ...] = ()
    six_haves_min: int = 6


@dataclass(frozen=True)
class SixHaveSpec:
    code: str
    text: str
    rule: str
    param: str = ""
    amenities: tuple[str, ...] = ()
    text_en: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """Everything a run needs of one model version, frozen (the run's snapshot)."""

    version: int
    name: str
    indicators: tuple[IndicatorSpec, ...]
    norms: tuple[NormSpec, ...]
    stars: tuple[StarSpec, ...]
    six_haves: tuple[SixHaveSpec, ...]
    min_evidence_share: float = 0.5
    yellow_below: float = 60
    yellow_grace_months: int = 1
    red_grace_months: int = 1
    response_days: int = 7
    star_step: int = 1
    top_share: float = 0.15
    top_min_stars: int = 3
    upgrade_share: float = 0.15
    night_from_hour: int = 20
    night_to_hour: int = 6
    upgrade_weight_night: float = 0.4
    upgrade_weight_usage: float = 0.3
    upgrade_weight_pressure: float = 0.3

    def indicator(self, code: str) -> IndicatorSpec | None:
        return next((i for i in self.indicators if i.code == code), None)

    def norm(self, kind: str) -> NormSpec | None:
        return next((n for n in self.norms if n.kind == kind), None)

    def night_hours(self) -> frozenset[int]:
        """Local hours counted as night (from ``night_from_hour`` up to ``night_to_hour``).

        >>> sorted(ModelSpec(1, "m", (), (), (), ()).night_hours())
        [0, 1, 2, 3, 4, 5, 20, 21, 22, 23]
        """
        a, b = self.night_from_hour, self.night_to_hour
        hours = range(a, b) if a < b else [*range(a, 24), *range(0, b)]
        return frozenset(hours)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelSpec:
        d = dict(data)
        d["indicators"] = tuple(IndicatorSpec(**i) for i in d.get("indicators", ()))
        d["norms"] = tuple(NormSpec(**n) for n in d.get("norms", ()))
        d["stars"] = tuple(
            StarSpec(**{**s, "amenities": tuple(s.get("amenities", ()))})
            for s in d.get("stars", ())
        )
        d["six_haves"] = tuple(
            SixHaveSpec(**{**s, "amenities": tuple(s.get("amenities", ()))})
            for s in d.get("six_haves", ())
        )
        return cls(**d)


# ---------------------------------------------------------------- a station's month


@dataclass(frozen=True)
class StationEvidence:
    """What the selectors counted for one station and month."""

    kind: str
    has_data: bool = True
    judged_minutes: int = 0  # declared ∪ required open time
    alive_minutes: int = 0  # of it, with a sign of life
    declared_minutes: int = 0
    undeclared_minutes: int = 0  # required but not declared
    dead_declared_minutes: int = 0
    flagged_days: int = 0
    open_days: int = 0  # days with time to be open
    visits: int = 0
    night_visits: int = 0
    closed_demand: int = 0  # visits and "closed" reports outside declared time
    district_median_daily: float | None = None
    ratings: int = 0
    rating_average: float | None = None
    negative_tags: tuple[tuple[str, int], ...] = ()
    inspections_expected: int = 0
    inspections_done: int = 0
    inspections_late: int = 0
    orders_due: int = 0
    orders_on_time: int = 0
    orders_open_overdue: int = 0
    reporters: int = 0
    report_categories: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class StationFacts:
    """The registry's side of a station, for the six-haves and the star requirements."""

    name: str
    area_m2: int | None = None
    capacity: int | None = None
    working_amenities: frozenset[str] = frozenset()
    services: int = 0
    staff_roles: frozenset[str] = frozenset()
    listed: bool = False
    officer_checks: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    status: str  # "ok", "insufficient" (too little evidence), "na" (does not apply)
    weight: float
    value: float | None = None
    points: float | None = None
    card: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> float:
        """Weighted points short of full marks (what pulls the score down most)."""
        return 0.0 if self.points is None else self.weight * (100 - self.points) / 100


def _r(x: float, nd: int = 3) -> float:
    return round(x, nd)


def indicators_compute(ev: StationEvidence, spec: ModelSpec) -> list[IndicatorResult]:
    """Every indicator of ``spec`` for one station's month.

    >>> m = ModelSpec(1, "m", (IndicatorSpec("opening", 30, 0.5, 0.95, 0.8),), (), (), ())
    >>> ev = StationEvidence("fixed", judged_minutes=6000, alive_minutes=3000)
    >>> (r,) = indicators_compute(ev, m)
    >>> r.value, r.points, r.card
    (0.5, 0.0, True)
    """
    out = []
    norm = spec.norm(ev.kind)
    for ind in spec.indicators:
        value: float | None = None
        status = "ok"
        evidence: dict[str, Any] = {}
        if ind.code == "opening":
            evidence = {
                "judged_h": _r(ev.judged_minutes / 60, 1),
                "alive_h": _r(ev.alive_minutes / 60, 1),
                "declared_h": _r(ev.declared_minutes / 60, 1),
                "undeclared_h": _r(ev.undeclared_minutes / 60, 1),
                "dead_declared_h": _r(ev.dead_declared_minutes / 60, 1),
                "flagged_days": ev.flagged_days,
            }
            if ev.judged_minutes <= 0:
                status = "na"
            else:
                value = ev.alive_minutes / ev.judged_minutes
        elif ind.code == "usage":
            expected = norm.expected_daily_visits if norm else 0
            evidence = {
                "visits": ev.visits,
                "open_days": ev.open_days,
                "expected_daily": expected,
                "district_median_daily": ev.district_median_daily,
            }
            if ev.open_days <= 0:
                status = "na"
            else:
                daily = ev.visits / ev.open_days
                ratios = []
                if expected:
                    ratios.append(min(USAGE_RATIO_CAP, daily / expected))
                    evidence["vs_expected"] = _r(daily / expected)
                if ev.district_median_daily:
                    ratios.append(min(USAGE_RATIO_CAP, daily / ev.district_median_daily))
                    evidence["vs_median"] = _r(daily / ev.district_median_daily)
                evidence["daily"] = _r(daily, 1)
                if ratios:
                    value = sum(ratios) / len(ratios)
                else:
                    status = "na"
        elif ind.code == "satisfaction":
            evidence = {
                "ratings": ev.ratings,
                "average": ev.rating_average,
                "needed": ind.min_evidence,
                "negative_tags": [list(t) for t in ev.negative_tags],
            }
            if ev.ratings < max(1, ind.min_evidence) or ev.rating_average is None:
                status = "insufficient"
            else:
                value = ev.rating_average
        elif ind.code == "inspection":
            evidence = {
                "expected": ev.inspections_expected,
                "done": ev.inspections_done,
                "late": ev.inspections_late,
            }
            if ev.inspections_expected <= 0:
                status = "na"
            else:
                value = min(1.0, ev.inspections_done / ev.inspections_expected)
        elif ind.code == "rectification":
            evidence = {
                "due": ev.orders_due,
                "on_time": ev.orders_on_time,
                "open_overdue": ev.orders_open_overdue,
            }
            if ev.orders_due <= 0:
                status = "na"
            else:
                value = ev.orders_on_time / ev.orders_due
        elif ind.code == "complaints":
            contacts = max(ev.visits, ev.reporters)
            evidence = {
                "reporters": ev.reporters,
                "visits": ev.visits,
                "needed": ind.min_evidence,
                "categories": [list(c) for c in ev.report_categories],
            }
            if contacts < max(1, ind.min_evidence):
                status = "insufficient"
            else:
                value = 100 * ev.reporters / contacts
        else:  # an indicator this code does not know: say so rather than guess
            status = "na"
        points = ind.points(value) if value is not None else None
        out.append(
            IndicatorResult(
                code=ind.code,
                status=status,
                weight=ind.weight,
                value=None if value is None else _r(value),
                points=points,
                card=value is not None and ind.worse_than_threshold(value),
                evidence=evidence,
            )
        )
    return out


@dataclass(frozen=True)
class Score:
    status: str  # "scored" or "insufficient"
    score: float | None
    evidence_share: float
    triggers: tuple[dict[str, Any], ...]  # why a card: indicator lines crossed, low total


def score_compute(
    ev: StationEvidence, results: Sequence[IndicatorResult], spec: ModelSpec
) -> Score:
    """The weighted score, or "insufficient" when too little of it rests on evidence.

    >>> m = ModelSpec(1, "m", (), (), (), (), yellow_below=60)
    >>> rs = [IndicatorResult("opening", "ok", 30, 0.9, 90.0),
    ...       IndicatorResult("satisfaction", "ok", 20, 4.0, 55.6),
    ...       IndicatorResult("rectification", "na", 10)]
    >>> s = score_compute(StationEvidence("fixed"), rs, m)
    >>> s.status, s.score, s.triggers
    ('scored', 76.2, ())
    >>> s = score_compute(StationEvidence("fixed", has_data=False), rs, m)
    >>> s.status, s.score
    ('insufficient', None)
    """
    applies = [r for r in results if r.status != "na" and r.weight > 0]
    counted = [r for r in applies if r.status == "ok" and r.points is not None]
    total_w = sum(r.weight for r in applies)
    have_w = sum(r.weight for r in counted)
    share = have_w / total_w if total_w else 0.0
    if not ev.has_data or not counted or share < spec.min_evidence_share:
        return Score("insufficient", None, round(share, 3), ())
    value = round(sum(r.weight * (r.points or 0) for r in counted) / have_w, 1)
    triggers: list[dict[str, Any]] = []
    for r in counted:
        spec_i = spec.indicator(r.code)
        if r.card and spec_i is not None:
            triggers.append({"code": r.code, "value": r.value, "threshold": spec_i.card_threshold})
    if value < spec.yellow_below:
        triggers.append({"code": "total", "value": value, "threshold": spec.yellow_below})
    return Score("scored", value, round(share, 3), tuple(triggers))


# ---------------------------------------------------------------- six-haves and stars


@dataclass(frozen=True)
class SixHaveResult:
    code: str
    ok: bool | None  # None: an officer has not assessed it yet
    why: str  # machine words: "missing:aed", "services:0<1", "not_listed", "unchecked"


def six_haves_check(facts: StationFacts, items: Sequence[SixHaveSpec]) -> list[SixHaveResult]:
    """Each six-haves item against the registry (or the officer's assessment).

    >>> items = [SixHaveSpec("sign", "统一名称", "name_contains", "工会驿站"),
    ...          SixHaveSpec("facilities", "设施", "amenities", amenities=("hot_water", "aed")),
    ...          SixHaveSpec("location", "布局", "officer")]
    >>> f = StationFacts("兆麟1号工会驿站", working_amenities=frozenset({"hot_water"}))
    >>> [(r.code, r.ok, r.why) for r in six_haves_check(f, items)]
    [('sign', True, ''), ('facilities', False, 'missing:aed'), ('location', None, 'unchecked')]
    """
    out = []
    for item in items:
        ok: bool | None
        why = ""
        if item.rule == "name_contains":
            ok = bool(item.param) and item.param in facts.name
            why = "" if ok else f"name:{item.param}"
        elif item.rule == "amenities":
            missing = [a for a in item.amenities if a not in facts.working_amenities]
            ok = not missing
            why = "" if ok else "missing:" + ",".join(missing)
        elif item.rule == "services_min":
            need = int(item.param or 1)
            ok = facts.services >= need
            why = "" if ok else f"services:{facts.services}<{need}"
        elif item.rule == "staff_roles":
            roles = [r.strip() for r in item.param.split(",") if r.strip()]
            missing = [r for r in roles if r not in facts.staff_roles]
            ok = not missing
            why = "" if ok else "roles:" + ",".join(missing)
        elif item.rule == "listed":
            ok = facts.listed
            why = "" if ok else "not_listed"
        else:  # "officer"
            ok = facts.officer_checks.get(item.code)
            why = "unchecked" if ok is None else ("" if ok else "officer_no")
        out.append(SixHaveResult(item.code, ok, why))
    return out


@dataclass(frozen=True)
class StarTarget:
    level: int | None  # the highest level met, score included
    cap: int | None = None  # the highest level the facilities alone allow
    # What the next level up still needs (machine words, shown translated).
    next_needs: tuple[str, ...] = ()


def _short_of(s: StarSpec, score: float | None, facts: StationFacts, six_met: int) -> list[str]:
    short = []
    if score is not None and score < s.min_score:
        short.append(f"score:{score:g}<{s.min_score:g}")
    if s.min_area_m2 and (facts.area_m2 or 0) < s.min_area_m2:
        short.append(f"area:{facts.area_m2 or 0}<{s.min_area_m2}")
    if s.min_capacity and (facts.capacity or 0) < s.min_capacity:
        short.append(f"capacity:{facts.capacity or 0}<{s.min_capacity}")
    for a in s.amenities:
        if a not in facts.working_amenities:
            short.append(f"amenity:{a}")
    if six_met < s.six_haves_min:
        short.append(f"six_haves:{six_met}<{s.six_haves_min}")
    return sorted(short)


def _highest(levels: Sequence[StarSpec], ok: Callable[[StarSpec], bool]) -> int | None:
    reached = None
    for s in sorted(levels, key=lambda s: s.level):
        if not ok(s):
            break  # levels build on each other: one short, the ones above are too
        reached = s.level
    return reached


def star_target(
    score: float, facts: StationFacts, six_met: int, levels: Sequence[StarSpec]
) -> StarTarget:
    """The highest level whose score and facility requirements the station meets, the
    highest its facilities alone allow, and what the level above still needs.

    >>> levels = [StarSpec(4, 80, 25, 15), StarSpec(5, 90, 30, 20, ("aed",), 6)]
    >>> f = StationFacts("x", area_m2=35, capacity=20, working_amenities=frozenset())
    >>> star_target(93, f, 6, levels)
    StarTarget(level=4, cap=4, next_needs=('amenity:aed',))
    >>> star_target(75, StationFacts("x", area_m2=20, capacity=20), 6, levels)
    StarTarget(level=None, cap=None, next_needs=('area:20<25', 'score:75<80'))
    """
    level = _highest(levels, lambda s: not _short_of(s, score, facts, six_met))
    cap = _highest(levels, lambda s: not _short_of(s, None, facts, six_met))
    above = sorted((s for s in levels if level is None or s.level > level), key=lambda s: s.level)
    needs = tuple(_short_of(above[0], score, facts, six_met)) if above else ()
    return StarTarget(level, cap, needs)


def star_move(before: int | None, target: StarTarget, step: int) -> int | None:
    """The level after this month: at most ``step`` levels up or down a month on the
    score; down at once to what the facilities allow. A station never rated takes its
    target at once.

    >>> T = StarTarget
    >>> star_move(3, T(5, 5), 1), star_move(3, T(1, 5), 1), star_move(3, T(1, 1), 1)
    (4, 2, 1)
    >>> star_move(None, T(4, 4), 1), star_move(2, T(None, None), 1), star_move(4, T(4, 5), 1)
    (4, None, 4)
    """
    if before is None:
        return target.level
    goal = target.level or 0
    if goal > before:
        return min(goal, before + step)
    after = min(max(goal, before - step), target.cap or 0)
    return after or None


# ---------------------------------------------------------------- cards


@dataclass(frozen=True)
class ActiveCard:
    kind: str  # "yellow" or "red"
    month: dt.date
    deadline: dt.date
    proposed: bool = False  # a delisting proposal is pending or was made this month


def card_action(
    *, scored: bool, triggered: bool, active: ActiveCard | None, month: dt.date, month_end: dt.date
) -> str:
    """What this month's result does to the station's cards.

    ``"none"``: nothing to do. ``"yellow"``: issue a yellow card. ``"refresh"``: a rerun of
    the month that issued the active card (its reason follows the new result).
    ``"keep"``: still within the deadline. ``"red"``: the yellow card's deadline passed
    with the problem still there. ``"propose"``: the red card's deadline passed: propose
    delisting. ``"lift"``: a later month without the problem lifts the card.

    >>> m, end = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    >>> card_action(scored=True, triggered=True, active=None, month=m, month_end=end)
    'yellow'
    >>> y = ActiveCard("yellow", dt.date(2026, 11, 1), dt.date(2026, 12, 30))
    >>> card_action(scored=True, triggered=True, active=y, month=m, month_end=end)
    'red'
    >>> card_action(scored=True, triggered=False, active=y, month=m, month_end=end)
    'lift'
    >>> card_action(scored=False, triggered=False, active=y, month=m, month_end=end)
    'keep'
    """
    if not scored:
        return "keep" if active else "none"
    if active is None:
        return "yellow" if triggered else "none"
    if active.month == month:
        return "refresh" if triggered else "keep"
    if active.month > month:
        return "keep"  # an older month recomputed: decisions belong to the newest
    if not triggered:
        return "lift"
    if active.deadline > month_end:
        return "keep"
    if active.kind == "yellow":
        return "red"
    return "keep" if active.proposed else "propose"


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``month``'s.

    >>> add_months(dt.date(2026, 11, 15), 1), add_months(dt.date(2026, 12, 1), 2)
    (datetime.date(2026, 12, 1), datetime.date(2027, 2, 1))
    """
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def card_deadline(month: dt.date, issued_on: dt.date, grace_months: int) -> dt.date:
    """A card's deadline: the end of the ``grace_months``-th month after the month
    evaluated, and never before the end of the month the card was issued in (a late run
    still leaves a whole month to fix it). The evaluation of that month decides.

    >>> card_deadline(dt.date(2026, 11, 1), dt.date(2026, 12, 1), 1)
    datetime.date(2026, 12, 31)
    >>> card_deadline(dt.date(2027, 1, 1), dt.date(2027, 2, 1), 1)  # February is short
    datetime.date(2027, 2, 28)
    >>> card_deadline(dt.date(2026, 11, 1), dt.date(2027, 1, 4), 1)  # November run late
    datetime.date(2027, 1, 31)
    """
    first = max(add_months(month, 1), issued_on.replace(day=1))
    return month_end(add_months(first, grace_months - 1))


def month_end(month: dt.date) -> dt.date:
    """
    >>> month_end(dt.date(2026, 2, 1)), month_end(dt.date(2026, 12, 1))
    (datetime.date(2026, 2, 28), datetime.date(2026, 12, 31))
    """
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# ---------------------------------------------------------------- rankings


@dataclass(frozen=True)
class Ranked:
    station_id: int
    value: float
    parts: dict[str, float] = field(default_factory=dict)


def share_count(n: int, share: float) -> int:
    """How many of ``n`` make the top ``share`` (rounded up; none of none).

    >>> share_count(68, 0.15), share_count(3, 0.15), share_count(0, 0.15)
    (11, 1, 0)
    """
    return 0 if n <= 0 or share <= 0 else min(n, math.ceil(n * share - 1e-9))


def top_share(
    scores: Sequence[tuple[int, float]], share: float, *, of: int | None = None
) -> list[Ranked]:
    """The best ``share`` by score (ties broken by the order given). ``of``: the size of
    the whole field when ``scores`` holds only those eligible (the top 15 % of all scored
    stations, chosen among those without a card).

    >>> [r.station_id for r in top_share([(1, 70), (2, 95), (3, 88)], 0.5)]
    [2, 3]
    >>> [r.station_id for r in top_share([(1, 70), (2, 95)], 0.15, of=20)]
    [2, 1]
    """
    ordered = sorted(scores, key=lambda s: -s[1])
    n = share_count(len(ordered) if of is None else of, share)
    return [Ranked(sid, v) for sid, v in ordered[:n]]


def upgrade_ranking(rows: Sequence[tuple[int, int, int, int]], spec: ModelSpec) -> list[Ranked]:
    """Stations (id, visits, night visits, closed-time demand) ranked by the case for a
    24-hour smart upgrade: each part over its largest value in the region, weighted.

    >>> m = ModelSpec(1, "m", (), (), (), ())
    >>> rank = upgrade_ranking([(1, 100, 10, 0), (2, 50, 40, 20), (3, 10, 0, 0)], m)
    >>> [(r.station_id, r.value) for r in rank]
    [(2, 0.85), (1, 0.4), (3, 0.03)]
    """
    if not rows:
        return []
    top_v = max(r[1] for r in rows) or 1
    top_n = max(r[2] for r in rows) or 1
    top_p = max(r[3] for r in rows) or 1
    w = (spec.upgrade_weight_night, spec.upgrade_weight_usage, spec.upgrade_weight_pressure)
    total_w = sum(w) or 1.0
    out = []
    for sid, visits, night, pressure in rows:
        parts = {"night": night / top_n, "usage": visits / top_v, "pressure": pressure / top_p}
        value = (w[0] * parts["night"] + w[1] * parts["usage"] + w[2] * parts["pressure"]) / total_w
        out.append(Ranked(sid, round(value, 2), {k: round(v, 2) for k, v in parts.items()}))
    out.sort(key=lambda r: -r.value)
    return out
