"""Reading for the evaluation: the model as a frozen spec, a district's month of evidence
counted per station, and the stored results (scores, cards, proposals, rankings, the
bulletin's tables)."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.errors import NotFound
from yizhan.core.time import SHANGHAI
from yizhan.evaluation import history, rules
from yizhan.evaluation.models import (
    Card,
    CardKind,
    CardStatus,
    DelistingProposal,
    EvaluationModel,
    EvaluationRun,
    ModelStatus,
    MonthSnapshot,
    ProposalStatus,
    RunStatus,
    SixHaveCheck,
    StationScore,
)
from yizhan.evidence import selectors as evidence
from yizhan.feedback.models import POSITIVE_TAGS, Rating, Report, ReportEcho
from yizhan.operations.models import EquipmentLog, Rectification, RectificationStatus
from yizhan.operations.selectors import inspection_compliance
from yizhan.regions.models import Region, RegionLevel
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.hours import InvalidOpeningHours, OpeningHours
from yizhan.stations.models import (
    Station,
    StationAmenity,
    StationChange,
    StationListing,
    StationStaff,
    StationStatus,
)
from yizhan.stations.services import REGISTRY_STAFF_ROLES

Progress = Callable[[int, int], None]
CHUNK = 25  # stations per evidence pass: progress moves while memory stays small
OFFICER_CHECK_VALID = dt.timedelta(days=365)


# ---------------------------------------------------------------- the model


def model_published() -> EvaluationModel:
    """The model in force. The seed migration publishes version 1; a database emptied
    since (a flushed test database) is seeded again from the same data."""
    found = EvaluationModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    if found is None:
        import importlib

        from django.apps import apps

        importlib.import_module("yizhan.evaluation.migrations.0002_default_model_seed").seed(
            apps, None
        )
        found = EvaluationModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    if found is None:
        raise NotFound("没有现行的评估模型：请在管理后台发布一个版本。")
    return found


def model_spec(model: EvaluationModel) -> rules.ModelSpec:
    """The model's rules as plain frozen data (what a run keeps as its snapshot)."""
    return rules.ModelSpec(
        version=model.version,
        name=model.name,
        indicators=tuple(
            rules.IndicatorSpec(
                code=i.code,
                weight=i.weight,
                floor=i.floor,
                target=i.target,
                card_threshold=i.card_threshold,
                min_evidence=i.min_evidence,
            )
            for i in model.indicators.order_by("id")
        ),
        norms=tuple(
            rules.NormSpec(n.kind, n.required_hours, n.expected_daily_visits, n.min_daily_hours)
            for n in model.norms.order_by("kind")
        ),
        stars=tuple(
            rules.StarSpec(
                level=s.level,
                min_score=s.min_score,
                min_area_m2=s.min_area_m2,
                min_capacity=s.min_capacity,
                amenities=tuple(sorted(s.amenities.values_list("code", flat=True))),
                six_haves_min=s.six_haves_min,
            )
            for s in model.star_levels.prefetch_related("amenities").order_by("level")
        ),
        six_haves=tuple(
            rules.SixHaveSpec(
                code=h.code,
                text=h.text,
                text_en=h.text_en,
                rule=h.rule,
                param=h.param,
                amenities=tuple(sorted(h.amenities.values_list("code", flat=True))),
            )
            for h in model.six_haves.prefetch_related("amenities").order_by("id")
        ),
        min_evidence_share=model.min_evidence_share,
        yellow_below=model.yellow_below,
        yellow_grace_months=model.yellow_grace_months,
        red_grace_months=model.red_grace_months,
        response_days=model.response_days,
        star_step=model.star_step,
        top_share=model.top_share,
        top_min_stars=model.top_min_stars,
        upgrade_share=model.upgrade_share,
        night_from_hour=model.night_from_hour,
        night_to_hour=model.night_to_hour,
        upgrade_weight_night=model.upgrade_weight_night,
        upgrade_weight_usage=model.upgrade_weight_usage,
        upgrade_weight_pressure=model.upgrade_weight_pressure,
    )


# ---------------------------------------------------------------- months and regions


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local month, aware."""
    start = dt.datetime.combine(month_first(month), dt.time(), SHANGHAI)
    end = dt.datetime.combine(rules.month_end(month) + dt.timedelta(days=1), dt.time(), SHANGHAI)
    return start, end


def month_previous(month: dt.date) -> dt.date:
    return month_first(month_first(month) - dt.timedelta(days=1))


def districts_under(region: Region) -> list[Region]:
    """The districts a run over ``region`` covers: itself when a district, else every
    district below it with an active station."""
    if region.level == RegionLevel.DISTRICT:
        return [region]
    codes = {
        code[:6]
        for code in Station.objects.filter(
            region_subtree_q(region), status=StationStatus.ACTIVE
        ).values_list("region__code", flat=True)
    }
    return list(Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).order_by("code"))


def stations_evaluated(*, district: Region, month: dt.date | None = None) -> list[Station]:
    """The stations a district's run scores: those active now (suspended and delisted
    stations are out of service and not graded) and, once ``month`` has been evaluated,
    only those its first run graded (a station opened or reactivated since is not
    brought into a month already judged)."""
    qs = Station.objects.filter(region_subtree_q(district), status=StationStatus.ACTIVE)
    if month is not None:
        judged = MonthSnapshot.objects.filter(
            region_subtree_q(district, field="station__region"), month=month
        )
        if judged.exists():
            qs = qs.filter(pk__in=judged.values("station_id"))
    return list(qs.select_related("region").order_by("code"))


# ---------------------------------------------------------------- a month of evidence


@dataclass
class StationMonth:
    station: Station
    evidence: rules.StationEvidence
    facts: rules.StationFacts
    # The station as it stood in the month (what its facts and hours were read from).
    stood: history.Stood | None = None
    # The registry as this run found it, to keep when this is the month's first run for
    # the station (None: a snapshot is kept already).
    snapshot: dict[str, Any] | None = None


def active_days(stations: Sequence[Station], month: dt.date) -> dict[int, set[dt.date]]:
    """Station id → the days of ``month`` it was active, from its status history (a
    station suspended for a week owes nothing that week; one opened on the 20th owes
    nothing before). A station with no status change recorded has been active since its
    status was set (or since it was created)."""
    start, end = month_bounds(month)
    days = [month_first(month) + dt.timedelta(days=n) for n in range((end - start).days)]
    changes: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for sid, at, change in (
        StationChange.objects.filter(
            station__in=[s.pk for s in stations], action=StationChange.Action.STATUS
        )
        .order_by("changed_at", "id")
        .values_list("station_id", "changed_at", "changes")
    ):
        old, new = (change or {}).get("status", [None, None])
        changes[sid].append((at, str(old), str(new)))
    out = {}
    for s in stations:
        history = changes.get(s.pk)
        if not history:
            # No change recorded: active since its status was set, else since created.
            since = (s.status_changed_at or s.created_at or start).astimezone(SHANGHAI).date()
            out[s.pk] = {d for d in days if d >= since}
            continue
        active: set[dt.date] = set()
        state = history[0][1]  # the status before the first change
        i = 0
        for d in days:
            day_end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), SHANGHAI)
            was_active = state == StationStatus.ACTIVE
            while i < len(history) and history[i][0] < day_end:
                state = history[i][2]
                was_active = was_active or state == StationStatus.ACTIVE
                i += 1
            if was_active:
                active.add(d)  # active for some of the day: the day counts
        out[s.pk] = active
    return out


def _opening_and_usage(
    stations: Sequence[Station],
    month: dt.date,
    spec: rules.ModelSpec,
    stood: Mapping[int, history.Stood],
    running: Mapping[int, set[dt.date]],
) -> dict[int, dict[str, Any]]:
    start, end = month_bounds(month)
    kinds = {n.kind: n.required_hours for n in spec.norms}
    kind_of = {s.pk: stood[s.pk].kind for s in stations}
    required = evidence.required_open(
        stations=stations, rules_by_kind=kinds, start=start, end=end, kinds=kind_of
    )
    days = evidence.station_days(
        stations=stations,
        first=month_first(month),
        last=rules.month_end(month),
        now=end,
        required=required,
        hours={s.pk: stood[s.pk].hours for s in stations},
    )
    night = spec.night_hours()
    least = {n.kind: round(n.min_daily_hours * 60) for n in spec.norms}
    out: dict[int, dict[str, Any]] = {}
    for d in days:
        if d.day not in running.get(d.station.pk, ()):
            continue  # not running that day (not yet opened, or suspended): nothing owed
        acc = out.setdefault(d.station.pk, Counter())
        judged = d.judged or d.compliance
        # A day short of the least daily opening owes the difference, all of it dead.
        short = max(0, least.get(kind_of[d.station.pk], 0) - judged.declared_minutes)
        acc["judged"] += judged.declared_minutes + short
        acc["alive"] += judged.alive_minutes
        acc["declared"] += d.compliance.declared_minutes
        acc["dead_declared"] += d.compliance.dead_minutes
        acc["undeclared"] += d.undeclared_minutes + short
        acc["flagged"] += d.compliance.flagged
        acc["open_days"] += judged.declared_minutes + short > 0
        acc["visits"] += d.usage.visits
        acc["night"] += sum(n for h, n in enumerate(d.usage.by_hour) if h in night)
        acc["closed_demand"] += d.closed_demand
        acc["events"] += d.events
    return out


def _opens_on(hours: Sequence[tuple[dt.datetime, str, bool]], day: dt.date) -> bool:
    """Whether the hours in force on ``day`` (the last set by then) open at all that day."""
    rule, workday = hours[0][1], hours[0][2]
    for since, r, w in hours:
        if since.astimezone(SHANGHAI).date() <= day:
            rule, workday = r, w
    return _rule_opens_on(rule, workday, day)


@functools.lru_cache(maxsize=65_536)
def _rule_opens_on(rule: str, workday: bool, day: dt.date) -> bool:
    try:
        return bool(OpeningHours.parse(rule, workday=workday).day_intervals(day))
    except (InvalidOpeningHours, ValueError):
        return True  # unreadable hours: assume they open


def _ratings(ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, Any]]:
    rows: dict[int, list[tuple[int, float, list[str]]]] = defaultdict(list)
    for sid, stars, weight, tags in Rating.objects.filter(
        station_id__in=ids, at__gte=start, at__lt=end
    ).values_list("station_id", "stars", "weight", "tags"):
        rows[sid].append((stars, weight, tags or []))
    out = {}
    for sid, rs in rows.items():
        weight = sum(w for _s, w, _t in rs)
        negative = Counter(t for _s, _w, tags in rs for t in tags if t not in POSITIVE_TAGS)
        out[sid] = {
            "count": len(rs),
            "average": round(sum(s * w for s, w, _t in rs) / weight, 2) if weight else None,
            "negative": tuple(negative.most_common(3)),
        }
    return out


def _reporters(ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> dict[int, Counter[str]]:
    """People who reported a problem in the month, by category (merged ones included)."""
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for sid, category in Report.objects.filter(
        station_id__in=ids, created_at__gte=start, created_at__lt=end
    ).values_list("station_id", "category"):
        out[sid][category] += 1
    for sid, category in ReportEcho.objects.filter(
        report__station_id__in=ids, at__gte=start, at__lt=end
    ).values_list("report__station_id", "report__category"):
        out[sid][category] += 1
    return out


def _orders(ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> dict[int, Counter[str]]:
    """Orders due in the month, or overdue and still unfixed when it began; fixed on time
    means fixed (by the station) no later than the deadline."""
    out: dict[int, Counter[str]] = defaultdict(Counter)
    rows = Rectification.objects.filter(station_id__in=ids, deadline__lt=end, created_at__lt=end)
    rows = rows.filter(
        Q(deadline__gte=start) | Q(fixed_at__isnull=True) | Q(fixed_at__gte=start)
    ).exclude(Q(status=RectificationStatus.CLOSED) & Q(checked_at__lt=start))
    for sid, deadline, fixed_at, status in rows.values_list(
        "station_id", "deadline", "fixed_at", "status"
    ):
        c = out[sid]
        c["due"] += 1
        if fixed_at is not None and fixed_at <= deadline:
            c["on_time"] += 1
        elif status != RectificationStatus.CLOSED and (fixed_at is None or fixed_at >= end):
            c["open_overdue"] += 1
    return out


def registry_now(stations: Sequence[Station]) -> dict[int, dict[str, Any]]:
    """What the registry says of each station now, in the shape of its history (the
    snapshot a month's first run keeps, for the fields whose history is silent)."""
    ids = [s.pk for s in stations]
    amenities: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, code, state in StationAmenity.objects.filter(station_id__in=ids).values_list(
        "station_id", "amenity__code", "state"
    ):
        amenities[sid][code] = state
    services: dict[int, list[str]] = defaultdict(list)
    for sid, code in Station.services.through.objects.filter(station_id__in=ids).values_list(
        "station_id", "service__code"
    ):
        services[sid].append(code)
    roles: dict[int, set[str]] = defaultdict(set)
    for sid, role in StationStaff.objects.filter(station_id__in=ids).values_list(
        "station_id", "role"
    ):
        roles[sid].add(role)
    return {
        s.pk: {
            **{name: getattr(s, name) for name in history.SCALARS},
            "amenities": dict(sorted(amenities.get(s.pk, {}).items())),
            "services": sorted(services.get(s.pk, [])),
            "staff": sorted(r for r in roles.get(s.pk, ()) if r in REGISTRY_STAFF_ROLES),
            "other_roles": sorted(r for r in roles.get(s.pk, ()) if r not in REGISTRY_STAFF_ROLES),
        }
        for s in stations
    }


def month_stood(
    stations: Sequence[Station],
    month: dt.date,
    *,
    snapshots: Mapping[int, tuple[dt.datetime, Mapping[str, Any]]],
) -> dict[int, history.Stood]:
    """Each station as it stood in ``month``: from its change history and the equipment
    log where they answer, else from the snapshot its month's first run kept
    (``snapshots``: station id → (taken at, registry), one for every station; at a
    month's first run, the registry now)."""
    ids = [s.pk for s in stations]
    start, end = month_bounds(month)
    cutoff = {s.pk: snapshots[s.pk][0] for s in stations}
    latest = max([end, *cutoff.values()])  # nothing written since can answer
    rows: dict[int, list[history.RegistryRow]] = defaultdict(list)
    listed: dict[int, list[dt.datetime]] = defaultdict(list)
    for sid, action, at, changes in (
        StationChange.objects.filter(station_id__in=ids, changed_at__lte=latest)
        .order_by("changed_at", "id")
        .values_list("station_id", "action", "changed_at", "changes")
    ):
        if action == StationChange.Action.PUBLISH:
            listed[sid].append(at)
        else:
            rows[sid].append(
                history.RegistryRow(at, action == StationChange.Action.CREATE, changes or {})
            )
    for sid, at in StationListing.objects.filter(station_id__in=ids).values_list(
        "station_id", "listed_at"
    ):
        listed[sid].append(at)
    marks: dict[int, list[history.Mark]] = defaultdict(list)
    for sid, code, state, at in (
        EquipmentLog.objects.filter(station_id__in=ids, at__lte=latest)
        .order_by("at", "id")
        .values_list("station_id", "amenity__code", "state", "at")
    ):
        marks[sid].append(history.Mark(at, code, state))
    # An officer's assessment counts from when it was made until a year after, and one
    # made after the month, up to its first run, counts for it: nobody can assess the past.
    checks: dict[int, dict[str, bool]] = defaultdict(dict)
    for sid, code, ok, at in (
        SixHaveCheck.objects.filter(
            station_id__in=ids,
            checked_at__lte=latest,
            checked_at__gte=end - OFFICER_CHECK_VALID,
        )
        .order_by("station_id", "code", "checked_at", "id")
        .values_list("station_id", "code", "ok", "checked_at")
    ):
        if at <= max(end, cutoff[sid]):
            checks[sid][code] = ok  # the latest assessment wins
    out = {}
    for s in stations:
        out[s.pk] = history.as_it_stood(
            snapshot=snapshots[s.pk][1],
            rows=rows.get(s.pk, []),
            marks=marks.get(s.pk, []),
            listed_at=listed.get(s.pk, []),
            officer_checks=checks.get(s.pk, {}),
            start=start,
            end=end,
            cutoff=cutoff[s.pk],
        )
    return out


def _facts(stood: history.Stood) -> rules.StationFacts:
    return rules.StationFacts(
        name=stood.name,
        area_m2=stood.floor_area_m2,
        capacity=stood.capacity,
        working_amenities=stood.working,
        services=len(stood.services),
        staff_roles=frozenset(stood.staff_roles),
        listed=stood.listed,
        officer_checks=stood.officer_checks,
    )


def month_snapshots(
    stations: Sequence[Station], month: dt.date
) -> dict[int, tuple[dt.datetime, dict[str, Any]]]:
    """Station id → (taken at, registry) of the snapshots ``month``'s first run kept."""
    return {
        sid: (at, registry)
        for sid, at, registry in MonthSnapshot.objects.filter(
            station__in=[s.pk for s in stations], month=month
        ).values_list("station_id", "taken_at", "registry")
    }


def district_month(
    *,
    district: Region,
    month: dt.date,
    spec: rules.ModelSpec,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> list[StationMonth]:
    """Every evaluated station of ``district`` with its month's evidence counted, and the
    station as it stood in the month (``now``: the moment of the run, which becomes the
    month's snapshot when this is its first run)."""
    now = now or timezone.now()
    stations = stations_evaluated(district=district, month=month)
    start, end = month_bounds(month)
    last = rules.month_end(month)
    kept = month_snapshots(stations, month)
    taken = registry_now([s for s in stations if s.pk not in kept])
    snapshots = {**kept, **{sid: (now, registry) for sid, registry in taken.items()}}
    stood = month_stood(stations, month, snapshots=snapshots)
    running = active_days(stations, month)
    opening: dict[int, dict[str, Any]] = {}
    total = len(stations)
    for i in range(0, total, CHUNK):
        chunk = stations[i : i + CHUNK]
        opening.update(_opening_and_usage(chunk, month, spec, stood, running))
        if progress:
            progress(min(total, i + CHUNK), total)
    ids = [s.pk for s in stations]
    ratings = _ratings(ids, start, end)
    reporters = _reporters(ids, start, end)
    orders = _orders(ids, start, end)
    inspections: dict[int, Counter[str]] = defaultdict(Counter)
    for row in inspection_compliance(
        scope=Scope(national=True, region=None),
        region=district,
        start=month_first(month),
        end=last,
        today=last,
        # Expected as the month stood: from the day it ran (its status history), daily
        # on the days it ran under hours that open that day.
        since={sid: min(days) for sid, days in running.items() if days},
        open_days={
            sid: {d for d in days if _opens_on(stood[sid].hours, d)}
            for sid, days in running.items()
        },
    ):
        c = inspections[row.station.pk]
        c["expected"] += row.expected
        c["done"] += min(row.done, row.expected) if row.expected else 0
        c["late"] += row.late
    daily = [
        o["visits"] / o["open_days"]
        for o in opening.values()
        if o.get("open_days") and o.get("events")
    ]
    median = round(statistics.median(daily), 2) if daily else None
    out = []
    for s in stations:
        o = opening.get(s.pk, Counter())
        r = ratings.get(s.pk, {})
        rep = reporters.get(s.pk, Counter())
        ords = orders.get(s.pk, Counter())
        insp = inspections.get(s.pk, Counter())
        has_data = bool(o.get("events") or r or rep or ords or insp.get("done") or insp.get("late"))
        out.append(
            StationMonth(
                station=s,
                evidence=rules.StationEvidence(
                    kind=stood[s.pk].kind,
                    has_data=has_data,
                    judged_minutes=o.get("judged", 0),
                    alive_minutes=o.get("alive", 0),
                    declared_minutes=o.get("declared", 0),
                    undeclared_minutes=o.get("undeclared", 0),
                    dead_declared_minutes=o.get("dead_declared", 0),
                    flagged_days=o.get("flagged", 0),
                    open_days=o.get("open_days", 0),
                    visits=o.get("visits", 0),
                    night_visits=o.get("night", 0),
                    closed_demand=o.get("closed_demand", 0),
                    district_median_daily=median,
                    ratings=r.get("count", 0),
                    rating_average=r.get("average"),
                    negative_tags=r.get("negative", ()),
                    inspections_expected=insp.get("expected", 0),
                    inspections_done=insp.get("done", 0),
                    inspections_late=insp.get("late", 0),
                    orders_due=ords.get("due", 0),
                    orders_on_time=ords.get("on_time", 0),
                    orders_open_overdue=ords.get("open_overdue", 0),
                    reporters=sum(rep.values()),
                    report_categories=tuple(rep.most_common(3)),
                ),
                facts=_facts(stood[s.pk]),
                stood=stood[s.pk],
                snapshot=taken.get(s.pk),
            )
        )
    return out


# ---------------------------------------------------------------- stored results


def run_live(*, district: Region, month: dt.date) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(
        region=district, month=month, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).first()


def month_latest_done(*, district: Region) -> dt.date | None:
    """The newest month with a finished run in ``district`` (decisions belong to it)."""
    run = (
        EvaluationRun.objects.filter(region=district, status=RunStatus.DONE)
        .order_by("-month")
        .first()
    )
    return run.month if run else None


def runs_for(*, scope: Scope, region: Region | None, month: dt.date) -> list[EvaluationRun]:
    qs = EvaluationRun.objects.filter(scope.q("region"), month=month)
    if region is not None and region.level != RegionLevel.STREET:
        qs = qs.filter(region_subtree_q(region, field="region") | Q(region__code=region.code[:6]))
    elif region is not None:
        qs = qs.filter(region__code=region.code[:6])
    return list(qs.select_related("region", "model", "started_by").order_by("region__code", "-id"))


def scores_in(*, scope: Scope, region: Region | None, month: dt.date) -> QuerySet[StationScore]:
    qs = StationScore.objects.filter(scope.q("station__region"), month=month)
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="station__region"))
    return qs.select_related("station__region").order_by("station__code")


def months_with_scores(*, scope: Scope, region: Region | None, limit: int = 24) -> list[dt.date]:
    qs = StationScore.objects.filter(scope.q("station__region"))
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="station__region"))
    return list(qs.order_by("-month").values_list("month", flat=True).distinct()[:limit])


def cards_active(*, station_ids: Sequence[int]) -> dict[int, Card]:
    return {
        c.station_id: c
        for c in Card.objects.filter(station_id__in=station_ids, status=CardStatus.ACTIVE)
    }


def cards_in(*, scope: Scope, region: Region | None) -> QuerySet[Card]:
    qs = Card.objects.filter(scope.q("station__region"))
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="station__region"))
    return qs.select_related("station__region", "previous")


def proposals_in(*, scope: Scope, region: Region | None) -> QuerySet[DelistingProposal]:
    qs = DelistingProposal.objects.filter(scope.q("station__region"))
    if region is not None:
        qs = qs.filter(region_subtree_q(region, field="station__region"))
    return qs.select_related("station__region", "card", "decided_by", "responded_by")


def proposals_pending_count(*, scope: Scope) -> int:
    return DelistingProposal.objects.filter(
        scope.q("station__region"), status=ProposalStatus.PENDING
    ).count()


def card_figures(*, user: User, now: dt.datetime) -> dict[str, int]:
    """For the officer's day (`yizhan.core.hooks.day_figures`): yellow and red cards still
    in force in ``user``'s region, and delisting proposals waiting for a decision there."""
    scope = user_scope(user=user)
    cards = Card.objects.filter(scope.q("station__region"), status=CardStatus.ACTIVE).aggregate(
        yellow=Count("pk", filter=Q(kind=CardKind.YELLOW)),
        red=Count("pk", filter=Q(kind=CardKind.RED)),
    )
    return {
        "evaluation.cards_yellow": cards["yellow"],
        "evaluation.cards_red": cards["red"],
        "evaluation.proposals_pending": proposals_pending_count(scope=scope),
    }


def station_scores(*, station: Station, limit: int = 12) -> list[StationScore]:
    """A station's months, newest first."""
    return list(StationScore.objects.filter(station=station).order_by("-month")[:limit])


def spec_for_month(*, region: Region | None, month: dt.date) -> rules.ModelSpec:
    """The model a month was judged by (its newest run in the region), else the model in
    force."""
    qs = EvaluationRun.objects.filter(month=month, status=RunStatus.DONE)
    if region is not None:
        qs = qs.filter(Q(region__code__startswith=region.code) | Q(region__code=region.code[:6]))
    run = qs.order_by("-finished_at").first()
    if run is not None and run.snapshot:
        return rules.ModelSpec.from_json(run.snapshot)
    return model_spec(model_published())


# ---------------------------------------------------------------- rankings


@dataclass
class RankRow:
    score: StationScore
    value: float
    parts: dict[str, float] = field(default_factory=dict)


@dataclass
class Rankings:
    region: Region | None
    month: dt.date
    scored: int
    top: list[RankRow]
    upgrade: list[RankRow]
    top_share: float
    upgrade_share: float


def rankings(*, scope: Scope, region: Region | None, month: dt.date) -> Rankings:
    """The best ``top_share`` of the region's scored stations without an active card and
    with at least ``top_min_stars`` ("最美驿站" candidates), and the non-smart stations
    with the strongest case for a 24-hour smart upgrade."""
    spec = spec_for_month(region=region, month=month)
    scored = [s for s in scores_in(scope=scope, region=region, month=month) if s.status == "scored"]
    # The cards as the month left them, whatever happened since.
    carded = {s.station_id for s in scored if s.card}
    by_id = {s.station_id: s for s in scored}
    # No card, and at least the model's least star level as the month left it: a 1★
    # station is nobody's best station (one the month left unrated is judged by its score).
    eligible = [
        (s.station_id, s.score or 0.0)
        for s in scored
        if s.station_id not in carded
        and (s.star_after is None or s.star_after >= spec.top_min_stars)
    ]
    top = [
        RankRow(by_id[r.station_id], r.value)
        for r in rules.top_share(eligible, spec.top_share, of=len(scored))
    ]
    candidates = [
        (s.station_id, s.visits, s.night_visits, s.closed_demand)
        for s in scored
        if s.station.kind != "smart"
    ]
    ranked = rules.upgrade_ranking(candidates, spec)
    upgrade = [
        RankRow(by_id[r.station_id], r.value, r.parts)
        for r in ranked[: rules.share_count(len(candidates), spec.upgrade_share)]
        if r.value > 0
    ]
    return Rankings(region, month, len(scored), top, upgrade, spec.top_share, spec.upgrade_share)


# ---------------------------------------------------------------- the bulletin


@dataclass
class AreaRow:
    region: Region
    stations: int = 0
    scored: int = 0
    average: float | None = None
    yellow: int = 0
    red: int = 0


@dataclass
class Bulletin:
    region: Region
    month: dt.date
    spec: rules.ModelSpec
    scores: list[StationScore]
    rankings: Rankings
    cards_new: list[Card]
    cards_lifted: list[Card]
    cards_active: list[Card]
    proposals: list[DelistingProposal]
    delisted: list[DelistingProposal]
    areas: list[AreaRow]
    distribution: list[tuple[str, int]]
    stars: list[tuple[int, int]]
    trend: list[tuple[dt.date, float | None, int, int]]  # month, average, yellow, red
    star_moves: list[StationScore]

    @property
    def scored(self) -> list[StationScore]:
        return [s for s in self.scores if s.status == "scored"]

    @property
    def insufficient(self) -> list[StationScore]:
        return [s for s in self.scores if s.status == "insufficient"]

    @property
    def average(self) -> float | None:
        values = [s.score for s in self.scored if s.score is not None]
        return round(sum(values) / len(values), 1) if values else None


def _child_region(region: Region, station_region: Region) -> str:
    """The code of the level right below ``region`` on the way to ``station_region``."""
    length = {"province": 4, "city": 6, "district": 9}.get(region.level, len(station_region.code))
    return station_region.code[:length]


def bulletin(*, scope: Scope, region: Region, month: dt.date) -> Bulletin:
    """A district's or city's month: what a union office circulates."""
    scores = list(scores_in(scope=scope, region=region, month=month))
    cards = cards_in(scope=scope, region=region)
    new = list(cards.filter(month=month).order_by("station__code", "kind"))
    lifted = list(
        cards.filter(status=CardStatus.LIFTED, closed_month=month).order_by("station__code")
    )
    active = list(cards.filter(status=CardStatus.ACTIVE).order_by("deadline", "station__code"))
    proposals = proposals_in(scope=scope, region=region)
    raised = list(proposals.filter(month=month).order_by("station__code"))
    delisted = list(
        proposals.filter(status=ProposalStatus.APPROVED, month__lte=month).order_by("-decided_at")[
            :20
        ]
    )
    # Areas one level down (streets of a district, districts of a city).
    names = {
        r.code: r
        for r in Region.objects.filter(code__startswith=region.code).exclude(code=region.code)
    }
    areas: dict[str, AreaRow] = {}
    sums: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        code = _child_region(region, s.station.region)
        row = areas.setdefault(code, AreaRow(names.get(code, s.station.region)))
        row.stations += 1
        if s.status == "scored" and s.score is not None:
            row.scored += 1
            sums[code].append(s.score)
    for c in new:
        code = _child_region(region, c.station.region)
        if code in areas:
            if c.kind == "yellow":
                areas[code].yellow += 1
            else:
                areas[code].red += 1
    for code, values in sums.items():
        areas[code].average = round(sum(values) / len(values), 1)
    bins = Counter(min(9, int((s.score or 0) // 10)) for s in scores if s.status == "scored")
    distribution = [(f"{b * 10}–{b * 10 + 9 if b < 9 else 100}", bins.get(b, 0)) for b in range(10)]
    stars = Counter(s.star_after for s in scores if s.star_after)
    trend = []
    m = month
    history: list[dt.date] = []
    for _ in range(6):
        history.append(m)
        m = month_previous(m)
    for m in reversed(history):
        month_scores = [
            s.score
            for s in scores_in(scope=scope, region=region, month=m).filter(status="scored")
            if s.score is not None
        ]
        month_cards = Counter(cards.filter(month=m).values_list("kind", flat=True))
        trend.append(
            (
                m,
                round(sum(month_scores) / len(month_scores), 1) if month_scores else None,
                month_cards.get("yellow", 0),
                month_cards.get("red", 0),
            )
        )
    return Bulletin(
        region=region,
        month=month,
        spec=spec_for_month(region=region, month=month),
        scores=scores,
        rankings=rankings(scope=scope, region=region, month=month),
        cards_new=new,
        cards_lifted=lifted,
        cards_active=active,
        proposals=raised,
        delisted=delisted,
        areas=sorted(areas.values(), key=lambda a: a.region.code),
        distribution=distribution,
        stars=[(level, stars.get(level, 0)) for level in range(1, 6)],
        trend=trend,
        star_moves=[
            s for s in scores if s.star_after is not None and s.star_after != s.star_before
        ],
    )
