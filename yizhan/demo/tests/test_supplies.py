"""Demo stock: every state shows somewhere, and a second run changes nothing."""

from __future__ import annotations

from collections import Counter

from yizhan.demo.supplies import demo_ensure
from yizhan.stations.tests.factories import StationFactory
from yizhan.supplies.models import StockBatch
from yizhan.supplies.selectors import station_stock
from yizhan.supplies.tests.conftest import TODAY, clock  # noqa: F401 (autouse: July 2026)


def test_demo_stock_shows_every_state_and_runs_once(db):
    stations = [StationFactory(code=f"HRB-DL-F{n:03d}") for n in range(1, 13)]
    result = demo_ensure(today=TODAY)
    assert result.stations == 12
    states: Counter[str] = Counter()
    expired_at = set()
    for station in stations:
        for row in station_stock(station=station, today=TODAY):
            states[row.state] += 1
            if row.state == "expired":
                expired_at.add(station.code)
    assert set(states) == {"expired", "expiring", "low", "ok"}
    assert len(expired_at) == 2
    batches = StockBatch.objects.count()
    assert demo_ensure(today=TODAY).stations == 0
    assert StockBatch.objects.count() == batches
