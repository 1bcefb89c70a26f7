"""Defects a review found in the lockers and the exchange, each shown fixed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.lockers import services
from yizhan.lockers.models import Claim, CodeAttempt, LockerQuota, Refusal, Reservation
from yizhan.lockers.tests.conftest import WORKER, device_post, item, worker
from yizhan.lockers.tests.test_exchange import register
from yizhan.lockers.tests.test_lockers import CHECK, PICKUP, load

pytestmark = pytest.mark.django_db


def test_staff_cannot_hand_over_without_the_code_or_after_the_window(smart, clock):
    staff = smart.district.administrator
    claim = services.donation_claim(visitor_key=WORKER, donation=register(smart))
    wrong = "000000" if claim.code != "000000" else "111111"
    with pytest.raises(ValidationFailed) as e:
        services.claim_hand_over(user=staff, claim=claim, code=wrong)
    assert e.value.errors[0].field == "code"
    clock.move_to(dt.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))  # past the 48 h, not yet swept
    with pytest.raises(ApplicationError, match="已过期"):
        services.claim_hand_over(user=staff, claim=claim, code=claim.code)
    assert Claim.objects.get().status == "active"


def test_a_regions_quota_counts_only_what_was_taken_in_that_region(smart):
    d = smart.district
    other = d.other
    other.kind, other.opening_hours = "smart", "24/7"
    other.save()
    locker = services.locker_register(user=d.other_admin, station=other, name="2号柜", sizes=["M"])
    services.compartment_load(
        user=d.other_admin,
        compartment=locker.compartments.get(),
        item=item("noodles"),
        quantity=5,
        expires_on=dt.date(2027, 3, 1),
    )
    load(smart)
    LockerQuota.objects.create(region=d.street, item=item("noodles"), per_week=1)
    services.reservation_create(visitor_key=WORKER, station=other, item=item("noodles"))
    # The other street's noodle does not use up this street's quota of one.
    here = services.reservation_create(visitor_key=WORKER, station=d.station, item=item("noodles"))
    assert here.status == "reserved"
    with pytest.raises(ApplicationError, match="限额"):
        services.reservation_create(visitor_key=WORKER, station=d.station, item=item("noodles"))


def test_a_refusal_for_the_quota_is_counted_for_officers(smart):
    load(smart)
    services.reservation_create(
        visitor_key=WORKER, station=smart.district.station, item=item("noodles")
    )
    with pytest.raises(ApplicationError, match="限额"):
        services.reservation_create(
            visitor_key=WORKER, station=smart.district.station, item=item("noodles")
        )
    assert list(Refusal.objects.values_list("reason", flat=True)) == [Refusal.QUOTA]
    assert Reservation.objects.count() == 1


def test_wrong_codes_at_the_desk_are_counted_and_throttled(smart):
    staff, station = smart.district.administrator, smart.district.station
    for n in range(10):
        with pytest.raises(ApplicationError):
            services.claim_verify(user=staff, station=station, code=f"{n:06d}")
    assert CodeAttempt.objects.filter(station=station, ok=False).count() == 10
    with pytest.raises(ApplicationError, match="次数过多"):
        services.claim_verify(user=staff, station=station, code="123456")


def test_nearby_with_a_bad_limit_names_the_field(smart, client):
    r = client.get("/api/v1/lockers/exchange/nearby?lat=45.77&lon=126.61&limit=-1")
    assert r.status_code == 422 and "limit" in r.content.decode()


def test_a_huge_compartment_count_is_refused_not_built(smart, client):
    client.force_login(smart.district.master)
    r = client.post(
        "/staff/lockers/s/HRB-DL-001/",
        {"action": "register", "name": "大柜", "count": "1000000000"},
        follow=True,
    )
    assert "格口数应为 1–60 个" in r.content.decode()


def test_an_open_door_keeps_its_compartment_from_being_reloaded(smart, client):
    load(smart, quantity=1)
    r = services.reservation_create(
        visitor_key=WORKER, station=smart.district.station, item=item("noodles")
    )
    assert device_post(client, smart, CHECK, {"code": r.code}).status_code == 200
    with pytest.raises(ApplicationError):
        load(smart, code="raincoat", quantity=2)
    assert device_post(client, smart, PICKUP, {"reservation": r.pk}).status_code == 200
    assert client.get("/api/v1/lockers/reservations", **worker(client)).json()[0]["status"] == (
        "picked_up"
    )


def _racing_twin(monkeypatch, model, send):
    """``replayed`` as if the twin send of the same submission committed right after
    the first look found nothing: ``send()`` records it then, once."""
    real, twin = services.replayed, []

    def racing(rows, client_id, **kw):
        found = real(rows, client_id, **kw)
        if rows.model is model and not twin:
            twin.append(None)  # first, so that send()'s own look passes through
            twin[0] = send()
        return found

    monkeypatch.setattr(services, "replayed", racing)
    return twin


def test_a_resent_reservation_that_loses_the_race_does_not_use_up_a_unit(smart, monkeypatch):
    load(smart, quantity=10)
    station, noodles = smart.district.station, item("noodles")
    LockerQuota.objects.create(region=smart.district.street, item=noodles, per_week=5)
    sent = uuid.uuid4()

    def send():
        return services.reservation_create(
            visitor_key=WORKER, station=station, item=noodles, client_id=sent
        )

    twin = _racing_twin(monkeypatch, Reservation, send)
    got = send()
    assert got == twin[0] and Reservation.objects.count() == 1
    assert smart.compartment(3).available == 9  # the one reservation's unit, no more


def test_a_resent_claim_that_loses_the_race_leaves_the_item_listed(smart, monkeypatch):
    first, second = register(smart), register(smart, title="棉手套")
    sent = uuid.uuid4()
    twin = _racing_twin(
        monkeypatch,
        Claim,
        lambda: services.donation_claim(visitor_key=WORKER, donation=first, client_id=sent),
    )
    got = services.donation_claim(visitor_key=WORKER, donation=second, client_id=sent)
    assert got == twin[0] and got.donation_id == first.pk and Claim.objects.count() == 1
    second.refresh_from_db()
    assert second.status == "listed"
