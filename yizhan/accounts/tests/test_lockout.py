"""Sign-in throttling on every login: per (username, address), plus an address-wide rule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from yizhan.accounts.models import User

pytestmark = pytest.mark.django_db

RIGHT = "right-pw-yizhan-42"


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def officer() -> User:
    return User.objects.create_superuser("officer", "o@example.org", RIGHT)


def _console(client: Client, password: str, username: str = "officer", **extra: str):
    return client.post(
        "/console/login/",
        {"username": username, "password": password, "next": "/console/"},
        **extra,
    )


def test_thirty_wrong_console_passwords_are_refused_and_another_address_still_signs_in(officer):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    codes = [_console(stranger, f"guess-{i}").status_code for i in range(30)]
    assert codes[:4] == [200] * 4  # the form again, "wrong password"
    assert codes[4:] == [429] * 26  # the 5th failure locks; from the 6th nothing is tried
    assert AccessAttempt.objects.get().failures_since_start == 5
    locked = _console(stranger, RIGHT)
    assert locked.status_code == 429  # the right password too, from that address
    page = locked.content.decode()
    assert "密码错误次数过多" in page and "之后再试" in page
    assert int(locked["Retry-After"]) > 14 * 60
    assert "_auth_user_id" not in stranger.session
    # The officer, elsewhere, is not locked out by the stranger.
    office = Client(REMOTE_ADDR="198.51.100.7")
    signed_in = _console(office, RIGHT)
    assert signed_in.status_code == 302 and office.session["_auth_user_id"] == str(officer.pk)


def test_the_lock_page_speaks_english_on_english_pages(officer):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(6):
        response = stranger.post(
            "/en/staff/login/", {"username": "officer", "password": f"guess-{i}"}
        )
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()


def test_staff_login_locks_the_pair_for_fifteen_minutes(officer, clock):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    codes = [
        stranger.post("/staff/login/", {"username": "officer", "password": "x"}).status_code
        for _ in range(7)
    ]
    assert codes == [200] * 4 + [429] * 3
    right = {"username": "officer", "password": RIGHT}
    assert stranger.post("/staff/login/", right).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").post("/staff/login/", right).status_code == 302
    clock.shift(dt.timedelta(minutes=16))
    assert stranger.post("/staff/login/", right).status_code == 302


def test_an_address_that_fails_on_twenty_accounts_waits_an_hour(officer, clock):
    sprayer = Client(REMOTE_ADDR="203.0.113.50")
    codes = [
        sprayer.post("/staff/login/", {"username": f"user{i}", "password": "x"}).status_code
        for i in range(20)
    ]
    assert codes == [200] * 20  # one failure each: no pair is locked
    right = {"username": "officer", "password": RIGHT}
    blocked = sprayer.post("/staff/login/", right)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 59 * 60
    assert Client(REMOTE_ADDR="198.51.100.7").post("/staff/login/", right).status_code == 302
    clock.shift(dt.timedelta(minutes=30))
    assert sprayer.post("/staff/login/", right).status_code == 429
    clock.shift(dt.timedelta(minutes=31))
    assert sprayer.post("/staff/login/", right).status_code == 302


def test_an_administrator_lifts_a_lock(officer):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _console(stranger, "wrong")
    assert _console(stranger, RIGHT).status_code == 429
    assert AccessAttempt.objects.filter(username="officer").exists()  # shown in the console
    call_command("axes_reset_username", "officer")
    assert _console(stranger, RIGHT).status_code == 302


def test_an_administrator_lifts_an_address_lock(officer):
    sprayer = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(20):
        sprayer.post("/staff/login/", {"username": f"user{i}", "password": "x"})
    right = {"username": "officer", "password": RIGHT}
    assert sprayer.post("/staff/login/", right).status_code == 429
    call_command("axes_reset_ip", "203.0.113.50")
    assert sprayer.post("/staff/login/", right).status_code == 302


def test_the_address_behind_nginx_comes_from_x_forwarded_for_only_when_trusted(officer, settings):
    def fail_five(forwarded: str) -> int:
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        for _ in range(5):
            client.post("/staff/login/", {"username": "officer", "password": "x"})
        return client.post("/staff/login/", {"username": "officer", "password": RIGHT}).status_code

    settings.NINJA_NUM_PROXIES = 1
    assert fail_five("203.0.113.9") == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    # Another client through the same nginx is a different address.
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (
        other.post("/staff/login/", {"username": "officer", "password": RIGHT}).status_code == 302
    )


def test_the_console_lists_a_lock_and_deleting_it_lifts_it(officer):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _console(stranger, "wrong")
    admin = User.objects.create_superuser("chief", "c@example.org", "chief-pw-yizhan-7")
    console = Client(REMOTE_ADDR="198.51.100.7")
    console.force_login(admin)
    page = console.get("/console/axes/accessattempt/").content.decode()
    assert "访问尝试" in page and "officer" in page
    attempt = AccessAttempt.objects.get(username="officer")
    deleted = console.post(f"/console/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert _console(stranger, RIGHT).status_code == 302
