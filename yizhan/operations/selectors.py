"""Reading operations data: seasons, due inspections, compliance, rectifications."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.accounts.models import User, UserRole
from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.errors import NotFound
from yizhan.core.evidence import LifeEvent
from yizhan.core.hooks import DayReport, DayReports, reports_for_day
from yizhan.core.sql import epoch
from yizhan.core.time import SHANGHAI
from yizhan.operations import regime
from yizhan.operations.models import (
    AssignmentStatus,
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionAssignment,
    InspectionRule,
    ItemSeason,
    OpeningLog,
    Rectification,
    RectificationStatus,
    SeasonalMode,
    Tier,
)
from yizhan.operations.seasons import ModeRow

# The season rule is read by the finder too (a region's summer or winter mode).
from yizhan.operations.seasons import season_for as season_for
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.access import StationAccess, inspection_tiers
from yizhan.stations.hours import InvalidOpeningHours, OpeningHours
from yizhan.stations.models import Station, StationStaff, StationStatus


def seasonal_modes_on(*, day: dt.date) -> list[ModeRow]:
    """Every mode in force on ``day`` (few rows: one per region that set one)."""
    return [
        ModeRow(*row)
        for row in SeasonalMode.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
            "region__code", "season", "starts_on", "ends_on"
        )
    ]


def seasonal_modes_for(*, user: User) -> list[SeasonalMode]:
    """The modes an officer sees: those set in their region's subtree, and those set above
    it that reach it (a city's winter mode holds in its districts), latest first."""
    scope_q = user_scope(user=user).q("region")
    if user.region is not None:
        code = user.region.code
        ancestors = [code[:n] for n in (2, 4, 6, 9) if n < len(code)]
        scope_q |= Q(region__code__in=ancestors)
    return list(
        SeasonalMode.objects.filter(scope_q)
        .select_related("region")
        .order_by("-ends_on", "region__code")[:200]
    )


def station_season(*, region_code: str, day: dt.date) -> str:
    return season_for(region_code, day, seasonal_modes_on(day=day))


# ---------------------------------------------------------------- regime


def rule_for(*, tier: str) -> InspectionRule:
    rule = InspectionRule.objects.filter(tier=tier).first()
    if rule is None:
        raise NotFound(_("没有该层级的巡查规则：%(tier)s") % {"tier": tier})
    return rule


def checklist_current(*, tier: str) -> Checklist:
    """The tier's latest published checklist version."""
    found = (
        Checklist.objects.filter(tier=tier, published_at__isnull=False).order_by("-version").first()
    )
    if found is None:
        raise NotFound(_("该层级还没有发布的巡查清单：%(tier)s") % {"tier": tier})
    return found


def checklist_items_for(*, checklist: Checklist, season: str) -> list[ChecklistItem]:
    """The items to answer in ``season`` ("" outside any seasonal mode)."""
    wanted = [ItemSeason.ALL] + ([season] if season else [])
    return list(checklist.items.filter(season__in=wanted).order_by("sort_order", "id"))


# ---------------------------------------------------------------- what is due


PERIODIC_TIERS = (Tier.DAILY, Tier.WEEKLY, Tier.MONTHLY)


@dataclass(frozen=True)
class Cell:
    tier: str
    # "done", "due", "overdue" (the last period went without one), or "not_due" (a
    # daily check on a day the station does not open).
    state: str
    period_start: dt.date
    last_at: dt.datetime | None


@dataclass(frozen=True)
class BoardRow:
    station: Station
    cells: tuple[Cell, ...]

    def cell(self, tier: str) -> Cell:
        return next(c for c in self.cells if c.tier == tier)


def _opens_on(station: Station, day: dt.date) -> bool:
    return _hours_open_on(station.opening_hours, station.keeps_workday_hours, day)


@functools.lru_cache(maxsize=65_536)
def _hours_open_on(rule: str, workday: bool, day: dt.date) -> bool:
    """Whether hours ``rule`` open at all on ``day`` (unreadable hours: assume they do).
    Remembered: a region's stations share a handful of rules."""
    try:
        return bool(OpeningHours.parse(rule, workday=workday).day_intervals(day))
    except (InvalidOpeningHours, ValueError):
        return True


def inspection_board(*, stations: Sequence[Station], today: dt.date) -> list[BoardRow]:
    """For each station and periodic tier: done this period, due, or overdue. Two queries
    whatever the number of stations."""
    rules = {r.tier: r for r in InspectionRule.objects.filter(tier__in=PERIODIC_TIERS)}
    earliest = (
        min(
            regime.period_previous(r.period, regime.period_start(r.period, today))
            for r in rules.values()
        )
        if rules
        else today
    )
    done: dict[tuple[int, str], set[dt.date]] = defaultdict(set)
    last: dict[tuple[int, str], dt.datetime] = {}
    for sid, tier, start, at in (
        Inspection.objects.filter(
            station__in=[s.pk for s in stations],
            tier__in=PERIODIC_TIERS,
            period_start__gte=earliest,
        )
        .order_by("submitted_at")
        .values_list("station_id", "tier", "period_start", "submitted_at")
    ):
        done[(sid, tier)].add(start)
        last[(sid, tier)] = at
    rows = []
    for station in stations:
        cells = []
        running_since = station.status_changed_at or station.created_at
        since = running_since.astimezone(SHANGHAI).date() if running_since else today
        for tier in PERIODIC_TIERS:
            rule = rules.get(tier)
            if rule is None:
                continue
            start = regime.period_start(rule.period, today)
            prev = regime.period_previous(rule.period, start)
            periods = done.get((station.pk, tier), set())
            if start in periods:
                state = "done"
            elif tier == Tier.DAILY and not _opens_on(station, today):
                state = "not_due"
            elif since < start and not any(prev <= p < start for p in periods):
                state = "overdue"
            else:
                state = "due"
            cells.append(Cell(tier, state, start, last.get((station.pk, tier))))
        rows.append(BoardRow(station, tuple(cells)))
    return rows


# ---------------------------------------------------------------- a person's day


@dataclass
class MyDay:
    # (station, the person's roles there, its checks, the tiers they may do)
    stations: list[tuple[Station, frozenset[str], BoardRow, frozenset[str]]]
    assignments: list[InspectionAssignment]
    to_fix: list[Rectification]
    to_check: list[Rectification]
    # Workers' reports (from feedback, through `core.hooks.reports_for_day`): unresolved
    # at the stations they run; overdue ones in the region an inspector or street officer
    # chases.
    reports: list[DayReport] = field(default_factory=list)
    reports_overdue: list[DayReport] = field(default_factory=list)


def my_day(*, user: User, today: dt.date, now: dt.datetime | None = None) -> MyDay:
    """What is waiting for ``user``: their stations' checks, their assignments, the
    orders they must fix and the fixes they must check, and workers' reports to answer
    or chase (as of ``now``)."""
    roles: dict[int, set[str]] = defaultdict(set)
    for sid, role in StationStaff.objects.filter(user=user).values_list("station_id", "role"):
        roles[sid].add(role)
    stations = list(
        Station.objects.filter(pk__in=roles, status=StationStatus.ACTIVE)
        .select_related("region")
        .order_by("code")
    )
    board = {r.station.pk: r for r in inspection_board(stations=stations, today=today)}
    open_orders = Rectification.objects.select_related("station", "item", "assignee").order_by(
        "deadline", "id"
    )
    # Feedback may be left out of a deployment: then there are no reports to show.
    reports = (
        reports_for_day(user=user, now=now or timezone.now())
        if reports_for_day.registered
        else DayReports()
    )
    return MyDay(
        stations=[
            (
                s,
                frozenset(roles[s.pk]),
                board[s.pk],
                inspection_tiers(StationAccess(frozenset(roles[s.pk]), supervisor=False)),
            )
            for s in stations
        ],
        assignments=list(
            InspectionAssignment.objects.filter(assignee=user, status=AssignmentStatus.OPEN)
            .select_related("station")
            .order_by("due_on")
        ),
        to_fix=list(
            open_orders.filter(status=RectificationStatus.OPEN).filter(
                Q(assignee=user)
                | Q(station__in=[s for s, r in roles.items() if r & {"master", "administrator"}])
            )
        ),
        to_check=list(open_orders.filter(status=RectificationStatus.FIXED, issued_by=user)),
        reports=reports.to_answer,
        reports_overdue=reports.overdue,
    )


# ---------------------------------------------------------------- officers' views


@dataclass(frozen=True)
class ComplianceRow:
    station: Station
    tier: str
    expected: int
    done: int
    late: int
    away: int
    state: str

    @property
    def share(self) -> float | None:
        return None if self.expected == 0 else min(1.0, self.done / self.expected)


def _expected_periods(
    station: Station,
    period: str,
    start: dt.date,
    end: dt.date,
    since: dt.date,
    open_days: set[dt.date] | None = None,
) -> list[dt.date]:
    out = []
    p = regime.period_start(period, max(start, since))
    while p <= end:
        if period != "day" or (_opens_on(station, p) if open_days is None else p in open_days):
            out.append(p)
        p = regime.period_next(period, p)
    return out


def inspection_compliance(
    *,
    scope: Scope,
    region: Region | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    since: dict[int, dt.date] | None = None,
    open_days: dict[int, set[dt.date]] | None = None,
) -> list[ComplianceRow]:
    """Per station in scope (under ``region`` when given) and periodic tier: periods
    expected from ``start`` to ``end``, periods with an inspection, late and away ones,
    and the state today. Periods are expected from the station's last status change and
    daily ones on the days its hours now open, unless the caller knows better: ``since``
    (station id → the day it began running) and ``open_days`` (station id → the days it
    was running and open), e.g. a past month as it stood."""
    stations_qs = Station.objects.filter(scope.q("region"), status=StationStatus.ACTIVE)
    if region is not None:
        stations_qs = stations_qs.filter(region_subtree_q(region, field="region"))
    stations = list(stations_qs.select_related("region").order_by("region__code", "code"))
    rules = {r.tier: r for r in InspectionRule.objects.filter(tier__in=PERIODIC_TIERS)}
    counts: dict[tuple[int, str], tuple[set[dt.date], int, int]] = {}
    # A week that began before ``start`` is expected in the window (it ends inside it):
    # its inspection counts too, wherever in the week it was done.
    first = min([regime.period_start(r.period, start) for r in rules.values()], default=start)
    for sid, tier, p, late, away in Inspection.objects.filter(
        station__in=[s.pk for s in stations],
        tier__in=PERIODIC_TIERS,
        period_start__gte=first,
        period_start__lte=end,
    ).values_list("station_id", "tier", "period_start", "late", "away"):
        periods, n_late, n_away = counts.get((sid, tier), (set(), 0, 0))
        periods.add(p)
        counts[(sid, tier)] = (periods, n_late + late, n_away + away)
    board = {r.station.pk: r for r in inspection_board(stations=stations, today=today)}
    rows = []
    for station in stations:
        since_at = station.status_changed_at or station.created_at
        began: dt.date | None = since_at.astimezone(SHANGHAI).date() if since_at else start
        if since is not None:
            began = since.get(station.pk)  # absent: not running in the window at all
        days = open_days.get(station.pk, set()) if open_days is not None else None
        for tier, rule in rules.items():
            expected = (
                _expected_periods(station, rule.period, start, end, began, days)
                if began is not None
                else []
            )
            periods, n_late, n_away = counts.get((station.pk, tier), (set(), 0, 0))
            rows.append(
                ComplianceRow(
                    station=station,
                    tier=tier,
                    expected=len(expected),
                    done=len(periods & set(expected)) if expected else len(periods),
                    late=n_late,
                    away=n_away,
                    state=board[station.pk].cell(tier).state,
                )
            )
    return rows


@dataclass(frozen=True)
class ComplianceTotal:
    region_name: str
    tier: str
    stations: int
    expected: int
    done: int
    overdue_now: int

    @property
    def share(self) -> float | None:
        return None if self.expected == 0 else self.done / self.expected


def compliance_by_region(rows: Sequence[ComplianceRow]) -> list[ComplianceTotal]:
    """The station rows summed per region (the stations' own region, e.g. the street)."""
    acc: dict[tuple[str, str, str], list[int]] = {}
    for r in rows:
        key = (r.station.region.code, r.station.region.name, r.tier)
        t = acc.setdefault(key, [0, 0, 0, 0])
        t[0] += 1
        t[1] += r.expected
        t[2] += r.done
        t[3] += r.state == "overdue"
    order: dict[str, int] = {t.value: i for i, t in enumerate(PERIODIC_TIERS)}
    return [
        ComplianceTotal(name, tier, *values)
        for (code, name, tier), values in sorted(
            acc.items(), key=lambda kv: (kv[0][0], order[kv[0][2]])
        )
    ]


def rectifications_open(
    *, scope: Scope, region: Region | None = None, now: dt.datetime
) -> list[Rectification]:
    """Orders not yet closed in scope, oldest first, with ``age_days`` and ``overdue``."""
    qs = Rectification.objects.filter(scope.q("station__region")).exclude(
        status=RectificationStatus.CLOSED
    )
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="station__region"))
    rows = list(
        qs.select_related("station__region", "assignee", "issued_by", "item").order_by(
            "created_at", "id"
        )
    )
    for r in rows:
        r.age_days = (now - r.created_at).days  # type: ignore[attr-defined]
        r.overdue = r.status == RectificationStatus.OPEN and r.deadline < now  # type: ignore[attr-defined]
    return rows


def rectification_figures(*, scope: Scope, now: dt.datetime) -> dict[str, int]:
    """For the officer's day: orders not yet closed in ``scope``, and those still 待整改
    past their deadline (the rows `rectifications_open` lists and marks overdue), in one
    query."""
    got = (
        Rectification.objects.filter(scope.q("station__region"))
        .exclude(status=RectificationStatus.CLOSED)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(status=RectificationStatus.OPEN, deadline__lt=now)),
        )
    )
    return {
        "operations.rectifications_open": got["open"],
        "operations.rectifications_overdue": got["overdue"],
    }


def station_orders_open(*, station: Station) -> list[Rectification]:
    """One station's orders not yet closed, the nearest deadline first."""
    return list(
        Rectification.objects.filter(station=station)
        .exclude(status=RectificationStatus.CLOSED)
        .select_related("assignee", "item")
        .order_by("deadline", "id")
    )


def rectification_assignee_choices(*, order: Rectification) -> list[tuple[User, str]]:
    """Who may be made responsible for ``order`` (`stations.access.rectification_can_hold`),
    each with what they are: the station's staff with an account (by role), then the
    inspectors and officers whose region holds the station."""
    out: dict[int, tuple[User, str]] = {}
    for row in (
        StationStaff.objects.filter(station=order.station, user__is_active=True)
        .select_related("user")
        .order_by("role", "id")
    ):
        if row.user is not None:
            out.setdefault(row.user.pk, (row.user, str(row.get_role_display())))
    code = order.station.region.code
    above = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    for person in User.objects.filter(
        is_active=True,
        role__in=[UserRole.INSPECTOR, UserRole.OFFICER],
        region__code__in=above,
    ).order_by("-region__code", "role", "id"):
        out.setdefault(person.pk, (person, str(person.get_role_display())))
    return list(out.values())


def station_contacts_without_account(*, station: Station) -> list[StationStaff]:
    """The station's master and administrators the registry knows by name and phone but
    who cannot sign in: whoever holds an order in their place may call them."""
    return list(
        StationStaff.objects.filter(
            station=station, role__in=["master", "administrator"], user__isnull=True
        ).order_by("role", "id")
    )


def assignment_choices(*, user: User) -> tuple[list[User], list[User], list[InspectionAssignment]]:
    """For an officer's spot-check page: the inspectors and officers in their scope who can
    be sent, the registered workers who can visit, and the tasks still open."""
    scope = user_scope(user=user)
    people = list(
        User.objects.filter(
            scope.q("region"), role__in=[UserRole.INSPECTOR, UserRole.OFFICER], is_active=True
        ).order_by("role", "username")
    )
    workers = list(
        User.objects.filter(role=UserRole.WORKER, is_active=True).order_by("username")[:200]
    )
    open_tasks = list(
        InspectionAssignment.objects.filter(
            scope.q("station__region"), status=AssignmentStatus.OPEN
        )
        .select_related("station", "assignee")
        .order_by("due_on")[:300]
    )
    return people, workers, open_tasks


def rectification_detail(*, pk: int) -> Rectification:
    found = (
        Rectification.objects.select_related(
            "station__region",
            "assignee",
            "issued_by",
            "fixed_by",
            "checked_by",
            "inspection",
            "item",
        )
        .prefetch_related(
            "events__user",
            "events__finding__item",
            "findings__found_by",
            "findings__inspection",
            "findings__item",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("没有这张整改单。"))
    return found


def inspection_detail(*, pk: int) -> Inspection:
    found = (
        Inspection.objects.select_related("station__region", "inspector", "checklist")
        .prefetch_related(
            "answers__item",
            "photos__item",
            "findings__item",
            "findings__rectification__item",
            "findings__rectification__assignee",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("没有这条巡查记录。"))
    return found


def opening_log_recent(*, station: Station, limit: int = 10) -> list[OpeningLog]:
    return list(OpeningLog.objects.filter(station=station).select_related("user")[:limit])


def life_events(
    *, station_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> Iterator[LifeEvent]:
    """The opening log as evidence: "opened" and "closed" taps by the station's staff."""
    rows = OpeningLog.objects.filter(at__gte=start, at__lt=end).order_by()
    if station_ids is not None:
        rows = rows.filter(station_id__in=station_ids)
    stamp = dt.datetime.fromtimestamp
    for sid, t, action, user_id in (
        rows.annotate(t=epoch("at"))
        .values_list("station_id", "t", "action", "user_id")
        .iterator(chunk_size=5000)
    ):
        yield LifeEvent(sid, stamp(t, SHANGHAI), action, f"staff:{user_id}", "", 0, True)
