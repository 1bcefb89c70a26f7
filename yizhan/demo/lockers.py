"""Lockers and the exchange in the demo city: an 18-compartment locker at each of
道里区's smart stations, bound to a registered locker device and loaded for the week
(instant noodles, water, hand warmers, gloves, raincoats, union welcome packs); four
weeks of workers' reservations (most collected, some left to expire); and donated items
at a few stations, one of them claimed.

Seeded and idempotent: nothing is added when the demo's lockers already exist."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import transaction

from yizhan.accounts.models import User
from yizhan.core.errors import ApplicationError
from yizhan.core.time import SHANGHAI
from yizhan.devices.models import Device
from yizhan.devices.services import device_register
from yizhan.lockers import services
from yizhan.lockers.models import Compartment, Locker, Reservation, ReservationStatus
from yizhan.stations.models import Station, StationKind, StationStatus
from yizhan.supplies.models import SupplyItem
from yizhan.visitors.services import visitor_lock

DEMO_DISTRICT = "230102"
# item code, compartments, units each, unit value (元)
LOAD = (
    ("noodles", 5, 12, "4.50"),
    ("water", 3, 20, "2.00"),
    ("hand-warmer", 3, 15, "1.50"),
    ("gloves", 2, 8, "12.00"),
    ("raincoat", 2, 6, "15.00"),
    ("welcome-pack", 3, 5, "30.00"),
)
DONATIONS = (
    ("HRB-DL-F001", "coats", "羽绒服(男款 XL)", "like_new", "八成新，已洗净"),
    ("HRB-DL-F001", "warmth", "加绒手套两副", "new", ""),
    ("HRB-DL-F002", "electronics", "10000mAh 充电宝", "good", "带数据线"),
    ("HRB-DL-F003", "rain", "雨披(电动车用)", "new", ""),
    ("HRB-DL-F005", "books", "《电工基础》等技能书 3 本", "good", ""),
    ("HRB-DL-S01", "children", "儿童羽绒服(120cm)", "like_new", ""),
)


@dataclass(frozen=True)
class DemoLockers:
    lockers: int
    reservations: int
    donations: int


def demo_ensure(*, now: dt.datetime) -> DemoLockers:
    stations = list(
        Station.objects.filter(
            region__code__startswith=DEMO_DISTRICT,
            kind=StationKind.SMART,
            status=StationStatus.ACTIVE,
        ).order_by("code")
    )
    if not stations or Locker.objects.filter(station__in=stations).exists():
        return DemoLockers(0, 0, 0)
    rng = random.Random(9)
    made = 0
    with transaction.atomic():
        for station in stations:
            runner = _runner(station)
            device = Device.objects.filter(serial=f"LOCKER-{station.code}").first()
            if device is None:
                device, _secret = device_register(
                    user=None,
                    station=station,
                    kind="locker",
                    serial=f"LOCKER-{station.code}",
                    name="爱心柜",
                )
            locker = services.locker_register(
                user=runner,
                station=station,
                name="1号爱心柜",
                sizes=["S"] * 6 + ["M"] * 9 + ["L"] * 3,
                device=device,
                now=now - dt.timedelta(days=40),
            )
            compartments = list(locker.compartments.order_by("number"))
            made += _history(station, locker, compartments, runner, rng, now)
        donations = _donations(now)
    return DemoLockers(len(stations), made, donations)


def _runner(station: Station) -> User:
    staff = station.staff.filter(role__in=["administrator", "master"], user__isnull=False).first()
    if staff is not None and staff.user is not None:
        return staff.user
    return User.objects.filter(is_superuser=True).order_by("id").first()  # type: ignore[return-value]


def _load_all(compartments: list[Compartment], runner: User, now: dt.datetime) -> None:
    today = now.astimezone(SHANGHAI).date()
    n = 0
    for code, count, units, value in LOAD:
        item = SupplyItem.objects.get(code=code)
        for _i in range(count):
            c = compartments[n]
            n += 1
            expires = today + dt.timedelta(days=120) if item.tracks_expiry else None
            services.compartment_empty(user=runner, compartment=c, now=now)
            services.compartment_load(
                user=runner,
                compartment=c,
                item=item,
                quantity=units,
                expires_on=expires,
                unit_value=float(value),
                now=now,
            )


def _history(
    station: Station,
    locker: Locker,
    compartments: list[Compartment],
    runner: User,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """Four weekly restocks, each followed by a week of workers reserving (most pick up
    at the locker, some never come: their units return when the hold runs out)."""
    made = 0
    for week in range(4, 0, -1):
        monday = now - dt.timedelta(days=7 * week)
        _load_all(compartments, runner, monday)
        for _n in range(rng.randint(20, 35)):
            at = monday + dt.timedelta(
                hours=rng.randint(8, 6 * 24 + 20), minutes=rng.randint(0, 59)
            )
            key = f"demo-locker-{station.code}-{rng.randint(0, 80):03d}-yizhan"
            code = rng.choice(LOAD)[0]
            try:
                r = services.reservation_create(
                    visitor_key=key,
                    station=station,
                    item=SupplyItem.objects.get(code=code),
                    occupation=rng.choice(["rider", "rider", "courier", "sanitation", "driver"]),
                    client_id=uuid.UUID(int=rng.getrandbits(128)),
                    now=at,
                )
            except ApplicationError:
                continue  # quota used, or none left: as it would have been
            made += 1
            if rng.random() < 0.85:
                Reservation.objects.filter(pk=r.pk).update(
                    status=ReservationStatus.PICKED_UP,
                    opened_at=at + dt.timedelta(minutes=rng.randint(5, 80)),
                    picked_at=at + dt.timedelta(minutes=rng.randint(6, 82)),
                    closed_at=at + dt.timedelta(minutes=82),
                )
        services.reservations_expire(now=monday + dt.timedelta(days=7))
    _load_all(compartments, runner, now - dt.timedelta(hours=2))  # this week's restock
    return made


def _donations(now: dt.datetime) -> int:
    made = 0
    for code, category, title, condition, description in DONATIONS:
        station = Station.objects.filter(code=code, status=StationStatus.ACTIVE).first()
        if station is None:
            continue
        d = services.donation_register(
            user=_runner(station),
            station=station,
            category=category,
            title=title,
            condition=condition,
            description=description,
            now=now - dt.timedelta(days=made + 1),
        )
        made += 1
        if made == 2:  # somebody has already claimed the gloves
            visitor_lock(key="demo-exchange-worker-001", occupation="sanitation", now=now)
            services.donation_claim(
                visitor_key="demo-exchange-worker-001", donation=d, now=now - dt.timedelta(hours=3)
            )
    return made
