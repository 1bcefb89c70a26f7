"""Shifts as the people using them notice: who may publish, slots never oversold, one
sign-up per person, check-in window and position, reminders once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from yizhan.core.errors import NotFound, PermissionDenied, ValidationFailed
from yizhan.notifications.models import NoticeKind, Notification
from yizhan.stations.models import StationStaff
from yizhan.stations.tests.factories import OfficerFactory, StationFactory, UserFactory
from yizhan.volunteers.models import Shift, ShiftSignup, SignupStatus
from yizhan.volunteers.services import (
    shift_cancel,
    shift_check_in,
    shift_check_out,
    shift_publish,
    shift_reminders_send,
    shift_signup,
    shift_signup_cancel,
)
from yizhan.volunteers.tests.conftest import SATURDAY, THURSDAY_10AM, at

pytestmark = pytest.mark.django_db


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


# --------------------------------------------------------------------------- publishing


def test_the_station_master_publishes_a_saturday_shift(thursday, station, master):
    shift = shift_publish(
        user=master,
        station=station,
        role="one_day_master",
        starts_at=at(SATURDAY, 9),
        ends_at=at(SATURDAY, 17),
        slots=3,
        extends_hours=True,
        note="周六开放",
    )
    assert (shift.slots, shift.extends_hours, shift.created_by, shift.published) == (
        3,
        True,
        master,
        True,
    )


def test_publishing_errors_name_their_field(thursday, station, master):
    with pytest.raises(ValidationFailed) as exc:
        shift_publish(
            user=master,
            station=station,
            role="master",  # not a volunteer role
            starts_at=at(SATURDAY, 9),
            ends_at=at(SATURDAY, 9) + dt.timedelta(hours=17),
            slots=0,
            extends_hours=True,
        )
    assert set(fields(exc)) == {"role", "ends_at", "slots"}
    with pytest.raises(ValidationFailed) as exc:
        shift_publish(
            user=master,
            station=station,
            role="butler",
            starts_at=at(dt.date(2026, 3, 11), 9),  # yesterday
            ends_at=at(dt.date(2026, 3, 11), 8),
            slots=1,
        )
    assert set(fields(exc)) == {"starts_at", "ends_at"}
    assert not Shift.objects.exists()


def test_only_the_stations_runners_or_its_officers_publish(thursday, station, master, volunteer):
    args = {
        "station": station,
        "role": "butler",
        "starts_at": at(SATURDAY, 9),
        "ends_at": at(SATURDAY, 12),
        "slots": 1,
    }
    with pytest.raises(PermissionDenied):
        shift_publish(user=volunteer, **args)
    elsewhere = OfficerFactory(
        username="officer-daowai", region=StationFactory(region__code="230104001").region
    )
    with pytest.raises(PermissionDenied):
        shift_publish(user=elsewhere, **args)
    daoli = OfficerFactory(username="officer-daoli")
    assert shift_publish(user=daoli, **args).created_by == daoli


# --------------------------------------------------------------------------- sign-ups


def test_slots_are_never_oversold_and_one_person_signs_up_once(thursday, saturday_shift):
    first, second, third = (UserFactory(role="worker") for _ in range(3))
    shift_signup(user=first, shift=saturday_shift)
    with pytest.raises(ValidationFailed) as again:
        shift_signup(user=first, shift=saturday_shift)
    assert fields(again) == {"user": "你已报名该值班。"}
    shift_signup(user=second, shift=saturday_shift)
    with pytest.raises(ValidationFailed) as full:
        shift_signup(user=third, shift=saturday_shift)
    assert fields(full) == {"slots": "名额已满"}
    # A withdrawal frees the slot.
    shift_signup_cancel(user=first, signup=ShiftSignup.objects.get(user=first))
    shift_signup(user=third, shift=saturday_shift)
    assert saturday_shift.signups.filter(status=SignupStatus.SIGNED_UP).count() == 2


def test_no_sign_up_to_cancelled_or_ended_shifts(thursday, saturday_shift, master, volunteer):
    shift_cancel(user=master, shift=saturday_shift)
    with pytest.raises(ValidationFailed) as exc:
        shift_signup(user=volunteer, shift=saturday_shift)
    assert fields(exc) == {"shift": "该值班已取消。"}
    ended = Shift.objects.create(
        station=saturday_shift.station,
        role="butler",
        starts_at=THURSDAY_10AM - dt.timedelta(hours=5),
        ends_at=THURSDAY_10AM - dt.timedelta(hours=1),
        slots=1,
    )
    with pytest.raises(ValidationFailed) as exc:
        shift_signup(user=volunteer, shift=ended)
    assert set(fields(exc)) == {"shift"}
    hidden = Shift.objects.create(
        station=saturday_shift.station,
        role="butler",
        starts_at=at(SATURDAY, 9),
        ends_at=at(SATURDAY, 10),
        slots=1,
        published=False,
    )
    with pytest.raises(NotFound):
        shift_signup(user=volunteer, shift=hidden)


def test_workers_and_staff_volunteer_but_officers_do_not(thursday, saturday_shift):
    staff = UserFactory(role="staff")
    assert shift_signup(user=staff, shift=saturday_shift).status == SignupStatus.SIGNED_UP
    with pytest.raises(PermissionDenied):
        shift_signup(user=OfficerFactory(), shift=saturday_shift)


def test_a_one_day_master_gets_no_lasting_station_role(thursday, saturday_shift, volunteer):
    shift_signup(user=volunteer, shift=saturday_shift)
    assert not StationStaff.objects.filter(user=volunteer).exists()


def test_a_volunteer_withdraws_only_their_own_sign_up(thursday, saturday_shift, volunteer):
    signup = shift_signup(user=volunteer, shift=saturday_shift)
    with pytest.raises(NotFound):
        shift_signup_cancel(user=UserFactory(role="worker"), signup=signup)
    assert shift_signup_cancel(user=volunteer, signup=signup).status == SignupStatus.CANCELLED


# --------------------------------------------------------------------------- check-in


def test_check_in_opens_half_an_hour_before_and_flags_a_far_position(
    saturday_shift, volunteer, station
):
    with time_machine.travel(THURSDAY_10AM):
        signup = shift_signup(user=volunteer, shift=saturday_shift)
    with time_machine.travel(at(SATURDAY, 9, 20)):
        with pytest.raises(ValidationFailed) as exc:
            shift_check_in(user=volunteer, signup=signup, lat=station.lat, lon=station.lon)
        assert set(fields(exc)) == {"checked_in_at"}
    with time_machine.travel(at(SATURDAY, 9, 35)):
        with pytest.raises(NotFound):  # someone else's sign-up
            shift_check_in(user=UserFactory(), signup=signup, lat=None, lon=None)
        # About 1.1 km north of the station.
        done = shift_check_in(
            user=volunteer, signup=signup, lat=station.lat + 0.01, lon=station.lon, accuracy_m=12
        )
    assert done.away and not done.no_position
    assert 1_000 < done.distance_m < 1_200
    with time_machine.travel(at(SATURDAY, 16, 5)):
        out = shift_check_out(user=volunteer, signup=signup, lat=station.lat, lon=station.lon)
    assert out.checked_out_at == at(SATURDAY, 16, 5) and not out.out_away


def test_check_in_near_the_station_or_without_position(saturday_shift, station):
    near, blind = UserFactory(role="worker"), UserFactory(role="worker")
    with time_machine.travel(THURSDAY_10AM):
        a = shift_signup(user=near, shift=saturday_shift)
        b = shift_signup(user=blind, shift=saturday_shift)
    with time_machine.travel(at(SATURDAY, 10, 10)):
        a = shift_check_in(user=near, signup=a, lat=station.lat + 0.001, lon=station.lon)
        b = shift_check_in(user=blind, signup=b, lat=None, lon=None)
        with pytest.raises(ValidationFailed) as exc:
            shift_check_in(user=blind, signup=b, lat=None, lon=None)
        assert set(fields(exc)) == {"signup"}
    assert (a.away, a.no_position, round(a.distance_m)) == (False, False, 111)
    assert (b.away, b.no_position, b.distance_m) == (False, True, None)
    with time_machine.travel(at(SATURDAY, 16, 0)):
        c = UserFactory(role="worker")
        with pytest.raises(ValidationFailed):
            shift_signup(user=c, shift=saturday_shift)  # ended: no sign-up either


def test_a_bad_position_names_its_field(saturday_shift, volunteer):
    with time_machine.travel(THURSDAY_10AM):
        signup = shift_signup(user=volunteer, shift=saturday_shift)
    with time_machine.travel(at(SATURDAY, 10, 10)), pytest.raises(ValidationFailed) as exc:
        shift_check_in(user=volunteer, signup=signup, lat=95.0, lon=200.0)
    assert set(fields(exc)) == {"lat", "lon"}


# --------------------------------------------------------------------------- reminders


def test_reminders_go_once_within_the_last_day(saturday_shift, volunteer):
    with time_machine.travel(THURSDAY_10AM):
        signup = shift_signup(user=volunteer, shift=saturday_shift)
        other = shift_signup(user=UserFactory(role="worker"), shift=saturday_shift)
        shift_signup_cancel(user=other.user, signup=other)
        assert shift_reminders_send(now=THURSDAY_10AM) == 0  # two days ahead
    friday = at(dt.date(2026, 3, 13), 10, 30)  # 23.5 h before the start
    assert shift_reminders_send(now=friday) == 1
    assert shift_reminders_send(now=friday + dt.timedelta(hours=1)) == 0
    notices = Notification.objects.filter(user=volunteer)
    assert [(n.kind, n.title) for n in notices] == [
        (NoticeKind.SHIFT_REMINDER, "值班提醒：03-14 10:00 工作日驿站")
    ]
    assert "10:00–16:00" in notices[0].body
    signup.refresh_from_db()
    assert signup.reminded_at == friday
    assert not Notification.objects.filter(user=other.user).exists()  # withdrew


def test_cancelling_a_shift_tells_its_volunteers(thursday, saturday_shift, master, volunteer):
    shift_signup(user=volunteer, shift=saturday_shift)
    shift_cancel(user=master, shift=saturday_shift)
    shift_cancel(user=master, shift=saturday_shift)  # twice: told once
    assert list(Notification.objects.filter(user=volunteer).values_list("title", flat=True)) == [
        "值班已取消：工作日驿站 03-14 10:00"
    ]
    assert shift_reminders_send(now=at(dt.date(2026, 3, 13), 12)) == 0


# --------------------------------------------------------------------------- concurrency


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sign_ups_never_oversell(saturday_shift):
    """Eight volunteers press 报名 at the same moment for two slots."""
    people = [UserFactory(role="worker") for _ in range(8)]
    barrier = threading.Barrier(len(people))
    results: list[str] = []

    def press(user):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            shift_signup(user=user, shift=saturday_shift, now=THURSDAY_10AM)
            results.append("ok")
        except ValidationFailed as exc:
            results.append(exc.errors[0].field)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "ok"] + ["slots"] * 6
    assert saturday_shift.signups.filter(status=SignupStatus.SIGNED_UP).count() == 2


def test_one_person_cannot_keep_two_stations_open_at_once(thursday, saturday_shift, master):
    other = StationFactory(code="HRB-DL-077", region=saturday_shift.station.region)
    StationStaff.objects.create(station=other, role="master", name="周站长", user=master)
    overlapping = shift_publish(
        user=master,
        station=other,
        role="butler",
        starts_at=at(SATURDAY, 12),
        ends_at=at(SATURDAY, 20),
        slots=2,
        extends_hours=True,
        note="",
    )
    later = shift_publish(
        user=master,
        station=other,
        role="butler",
        starts_at=at(SATURDAY, 18),
        ends_at=at(SATURDAY, 21),
        slots=2,
        extends_hours=True,
        note="",
    )
    rider = UserFactory(role="worker")
    shift_signup(user=rider, shift=saturday_shift)
    with pytest.raises(ValidationFailed) as clash:
        shift_signup(user=rider, shift=overlapping)
    assert "时间重叠" in fields(clash)["shift"]
    shift_signup(user=rider, shift=later)  # after the first shift ends: fine
