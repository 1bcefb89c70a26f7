"""Lockers end to end: staff load, a worker reserves, the locker opens, stock returns."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from yizhan.core.errors import ApplicationError, Conflict, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.lockers import selectors, services
from yizhan.lockers.models import LockerQuota, Refusal, Reservation
from yizhan.lockers.tests.conftest import WORKER, device_post, item, worker

pytestmark = pytest.mark.django_db
OFFER = "/api/v1/lockers/stations/HRB-DL-001/offer"
RESERVE = "/api/v1/lockers/reservations"
CHECK = "/api/v1/lockers/device/check"
PICKUP = "/api/v1/lockers/device/pickup"


def load(smart, number=3, code="noodles", quantity=10, expires=dt.date(2027, 3, 1)):
    return services.compartment_load(
        user=smart.district.administrator,
        compartment=smart.compartment(number),
        item=item(code),
        quantity=quantity,
        expires_on=expires,
        unit_value=3.5,
    )


def test_a_worker_reserves_the_locker_opens_and_the_code_is_spent(smart, client):
    load(smart)
    offer = client.get(OFFER, **worker(client)).json()
    assert [(o["item"], o["available"], o["quota_left"]) for o in offer] == [("noodles", 10, 1)]

    r = client.post(
        RESERVE, {"station": "HRB-DL-001", "item": "noodles"}, "application/json", **worker(client)
    ).json()
    assert len(r["code"]) == 6 and r["code"].isdigit() and r["status"] == "reserved"
    expires = dt.datetime.fromisoformat(r["expires_at"])
    assert expires - dt.datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI) == dt.timedelta(hours=2)
    assert client.get(OFFER, **worker(client)).json()[0] == {
        "item": "noodles",
        "name": "方便面",
        "unit": "包",
        "available": 9,
        "expires_on": "2027-03-01",
        "quota_per_week": 1,
        "quota_left": 0,
    }
    # A second one this week: the quota (one a week by default) says no.
    again = client.post(
        RESERVE, {"station": "HRB-DL-001", "item": "noodles"}, "application/json", **worker(client)
    )
    assert again.status_code == 400 and "每人每周限额" in again.json()["detail"]

    wrong = "000000" if r["code"] != "000000" else "111111"
    assert device_post(client, smart, CHECK, {"code": wrong}).status_code == 404
    opened = device_post(client, smart, CHECK, {"code": r["code"]})
    assert opened.status_code == 200
    assert opened.json() == {"reservation": r["id"], "compartment": 3, "item": "noodles"}
    # The code opens once.
    assert device_post(client, smart, CHECK, {"code": r["code"]}).status_code == 404
    done = device_post(client, smart, PICKUP, {"reservation": r["id"]}).json()
    assert done["status"] == "picked_up" and done["code"] is None
    assert device_post(client, smart, PICKUP, {"reservation": r["id"]}).status_code == 200
    mine = client.get(RESERVE, **worker(client)).json()
    assert [(m["status"], m["code"]) for m in mine] == [("picked_up", None)]


def test_unsigned_or_foreign_calls_cannot_open_the_locker(smart, client):
    load(smart)
    r = services.reservation_create(
        visitor_key=WORKER, station=smart.district.station, item=item("noodles")
    )
    forged = client.post(
        CHECK, {"code": r.code}, "application/json", HTTP_X_DEVICE_SERIAL="LOCKER-001"
    )
    assert forged.status_code == 401
    r.refresh_from_db()
    assert r.status == "reserved"


def test_an_uncollected_reservation_expires_and_its_unit_returns(smart, clock):
    load(smart, quantity=1)
    station = smart.district.station
    r = services.reservation_create(visitor_key=WORKER, station=station, item=item("noodles"))
    with pytest.raises(Conflict):
        services.reservation_create(
            visitor_key="other-worker-bbbbbbbb", station=station, item=item("noodles")
        )
    clock.move_to(dt.datetime(2026, 12, 1, 10, 31, tzinfo=SHANGHAI))
    call_command("remind", stdout=io.StringIO())
    r.refresh_from_db()
    assert r.status == "expired"
    assert smart.compartment(3).available == 1
    # The unit is there for the next worker.
    other = services.reservation_create(
        visitor_key="other-worker-bbbbbbbb", station=station, item=item("noodles")
    )
    assert other.status == "reserved"


def test_a_cancelled_reservation_gives_its_unit_back_and_frees_the_quota(smart):
    load(smart, quantity=1)
    station = smart.district.station
    r = services.reservation_create(visitor_key=WORKER, station=station, item=item("noodles"))
    services.reservation_cancel(visitor_key=WORKER, reservation=r)
    assert smart.compartment(3).available == 1
    again = services.reservation_create(visitor_key=WORKER, station=station, item=item("noodles"))
    assert again.pk != r.pk


def test_guessing_codes_locks_the_keypad_for_ten_minutes(smart, client, clock):
    load(smart)
    r = services.reservation_create(
        visitor_key=WORKER, station=smart.district.station, item=item("noodles")
    )
    guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" != r.code][:10]
    for g in guesses:
        assert device_post(client, smart, CHECK, {"code": g}).status_code == 404
    blocked = device_post(client, smart, CHECK, {"code": r.code})
    assert blocked.status_code == 429 and "10 分钟" in blocked.json()["detail"]
    clock.move_to(dt.datetime(2026, 12, 1, 8, 41, tzinfo=SHANGHAI))
    assert device_post(client, smart, CHECK, {"code": r.code}).status_code == 200


def test_out_of_stock_is_said_plainly_and_counted(smart, client):
    load(smart, quantity=1)
    first = client.post(
        RESERVE, {"station": "HRB-DL-001", "item": "noodles"}, "application/json", **worker(client)
    )
    assert first.status_code == 200
    second = client.post(
        RESERVE,
        {"station": "HRB-DL-001", "item": "noodles"},
        "application/json",
        **worker(client, "second-worker-cccccccc"),
    )
    assert second.status_code == 409
    assert second.json()["reason"] == "out_of_stock" and "已被领完" in second.json()["detail"]
    assert Refusal.objects.get().reason == "out_of_stock"


def test_earliest_expiry_goes_first_and_out_of_date_or_broken_compartments_never(smart, clock):
    load(smart, number=1, expires=dt.date(2027, 5, 1))
    load(smart, number=2, expires=dt.date(2027, 1, 10))
    load(smart, number=4, expires=dt.date(2026, 12, 20))
    services.compartment_out_of_order(
        user=smart.district.administrator, compartment=smart.compartment(4), broken=True
    )
    station = smart.district.station
    r = services.reservation_create(visitor_key=WORKER, station=station, item=item("noodles"))
    assert r.compartment.number == 2
    clock.move_to(dt.datetime(2027, 1, 11, 9, tzinfo=SHANGHAI))  # compartment 2 now expired
    r2 = services.reservation_create(
        visitor_key="w2-dddddddddddddddd", station=station, item=item("noodles")
    )
    assert r2.compartment.number == 1


def test_loading_names_what_is_wrong(smart):
    with pytest.raises(ValidationFailed) as e:
        services.compartment_load(
            user=smart.district.administrator,
            compartment=smart.compartment(1),
            item=item("noodles"),
            quantity=0,
            expires_on=None,
        )
    assert {f.field for f in e.value.errors} == {"quantity", "expires_on"}
    load(smart, number=1)
    with pytest.raises(ValidationFailed, match="请先取出"):
        load(smart, number=1, code="raincoat", expires=None)
    # Another station's staff may not load it.
    with pytest.raises(ApplicationError):
        services.compartment_load(
            user=smart.district.other_admin,
            compartment=smart.compartment(5),
            item=item("raincoat"),
            quantity=5,
        )


def test_quotas_are_set_per_region_the_most_specific_wins(smart):
    d = smart.district
    LockerQuota.objects.create(region=d.district, item=item("noodles"), per_week=2)
    LockerQuota.objects.create(region=d.street, item=None, per_week=3)
    assert selectors.quota_per_week(region=d.street, item=item("noodles")) == 3
    assert selectors.quota_per_week(region=d.other_street, item=item("noodles")) == 2
    assert selectors.quota_per_week(region=d.other_street, item=item("raincoat")) == 1
    load(smart)
    for _n in range(3):
        services.reservation_create(visitor_key=WORKER, station=d.station, item=item("noodles"))
    with pytest.raises(ApplicationError, match="限额"):
        services.reservation_create(visitor_key=WORKER, station=d.station, item=item("noodles"))
    assert Reservation.objects.count() == 3


def test_officers_set_quotas_in_the_console_inspectors_only_read(smart, client):
    """The console's quota page (console_officer / console_supervisor): an officer adds
    and edits their region's quotas, an inspector (even a superuser one) only reads them,
    station staff do not see the page."""
    d = smart.district
    quota = LockerQuota.objects.create(region=d.street, item=item("noodles"), per_week=2)
    pages = [
        "/console/lockers/lockerquota/add/",
        f"/console/lockers/lockerquota/{quota.pk}/change/",
    ]
    for user in (d.district_officer, d.inspector, d.administrator):
        user.is_staff = True  # console accounts
        user.save()
    client.force_login(d.district_officer)
    add = client.post(pages[0], {"region": d.street.pk, "item": item("raincoat").pk, "per_week": 1})
    assert add.status_code == 302 and LockerQuota.objects.count() == 2
    d.inspector.is_superuser = True
    d.inspector.save()
    client.force_login(d.inspector)
    assert client.get("/console/lockers/lockerquota/").status_code == 200
    assert client.post(pages[0], {"region": d.street.pk, "per_week": 9}).status_code == 403
    page = client.get(pages[1])
    assert page.status_code == 200 and 'name="per_week"' not in page.content.decode()
    client.force_login(d.administrator)
    assert client.get("/console/lockers/lockerquota/").status_code == 403
    assert LockerQuota.objects.count() == 2


def test_restock_suggestion_from_recent_demand(smart, clock):
    """Four weeks: 8 hand-outs and 4 requests refused for want of stock = 3 a week;
    a fifth more = 3.6 → 4, less the 1 still in stock: load 3."""
    station = smart.district.station
    load(smart, quantity=9)
    for n in range(8):
        r = services.reservation_create(
            visitor_key=f"w-{n:02d}-eeeeeeeeeeee", station=station, item=item("noodles")
        )
        Reservation.objects.filter(pk=r.pk).update(status="picked_up")
    for _n in range(4):
        Refusal.objects.create(
            station=station,
            item=item("noodles"),
            at=dt.datetime(2026, 11, 20, tzinfo=SHANGHAI),
            reason="out_of_stock",
        )
    (view,) = selectors.station_lockers(
        station=station, now=dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    )
    (suggestion,) = view.suggestions
    assert (suggestion.weekly_demand, suggestion.in_stock, suggestion.suggested) == (3.0, 1, 3)


def test_the_worker_pages_reserve_in_two_taps_from_the_station_page(smart, client):
    load(smart)
    station_page = client.get("/s/HRB-DL-001/").content.decode()
    assert "领取免费物资" in station_page and "方便面" in station_page
    page = client.get("/s/HRB-DL-001/free/")
    assert "预约领取方便面" in page.content.decode()
    response = client.post(
        "/s/HRB-DL-001/free/reserve/", {"item": "noodles", "occupation": "rider"}, follow=True
    )
    html = response.content.decode()
    r = Reservation.objects.get()
    assert f"{r.code[:3]} {r.code[3:]}" in html and "10:30 前" in html
    assert r.occupation == "rider"
    # The same phone sees it under "my codes"; another does not.
    assert r.code in client.get("/my/").content.decode()
    from django.test import Client

    assert client.get(f"/my/r/{r.pk}/").status_code == 200
    assert Client().get(f"/my/r/{r.pk}/").status_code == 404


def test_staff_see_compartments_and_load_from_the_page(smart, client):
    client.force_login(smart.district.administrator)
    c = smart.compartment(5)
    client.post(
        "/staff/lockers/s/HRB-DL-001/",
        {
            "action": "load",
            "compartment": c.pk,
            "item": "raincoat",
            "quantity": "12",
            "unit_value": "8",
        },
    )
    c.refresh_from_db()
    assert (c.item.code, c.available) == ("raincoat", 12)
    page = client.get("/staff/lockers/s/HRB-DL-001/").content.decode()
    assert "1号爱心柜" in page and "可约 12" in page
    client.force_login(smart.district.other_admin)
    assert client.get("/staff/lockers/s/HRB-DL-001/").status_code == 404
