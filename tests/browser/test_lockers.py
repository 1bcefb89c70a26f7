"""A rider on a 360-px phone reserves instant noodles from a smart station's locker:
from the station page, two taps to a code big enough to type at the locker; the locker
(signed) opens compartment 3 with it. Screenshots: var/test-screenshots/lockers-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from yizhan.devices import signing
from yizhan.devices.services import device_register
from yizhan.lockers import services
from yizhan.lockers.models import Reservation
from yizhan.stations.models import StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def locker(transactional_db: None):  # type: ignore[no-untyped-def]
    for name in (
        "yizhan.stations.migrations.0002_amenity_service_catalogue",
        "yizhan.supplies.migrations.0002_supplies_catalogue_seed",
    ):
        importlib.import_module(name).seed(django_apps, None)
    from yizhan.supplies.models import SupplyItem

    station = StationFactory(
        code="HRB-DL-S01",
        name="群力24小时智能工会驿站",
        kind="smart",
        opening_hours="24/7",
        region=RegionFactory(code="230102019"),
        lat=45.7380,
        lon=126.5620,
    )
    admin = UserFactory(username="guanli", role="staff")
    StationStaff.objects.create(station=station, role="administrator", name="李红", user=admin)
    device, secret = device_register(user=None, station=station, kind="locker", serial="LOCKER-S01")
    locker = services.locker_register(
        user=admin, station=station, name="1号爱心柜", sizes=["M"] * 18, device=device
    )
    services.compartment_load(
        user=admin,
        compartment=locker.compartments.get(number=3),
        item=SupplyItem.objects.get(code="noodles"),
        quantity=12,
        expires_on=timezone.localdate() + dt.timedelta(days=90),
    )
    return device, secret


def test_rider_reserves_noodles_in_two_taps_on_a_phone(
    mobile_page: Page, live_server, locker, screenshot: Callable[[Page, str], Path]
) -> None:
    page = mobile_page
    page.goto(f"{live_server.url}/s/HRB-DL-S01/")
    screenshot(page, "lockers-station")
    page.get_by_role("link", name="领取免费物资").click()  # tap 1
    expect(page.get_by_text("还剩 12 包")).to_be_visible()
    screenshot(page, "lockers-free")
    page.get_by_role("button", name="预约领取方便面").click()  # tap 2
    code_box = page.locator("[data-code]")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().replace(" ", "")
    assert len(code) == 6 and code.isdigit()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    font = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('[data-code]')).fontSize)"
    )
    assert font >= 40  # readable at arm's length at the locker
    screenshot(page, "lockers-code")

    # At the locker: the device checks the code and opens compartment 3.
    device, secret = locker
    body = json.dumps({"code": code}).encode()
    path = "/api/v1/lockers/device/check"
    headers = signing.sign_request(
        serial=device.serial, secret=secret, method="POST", path=path, body=body
    )
    response = Client().post(
        path,
        body,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )
    assert response.json()["compartment"] == 3
    page.reload()
    expect(page.get_by_text("已从 3 号格口领取")).to_be_visible()
    assert Reservation.objects.get().status == "opened"
