"""Reading the station registry. Every officer-facing query takes the caller's Scope."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import holidays
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.core.time import SHANGHAI
from yizhan.stations.hours import (
    InvalidOpeningHours,
    OpeningHours,
    is_day_off,
    is_makeup_workday,
    subtract_intervals,
    union_intervals,
    validate,
)
from yizhan.stations.io.exports import PendingListing, listings_pending
from yizhan.stations.models import (
    LedgerColumn,
    MobileStop,
    Station,
    StationAmenity,
    StationImport,
    StationStatus,
)

# A commit still "committing" after this long lost its worker (20,000 rows take minutes):
# the officer may confirm it again (`io.imports.import_is_stale`).
IMPORT_STALE_AFTER = dt.timedelta(minutes=30)


def stations_base() -> QuerySet[Station]:
    """Stations with everything a list, an export or the API shows, in a fixed number of
    queries whatever the count."""
    return Station.objects.select_related("region", "region__parent").prefetch_related(
        Prefetch(
            "station_amenities",
            queryset=StationAmenity.objects.select_related("amenity").order_by(
                "amenity__sort_order"
            ),
        ),
        "services",
        "staff",
        "photos",
        Prefetch("stops", queryset=MobileStop.objects.order_by("id")),
    )


@dataclass(frozen=True)
class StationFilters:
    region_code: str = ""
    kind: str = ""
    status: str = ""
    star_level: int | None = None
    q: str = ""


def stations_visible(*, scope: Scope, public: bool) -> QuerySet[Station]:
    """What a caller may see: officers their region's stations in any status; the public
    (anonymous API clients, workers) active stations everywhere."""
    if public:
        return stations_base().filter(status=StationStatus.ACTIVE)
    return stations_base().filter(scope.q("region"))


def stations_list(
    *, scope: Scope, public: bool, filters: StationFilters | None = None
) -> QuerySet[Station]:
    qs = stations_visible(scope=scope, public=public)
    f = filters or StationFilters()
    if f.region_code:
        qs = qs.filter(region__code__startswith=f.region_code)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.star_level is not None:
        qs = qs.filter(star_level=f.star_level)
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q) | Q(address__icontains=f.q))
    return qs.order_by("code")


def station_get(*, code: str, scope: Scope, public: bool) -> Station | None:
    return stations_visible(scope=scope, public=public).filter(code=code).first()


def stations_changed_since(
    *, after: tuple[dt.datetime, int] | None, scope: Scope, public: bool
) -> QuerySet[Station]:
    """Stations changed after the cursor ``(updated_at, id)`` (all when None), oldest first.

    The id breaks ties between rows saved in the same microsecond, so paging never skips
    one. Public callers get every station whose record changed, so that a station which
    left the active set can be sent as a tombstone; a first sync (no cursor) gets only
    active ones."""
    if public:
        # Stations never shown to the public (still planned) are not news to it.
        qs = stations_base().exclude(status=StationStatus.PLANNED)
    else:
        qs = stations_base().filter(scope.q("region"))
    if after is not None:
        when, last_id = after
        qs = qs.filter(Q(updated_at__gt=when) | Q(updated_at=when, id__gt=last_id))
    elif public:
        qs = qs.filter(status=StationStatus.ACTIVE)
    return qs.order_by("updated_at", "id")


def mobile_station_position(*, station: Station, at: dt.datetime) -> MobileStop | None:
    """Where a mobile station stands at ``at`` according to its timetable, or None."""
    day = timezone.localtime(at).date()
    for stop in station.stops.all():
        if stop.valid_from and day < stop.valid_from:
            continue
        if stop.valid_until and day > stop.valid_until:
            continue
        if OpeningHours(stop.hours, station.keeps_workday_hours).is_open(at):
            return stop
    return None


# --------------------------------------------------------------------------- a week's hours
# Read by the finder's station page and the printed board alike.


@dataclass(frozen=True)
class DayHours:
    day: dt.date
    intervals: list[tuple[dt.datetime, dt.datetime]]
    holiday: str  # the official name of a holiday or day off, "" on an ordinary day
    makeup_workday: bool
    closed_by: str  # reason of a temporary closure covering part of the day
    closed_until: str = ""  # "HH:MM" when that closure ends within the day
    # The parts of ``intervals`` open only because volunteers keep the station open.
    volunteer: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


def station_week(
    *,
    rule: str,
    workday: bool,
    closures: list[tuple[dt.datetime, dt.datetime | None, str]],
    today: dt.date,
    days: int = 7,
    extra: Sequence[tuple[dt.datetime, dt.datetime, str]] = (),
) -> list[DayHours] | None:
    """Hours day by day from ``today``; None when the rule cannot be read. ``extra``
    spans (volunteer shifts) are added to the hours, and kept apart as ``volunteer``
    where the hours alone would be closed."""
    try:
        hours = OpeningHours(validate(rule), workday)
    except InvalidOpeningHours:
        return None
    names = holidays.China(
        years=[today.year, today.year + 1],
        language="en_US" if (get_language() or "").startswith("en") else "zh_CN",
    )
    out = []
    for i in range(days):
        day = today + dt.timedelta(days=i)
        start = dt.datetime.combine(day, dt.time(), SHANGHAI)
        end = start + dt.timedelta(days=1)
        spans = hours.day_intervals(day)
        more = [(max(a, start), min(b, end)) for a, b, _why in extra if a < end and b > start]
        volunteer = subtract_intervals(sorted(more), spans) if more else []
        if more:
            spans = union_intervals(spans, more)
        reason = until = ""
        for a, b, why in closures:
            b = b or end
            if a < end and b > start:
                reason = why
                until = b.astimezone(SHANGHAI).strftime("%H:%M") if b < end else ""
                spans = subtract_intervals(spans, [(a, b)])
                volunteer = subtract_intervals(volunteer, [(a, b)])
        out.append(
            DayHours(
                day=day,
                intervals=spans,
                holiday=str(names.get(day, "")) if is_day_off(day) else "",
                makeup_workday=is_makeup_workday(day),
                closed_by=reason,
                closed_until=until,
                volunteer=volunteer,
            )
        )
    return out


def station_listings_pending(*, stations: Iterable[Station], platform: str) -> list[PendingListing]:
    """The stations the publishing pack would put on ``platform``'s map (new, or changed
    since they were marked as published) or take off it, each with the fingerprint that
    `services.station_listings_mark` records."""
    return listings_pending(stations=stations, platform=platform)


def ledger_mapping(*, user: User) -> dict[str, str]:
    """What this officer said their ledger's column headers mean: {folded header: raw key,
    or "" for "not imported"}."""
    return dict(LedgerColumn.objects.filter(user=user).values_list("header", "key"))


def imports_committing_count(*, user: User, now: dt.datetime) -> int:
    """Spreadsheet imports queued or being written now (not lost to a dead worker), as the
    console lists them for ``user``: their own, or everyone's for a superuser."""
    qs = StationImport.objects.filter(
        status=StationImport.Status.COMMITTING, queued_at__gte=now - IMPORT_STALE_AFTER
    )
    if not user.is_superuser:
        qs = qs.filter(uploaded_by=user)
    return qs.count()


logger = logging.getLogger(__name__)

# ------------------------------------------------------------------ 调休 calendar


def calendar_override(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """The days off and make-up working days officers entered for ``year``
    (`models.CalendarDay`); nothing while the table does not exist yet (migrating)."""
    from yizhan.stations.models import CalendarDay

    try:
        rows = list(CalendarDay.objects.filter(day__year=year).values_list("day", "kind"))
    except Exception:  # no table yet, or no database at all: the package's calendar
        logger.warning("calendar override of %s unavailable", year, exc_info=True)
        return frozenset(), frozenset()
    off = frozenset(d for d, k in rows if k == CalendarDay.Kind.OFF)
    work = frozenset(d for d, k in rows if k == CalendarDay.Kind.WORK)
    return off, work


# From this day of December, next year's 调休 should be known (published in November).
CALENDAR_ALARM_FROM = (12, 1)


def calendar_missing_year(*, today: dt.date) -> int | None:
    """Next year, when it is December and neither the ``holidays`` package nor the
    officers' 节假日调休 know its 调休 yet; else None."""
    from yizhan.stations.hours import has_official_calendar

    if (today.month, today.day) < CALENDAR_ALARM_FROM:
        return None
    year = today.year + 1
    return None if has_official_calendar(year) else year
