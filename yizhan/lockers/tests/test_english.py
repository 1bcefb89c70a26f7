"""The locker and exchange pages in English (/en/...): every word of ours translated;
only data (station, region and people's names, what staff typed) stays Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.lockers import services
from yizhan.lockers.tests.conftest import WORKER, item
from yizhan.operations.tests.test_english import CHINESE, data_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(smart):
    d = smart.district
    services.compartment_load(
        user=d.administrator,
        compartment=smart.compartment(2),
        item=item("noodles"),
        quantity=5,
        expires_on=dt.date(2027, 3, 1),
    )
    r = services.reservation_create(visitor_key=WORKER, station=d.station, item=item("noodles"))
    donation = services.donation_register(
        user=d.administrator,
        station=d.station,
        category="coats",
        title="羽绒服",
        condition="good",
    )
    return smart, r, donation


def test_worker_and_staff_pages_speak_english(busy, client):
    smart, _r, donation = busy
    d = smart.district
    # Data: names, addresses, what staff typed (a supply unit such as 包 is in English now).
    allowed = data_words(d) | set(CHINESE.findall("1号爱心柜 羽绒服 件"))
    assert "4 packs left" in client.get("/en/s/HRB-DL-001/free/").content.decode().replace(
        "\n", " "
    )
    for path in (
        "/en/s/HRB-DL-001/free/",
        "/en/exchange/",
        f"/en/exchange/{donation.pk}/",
        "/en/my/",
    ):
        html = client.get(path).content.decode()
        found = set(CHINESE.findall(html)) - allowed
        assert not found, f"untranslated on {path}: {found}"
    client.force_login(d.district_officer)
    for path in (
        "/en/staff/lockers/",
        "/en/staff/lockers/s/HRB-DL-001/",
        "/en/staff/lockers/s/HRB-DL-001/exchange/",
    ):
        html = client.get(path).content.decode()
        found = set(CHINESE.findall(html)) - allowed
        assert not found, f"untranslated on {path}: {found}"
