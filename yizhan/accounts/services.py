"""Writing accounts: the union officers' group, officers scoped to a region, superusers.

Every function is keyword-only, atomic and idempotent on the username (or group name), so
that set-up scripts and the demo can run them again without duplicating anyone.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from yizhan.accounts.models import User
from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.regions.models import Region

OFFICER_GROUP_NAME = "工会干部 officer"

# (app label, model name) → actions officers may take. Never "delete": a station leaves
# the network by being delisted, so that its history stays.
OFFICER_PERMISSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("stations", "station"): ("view", "add", "change"),
    ("stations", "stationamenity"): ("view", "add", "change"),
    ("stations", "stationstaff"): ("view", "add", "change"),
    ("stations", "stationphoto"): ("view", "add", "change"),
    ("stations", "mobilestop"): ("view", "add", "change"),
    ("stations", "stationchange"): ("view",),
    ("stations", "stationlisting"): ("view", "add", "change"),
    ("stations", "stationimport"): ("view", "add", "change"),
    ("regions", "region"): ("view",),
}


def _officer_permissions() -> list[Permission]:
    wanted = Q(pk__in=[])
    for (app_label, model), actions in OFFICER_PERMISSIONS.items():
        wanted |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    expected = sum(len(actions) for actions in OFFICER_PERMISSIONS.values())
    perms = list(Permission.objects.filter(wanted))
    if len(perms) < expected:
        # Permissions are created after `migrate`; create them now if this runs earlier.
        for app_label in {app_label for app_label, _model in OFFICER_PERMISSIONS}:
            create_permissions(apps.get_app_config(app_label), verbosity=0)
        perms = list(Permission.objects.filter(wanted))
    if len(perms) < expected:
        raise ApplicationError("权限尚未创建，请先运行 migrate")
    return perms


@transaction.atomic
def officer_group_ensure() -> Group:
    """The union officers' group, with view/add/change on the station registry and view on
    regions and change history. Delete permissions on those models are taken away if
    someone granted them; other permissions an administrator added are kept."""
    group, _created = Group.objects.get_or_create(name=OFFICER_GROUP_NAME)
    group.permissions.add(*_officer_permissions())
    content_types = [
        ContentType.objects.get_by_natural_key(app_label, model)
        for app_label, model in OFFICER_PERMISSIONS
    ]
    group.permissions.remove(
        *Permission.objects.filter(content_type__in=content_types, codename__startswith="delete_")
    )
    return group


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(errors=[FieldError("username", "用户名不能为空")])
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationFailed(
            errors=[FieldError("username", "用户名只能包含字母、数字和 @/./+/-/_", None, username)]
        ) from exc
    return username


def _user_with_password(existing: User | None, *, username: str, password: str | None) -> User:
    """The existing user or a new one (unsaved), with ``password`` set when given; a new
    account without one gets an unusable password."""
    user = existing or User(username=username)
    if password is not None:
        if not password:
            raise ValidationFailed(errors=[FieldError("password", "密码不能为空")])
        user.set_password(password)
    elif existing is None:
        user.set_unusable_password()
    return user


@transaction.atomic
def officer_create(
    *,
    username: str,
    password: str | None,
    region: Region,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> User:
    """Create the officer ``username`` scoped to ``region``, or bring an existing one up to
    date (region, names, phone, staff flag, group; the password when one is given).

    ``password=None`` keeps an existing password and gives a new account an unusable one
    (it signs in after a password reset). A superuser is never turned into an officer.
    """
    username = _check_username(username)
    if region is None:
        raise ValidationFailed(errors=[FieldError("region", "工会干部必须指定管辖区域")])
    existing = User.objects.select_for_update().filter(username=username).first()
    if existing is not None and existing.is_superuser:
        raise ApplicationError(f"用户名 “{username}” 已是超级管理员，不能改为工会干部")
    user = _user_with_password(existing, username=username, password=password)
    user.region = region
    user.first_name = first_name
    user.last_name = last_name
    user.phone = phone
    user.is_staff = True
    user.is_active = True
    user.save()
    user.groups.add(officer_group_ensure())
    return user


@transaction.atomic
def superuser_ensure(*, username: str, password: str | None, email: str = "") -> User:
    """Create the superuser ``username`` or make an existing user one; set the password when
    given. Superusers are national: they have no region."""
    username = _check_username(username)
    existing = User.objects.select_for_update().filter(username=username).first()
    user = _user_with_password(existing, username=username, password=password)
    if email:
        user.email = email
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.region = None
    user.save()
    return user


@transaction.atomic
def person_ensure(
    *,
    username: str,
    password: str | None,
    role: str,
    region: Region | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> User:
    """Create or update a person who signs in on the staff pages only (station staff, an
    inspector, a registered worker): no console access. Idempotent on the username."""
    from yizhan.accounts.models import UserRole

    if role not in UserRole.values:
        raise ValidationFailed(errors=[FieldError("role", "未知的身份", value=role)])
    username = _check_username(username)
    existing = User.objects.select_for_update().filter(username=username).first()
    user = _user_with_password(existing, username=username, password=password)
    user.role, user.region = role, region
    user.first_name, user.last_name, user.phone = first_name, last_name, phone
    user.is_staff = False
    user.is_active = True
    user.save()
    return user
