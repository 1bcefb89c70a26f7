"""Station operations in the demo city: staff accounts for one station, an inspector and a
registered worker; the season Harbin is in; two weeks of opening logs and inspections with
a few misses; and rectification orders in every state (open, awaiting check, escalated).

Idempotent: a second run adds nothing (history is written only for stations without any)."""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone

from yizhan.accounts.models import User, UserRole
from yizhan.accounts.services import person_ensure
from yizhan.core.time import SHANGHAI, week_start
from yizhan.demo.stations import history_days
from yizhan.operations.models import (
    Inspection,
    InspectionAnswer,
    OpeningLog,
    Rectification,
    SeasonalMode,
)
from yizhan.operations.selectors import checklist_current, checklist_items_for
from yizhan.operations.services import (
    mystery_visit_assign,
    rectification_fix,
    rectification_issue,
    rectifications_escalate,
)
from yizhan.regions.models import Region
from yizhan.stations.hours import InvalidOpeningHours, OpeningHours
from yizhan.stations.models import StaffRole, Station, StationKind, StationStaff, StationStatus

DEMO_STATION = "HRB-DL-F001"
# username, role label, user role, region code, station role at DEMO_STATION
PEOPLE: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("zhanzhang", "station master 站长 HRB-DL-F001", UserRole.STAFF, None, StaffRole.MASTER),
    ("guanli", "administrator 管理员 HRB-DL-F001", UserRole.STAFF, None, StaffRole.ADMINISTRATOR),
    ("ducha", "inspector 督查员", UserRole.INSPECTOR, "230102", None),
    ("volunteer1", "worker, volunteer 注册劳动者/志愿者", UserRole.WORKER, None, None),
)
USERNAMES = tuple(p[0] for p in PEOPLE)
HISTORY_DAYS = 35
HISTORY_STATIONS = 70


def _opened_spans(station: Station, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The station's declared open spans that begin on ``day`` (a night shift runs past
    midnight), from its own hours."""
    try:
        hours = OpeningHours.parse(station.opening_hours, workday=station.keeps_workday_hours)
    except (InvalidOpeningHours, ValueError):
        return []
    start = dt.datetime.combine(day, dt.time(), SHANGHAI)
    spans = hours.intervals(start - dt.timedelta(days=1), start + dt.timedelta(days=2))
    return [(a, b) for a, b in spans if start <= a < start + dt.timedelta(days=1)]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    password: str
    role: str
    region_code: str
    region_name: str


def regime_ensure() -> None:
    """The inspection rules and checklists, seeded by a data migration; a test database
    flushed between tests has lost them, so seed them again from the same data."""
    from yizhan.operations.models import Checklist

    if not Checklist.objects.exists():
        import importlib

        from django.apps import apps as django_apps

        importlib.import_module("yizhan.operations.migrations.0002_inspection_regime_seed").seed(
            django_apps, None
        )


def people_ensure(
    *, password: str | None, saved: Mapping[str, str]
) -> tuple[list[DemoPerson], dict[str, User]]:
    station = Station.objects.select_related("region").get(code=DEMO_STATION)
    out, users = [], {}
    for username, label, role, region_code, station_role in PEOPLE:
        chosen = password or saved.get(username) or secrets.token_urlsafe(9)
        region = Region.objects.get(code=region_code) if region_code else None
        row = (
            StationStaff.objects.filter(station=station, role=station_role).order_by("id").first()
            if station_role
            else None
        )
        name = row.name if row else {"ducha": "孙督查", "volunteer1": "刘骑手"}[username]
        user = person_ensure(
            username=username,
            password=chosen,
            role=role,
            region=region,
            last_name=name[:1],
            first_name=name[1:],
            phone=row.phone if row else "",
        )
        if row is not None and row.user_id != user.pk:
            row.user = user
            row.save(update_fields=["user"])
        users[username] = user
        place = region or station.region
        out.append(DemoPerson(username, chosen, label, place.code, place.name))
    return out, users


def _season_for(today: dt.date) -> tuple[str, dt.date, dt.date]:
    if today.month >= 10 or today.month <= 4:
        start_year = today.year if today.month >= 10 else today.year - 1
        return "winter", dt.date(start_year, 10, 20), dt.date(start_year + 1, 4, 15)
    return "summer", dt.date(today.year, 6, 1), dt.date(today.year, 9, 15)


@transaction.atomic
def demo_ensure(
    *, now: dt.datetime | None = None, users: Mapping[str, User], officer: User, seed: int = 23
) -> dict[str, int]:
    regime_ensure()
    now = now or timezone.now()
    today = now.astimezone(SHANGHAI).date()
    city = Region.objects.get(code="2301")
    season, starts, ends = _season_for(today)
    if not SeasonalMode.objects.filter(
        region=city, starts_on__lte=today, ends_on__gte=today
    ).exists():
        SeasonalMode.objects.create(
            region=city,
            season=season,
            starts_on=starts,
            ends_on=ends,
            note="哈尔滨市总工会" + ("冬季送温暖" if season == "winter" else "夏季送清凉"),
            created_by=officer,
        )
    stations = list(
        Station.objects.filter(code__startswith="HRB-DL-", status=StationStatus.ACTIVE)
        .select_related("region")
        .order_by("code")[:HISTORY_STATIONS]
    )
    if Inspection.objects.filter(station__in=stations).exists():
        return {"inspections": 0}
    rng = random.Random(seed)
    made = 0
    taps: list[OpeningLog] = []
    done: list[Inspection] = []
    for station in stations:
        runners = {
            s.role: s.user
            for s in StationStaff.objects.filter(
                station=station, user__isnull=False
            ).select_related("user")
        }
        doer = runners.get(StaffRole.ADMINISTRATOR) or users["guanli"]
        master = runners.get(StaffRole.MASTER) or users["zhanzhang"]
        careless = rng.random() < 0.15  # some stations open late or not at all
        # Staffed stations tap "opened" and "closed" at their own hours; a 24-hour smart
        # station has nobody to tap (its door controller reports), but is checked daily.
        staffed = station.kind != StationKind.SMART
        for back in range(history_days(today, at_least=HISTORY_DAYS), 0, -1):
            day = today - dt.timedelta(days=back)
            if rng.random() >= (0.55 if careless else 0.95):
                continue
            spans = _opened_spans(station, day) if staffed else []
            for a, b in spans:
                opened = a + dt.timedelta(minutes=rng.randint(0, 20))
                closed = b - dt.timedelta(minutes=rng.randint(0, 10))
                for action, at in (("opened", opened), ("closed", closed)):
                    if at < now:
                        taps.append(
                            OpeningLog(
                                station=station,
                                action=action,
                                at=at,
                                user=doer,
                                lat=station.lat + rng.uniform(-0.0003, 0.0003),
                                lon=station.lon,
                                accuracy_m=20,
                                distance_m=rng.uniform(5, 40),
                                client_id=uuid.uuid4(),
                            )
                        )
            if spans or not staffed:
                checked = (
                    spans[0][0] + dt.timedelta(minutes=rng.randint(15, 40))
                    if spans
                    else dt.datetime.combine(day, dt.time(9, rng.randint(0, 50)), SHANGHAI)
                )
                made += _past_inspection(station, "daily", doer, checked, day, rng, done)
            if day.weekday() == 4 and rng.random() < (0.5 if careless else 0.95):
                at = dt.datetime.combine(day, dt.time(16, 0), SHANGHAI)
                made += _past_inspection(station, "weekly", master, at, week_start(day), rng, done)
    OpeningLog.objects.bulk_create(taps, batch_size=2000)
    _inspections_write(done)
    _orders_ensure(stations, users, officer, now)
    f003 = Station.objects.filter(code="HRB-DL-F003").first()
    if f003 is not None:
        mystery_visit_assign(
            user=officer,
            station=f003,
            worker=users["volunteer1"],
            due_on=today + dt.timedelta(days=5),
            now=now,
        )
    return {"inspections": made}


def _past_inspection(
    station: Station,
    tier: str,
    user: User | None,
    at: dt.datetime,
    period: dt.date,
    rng: random.Random,
    done: list[Inspection],
) -> int:
    """An inspection passed on every item, kept in ``done`` to be written in bulk."""
    if user is None:
        return 0
    done.append(
        Inspection(
            station=station,
            tier=tier,
            inspector=user,
            submitted_at=at,
            period_start=period,
            lat=station.lat,
            lon=station.lon,
            accuracy_m=15,
            distance_m=rng.uniform(3, 30),
            client_id=uuid.uuid4(),
        )
    )
    return 1


def _inspections_write(done: list[Inspection]) -> None:
    """The inspections and their answers, two bulk inserts (the primary keys come back
    from the insert on SQLite and PostgreSQL)."""
    checklists = {tier: checklist_current(tier=tier) for tier in {i.tier for i in done}}
    items = {t: checklist_items_for(checklist=c, season="") for t, c in checklists.items()}
    for i in done:
        i.checklist = checklists[i.tier]
    Inspection.objects.bulk_create(done, batch_size=1000)
    InspectionAnswer.objects.bulk_create(
        (
            InspectionAnswer(
                inspection=i,
                item=item,
                ok=True,
                value="yes" if item.kind == "yes_no" else ("92" if item.kind == "number" else ""),
            )
            for i in done
            for item in items[i.tier]
        ),
        batch_size=2000,
    )


def _daily_failed(station: Station, day: dt.date, code: str) -> tuple[Inspection | None, str]:
    """The station's daily check of ``day`` with item ``code`` answered "no" (the demo's
    checks are written passed: this one found the problem), and when it was submitted;
    (None, "") when there was no check that day."""
    inspection = Inspection.objects.filter(station=station, tier="daily", period_start=day).first()
    if inspection is None:
        return None, ""
    inspection.answers.filter(item__code=code).update(ok=False, value="no")
    inspection.failed_count = inspection.answers.filter(ok=False).count()
    inspection.save(update_fields=["failed_count"])
    return inspection, code


def _orders_ensure(
    stations: Sequence[Station], users: Mapping[str, User], officer: User, now: dt.datetime
) -> None:
    """Orders in every state, made the way the services make them (owners, findings,
    deadlines), at the times they would have happened; the escalated one was moved by
    the escalation run at the times `manage.py remind` would have moved it, one level at
    a time and only after its deadline."""
    if Rectification.objects.filter(station__in=stations).exists() or len(stations) < 3:
        return
    demo = Station.objects.get(code=DEMO_STATION)
    today = now.astimezone(SHANGHAI).date()
    # Expired medicine found by the daily check two days ago, and found again yesterday
    # (再次发现): one order, two findings, the master responsible.
    for back, detail in ((2, "藿香正气水 2 盒已过期"), (1, "仍有 1 盒过期未下架")):
        inspection, code = _daily_failed(demo, today - dt.timedelta(days=back), "medicine_in_date")
        item = (
            inspection.checklist.items.filter(code=code).first() if inspection is not None else None
        )
        at = (
            inspection.submitted_at
            if inspection is not None
            else dt.datetime.combine(today - dt.timedelta(days=back), dt.time(9, 30), SHANGHAI)
        )
        rectification_issue(
            user=users["guanli"],
            station=demo,
            title="药箱药品均在有效期内",
            severity="high",
            source="inspection",
            source_ref="item:medicine_in_date",
            detail=detail,
            inspection=inspection,
            item=item,
            value="no" if inspection is not None else "",
            now=at,
        )
    fixed = rectification_issue(
        user=users["ducha"],
        station=demo,
        title="驿站标识和公示牌清晰可见",
        severity="low",
        source="officer",
        detail="公示牌褪色，电话看不清",
        now=now - dt.timedelta(days=3),
    )
    rectification_fix(
        user=users["zhanzhang"],
        rectification=fixed,
        note="已更换新公示牌",
        photo=_demo_photo(),
        now=now - dt.timedelta(hours=20),
    )
    # A locked door the inspector found eight days ago at a station whose staff cannot
    # sign in (the inspector holds the order): three days to fix it, then a street
    # union's three days, and now the district's.
    late_station = next((s for s in stations[3:] if s.pk != demo.pk), stations[2])
    late = rectification_issue(
        user=users["ducha"],
        station=late_station,
        title="开放时间内门未上锁、可自由进入",
        severity="high",
        source="officer",
        detail="督查发现：开放时间内门锁着，骑手进不去",
        now=now - dt.timedelta(days=8),
    )
    for _level in (1, 2):
        late.refresh_from_db()
        rectifications_escalate(now=late.escalates_at + dt.timedelta(minutes=15))


def _demo_photo() -> IO[bytes]:
    """A small JPEG standing in for the photo of the fix."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 60)).save(out, "JPEG")
    out.seek(0)
    return out
