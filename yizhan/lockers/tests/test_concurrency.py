"""Never oversell, under real concurrent requests against PostgreSQL: 1,000 workers at
once for 100 units through the HTTP API of a live server (a thread per request, each on
its own database connection); and one worker firing 20 requests at once within a quota
of one. Skipped on SQLite, which takes one writer at a time anyway; `.ci/run` runs the
suite on PostgreSQL too."""

from __future__ import annotations

import datetime as dt
import http.client
import importlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from django.apps import apps as django_apps
from django.db import connection

from config import api as config_api
from yizhan.lockers import services
from yizhan.lockers.models import Compartment, Reservation
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

# Serialized rollback: the flush after these tests restores the seeded catalogues for
# the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
UNITS_PER_COMPARTMENT = 10
COMPARTMENTS = 10


@pytest.fixture
def locker_station():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises all writers)")
    importlib.import_module("yizhan.supplies.migrations.0002_supplies_catalogue_seed").seed(
        django_apps, None
    )
    importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue").seed(
        django_apps, None
    )
    from yizhan.supplies.models import SupplyItem

    station = StationFactory(
        code="HRB-DL-S01",
        kind="smart",
        opening_hours="24/7",
        region=RegionFactory(code="230102001"),
    )
    master = UserFactory(username="zhanzhang", role="staff")
    from yizhan.stations.models import StationStaff

    StationStaff.objects.create(station=station, role="master", name="王", user=master)
    locker = services.locker_register(
        user=master, station=station, name="1号柜", sizes=["M"] * COMPARTMENTS
    )
    noodles = SupplyItem.objects.get(code="noodles")
    for c in locker.compartments.all():
        services.compartment_load(
            user=master,
            compartment=c,
            item=noodles,
            quantity=UNITS_PER_COMPARTMENT,
            expires_on=dt.date(2030, 1, 1) if noodles.tracks_expiry else None,
        )
    return station


def _post(base: str, key: str) -> int:
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body = json.dumps({"station": "HRB-DL-S01", "item": "noodles"})
    conn.request(
        "POST",
        "/api/v1/lockers/reservations",
        body=body,
        headers={"Content-Type": "application/json", "X-Visitor": key},
    )
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def unthrottled(monkeypatch, settings):
    """One test address plays a thousand phones: lift the per-address limits."""
    settings.YIZHAN = {**settings.YIZHAN, "LOCKER_WRITES_PER_MINUTE": 1_000_000}
    monkeypatch.setattr(config_api.AnonThrottle, "allow_request", lambda self, request: True)


def test_a_thousand_workers_at_once_get_exactly_the_hundred_units(
    live_server, locker_station, unthrottled
):
    keys = [f"worker-{n:05d}-concurrency" for n in range(1000)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = Counter(pool.map(lambda k: _post(live_server.url, k), keys))
    assert statuses == {200: 100, 409: 900}
    live = Reservation.objects.filter(status="reserved")
    assert live.count() == 100
    # No compartment promised more than was loaded in it, none below zero.
    per_compartment = Counter(live.values_list("compartment_id", flat=True))
    assert set(per_compartment.values()) == {UNITS_PER_COMPARTMENT}
    assert set(Compartment.objects.values_list("available", flat=True)) == {0}
    # Every code names one reservation at the locker.
    codes = list(live.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)


def test_one_worker_firing_twenty_requests_at_once_gets_one(
    live_server, locker_station, unthrottled
):
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(
            pool.map(lambda _n: _post(live_server.url, "greedy-worker-xxxxxxxx"), range(20))
        )
    assert statuses == {200: 1, 400: 19}
    assert Reservation.objects.count() == 1
    assert sum(Compartment.objects.values_list("available", flat=True)) == 99
