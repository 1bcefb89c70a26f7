"""At national scale a rebuild takes seconds: requests keep the index they have while a
background thread builds the next one, and then see the change."""

from __future__ import annotations

import time

import pytest

from yizhan.finder import cache, selectors
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.models import Station

# The background thread has its own connection, so the data must be committed; the
# serialized rollback puts the migrations' catalogue back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def committed(settings):
    settings.YIZHAN = {**settings.YIZHAN, "FINDER_BACKGROUND_REBUILD": True}
    region = Region.objects.create(code="230102", name="道里区", level=RegionLevel.DISTRICT)
    for code, lon in (("R1", 126.6175), ("R2", 126.6275)):
        Station.objects.create(
            code=code,
            name=code,
            kind="fixed",
            region=region,
            address="",
            lat=45.7733,
            lon=lon,
            opening_hours="24/7",
            status="active",
        )


def wait_for_rebuild(seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while cache._state["building"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not cache._state["building"], "the rebuild did not finish"


def test_a_change_is_built_in_the_background_and_then_served(committed):
    first = selectors.finder_index()
    assert {s.code for s in first.stations} == {"R1", "R2"}
    Station.objects.filter(code="R2").update(status="suspended")
    # This request is answered at once from the index it had...
    assert selectors.finder_index() is first
    wait_for_rebuild()
    # ...and the next one sees the change (and checks again, in the background).
    assert {s.code for s in selectors.finder_index().stations} == {"R1"}
    wait_for_rebuild()


def test_the_first_index_is_built_in_the_request(committed):
    assert cache._state["index"] is None
    assert {s.code for s in selectors.finder_index().stations} == {"R1", "R2"}
    assert cache._state["building"] is False
