"""A worker's codes say when to come in words (issue 18, point 3): "今天 10:30 前",
"明天 08:30 前", in English "today"/"tomorrow", on "my codes", the code's own page, and a
locker's expiry dates. One helper says them all (`core.time.when_words`)."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.lockers.models import Claim, Reservation
from yizhan.lockers.tests.test_exchange import register
from yizhan.lockers.tests.test_lockers import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_claims(settings):
    settings.YIZHAN = {**settings.YIZHAN, "CLAIM_HOLD_HOURS": 24}


def reserve_and_claim(smart, client) -> tuple[Reservation, Claim]:
    """On Tuesday at 08:30 the worker reserves noodles (two hours to collect) and claims
    a donated coat (a day to collect)."""
    load(smart, expires=dt.date(2026, 12, 2))
    client.post("/s/HRB-DL-001/free/reserve/", {"item": "noodles", "occupation": "rider"})
    d = register(smart)
    client.post(f"/exchange/{d.pk}/", {"occupation": "rider"})
    return Reservation.objects.get(), Claim.objects.get()


def test_my_codes_say_today_and_tomorrow(smart, client, day_claims):
    r, c = reserve_and_claim(smart, client)
    mine = client.get("/my/").content.decode()
    assert "今天 10:30 前领取" in mine
    assert "明天 08:30 前到驿站领取" in mine
    assert "今天 10:30 前到智能柜" in client.get(f"/my/r/{r.pk}/").content.decode()
    assert "明天 08:30 前到驿站" in client.get(f"/my/c/{c.pk}/").content.decode()


def test_in_english(smart, client, day_claims):
    r, c = reserve_and_claim(smart, client)
    mine = client.get("/en/my/").content.decode()
    assert "collect by today 10:30" in mine
    assert "collect at the station by tomorrow 08:30" in mine
    assert "before today 10:30" in client.get(f"/en/my/r/{r.pk}/").content.decode()
    assert "before tomorrow 08:30" in client.get(f"/en/my/c/{c.pk}/").content.decode()


def test_the_free_page_says_when_supplies_expire(smart, client):
    load(smart, expires=dt.date(2026, 12, 2))
    assert "有效期至 明天" in client.get("/s/HRB-DL-001/free/").content.decode()
    assert "use by tomorrow" in client.get("/en/s/HRB-DL-001/free/").content.decode()


def test_the_day_turns_at_local_midnight(smart, client, clock):
    r, _c = reserve_and_claim(smart, client)
    # 16:00 UTC is midnight in Harbin: the reservation made at 23:00 expires tomorrow.
    Reservation.objects.update(expires_at=dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC))
    clock.move_to(dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC))
    assert "明天 00:30 前到智能柜" in client.get(f"/my/r/{r.pk}/").content.decode()
    clock.move_to(dt.datetime(2026, 12, 1, 16, 1, tzinfo=dt.UTC))
    assert "今天 00:30 前到智能柜" in client.get(f"/my/r/{r.pk}/").content.decode()
