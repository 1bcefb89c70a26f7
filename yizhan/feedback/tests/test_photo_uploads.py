"""A worker's report photo sent from a phone with GPS in EXIF is stored without it (the
worker's whereabouts are theirs) and shrunk; a bomb is refused with a sentence."""

from __future__ import annotations

import pytest

from tests.photo_samples import assert_clean, bomb_png, gps_jpeg
from yizhan.feedback.models import Report
from yizhan.feedback.tests.conftest import VISITOR
from yizhan.feedback.tests.test_api import BASE, fields

pytestmark = pytest.mark.django_db


def _report(client, place, photo):
    return client.post(
        f"{BASE}/report",
        {**fields(place.station, "report"), "category": "expired_medicine", "photo": photo},
        HTTP_X_VISITOR=VISITOR,
    )


def test_a_report_photo_loses_gps_and_shrinks(client, place, clock):
    assert _report(client, place, gps_jpeg()).status_code == 200
    with Report.objects.get().photo.open() as stored:
        assert_clean(stored.read())


def test_a_report_bomb_is_refused_with_a_sentence(client, place, clock):
    response = _report(client, place, bomb_png())
    assert response.status_code == 422
    assert "照片像素过多" in response.json()["errors"][0]["message"]
    assert not Report.objects.exists()
