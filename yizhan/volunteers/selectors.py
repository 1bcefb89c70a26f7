"""Reading volunteer shifts: the list a volunteer browses, their own sign-ups, a
station's shifts for its runners, the public list on the finder's station page, and the
volunteer-staffed spans the finder adds to opening hours."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.time import SHANGHAI
from yizhan.stations.models import Station, StationStatus
from yizhan.volunteers.models import Shift, ShiftSignup, SignupStatus

ACTIVE = Q(signups__status=SignupStatus.SIGNED_UP)
VOLUNTEER_SPAN = "volunteer"


def _with_taken(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    return qs.annotate(taken=Count("signups", filter=ACTIVE, distinct=True))


def shifts_upcoming(
    *,
    user: User | AnonymousUser,
    now: dt.datetime,
    day: dt.date | None = None,
    limit: int = 100,
) -> list[Shift]:
    """Published, not cancelled, not ended shifts at active stations in the user's region
    scope (every station when the user has no region), soonest first; ``day`` keeps
    one local day. Each has ``taken`` (active sign-ups) and ``free``."""
    qs = Shift.objects.filter(
        published=True,
        cancelled=False,
        ends_at__gt=now,
        station__status=StationStatus.ACTIVE,
    )
    scope = user_scope(user=user)
    if scope.region is not None:
        qs = qs.filter(scope.q("station__region"))
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), SHANGHAI)
        qs = qs.filter(starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=start)
    shifts = list(
        _with_taken(qs.select_related("station", "station__region")).order_by("starts_at", "id")[
            :limit
        ]
    )
    for s in shifts:
        s.free = max(0, s.slots - s.taken)  # type: ignore[attr-defined]
    return shifts


def signups_mine(*, user: User | AnonymousUser, now: dt.datetime) -> list[ShiftSignup]:
    """The user's active sign-ups to shifts that have not ended (or ended within the last
    12 hours and still wait for a check-out), soonest first."""
    if not user.is_authenticated:
        return []
    return list(
        ShiftSignup.objects.filter(
            user=user,
            status=SignupStatus.SIGNED_UP,
            shift__ends_at__gt=now - dt.timedelta(hours=12),
        )
        .filter(Q(shift__ends_at__gt=now) | Q(checked_in_at__isnull=False, checked_out_at=None))
        .select_related("shift", "shift__station")
        .order_by("shift__starts_at", "id")
    )


def station_shifts(*, station: Station, now: dt.datetime) -> list[Shift]:
    """A station's shifts from a day ago on, with who signed up (for its runners)."""
    active = ShiftSignup.objects.filter(status=SignupStatus.SIGNED_UP).select_related("user")
    shifts: list[Shift] = list(
        _with_taken(Shift.objects.filter(station=station, ends_at__gt=now - dt.timedelta(days=1)))
        .prefetch_related(Prefetch("signups", queryset=active, to_attr="active_signups"))
        .order_by("starts_at", "id")
    )
    for s in shifts:
        s.free = max(0, s.slots - s.taken)  # type: ignore[attr-defined]
    return shifts


@dataclass(frozen=True)
class PublicShift:
    id: int
    role: str
    role_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    free: int
    extends_hours: bool
    staffed: bool  # at least one volunteer signed up
    title: str


def station_shifts_public(*, code: str, now: dt.datetime, limit: int = 20) -> list[PublicShift]:
    """Upcoming published shifts of an active station, for workers (no names)."""
    qs = _with_taken(
        Shift.objects.filter(
            station__code=code,
            station__status=StationStatus.ACTIVE,
            published=True,
            cancelled=False,
            ends_at__gt=now,
        )
    ).order_by("starts_at", "id")[:limit]
    return [
        PublicShift(
            id=s.pk,
            role=s.role,
            role_label=str(s.get_role_display()),
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            slots=s.slots,
            free=max(0, s.slots - s.taken),  # type: ignore[attr-defined]
            extends_hours=s.extends_hours,
            staffed=s.taken > 0,  # type: ignore[attr-defined]
            title=s.title,
        )
        for s in qs
    ]


def volunteer_open_spans(
    *, window_start: dt.datetime, window_end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime, str]]]:
    """Station id → the spans volunteers keep it open within the window: shifts that
    extend hours, are published and not cancelled, with at least one active sign-up."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    rows = (
        Shift.objects.filter(
            extends_hours=True,
            published=True,
            cancelled=False,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
            station__status=StationStatus.ACTIVE,
        )
        .filter(ACTIVE)
        .distinct()
        .order_by("station_id", "starts_at")
        .values_list("station_id", "starts_at", "ends_at")
    )
    for sid, a, b in rows:
        out[sid].append((a, b, VOLUNTEER_SPAN))
    return out


def volunteers_version() -> str:
    """What the finder's stamp needs of shifts: their count and newest change (a shift's
    ``updated_at`` moves whenever a sign-up is made or cancelled), and the active
    sign-ups' count (an edit in the admin). Check-ins and reminders change nothing the
    finder shows, so they do not rebuild it."""
    s = Shift.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    n = ShiftSignup.objects.filter(status=SignupStatus.SIGNED_UP).count()
    return f"{s['n']}|{s['t']}|{n}"
