"""The staff pages for shifts, as a volunteer and a station master use them on a phone."""

from __future__ import annotations

import pytest
import time_machine

from yizhan.stations.tests.factories import StationFactory, UserFactory
from yizhan.volunteers.models import Shift, ShiftSignup, SignupStatus
from yizhan.volunteers.tests.conftest import SATURDAY, THURSDAY_10AM, at

pytestmark = pytest.mark.django_db
LIST = "/staff/shifts/"


def test_signing_in_is_needed(client, thursday):
    response = client.get(LIST)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_a_volunteer_finds_a_shift_signs_up_and_sees_it_as_theirs(
    client, thursday, saturday_shift, volunteer
):
    client.force_login(volunteer)
    page = client.get(LIST).content.decode()
    assert "工作日驿站" in page and "剩余名额 2 / 2" in page and "报名" in page
    response = client.post(f"/staff/shifts/{saturday_shift.pk}/signup/", follow=True)
    page = response.content.decode()
    assert "已报名：工作日驿站 03-14 10:00" in page
    assert "你已报名" in page and "剩余名额 1 / 2" in page
    assert 'action="/staff/shifts/signups/' in page  # check-in and withdraw in 我的值班


def test_a_full_shift_says_so(client, thursday, saturday_shift, volunteer):
    for _ in range(2):
        ShiftSignup.objects.create(shift=saturday_shift, user=UserFactory(role="worker"))
    client.force_login(volunteer)
    page = client.get(LIST).content.decode()
    assert "名额已满" in page and f"/staff/shifts/{saturday_shift.pk}/signup/" not in page
    response = client.post(f"/staff/shifts/{saturday_shift.pk}/signup/", follow=True)
    assert "名额已满" in response.content.decode()
    assert not ShiftSignup.objects.filter(user=volunteer).exists()


def test_the_list_filters_by_day_and_keeps_to_the_users_region(
    client, thursday, saturday_shift, station
):
    far = StationFactory(code="FAR", name="道外驿站", region__code="230104001")
    Shift.objects.create(
        station=far, role="butler", starts_at=at(SATURDAY, 9), ends_at=at(SATURDAY, 12)
    )
    local_worker = UserFactory(role="worker", region=station.region)
    client.force_login(local_worker)
    page = client.get(LIST).content.decode()
    assert "工作日驿站" in page and "道外驿站" not in page
    client.force_login(UserFactory(role="worker"))  # no region: every station
    page = client.get(LIST).content.decode()
    assert "工作日驿站" in page and "道外驿站" in page
    assert "工作日驿站" not in client.get(LIST, {"day": "2026-03-15"}).content.decode()
    assert "日期格式" in client.get(LIST, {"day": "soon"}, follow=True).content.decode()


def test_check_in_without_javascript_is_flagged_without_position(client, saturday_shift, volunteer):
    signup = ShiftSignup.objects.create(shift=saturday_shift, user=volunteer)
    client.force_login(volunteer)
    with time_machine.travel(at(SATURDAY, 9, 45), tick=False):
        page = client.get(LIST).content.decode()
        assert "签到" in page and "volunteers/locate.js" in page
        response = client.post(
            f"/staff/shifts/signups/{signup.pk}/check-in/", {"lat": "", "lon": ""}, follow=True
        )
    page = response.content.decode()
    assert "已签到（未定位）" in page and "未定位" in page and "签退" in page
    signup.refresh_from_db()
    assert signup.no_position and signup.checked_in_at == at(SATURDAY, 9, 45)


def test_check_in_far_away_is_flagged(client, saturday_shift, volunteer, station):
    signup = ShiftSignup.objects.create(shift=saturday_shift, user=volunteer)
    client.force_login(volunteer)
    with time_machine.travel(at(SATURDAY, 10, 5)):
        response = client.post(
            f"/staff/shifts/signups/{signup.pk}/check-in/",
            {"lat": f"{station.lat + 0.01:.7f}", "lon": f"{station.lon:.7f}", "accuracy_m": "15"},
            follow=True,
        )
    assert "不在驿站" in response.content.decode()
    other = UserFactory(role="worker")
    client.force_login(other)
    assert client.post(f"/staff/shifts/signups/{signup.pk}/check-out/").status_code == 404


def test_withdrawing_from_the_list(client, thursday, saturday_shift, volunteer):
    signup = ShiftSignup.objects.create(shift=saturday_shift, user=volunteer)
    client.force_login(volunteer)
    response = client.post(f"/staff/shifts/signups/{signup.pk}/cancel/", follow=True)
    assert "已取消报名" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED


# --------------------------------------------------------------------------- runners


def test_the_master_publishes_a_shift_and_sees_who_signed_up(
    client, thursday, station, master, volunteer
):
    client.force_login(master)
    url = f"/staff/shifts/s/{station.code}/"
    assert "发布值班" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "day": "2026-03-14",
            "start": "09:00",
            "end": "17:00",
            "role": "one_day_master",
            "slots": "2",
            "extends_hours": "on",
            "note": "周六开放",
        },
        follow=True,
    )
    assert "值班已发布" in response.content.decode()
    shift = Shift.objects.get()
    assert (shift.starts_at, shift.ends_at, shift.extends_hours) == (
        at(SATURDAY, 9),
        at(SATURDAY, 17),
        True,
    )
    ShiftSignup.objects.create(shift=shift, user=volunteer)
    page = client.get(url).content.decode()
    assert "小李" in page and "已报名 1 / 2" in page
    client.post(f"/staff/shifts/{shift.pk}/cancel/")
    shift.refresh_from_db()
    assert shift.cancelled


def test_publishing_errors_show_at_their_field(client, thursday, station, master):
    client.force_login(master)
    response = client.post(
        f"/staff/shifts/s/{station.code}/",
        {"day": "2026-03-11", "start": "09:00", "end": "10:00", "role": "butler", "slots": "1"},
    )
    assert response.status_code == 422
    assert "开始时间必须在将来" in response.content.decode()
    assert not Shift.objects.exists()


def test_others_cannot_run_a_stations_shifts(client, thursday, station, saturday_shift, volunteer):
    client.force_login(volunteer)
    assert client.get(f"/staff/shifts/s/{station.code}/").status_code == 404
    assert client.post(f"/staff/shifts/{saturday_shift.pk}/cancel/").status_code == 404
    saturday_shift.refresh_from_db()
    assert not saturday_shift.cancelled
    # A volunteer role at the station is not enough to publish: 403.
    from yizhan.stations.models import StationStaff

    StationStaff.objects.create(station=station, role="butler", name="小李", user=volunteer)
    assert client.get(f"/staff/shifts/s/{station.code}/").status_code == 403


def test_no_signup_page_for_an_unpublished_shift(client, thursday, saturday_shift, volunteer):
    saturday_shift.published = False
    saturday_shift.save()
    client.force_login(volunteer)
    assert client.post(f"/staff/shifts/{saturday_shift.pk}/signup/").status_code == 404
    assert THURSDAY_10AM < saturday_shift.starts_at
