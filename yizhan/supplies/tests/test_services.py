"""Stock services: what staff record and what the shelf then shows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from yizhan.core.errors import PermissionDenied, ValidationFailed
from yizhan.supplies.models import MovementKind, StockBatch, StockMovement
from yizhan.supplies.selectors import station_stock
from yizhan.supplies.services import (
    station_supply_set,
    stock_count,
    stock_discard,
    stock_restock,
    stock_use,
)

from .conftest import TODAY


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def shelf(station, code):  # type: ignore[no-untyped-def]
    return next(r for r in station_stock(station=station, today=TODAY) if r.item.code == code)


def put(world, item, code, qty, expires, batch_no=""):  # type: ignore[no-untyped-def]
    return stock_restock(
        user=world.master,
        station=world.station,
        item=item(code),
        quantity=qty,
        batch_no=batch_no,
        expires_on=expires,
    )


def expired_batch(world, item, code, qty, expired_days_ago):  # type: ignore[no-untyped-def]
    """A batch that expired on the shelf (restocked while still in date)."""
    movement = put(world, item, code, qty, days(5), batch_no=f"OLD{qty}")
    StockBatch.objects.filter(pk=movement.batch_id).update(
        expires_on=TODAY - dt.timedelta(days=expired_days_ago)
    )
    return StockBatch.objects.get(pk=movement.batch_id)


def test_use_takes_the_batch_that_expires_first(world, item):
    late = put(world, item, "huoxiang", 10, days(200), "B-LATE").batch
    soon = put(world, item, "huoxiang", 4, days(20), "B-SOON").batch
    movements = stock_use(
        user=world.volunteer, station=world.station, item=item("huoxiang"), quantity=6
    )
    assert [(m.batch_id, m.quantity) for m in movements] == [(soon.pk, -4), (late.pk, -2)]
    soon.refresh_from_db()
    late.refresh_from_db()
    assert (soon.quantity, late.quantity) == (0, 8)
    assert shelf(world.station, "huoxiang").usable == 8


def test_expired_stock_is_never_handed_out(world, item):
    expired_batch(world, item, "cold-medicine", 5, 3)
    put(world, item, "cold-medicine", 2, days(100))
    row = shelf(world.station, "cold-medicine")
    assert (row.on_hand, row.usable, row.state) == (7, 2, "expired")
    with pytest.raises(ValidationFailed) as exc:
        stock_use(user=world.master, station=world.station, item=item("cold-medicine"), quantity=3)
    assert exc.value.errors[0].field == "quantity"
    assert "已过期" in exc.value.errors[0].message


def test_not_enough_stock_names_quantity_and_changes_nothing(world, item):
    put(world, item, "water", 5, days(300))
    before = StockMovement.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        stock_use(user=world.volunteer, station=world.station, item=item("water"), quantity=6)
    assert [e.field for e in exc.value.errors] == ["quantity"]
    assert "5" in exc.value.errors[0].message
    assert StockMovement.objects.count() == before
    assert shelf(world.station, "water").usable == 5


@pytest.mark.parametrize("bad", [0, -3, "两瓶", 2.5])
def test_quantity_must_be_a_positive_whole_number(world, item, bad):
    put(world, item, "water", 5, days(300))
    with pytest.raises(ValidationFailed) as exc:
        stock_use(user=world.master, station=world.station, item=item("water"), quantity=bad)
    assert exc.value.errors[0].field == "quantity"


def test_same_client_id_records_once(world, item):
    put(world, item, "water", 10, days(300))
    cid = uuid.uuid4()
    first = stock_use(
        user=world.volunteer, station=world.station, item=item("water"), quantity=3, client_id=cid
    )
    again = stock_use(
        user=world.volunteer, station=world.station, item=item("water"), quantity=3, client_id=cid
    )
    assert [m.pk for m in again] == [m.pk for m in first]
    assert shelf(world.station, "water").usable == 7
    restock_id = uuid.uuid4()
    for _ in range(2):
        stock_restock(
            user=world.master,
            station=world.station,
            item=item("raincoat"),
            quantity=4,
            client_id=restock_id,
        )
    assert shelf(world.station, "raincoat").usable == 4


def test_client_id_reused_for_another_item_is_refused(world, item):
    put(world, item, "water", 10, days(300))
    put(world, item, "mask", 10, days(300))
    cid = uuid.uuid4()
    stock_use(
        user=world.master, station=world.station, item=item("water"), quantity=1, client_id=cid
    )
    with pytest.raises(ValidationFailed) as exc:
        stock_use(
            user=world.master, station=world.station, item=item("mask"), quantity=1, client_id=cid
        )
    assert exc.value.errors[0].field == "client_id"
    assert shelf(world.station, "mask").usable == 10


def test_restock_with_past_expiry_is_refused(world, item):
    with pytest.raises(ValidationFailed) as exc:
        put(world, item, "huoxiang", 5, days(-1))
    assert [e.field for e in exc.value.errors] == ["expires_on"]
    assert not StockBatch.objects.exists()


def test_restock_checks_every_field(world, item):
    with pytest.raises(ValidationFailed) as exc:
        stock_restock(
            user=world.master,
            station=world.station,
            item=item("huoxiang"),
            quantity=0,
            batch_no="X" * 41,
            expires_on=None,
        )
    assert {e.field for e in exc.value.errors} == {"quantity", "batch_no", "expires_on"}


def test_restock_of_a_known_batch_adds_to_it(world, item):
    put(world, item, "band-aid", 3, days(100), "A1")
    put(world, item, "band-aid", 2, days(100), "A1")
    assert StockBatch.objects.get(batch_no="A1").quantity == 5
    with pytest.raises(ValidationFailed) as exc:
        put(world, item, "band-aid", 2, days(120), "A1")
    assert exc.value.errors[0].field == "expires_on"


def test_volunteer_may_use_but_not_restock(world, item):
    put(world, item, "water", 10, days(300))
    stock_use(user=world.volunteer, station=world.station, item=item("water"), quantity=1)
    with pytest.raises(PermissionDenied):
        stock_restock(
            user=world.volunteer,
            station=world.station,
            item=item("water"),
            quantity=1,
            expires_on=days(300),
        )
    batch = StockBatch.objects.get()
    with pytest.raises(PermissionDenied):
        stock_discard(user=world.volunteer, batch=batch, quantity=1, reason="破损")
    with pytest.raises(PermissionDenied):
        stock_count(user=world.volunteer, batch=batch, counted=3)
    with pytest.raises(PermissionDenied):
        station_supply_set(
            user=world.volunteer, station=world.station, item=item("water"), min_level=3
        )


def test_staff_of_another_station_may_not_touch_this_one(world, item):
    put(world, item, "water", 10, days(300))
    with pytest.raises(PermissionDenied):
        stock_use(user=world.other_master, station=world.station, item=item("water"), quantity=1)
    with pytest.raises(PermissionDenied):
        put_other = world.other_master
        stock_restock(
            user=put_other,
            station=world.station,
            item=item("raincoat"),
            quantity=1,
        )
    assert shelf(world.station, "water").usable == 10


def test_supervising_officer_may_restock_but_not_another_district(world, item):
    stock_restock(user=world.officer, station=world.station, item=item("raincoat"), quantity=2)
    with pytest.raises(PermissionDenied):
        stock_restock(
            user=world.other_officer, station=world.station, item=item("raincoat"), quantity=2
        )


def test_discarding_an_expired_batch_takes_it_off_the_shelf(world, item):
    batch = expired_batch(world, item, "huoxiang", 6, 10)
    with pytest.raises(ValidationFailed) as exc:
        stock_discard(user=world.master, batch=batch, quantity=7, reason="")
    assert {e.field for e in exc.value.errors} == {"quantity", "reason"}
    movement = stock_discard(user=world.master, batch=batch, quantity=6, reason="已过期")
    assert (movement.kind, movement.quantity, movement.note) == ("discard", -6, "已过期")
    row = shelf(world.station, "huoxiang")
    assert (row.on_hand, row.expired_quantity, row.state) == (0, 0, "low")


def test_stocktake_records_the_difference(world, item):
    batch = put(world, item, "noodles", 12, days(90)).batch
    movement = stock_count(user=world.master, batch=batch, counted=9)
    assert (movement.kind, movement.quantity) == (MovementKind.ADJUST, -3)
    matched = stock_count(user=world.master, batch=batch, counted=9)
    assert matched.quantity == 0
    assert shelf(world.station, "noodles").on_hand == 9
    with pytest.raises(ValidationFailed) as exc:
        stock_count(user=world.master, batch=batch, counted=-1)
    assert exc.value.errors[0].field == "counted"


def test_shelf_states(world, item):
    put(world, item, "water", 30, days(200))
    put(world, item, "band-aid", 5, days(12))
    put(world, item, "mask", 3, days(400))
    station_supply_set(user=world.master, station=world.station, item=item("mask"), min_level=10)
    with pytest.raises(ValidationFailed) as exc:
        station_supply_set(
            user=world.master, station=world.station, item=item("mask"), min_level=-1
        )
    assert exc.value.errors[0].field == "min_level"
    states = {r.item.code: r.state for r in station_stock(station=world.station, today=TODAY)}
    assert states == {"water": "ok", "band-aid": "expiring", "mask": "low"}
    assert shelf(world.station, "band-aid").days_to_expiry == 12
