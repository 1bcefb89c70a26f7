"""The demo seeds a month of feedback once, with a merged report and an automatic order."""

from __future__ import annotations

import pytest

from yizhan.demo.feedback import demo_ensure
from yizhan.feedback import selectors
from yizhan.feedback.models import CheckIn, Report
from yizhan.feedback.tests.conftest import START, _clear_rate_limits, clock, place  # noqa: F401
from yizhan.operations.models import Rectification
from yizhan.stations.tests.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_demo_seeds_once(place):  # noqa: F811
    for _ in range(4):
        StationFactory(region=place.station.region)
    made = demo_ensure(now=START)
    assert made.checkins > 100 and made.ratings > 20 and made.reports == 6
    assert Report.objects.filter(count=3).count() == 1
    door = Report.objects.get(category="door_locked")
    assert door.rectification == Rectification.objects.get(source="report")
    assert selectors.rating_summary(place.station).count > 0
    assert demo_ensure(now=START).checkins == 0
    assert CheckIn.objects.count() == made.checkins
