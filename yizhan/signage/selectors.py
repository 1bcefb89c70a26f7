"""What a station's responsibility board (公示牌) prints, read in a bounded number of
queries whether it is one board or a city's thousand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI, week_start
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.signage.qr import PURPOSES, qr_path, qr_svg
from yizhan.signage.qr import qr_sig as qr_sig  # re-exported: the signing other apps use
from yizhan.signage.qr import qr_verify as qr_verify  # re-exported, as is qr_path
from yizhan.stations.access import is_supervisor, staff_station_ids, supervises_region
from yizhan.stations.hours import is_day_off, is_makeup_workday
from yizhan.stations.models import (
    StaffRole,
    Station,
    StationAmenity,
    StationStaff,
    StationStatus,
)
from yizhan.stations.selectors import station_week

# People printed on the board, in this order: those who answer for the station.
BOARD_ROLES = (StaffRole.MASTER, StaffRole.ADMINISTRATOR)


@dataclass(frozen=True)
class WeekLine:
    """One line of the weekly summary: ``days`` "周一至周五", ``hours`` "08:00–18:00"."""

    days: str
    hours: str


@dataclass(frozen=True)
class Person:
    role: str
    name: str
    phone: str


@dataclass(frozen=True)
class QrLink:
    purpose: str
    caption: str
    url: str
    svg: str = ""  # inline SVG (trusted markup from segno), when asked for


@dataclass(frozen=True)
class BoardData:
    name: str
    code: str
    kind: str
    address: str
    phone: str
    hours_rule: str
    hours_week: tuple[WeekLine, ...]
    hours_note: str
    services: tuple[str, ...]
    amenities: tuple[str, ...]
    people: tuple[Person, ...]
    union: str  # the supervising district union, e.g. 道里区总工会
    direct_union: str  # the street union that runs it day to day, e.g. 兆麟街道工会
    complaint_line: str
    qrs: tuple[QrLink, ...]

    @property
    def dense(self) -> bool:
        """Too much to print at the usual size: the board sets it smaller."""
        return (
            len(self.amenities) + len(self.services) > 14
            or len(self.people) > 2
            or len(self.hours_week) > 3
            or len(self.address) > 30
        )


# --------------------------------------------------------------------------- hours


def _reference_monday(today: dt.date) -> dt.date:
    """The first week from ``today`` without a holiday or make-up working day: the
    week the board describes as "usual"."""
    monday = week_start(today)
    for week in range(60):
        start = monday + dt.timedelta(weeks=week)
        days = [start + dt.timedelta(days=i) for i in range(7)]
        if not any(is_day_off(d) or is_makeup_workday(d) for d in days):
            return start
    return monday


def _span(a: dt.datetime, b: dt.datetime) -> str:
    start, end = a.astimezone(SHANGHAI), b.astimezone(SHANGHAI)
    stop = "24:00" if end.time() == dt.time() and end > start else f"{end:%H:%M}"
    return f"{start:%H:%M}–{stop}"


def _day_text(intervals: Sequence[tuple[dt.datetime, dt.datetime]]) -> str:
    if not intervals:
        return pgettext("hours", "休息")
    if len(intervals) == 1 and intervals[0][1] - intervals[0][0] >= dt.timedelta(days=1):
        return pgettext("hours", "24小时开放")
    return "、".join(_span(a, b) for a, b in intervals)


def _weekday_names() -> list[str]:
    return [
        pgettext("weekday", "周一"),
        pgettext("weekday", "周二"),
        pgettext("weekday", "周三"),
        pgettext("weekday", "周四"),
        pgettext("weekday", "周五"),
        pgettext("weekday", "周六"),
        pgettext("weekday", "周日"),
    ]


def _group_days(texts: list[str]) -> tuple[WeekLine, ...]:
    names = _weekday_names()
    if len(set(texts)) == 1:
        return (WeekLine(days=pgettext("weekday", "每天"), hours=texts[0]),)
    lines = []
    i = 0
    while i < len(texts):
        j = i
        while j + 1 < len(texts) and texts[j + 1] == texts[i]:
            j += 1
        if j == i:
            days = names[i]
        elif j == i + 1:
            days = _("%(first)s、%(last)s") % {"first": names[i], "last": names[j]}
        else:
            days = _("%(first)s至%(last)s") % {"first": names[i], "last": names[j]}
        lines.append(WeekLine(days=days, hours=texts[i]))
        i = j + 1
    return tuple(lines)


def _holiday_text(rule: str, workday: bool, today: dt.date) -> str:
    """What the board says about public holidays and 调休."""
    if workday:
        return _("法定节假日(含调休放假)闭站，调休上班日按工作日时间开放。")
    if "PH" not in rule:
        return _("法定节假日照常开放。")
    # A holiday's own hours: the first day off ahead that is not the day after another.
    for i in range(1, 400):
        day = today + dt.timedelta(days=i)
        if is_day_off(day) and not is_day_off(day - dt.timedelta(days=1)):
            week = station_week(rule=rule, workday=False, closures=[], today=day, days=1)
            if week is None:
                break
            return _("法定节假日：%(hours)s。") % {"hours": _day_text(week[0].intervals)}
    return ""


def hours_summary(*, station: Station, today: dt.date) -> tuple[tuple[WeekLine, ...], str]:
    """A usual week's hours grouped by day ("周一至周五 08:00–18:00") and the holiday
    note, in the active language; ``()`` when the rule cannot be read."""
    return _hours_summary(
        station.opening_hours,
        station.keeps_workday_hours,
        _reference_monday(today),
        get_language() or "",
    )


@lru_cache(maxsize=1024)
def _hours_summary(
    rule: str, workday: bool, monday: dt.date, language: str
) -> tuple[tuple[WeekLine, ...], str]:
    """A usual week's hours grouped by day, and the holiday note. ``language`` is part
    of the key only: the text is made in the active language."""
    week = station_week(rule=rule, workday=workday, closures=[], today=monday)
    if week is None:  # a rule the evaluator cannot read: the raw rule is printed alone
        return (), ""
    lines = _group_days([_day_text(d.intervals) for d in week])
    return lines, _holiday_text(rule, workday, monday)


# --------------------------------------------------------------------------- unions


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def _regions_by_code(stations: Iterable[Station]) -> dict[str, Region]:
    codes = {c for s in stations for c in _ancestor_codes(s.region.code)}
    return {r.code: r for r in Region.objects.filter(code__in=codes).only("code", "name")}


def _unions(region_code: str, regions: dict[str, Region]) -> tuple[str, str]:
    """(supervising union, direct union): the district's (or, above districts, the
    nearest ancestor's) 总工会, and the street's 工会 when the station sits in a street."""
    supervising = ""
    for n in (6, 4, 2):
        region = regions.get(region_code[:n]) if len(region_code) >= n else None
        if region is not None:
            supervising = _("%(name)s总工会") % {"name": region.name}
            break
    street = regions.get(region_code[:9]) if len(region_code) >= 9 else None
    direct = _("%(name)s工会") % {"name": street.name} if street is not None else ""
    return supervising, direct


# --------------------------------------------------------------------------- boards


def board_queryset() -> QuerySet[Station]:
    """Stations with everything a board prints, in a constant number of queries."""
    return (
        Station.objects.select_related("region")
        .prefetch_related(
            Prefetch(
                "staff",
                queryset=StationStaff.objects.filter(role__in=BOARD_ROLES).order_by("id"),
                to_attr="board_staff",
            ),
            Prefetch(
                "station_amenities",
                queryset=StationAmenity.objects.select_related("amenity").order_by(
                    "amenity__sort_order", "amenity__code"
                ),
                to_attr="board_amenities",
            ),
            "services",
        )
        .order_by("code")
    )


def _board(
    station: Station, *, regions: dict[str, Region], today: dt.date, site_url: str
) -> BoardData:
    lines, note = _hours_summary(
        station.opening_hours,
        station.keeps_workday_hours,
        _reference_monday(today),
        get_language() or "",
    )
    people = sorted(
        station.board_staff,  # type: ignore[attr-defined]
        key=lambda m: (BOARD_ROLES.index(StaffRole(m.role)), m.id),
    )
    union, direct = _unions(station.region.code, regions)
    return BoardData(
        name=station.name,
        code=station.code,
        kind=str(station.get_kind_display()),
        address=station.address,
        phone=station.phone,
        hours_rule=station.opening_hours,
        hours_week=lines,
        hours_note=note,
        services=tuple(str(s) for s in station.services.all()),
        amenities=tuple(str(a.amenity) for a in station.board_amenities),  # type: ignore[attr-defined]
        people=tuple(
            Person(
                role=str(m.get_role_display()),
                name=m.name,
                phone=m.phone or station.phone,
            )
            for m in people
        ),
        union=union,
        direct_union=direct,
        complaint_line=str(settings.YIZHAN["COMPLAINT_LINE"]),
        qrs=tuple(
            QrLink(
                purpose=purpose, caption=str(caption), url=site_url + qr_path(station.code, purpose)
            )
            for purpose, caption in PURPOSES.items()
        ),
    )


def _with_svgs(boards: list[BoardData]) -> list[BoardData]:
    """The boards with their QR pictures drawn (see `qr_svg` for what that costs)."""
    return [
        replace(b, qrs=tuple(replace(q, svg=qr_svg(q.url, title=q.caption)) for q in b.qrs))
        for b in boards
    ]


def boards_data(
    stations: Iterable[Station], *, today: dt.date | None = None, svgs: bool = False
) -> list[BoardData]:
    """Boards for stations read through `board_queryset` (one more query for the
    region names, however many stations); ``svgs``: draw the QR codes too."""
    stations = list(stations)
    regions = _regions_by_code(stations)
    today = today or timezone.localdate()
    site_url = str(settings.YIZHAN["SITE_URL"]).rstrip("/")
    boards = [_board(s, regions=regions, today=today, site_url=site_url) for s in stations]
    return _with_svgs(boards) if svgs else boards


def board_data(station: Station, *, today: dt.date | None = None, svgs: bool = False) -> BoardData:
    """One station's board (the station is re-read with the board's query shape)."""
    return boards_data(board_queryset().filter(pk=station.pk), today=today, svgs=svgs)[0]


def region_boards(
    *, region: Region, today: dt.date | None = None, svgs: bool = False
) -> list[BoardData]:
    """Boards of every active station in ``region``'s subtree, in code order."""
    stations = board_queryset().filter(region_subtree_q(region), status=StationStatus.ACTIVE)
    return boards_data(stations, today=today, svgs=svgs)


# --------------------------------------------------------------------------- access


def region_for_boards(*, user: User, code: str) -> Region | None:
    """The region whose boards ``user`` may print in a batch: an officer or inspector
    inside their scope, a superuser anywhere; None otherwise (and for unknown codes)."""
    region = Region.objects.filter(code=code).first()
    if region is None or not supervises_region(user, region):
        return None
    return region


@dataclass(frozen=True)
class BoardIndex:
    regions: tuple[Region, ...]  # regions the user may batch-print, their own first
    stations: tuple[Station, ...]  # stations where the user holds a station role


def board_index(*, user: User) -> BoardIndex:
    regions: list[Region] = []
    if is_supervisor(user) and user.is_superuser:
        regions = list(Region.objects.filter(parent__isnull=True).order_by("code"))
    elif is_supervisor(user) and user.region is not None:
        regions = [user.region, *user.region.children.order_by("code")]
    stations = Station.objects.filter(pk__in=staff_station_ids(user=user)).order_by("code")
    return BoardIndex(regions=tuple(regions), stations=tuple(stations))
