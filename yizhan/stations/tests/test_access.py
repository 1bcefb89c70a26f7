"""The one access module: who may do what at a station and over a region.

Where two of the old per-app copies disagreed, the stricter rule won; each such case has
a test here (named "stricter: ...")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from yizhan.accounts.models import User, UserRole
from yizhan.core.errors import NotFound, PermissionDenied
from yizhan.devices.services import device_register
from yizhan.stations.access import (
    console_officer,
    console_supervisor,
    evaluation_can_decide,
    evaluation_can_edit_model,
    evaluation_can_run,
    is_officer,
    is_supervisor,
    officer_for_request,
    planning_require,
    rectification_can_check,
    region_for_request,
    staff_station_ids,
    station_access,
    station_access_require,
    station_for_request,
    supervises_region,
    volunteers_can_sign_up,
)
from yizhan.stations.models import StaffRole, StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory
from yizhan.volunteers.models import Shift, ShiftSignup
from yizhan.volunteers.services import shift_signup


def _user(username: str, **fields) -> User:  # type: ignore[no-untyped-def]
    fields.setdefault("role", UserRole.OFFICER)
    return User.objects.create_user(username=username, password=f"pw-{username}-1", **fields)


def _request(user, path: str = "/", **params):  # type: ignore[no-untyped-def]
    request = RequestFactory().get(path, params)
    request.user = user
    return request


@pytest.fixture
def station(db):  # type: ignore[no-untyped-def]
    return StationFactory(region=RegionFactory(code="230102001"))


@pytest.fixture
def district(db):  # type: ignore[no-untyped-def]
    return RegionFactory(code="230102")


# ------------------------------------------------------------------ the station needs


def test_station_needs_by_role(station, district):  # type: ignore[no-untyped-def]
    master = _user("master", role=UserRole.STAFF)
    butler = _user("butler", role=UserRole.STAFF)
    StationStaff.objects.create(station=station, user=master, role=StaffRole.MASTER, name="站长")
    StationStaff.objects.create(station=station, user=butler, role=StaffRole.BUTLER, name="管家")
    officer = _user("officer", region=district)
    inspector = _user("inspector", role=UserRole.INSPECTOR, region=district)
    elsewhere = _user("elsewhere", region=RegionFactory(code="230103"))
    root = _user("root", is_superuser=True)
    table = {
        master: (True, True, False),
        butler: (True, False, False),
        officer: (True, True, True),
        inspector: (True, True, True),
        elsewhere: (False, False, False),
        root: (True, True, True),
    }
    for user, expected in table.items():
        access = station_access(user=user, station=station)
        got = tuple(access.allows(need) for need in ("any", "run", "supervise"))
        assert got == expected, user.username
    assert not station_access(user=AnonymousUser(), station=station).any


def test_station_for_request_hides_foreign_stations_and_refuses_short_roles(station):  # type: ignore[no-untyped-def]
    butler = _user("butler", role=UserRole.STAFF)
    StationStaff.objects.create(station=station, user=butler, role=StaffRole.BUTLER, name="管家")
    stranger = _user("stranger", role=UserRole.STAFF)
    with pytest.raises(Http404):
        station_for_request(_request(stranger), station.code)
    with pytest.raises(Http404):
        station_for_request(_request(butler), "NO-SUCH")
    assert station_for_request(_request(butler), station.code)[0] == station
    with pytest.raises(DjangoPermissionDenied):
        station_for_request(_request(butler), station.code, need="run")
    with pytest.raises(PermissionDenied, match="不是本站"):
        station_access_require(user=stranger, station=station, message="你不是本站的工作人员。")


def test_region_for_request_stays_inside_the_scope(district):  # type: ignore[no-untyped-def]
    officer = _user("officer", region=district)
    assert region_for_request(_request(officer), officer) == district
    street = RegionFactory(code="230102001")
    assert region_for_request(_request(officer, region=street.code), officer) == street
    with pytest.raises(Http404):
        region_for_request(_request(officer, region=RegionFactory(code="230103").code), officer)


# ----------------------------------------------------------------- stricter: suspended


def test_stricter_a_suspended_superuser_may_not_run_or_decide_evaluations(station):  # type: ignore[no-untyped-def]
    """evaluation's officer_at let any superuser through, suspended or not; every other
    copy (station_access, user_scope) gave a suspended account nothing."""
    root = _user("root", is_superuser=True)
    assert evaluation_can_run(root) and evaluation_can_edit_model(root)
    assert evaluation_can_decide(root, station)
    root.is_active = False
    assert not evaluation_can_run(root)
    assert not evaluation_can_edit_model(root)
    assert not evaluation_can_decide(root, station)


def test_stricter_a_suspended_station_master_has_no_stations(station):  # type: ignore[no-untyped-def]
    """staff_station_ids listed a suspended account's stations (feedback's staff lists,
    signage's board index); station_access gave the same account no roles there."""
    master = _user("master", role=UserRole.STAFF)
    StationStaff.objects.create(station=station, user=master, role=StaffRole.MASTER, name="站长")
    assert staff_station_ids(user=master) == [station.pk]
    master.is_active = False
    assert staff_station_ids(user=master) == []
    assert not station_access(user=master, station=station).any


def test_stricter_a_suspended_issuer_may_not_check_a_fix(station, district):  # type: ignore[no-untyped-def]
    """operations' can_check let the issuer check whatever their account's state; the
    station rules refuse a suspended account."""
    issuer = _user("issuer", role=UserRole.INSPECTOR, region=RegionFactory(code="230103"))
    assert rectification_can_check(user=issuer, issuer_id=issuer.pk, station=station)
    issuer.is_active = False
    assert not rectification_can_check(user=issuer, issuer_id=issuer.pk, station=station)
    other = _user("other", role=UserRole.INSPECTOR, region=district)
    assert rectification_can_check(user=other, issuer_id=issuer.pk, station=station)


def test_stricter_a_suspended_officer_has_no_region_role(district):  # type: ignore[no-untyped-def]
    """The region pages' role test (officer_for_request, supplies' region page, feedback's
    visible stations, the staff home) and the spot-check assignee test ignored is_active;
    signage, lockers' and evaluation's console checks did not."""
    officer = _user("officer", region=district)
    root = _user("root", is_superuser=True)
    assert officer_for_request(_request(officer)) == officer
    assert supervises_region(root, district)
    officer.is_active = root.is_active = False
    assert not is_supervisor(officer) and not is_supervisor(root)
    with pytest.raises(DjangoPermissionDenied):
        officer_for_request(_request(officer))
    assert not supervises_region(root, district)


def test_stricter_a_suspended_account_cannot_sign_up_for_a_shift(station):  # type: ignore[no-untyped-def]
    """volunteers' own check asked only the account's role (worker or station staff, or a
    superuser), active or not; volunteers_can_sign_up refuses a suspended account itself
    (shift_signup's sign-in check already turned it away first)."""
    worker = _user("worker", role=UserRole.WORKER)
    start = timezone.now() + dt.timedelta(days=1)
    shift = Shift.objects.create(
        station=station,
        role=StaffRole.ONE_DAY_MASTER,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        slots=2,
    )
    assert volunteers_can_sign_up(worker)
    worker.is_active = False
    assert not volunteers_can_sign_up(worker)
    with pytest.raises(PermissionDenied):
        shift_signup(user=worker, shift=shift)
    assert not ShiftSignup.objects.exists()
    worker.is_active = True
    assert shift_signup(user=worker, shift=shift).user == worker


# ------------------------------------------------------------- stricter: inspectors


def test_stricter_an_inspector_account_does_no_officer_work_even_as_superuser(district):  # type: ignore[no-untyped-def]
    """lockers' quota console refused an inspector-role superuser; planning, evaluation,
    seasonal modes, spot-check draws and survey publishing let any superuser through."""
    root = _user("root", is_superuser=True, is_staff=True, region=None)
    assert is_officer(root) and console_officer(_request(root))
    planning_require(user=root, region=district)
    root.role = UserRole.INSPECTOR
    assert not is_officer(root)
    assert not console_officer(_request(root))
    assert console_supervisor(_request(root))  # still reads everything
    assert not evaluation_can_run(root)
    with pytest.raises(PermissionDenied):
        planning_require(user=root, region=district)


def test_planning_hides_regions_outside_the_scope(district):  # type: ignore[no-untyped-def]
    officer = _user("officer", region=district)
    planning_require(user=officer, region=district)
    with pytest.raises(NotFound):
        planning_require(user=officer, region=RegionFactory(code="230103"))
    with pytest.raises(PermissionDenied):
        planning_require(
            user=_user("insp", role=UserRole.INSPECTOR, region=district), region=district
        )


# ----------------------------------------------------------------- stricter: devices


def test_stricter_only_a_supervisor_of_the_station_manages_its_devices(station, district):  # type: ignore[no-untyped-def]
    """devices' scope check let any account whose region held the station (station staff,
    a registered worker) register devices; region authority at a station belongs to its
    officers and inspectors."""
    staff = _user("staff", role=UserRole.STAFF, region=district)
    with pytest.raises(PermissionDenied):
        device_register(user=staff, station=station, kind="door", serial="SN-STAFF-1")
    officer = _user("officer", region=district)
    device, _secret = device_register(
        user=officer, station=station, kind="door", serial="SN-OFFICER-1"
    )
    assert device.station == station
    device_register(user=None, station=station, kind="door", serial="SN-SYSTEM-1")
