"""The supplies API as a staff app uses it: session sign-in, idempotent posts."""

from __future__ import annotations

import datetime as dt
import uuid

from django.test import Client

from yizhan.supplies.models import StockMovement

from .conftest import TODAY

BASE = "/api/v1/supplies/stations"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def test_restock_use_and_read_stock(world):
    master = signed_in(world.master)
    code = world.station.code
    cid = str(uuid.uuid4())
    body = {
        "item": "water",
        "quantity": 24,
        "batch_no": "W1",
        "expires_on": (TODAY + dt.timedelta(days=180)).isoformat(),
        "client_id": cid,
    }
    first = post(master, f"{BASE}/{code}/restock", body)
    assert first.status_code == 200, first.content
    assert first.json()["stock"]["usable"] == 24
    again = post(master, f"{BASE}/{code}/restock", body)
    assert again.json()["movements"][0]["id"] == first.json()["movements"][0]["id"]

    volunteer = signed_in(world.volunteer)
    use = {"item": "water", "quantity": 4, "client_id": str(uuid.uuid4())}
    assert post(volunteer, f"{BASE}/{code}/use", use).json()["stock"]["usable"] == 20
    assert post(volunteer, f"{BASE}/{code}/use", use).json()["stock"]["usable"] == 20
    assert StockMovement.objects.count() == 2

    stock = volunteer.get(f"{BASE}/{code}/stock").json()
    assert [(r["item"], r["usable"], r["state"]) for r in stock] == [("water", 20, "ok")]
    assert stock[0]["batches"][0]["batch_no"] == "W1"


def test_bad_input_is_422_naming_the_field(world):
    master = signed_in(world.master)
    code = world.station.code
    past = post(
        master,
        f"{BASE}/{code}/restock",
        {"item": "huoxiang", "quantity": 5, "expires_on": "2026-01-01"},
    )
    assert past.status_code == 422
    assert [e["field"] for e in past.json()["errors"]] == ["expires_on"]
    short = post(master, f"{BASE}/{code}/use", {"item": "huoxiang", "quantity": 1})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "quantity"
    typed = post(master, f"{BASE}/{code}/use", {"item": "huoxiang", "quantity": "lots"})
    assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "quantity"
    unknown = post(master, f"{BASE}/{code}/use", {"item": "caviar", "quantity": 1})
    assert unknown.status_code == 404


def test_other_stations_and_small_roles_are_403(world):
    code = world.station.code
    other = signed_in(world.other_master)
    assert other.get(f"{BASE}/{code}/stock").status_code == 403
    assert post(other, f"{BASE}/{code}/use", {"item": "water", "quantity": 1}).status_code == 403
    volunteer = signed_in(world.volunteer)
    restock = post(volunteer, f"{BASE}/{code}/restock", {"item": "raincoat", "quantity": 1})
    assert restock.status_code == 403
    assert Client().get(f"{BASE}/{code}/stock").status_code == 401
    assert not StockMovement.objects.exists()
