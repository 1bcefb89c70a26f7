"""Landmarks are written all or nothing, by (region, name): a second write updates, a
place outside China or in no known region is refused with its row."""

from __future__ import annotations

import pytest

from yizhan.core.errors import ValidationFailed
from yizhan.regions.models import Landmark
from yizhan.regions.services import LandmarkEntry, landmarks_upsert
from yizhan.stations.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def test_written_then_updated_by_region_and_name():
    RegionFactory(code="2301")
    entry = LandmarkEntry("2301", " 哈尔滨站 ", 45.7608, 126.6317, "railway", aliases="哈站")
    assert landmarks_upsert(entries=[entry]) == (1, 0)
    moved = LandmarkEntry(
        "2301", "哈尔滨站", 45.7610, 126.6320, "railway", aliases="哈站,哈尔滨火车站"
    )
    assert landmarks_upsert(entries=[moved]) == (0, 1)
    (landmark,) = Landmark.objects.all()
    assert (landmark.name, landmark.lat, landmark.alias_list) == (
        "哈尔滨站",
        45.7610,
        ["哈站", "哈尔滨火车站"],
    )


def test_a_bad_row_writes_nothing():
    RegionFactory(code="2301")
    entries = [
        LandmarkEntry("2301", "中央大街", 45.7733, 126.6175, "square"),
        LandmarkEntry("2301", "东京站", 35.6812, 139.7671, "railway"),
        LandmarkEntry("9999", "无名地", 45.77, 126.61, "other"),
        LandmarkEntry("2301", "某地", 45.77, 126.61, "spaceport"),
    ]
    with pytest.raises(ValidationFailed) as failed:
        landmarks_upsert(entries=entries)
    assert [(e.row, e.field) for e in failed.value.errors] == [
        (2, "lon"),
        (3, "region"),
        (4, "kind"),
    ]
    assert not Landmark.objects.exists()
