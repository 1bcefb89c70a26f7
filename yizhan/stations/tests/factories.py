"""factory_boy factories for the registry: regions (the demo chain 23 → 2301 → 230102 →
230102001 and any other GB/T 2260 code), stations with amenities, services and staff,
and officers with the console permissions.

    street = RegionFactory(code="230102001")      # creates 23, 2301, 230102 on the way
    station = StationFactory(
        region=street, amenities=["hot_water", ("microwave", "out_of_order", "门坏")]
    )
    officer = OfficerFactory(region=RegionFactory(code="230102"))

Regions are get-or-create by code, so factories and fixtures that make the same code
share one row. Stations are written directly (no history): use the services when a test
is about what the services record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from yizhan.accounts.models import User
from yizhan.regions.models import LEVEL_BY_LENGTH, Region
from yizhan.stations.models import (
    Amenity,
    AmenityState,
    MobileStop,
    Service,
    StaffRole,
    Station,
    StationAmenity,
    StationKind,
    StationStaff,
    StationStatus,
)

# Real GB/T 2260 names (modood/Administrative-divisions-of-China, dist/streets.csv).
REGION_NAMES = {
    "23": "黑龙江省",
    "2301": "哈尔滨市",
    "230102": "道里区",
    "230102001": "兆麟街道",
    "230102002": "新阳路街道",
    "230102003": "抚顺街道",
    "230102004": "共乐街道",
    "230102006": "城乡路街道",
    "230102007": "工农街道",
    "230102008": "尚志街道",
    "230102010": "通江街道",
    "230102011": "经纬街道",
    "230102013": "安静街道",
    "230102019": "群力街道",
    "230103": "南岗区",
    "230103001": "花园街道",
}
# Approximate centres (WGS-84) for stations placed by the factory.
DAOLI_CENTRE = (126.6175, 45.7733)
OFFICER_PERMISSIONS = (
    "stations.view_station",
    "stations.add_station",
    "stations.change_station",
)


def _parent_code(code: str) -> str | None:
    return {4: code[:2], 6: code[:4], 9: code[:6], 12: code[:9]}.get(len(code))


class RegionFactory(DjangoModelFactory[Region]):
    """A region and, on the way, every ancestor its code implies."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "230102001"
    name = factory.LazyAttribute(lambda o: REGION_NAMES.get(o.code, f"区划{o.code}"))
    level = factory.LazyAttribute(lambda o: LEVEL_BY_LENGTH[len(o.code)])
    parent = factory.LazyAttribute(
        lambda o: RegionFactory(code=_parent_code(o.code)) if _parent_code(o.code) else None
    )


def _amenity_entry(entry: str | Sequence[str]) -> tuple[str, str, str]:
    if isinstance(entry, str):
        return entry, AmenityState.WORKING.value, ""
    code, state, *rest = entry
    return code, state, rest[0] if rest else ""


class StationFactory(DjangoModelFactory[Station]):
    """A fixed, active station in 兆麟街道 with hot water, microwave and charging.

    ``amenities``: codes or (code, state[, reason]) tuples; ``services``: codes;
    ``staff``: (role, name[, phone]) tuples; ``stops``: dicts of MobileStop fields.
    """

    class Meta:
        model = Station
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"HRB-DL-{n + 1:03d}")
    name = factory.Sequence(lambda n: f"兆麟{n + 1}号工会驿站")
    kind = StationKind.FIXED
    region = factory.SubFactory(RegionFactory, code="230102001")
    address = factory.Sequence(lambda n: f"哈尔滨市道里区中央大街{n + 1}号")
    lon = factory.Sequence(lambda n: round(DAOLI_CENTRE[0] + (n % 37) * 0.0017 - 0.03, 7))
    lat = factory.Sequence(lambda n: round(DAOLI_CENTRE[1] + (n % 41) * 0.0011 - 0.02, 7))
    opening_hours = "Mo-Su 08:00-20:00"
    keeps_workday_hours = False
    status = StationStatus.ACTIVE
    status_changed_at = factory.LazyFunction(timezone.now)
    phone = "0451-84600000"

    @factory.post_generation
    def amenities(
        self: Station, create: bool, extracted: Iterable[str | Sequence[str]] | None, **kwargs: Any
    ) -> None:
        if not create:
            return
        entries = extracted if extracted is not None else ("hot_water", "microwave", "charging")
        for entry in entries:
            code, state, reason = _amenity_entry(entry)
            StationAmenity.objects.update_or_create(
                station=self,
                amenity=Amenity.objects.get(code=code),
                defaults={"state": state, "reason": reason},
            )

    @factory.post_generation
    def services(
        self: Station, create: bool, extracted: Iterable[str] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            self.services.set(Service.objects.filter(code__in=list(extracted)))

    @factory.post_generation
    def staff(
        self: Station, create: bool, extracted: Iterable[Sequence[str]] | None, **kwargs: Any
    ) -> None:
        if not create or not extracted:
            return
        for role, name, *phone in extracted:
            StationStaff.objects.create(
                station=self, role=StaffRole(role), name=name, phone=phone[0] if phone else ""
            )

    @factory.post_generation
    def stops(
        self: Station, create: bool, extracted: Iterable[dict[str, Any]] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            for stop in extracted:
                MobileStop.objects.create(station=self, **stop)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n + 1}")
    phone = ""

    @factory.post_generation
    def password(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or "pw-yizhan-1")
        if create:
            self.save(update_fields=["password"])


class OfficerFactory(UserFactory):
    """A union officer of 道里区 (region=... for another scope) who may use the console's
    registry pages; ``permissions=[...]`` ("app.codename") to give others."""

    username = factory.Sequence(lambda n: f"officer{n + 1}")
    is_staff = True
    region = factory.SubFactory(RegionFactory, code="230102")

    @factory.post_generation
    def permissions(
        self: User, create: bool, extracted: Iterable[str] | None, **kwargs: Any
    ) -> None:
        if not create:
            return
        wanted = list(extracted) if extracted is not None else list(OFFICER_PERMISSIONS)
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        self.user_permissions.set(perms)
