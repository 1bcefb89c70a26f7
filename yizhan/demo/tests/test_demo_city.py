"""The demo city: what `make run` shows must be complete, valid, reproducible and harmless
to generate twice. The city is generated once for the module (a few seconds) and every
test reads it inside its own rolled-back transaction."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.accounts.services import OFFICER_GROUP_NAME
from yizhan.core.time import SHANGHAI
from yizhan.demo import stations as demo
from yizhan.regions.models import Landmark, Region, RegionLevel
from yizhan.stations import hours
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import (
    AmenityState,
    Station,
    StationAmenity,
    StationChange,
    StationKind,
    StationStatus,
)
from yizhan.stations.selectors import stations_list

pytestmark = pytest.mark.django_db
DEMO_USERS = ("admin", "haerbin", "daoli", "zhaolin")
# An ordinary week without holidays: Monday 2026-03-02 .. Sunday 2026-03-08.
MONDAY = dt.date(2026, 3, 2)


@dataclass(frozen=True)
class DemoRun:
    credentials: Path
    stdout: str


def _wipe() -> None:
    from yizhan.demo import operations as operations_demo
    from yizhan.devices.models import Device, DeviceEvent
    from yizhan.evaluation.models import EvaluationRun
    from yizhan.operations.models import SeasonalMode
    from yizhan.visitors.models import Visitor

    DeviceEvent.objects.all().delete()  # devices keep their stations (PROTECT)
    EvaluationRun.objects.all().delete()  # runs keep their districts (PROTECT)
    Device.objects.all().delete()
    Station.objects.all().delete()
    SeasonalMode.objects.all().delete()
    Visitor.objects.all().delete()  # the demo's workers (feedback's demo runs once per base)
    User.objects.filter(username__in=[*DEMO_USERS, *operations_demo.USERNAMES]).delete()
    Group.objects.filter(name=OFFICER_GROUP_NAME).delete()
    Landmark.objects.all().delete()  # landmarks keep their regions (PROTECT)
    # The demo's notices queued SMS; the delivery log keeps no link to people.
    from yizhan.notifications.models import SmsDelivery

    SmsDelivery.objects.all().delete()
    codes = list(demo.regions_from_csv(demo.REGIONS_CSV.read_text(encoding="utf-8")))
    for level in reversed(RegionLevel.values):  # children first: parents are protected
        Region.objects.filter(code__in=codes, level=level).delete()


@pytest.fixture(scope="module")
def city(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoRun]:
    """The demo city, generated once and committed for this module, wiped afterwards so
    that other modules start from an empty registry."""
    path = tmp_path_factory.mktemp("demo") / "demo-credentials.txt"
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("demo_city", "--credentials-file", str(path), stdout=out)
    yield DemoRun(credentials=path, stdout=out.getvalue())
    with django_db_blocker.unblock():
        _wipe()


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Station.objects.order_by("code").values_list(
            "code", "name", "kind", "region__code", "address", "lat", "lon", "opening_hours",
            "keeps_workday_hours", "star_level", "status",
        )
    )  # fmt: skip


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=SHANGHAI)


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


# ---------------------------------------------------------------------------
# What the city holds
# ---------------------------------------------------------------------------


def test_the_city_has_daolis_fixed_mobile_and_smart_stations(city: DemoRun) -> None:
    kinds = Counter(Station.objects.values_list("kind", flat=True))
    assert kinds[StationKind.FIXED] >= 59
    assert kinds[StationKind.MOBILE] == 5
    assert kinds[StationKind.SMART] >= 4
    for station in Station.objects.filter(kind=StationKind.MOBILE).prefetch_related("stops"):
        assert station.stops.count() >= 2, station.code
    for station in Station.objects.filter(kind=StationKind.SMART):
        assert station.opening_hours == "24/7"
        assert OpeningHours.parse(station.opening_hours).is_always_open
    codes = list(Station.objects.values_list("code", flat=True))
    assert "HRB-DL-F001" in codes and "HRB-DL-M01" in codes and "HRB-DL-S01" in codes
    assert all(re.fullmatch(r"HRB-DL-(F\d{3}|M\d{2}|S\d{2})", code) for code in codes)
    assert len(set(Station.objects.values_list("name", flat=True))) == len(codes)


def test_every_station_lies_in_a_street_of_daoli_near_its_centre(city: DemoRun) -> None:
    stations = Station.objects.select_related("region")
    assert {s.region.level for s in stations} == {RegionLevel.STREET}
    assert all(s.region.code.startswith("230102") for s in stations)
    towns = {s.region.code for s in stations if s.region.name.endswith("镇")}
    assert len(towns) >= 2, "a few stations in the rural towns"
    for station in stations.exclude(kind=StationKind.MOBILE):
        region = station.region
        assert region.lat is not None and region.lon is not None
        gap = _distance_m(station.lat, station.lon, region.lat, region.lon)
        assert gap <= 650, f"{station.code} is {gap:.0f} m from {region.name}"
        assert station.address.startswith("道里区")


def test_all_hours_are_valid_and_varied(city: DemoRun) -> None:
    tuesday, saturday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=5)
    workday = lunch = overnight = 0
    for station in Station.objects.prefetch_related("stops"):
        assert hours.validate(station.opening_hours) == station.opening_hours
        for stop in station.stops.all():
            assert hours.validate(stop.hours) == stop.hours
        h = OpeningHours.parse(station.opening_hours, workday=station.keeps_workday_hours)
        if station.keeps_workday_hours and not h.is_open(_at(saturday, "10:00")):
            workday += h.is_open(_at(tuesday, "10:00"))
        if h.is_open(_at(tuesday, "10:00")) and not h.is_open(_at(tuesday, "12:15")):
            lunch += h.is_open(_at(tuesday, "14:00"))
        if h.is_open(_at(tuesday, "02:00")) and not h.is_open(_at(tuesday, "12:00")):
            overnight += 1
    assert workday >= 1, "a weekday-only station that keeps working-day hours"
    assert lunch >= 1, "a station closed at lunch"
    assert overnight >= 1, "a station open overnight for night riders"


def test_mobile_stops_never_overlap_and_make_up_the_stations_hours(city: DemoRun) -> None:
    start, end = _at(MONDAY, "00:00"), _at(MONDAY + dt.timedelta(days=7), "00:00")
    for station in Station.objects.filter(kind=StationKind.MOBILE).prefetch_related("stops"):
        spans = sorted(
            span
            for stop in station.stops.all()
            for span in OpeningHours.parse(stop.hours).intervals(start, end)
        )
        for (_a, b), (c, _d) in zip(spans, spans[1:], strict=False):
            assert b <= c, f"{station.code}: two stops at once around {c:%a %H:%M}"
        assert OpeningHours.parse(station.opening_hours).intervals(start, end) == spans
        for stop in station.stops.all():
            assert 45.6 < stop.lat < 45.8 and 126.2 < stop.lon < 126.7, stop.place_name


def test_statuses_amenities_staff_and_stars_look_like_a_real_district(city: DemoRun) -> None:
    statuses = Counter(Station.objects.values_list("status", flat=True))
    assert statuses[StationStatus.SUSPENDED] == 2
    assert statuses[StationStatus.DELISTED] == 1
    assert statuses[StationStatus.PLANNED] == 2
    assert statuses[StationStatus.ACTIVE] == Station.objects.count() - 5
    assert not Station.objects.filter(
        status__in=[StationStatus.SUSPENDED, StationStatus.DELISTED], status_reason=""
    ).exists()

    total = Station.objects.count()
    for code in ("hot_water", "heater"):
        assert StationAmenity.objects.filter(amenity__code=code).count() >= 0.8 * total
    broken = StationAmenity.objects.filter(state=AmenityState.OUT_OF_ORDER)
    assert broken.exists() and not broken.filter(reason="").exists()
    assert broken.filter(reason="加热管损坏，已报修").exists()

    for station in Station.objects.prefetch_related("staff", "services"):
        roles = Counter(person.role for person in station.staff.all())
        assert roles["master"] == 1 and roles["administrator"] == 1, station.code
        for person in station.staff.all():
            assert re.fullmatch(r"138-0000-\d{4}", person.phone)
            assert 2 <= len(person.name) <= 3
        assert 15 <= (station.floor_area_m2 or 0) <= 120
        assert station.capacity and station.feature
    assert Station.objects.filter(services__isnull=False).distinct().count() >= total // 2

    stars = Counter(Station.objects.values_list("star_level", flat=True))
    assert stars[3] > stars[5]
    assert set(stars) <= {None, 1, 2, 3, 4, 5}
    assert (
        Station.objects.filter(status=StationStatus.PLANNED, star_level__isnull=False).count() == 0
    )


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


def test_history_spans_months_and_matches_the_stations(city: DemoRun) -> None:
    now = timezone.now()
    span = StationChange.objects.aggregate(first=Min("changed_at"), last=Max("changed_at"))
    assert span["first"] <= now - dt.timedelta(days=90)
    assert span["last"] <= now
    assert Station.objects.aggregate(first=Min("created_at"))["first"] <= now - dt.timedelta(
        days=90
    )
    actions = Counter(StationChange.objects.values_list("action", flat=True))
    assert actions[StationChange.Action.CREATE] == Station.objects.count()
    assert actions[StationChange.Action.UPDATE] > 0
    assert actions[StationChange.Action.STATUS] > 0
    assert actions[StationChange.Action.VERIFY] > 0
    for station in Station.objects.prefetch_related("changes"):
        changes = sorted(station.changes.all(), key=lambda c: c.id)
        assert changes[0].action == StationChange.Action.CREATE
        assert changes[0].changed_at == station.created_at
        times = [c.changed_at for c in changes]
        assert times == sorted(times), f"{station.code}: history out of order"
        verified = [c for c in changes if c.action == StationChange.Action.VERIFY]
        if verified:
            assert station.last_verified_on == timezone.localdate(verified[-1].changed_at)
    months = {
        d.strftime("%Y-%m") for d in Station.objects.values_list("last_verified_on", flat=True) if d
    }
    assert len(months) >= 3, "verification dates spread over the last months"
    officers = set(StationChange.objects.values_list("changed_by__username", flat=True))
    assert {"daoli", "zhaolin"} <= officers


def test_status_history_follows_the_lifecycle(city: DemoRun) -> None:
    delisted = Station.objects.get(status=StationStatus.DELISTED)
    steps = [
        c.changes["status"]
        for c in delisted.changes.filter(action=StationChange.Action.STATUS).order_by("id")
    ]
    assert steps[-1] == [StationStatus.SUSPENDED, StationStatus.DELISTED]
    last_status = delisted.changes.filter(action=StationChange.Action.STATUS).order_by("-id")[0]
    assert delisted.status_changed_at == last_status.changed_at
    for station in Station.objects.filter(kind=StationKind.SMART):
        first = station.changes.order_by("id")[0]
        assert first.changes["status"] == [None, StationStatus.PLANNED]


# ---------------------------------------------------------------------------
# Reproducible and idempotent
# ---------------------------------------------------------------------------


def test_running_again_changes_nothing(city: DemoRun) -> None:
    before = (
        Station.objects.count(),
        StationChange.objects.count(),
        User.objects.count(),
        Region.objects.count(),
        city.credentials.read_text(encoding="utf-8"),
    )
    out = io.StringIO()
    call_command("demo_city", "--credentials-file", str(city.credentials), stdout=out)
    after = (
        Station.objects.count(),
        StationChange.objects.count(),
        User.objects.count(),
        Region.objects.count(),
        city.credentials.read_text(encoding="utf-8"),
    )
    assert after == before
    assert "0 created, 0 updated, 68 unchanged" in out.getvalue()


def test_running_again_restores_an_edited_station(city: DemoRun) -> None:
    Station.objects.filter(code="HRB-DL-F001").update(name="改过的名字")
    result = demo.demo_city_generate(password="x-demo-pass")
    assert (result.created, result.updated, result.changes) == (0, 1, 1)
    assert Station.objects.get(code="HRB-DL-F001").name != "改过的名字"


def test_if_empty_leaves_a_populated_registry_alone(city: DemoRun) -> None:
    changes = StationChange.objects.count()
    out = io.StringIO()
    call_command(
        "demo_city", "--if-empty", "--seed", "99", "--credentials-file", str(city.credentials),
        stdout=out,
    )  # fmt: skip
    assert StationChange.objects.count() == changes
    assert "stations exist" in out.getvalue()
    assert "http://127.0.0.1:8000/console/" in out.getvalue()  # the saved accounts, again
    assert "zhaolin" in out.getvalue()


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------


def test_officers_are_scoped_to_district_and_street(city: DemoRun) -> None:
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.region is None
    daoli = User.objects.get(username="daoli")
    zhaolin = User.objects.get(username="zhaolin")
    assert daoli.region is not None and daoli.region.code == "230102"
    assert zhaolin.region is not None and zhaolin.region.code == "230102001"
    for officer in (daoli, zhaolin):
        assert officer.is_staff and not officer.is_superuser
        assert officer.groups.filter(name=OFFICER_GROUP_NAME).exists()
        assert officer.has_perm("stations.change_station")
        assert not officer.has_perm("stations.delete_station")
    street = list(stations_list(scope=user_scope(user=zhaolin), public=False))
    district = list(stations_list(scope=user_scope(user=daoli), public=False))
    assert street and all(s.region.code.startswith("230102001") for s in street)
    assert len(district) == Station.objects.count() > len(street)


def test_credentials_are_written_and_printed(city: DemoRun) -> None:
    text = city.credentials.read_text(encoding="utf-8")
    assert "http://127.0.0.1:8000/console/" in text
    assert stat.S_IMODE(city.credentials.stat().st_mode) == 0o600
    saved = demo.credentials_read(city.credentials)
    assert set(saved) == set(DEMO_USERS)
    for username, password in saved.items():
        assert User.objects.get(username=username).check_password(password)
        assert len(password) >= 12
    assert "230102001" in text and "兆麟街道" in text
    assert text in city.stdout


def test_demo_password_from_the_environment(
    city: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("YIZHAN_DEMO_PASSWORD", "demo-2301-pass")
    path = tmp_path / "credentials.txt"
    call_command("demo_city", "--credentials-file", str(path), stdout=io.StringIO())
    assert demo.credentials_read(path) == {u: "demo-2301-pass" for u in DEMO_USERS}
    assert User.objects.get(username="zhaolin").check_password("demo-2301-pass")


# ---------------------------------------------------------------------------
# Pure parts
# ---------------------------------------------------------------------------


def test_history_clock_keeps_order_and_stays_in_office_hours_in_the_past() -> None:
    now = timezone.now()
    clock = demo._Clock(now, months=3)
    moments = [clock(i / 200) for i in range(197)]
    assert moments == sorted(moments)
    assert moments[0].date() == timezone.localdate(now) - dt.timedelta(days=90)
    assert all(dt.time(8, 30) <= m.astimezone(SHANGHAI).time() <= dt.time(18, 0) for m in moments)
    assert clock(0.98) < now


def test_combine_hours_groups_days_without_overriding() -> None:
    rule = demo.combine_hours([("Mo-Fr", "11:00", "14:00"), ("Sa,Su", "16:00", "21:00")])
    assert rule == "Mo-Fr 11:00-14:00; Sa,Su 16:00-21:00"
    assert demo.combine_hours([("Mo-Su", "05:00", "08:00"), ("Mo-Su", "20:00", "24:00")]) == (
        "Mo-Su 05:00-08:00,20:00-24:00"
    )


def test_demo_has_a_repair_closure_and_an_offline_smart_station(city: DemoRun) -> None:
    from yizhan.stations.models import ClosureSource, StationClosure

    closures = {c.station.code: c for c in StationClosure.objects.select_related("station")}
    assert closures["HRB-DL-F012"].source == ClosureSource.STAFF
    assert closures["HRB-DL-S04"].source == ClosureSource.DEVICE
    # Both are in force on the day the demo is made, and running again adds none.
    for c in closures.values():
        assert c.starts_at < timezone.now() < c.ends_at
    call_command("demo_city", "--credentials-file", str(city.credentials), stdout=io.StringIO())
    assert StationClosure.objects.count() == 2


@pytest.mark.django_db
def test_demo_runs_station_operations(city: DemoRun) -> None:
    from yizhan.operations.models import Inspection, Rectification, SeasonalMode

    assert "zhanzhang" in city.credentials.read_text(encoding="utf-8")
    master = User.objects.get(username="zhanzhang")
    assert master.station_roles.get().station.code == "HRB-DL-F001"
    orders = Rectification.objects.filter(station__code__startswith="HRB-DL-F")
    assert {o.status for o in orders} == {"open", "fixed"}
    assert orders.filter(level=2).exists()  # one escalated to the district
    assert Inspection.objects.filter(tier="daily").count() > 100
    assert SeasonalMode.objects.filter(region__code="2301").exists()
    _assert_orders_have_owners_and_escalate_in_turn()
    # A repeat finding: the medicine found again, its order listing both findings.
    medicine = orders.get(source_ref="item:medicine_in_date")
    assert medicine.findings.count() == 2 and medicine.assignee == master
    assert medicine.events.filter(action="again", finding__isnull=False).exists()
    # What `manage.py remind` does next keeps to the same rules.
    call_command("remind", stdout=io.StringIO())
    _assert_orders_have_owners_and_escalate_in_turn()


def _assert_orders_have_owners_and_escalate_in_turn() -> None:
    """Every order (operations', the workers' reports', the evidence's) has a responsible
    person and lists its findings; every escalation came after the order's deadline, one
    level at a time, each after the previous level's own time had run out."""
    from yizhan.operations import regime
    from yizhan.operations.models import Rectification

    for order in Rectification.objects.select_related("station__region"):
        assert order.assignee_id is not None, f"{order}: nobody responsible"
        assert order.findings.exists(), f"{order}: no finding"
        steps = list(order.events.filter(action="escalated").order_by("at"))
        assert len(steps) == order.level, f"{order}: level {order.level}, {len(steps)} steps"
        due = order.deadline
        for step in steps:
            assert step.at > due, f"{order}: escalated {step.at} before {due}"
            due = step.at + dt.timedelta(days=regime.DEADLINE_DAYS[order.severity])
        if steps:
            assert order.level_deadline == due


@pytest.mark.django_db
def test_demo_evaluates_last_month(city: DemoRun, client: Any) -> None:
    """Every active station of the district has last month's result; the top-15 % list
    is the best scores among stations without a card rated 3★ or more; the bulletin prints
    them."""
    from yizhan.evaluation import selectors as evaluation
    from yizhan.evaluation.models import Card, StationScore

    month = evaluation.month_previous(timezone.localdate())
    scores = list(StationScore.objects.filter(month=month).select_related("station"))
    active = Station.objects.filter(status="active", region__code__startswith="230102")
    assert {s.station_id for s in scores} == set(active.values_list("pk", flat=True))
    scored = [s for s in scores if s.status == "scored"]
    assert len(scored) > 0.8 * len(scores)
    carded = set(Card.objects.filter(status="active").values_list("station_id", flat=True))
    assert carded  # the demo's weekday-only and careless stations get warned
    expected = sorted(
        (
            s
            for s in scored
            if s.station_id not in carded and (s.star_after is None or s.star_after >= 3)
        ),
        key=lambda s: -(s.score or 0),
    )[: math.ceil(0.15 * len(scored))]
    assert all(s.star_after != 1 for s in expected)  # no 1★ "best station"
    daoli = User.objects.get(username="daoli")
    district = Region.objects.get(code="230102")
    ranking = evaluation.rankings(scope=user_scope(user=daoli), region=district, month=month)
    assert [r.score.station.code for r in ranking.top] == [s.station.code for s in expected]
    assert all(r.score.station.kind != "smart" for r in ranking.upgrade)
    client.force_login(daoli)
    page = client.get(f"/staff/evaluation/bulletin/?region=230102&month={month:%Y-%m}")
    text = page.content.decode()
    assert page.status_code == 200
    for s in expected:
        assert s.station.name in text
    assert f"<strong>{len(scores)}</strong><span>参评驿站" in text
    # Running the demo again repeats no decision.
    cards = Card.objects.count()
    call_command("demo_city", "--credentials-file", str(city.credentials), stdout=io.StringIO())
    assert Card.objects.count() == cards
    assert StationScore.objects.filter(month=month).count() == len(scores)


# Last in the module: it regenerates the registry alone, without the apps built on it.
def test_the_same_seed_gives_the_same_city(city: DemoRun) -> None:
    regions = demo.regions_from_csv(demo.REGIONS_CSV.read_text(encoding="utf-8"))
    plan = demo.demo_plan(seed=demo.DEFAULT_SEED, regions=regions)
    assert plan == demo.demo_plan(seed=demo.DEFAULT_SEED, regions=regions)
    other = demo.demo_plan(seed=7, regions=regions)
    assert [p.code for p in other] == [p.code for p in plan]
    assert [(p.initial["lat"], p.initial["lon"]) for p in other] != [
        (p.initial["lat"], p.initial["lon"]) for p in plan
    ]

    # Star levels are the monthly evaluation's to move once the demo has run it: the
    # registry's own seed is compared without them.
    first = [row[:-2] + row[-1:] for row in _snapshot()]
    # A fresh registry (same regions and accounts): generate again from the same seed.
    from yizhan.devices.models import Device, DeviceEvent

    DeviceEvent.objects.all().delete()
    Device.objects.all().delete()
    Station.objects.all().delete()
    result = demo.demo_city_generate(seed=demo.DEFAULT_SEED, password="x-demo-pass")
    assert result.created == len(first)
    assert [row[:-2] + row[-1:] for row in _snapshot()] == first


def test_the_demo_knows_the_citys_landmarks(city: DemoRun) -> None:
    """A rider types 哈尔滨站 (or 哈尔滨火车站) with no geocoder configured."""
    from yizhan.finder.selectors import place_find

    for typed in ("哈尔滨站", "哈尔滨火车站", "中央大街", "太平机场"):
        found = place_find(text=typed)
        assert found.place is not None and found.place.kind == "landmark", typed
    assert Landmark.objects.count() >= 10
