"""Accounts services: the officers' group, officers scoped to a region, superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.accounts.services import (
    OFFICER_GROUP_NAME,
    officer_create,
    officer_group_ensure,
    superuser_ensure,
)
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.regions.models import Region, RegionLevel

pytestmark = pytest.mark.django_db

REGISTRY = ("station", "stationamenity", "stationstaff", "stationphoto", "mobilestop",
            "stationlisting", "stationimport")  # fmt: skip


@pytest.fixture
def daoli() -> Region:
    province = Region.objects.create(code="23", name="黑龙江省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(
        code="2301", name="哈尔滨市", level=RegionLevel.CITY, parent=province
    )
    return Region.objects.create(
        code="230102", name="道里区", level=RegionLevel.DISTRICT, parent=city
    )


@pytest.fixture
def zhaolin(daoli: Region) -> Region:
    return Region.objects.create(
        code="230102001", name="兆麟街道", level=RegionLevel.STREET, parent=daoli
    )


def _perms(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_officer_group_may_view_add_and_change_the_registry_but_never_delete() -> None:
    group = officer_group_ensure()
    expected = {f"stations.{a}_{m}" for m in REGISTRY for a in ("view", "add", "change")}
    expected |= {"stations.view_stationchange", "regions.view_region"}
    assert group.name == OFFICER_GROUP_NAME
    assert _perms(group) == expected


def test_officer_group_ensure_is_idempotent_and_takes_delete_away() -> None:
    group = officer_group_ensure()
    extra = Permission.objects.get(codename="view_user")
    delete = Permission.objects.get(codename="delete_station")
    group.permissions.add(extra, delete)
    again = officer_group_ensure()
    assert again.pk == group.pk
    assert Group.objects.filter(name=OFFICER_GROUP_NAME).count() == 1
    perms = _perms(again)
    assert "accounts.view_user" in perms  # what an administrator added stays
    assert not any(".delete_" in p for p in perms)


def test_officer_create_makes_a_staff_officer_scoped_to_the_region(zhaolin: Region) -> None:
    user = officer_create(
        username="zhaolin", password="s3cret-pass", region=zhaolin, last_name="赵",
        first_name="春梅", phone="138-0000-0002",
    )  # fmt: skip
    user.refresh_from_db()
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password("s3cret-pass")
    assert (user.last_name, user.first_name, user.phone) == ("赵", "春梅", "138-0000-0002")
    assert user.groups.filter(name=OFFICER_GROUP_NAME).exists()
    scope = user_scope(user=user)
    assert not scope.national and scope.region == zhaolin
    assert user.has_perm("stations.change_station")
    assert user.has_perm("stations.view_stationchange")
    assert not user.has_perm("stations.change_stationchange")
    assert not user.has_perm("stations.delete_station")
    assert not user.has_perm("regions.change_region")


def test_officer_create_is_idempotent_on_username(daoli: Region, zhaolin: Region) -> None:
    first = officer_create(username="li", password="first-pass-1", region=zhaolin)
    second = officer_create(username="li", password="second-pass-2", region=daoli, last_name="李")
    assert second.pk == first.pk
    assert User.objects.filter(username="li").count() == 1
    second.refresh_from_db()
    assert second.region == daoli and second.last_name == "李"
    assert second.check_password("second-pass-2")
    assert second.groups.count() == 1

    kept = officer_create(username="li", password=None, region=daoli)
    kept.refresh_from_db()
    assert kept.check_password("second-pass-2")


def test_a_new_officer_without_password_cannot_sign_in_yet(daoli: Region) -> None:
    user = officer_create(username="wang", password=None, region=daoli)
    assert not user.has_usable_password()


def test_officer_create_refuses_bad_input(daoli: Region) -> None:
    with pytest.raises(ValidationFailed) as bad_name:
        officer_create(username="王 立新", password="x-pass-123", region=daoli)
    assert bad_name.value.errors[0].field == "username"
    with pytest.raises(ValidationFailed) as empty:
        officer_create(username="  ", password="x-pass-123", region=daoli)
    assert empty.value.errors[0].field == "username"
    with pytest.raises(ValidationFailed) as no_region:
        officer_create(username="wang", password="x-pass-123", region=None)  # type: ignore[arg-type]
    assert no_region.value.errors[0].field == "region"
    assert not User.objects.filter(username="wang").exists()


def test_officer_create_never_demotes_a_superuser(daoli: Region) -> None:
    superuser_ensure(username="admin", password="admin-pass-1")
    with pytest.raises(ApplicationError):
        officer_create(username="admin", password="other-pass-2", region=daoli)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.region is None
    assert admin.check_password("admin-pass-1")


def test_superuser_ensure_creates_once_and_is_national(daoli: Region) -> None:
    user = superuser_ensure(username="admin", password="admin-pass-1", email="a@example.org")
    again = superuser_ensure(username="admin", password="admin-pass-2")
    assert again.pk == user.pk and User.objects.filter(username="admin").count() == 1
    again.refresh_from_db()
    assert again.is_superuser and again.is_staff and again.email == "a@example.org"
    assert again.check_password("admin-pass-2")
    assert user_scope(user=again).national

    officer = officer_create(username="daoli", password="daoli-pass-1", region=daoli)
    promoted = superuser_ensure(username="daoli", password=None)
    assert promoted.pk == officer.pk and promoted.is_superuser and promoted.region is None
