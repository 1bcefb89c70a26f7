"""Staff photos (a failed check's photo, a rectification's fix photo) sent from a phone
with GPS in EXIF are stored without it and shrunk; a bomb is refused with a sentence."""

from __future__ import annotations

import uuid

import pytest

from tests.photo_samples import assert_clean, bomb_png, gps_jpeg
from yizhan.operations.models import Inspection, InspectionPhoto, Rectification
from yizhan.operations.tests.test_orders import DAILY_OK

pytestmark = pytest.mark.django_db

DAILY = "/staff/s/HRB-DL-001/inspect/daily/"


def _daily(client, photo):
    return client.post(
        DAILY,
        {
            **DAILY_OK,
            "item_clean": "no",
            "photo_clean": photo,
            "client_id": str(uuid.uuid4()),
            "lat": "45.7733",
            "lon": "126.6175",
        },
    )


def test_inspection_and_fix_photos_lose_gps_and_shrink(client, daoli, clock):
    client.force_login(daoli.administrator)
    assert _daily(client, gps_jpeg()).status_code == 302
    with InspectionPhoto.objects.get().image.open() as stored:
        assert_clean(stored.read())

    order = Rectification.objects.get()
    client.force_login(daoli.master)
    client.post(f"/staff/r/{order.pk}/", {"action": "fix", "note": "已打扫", "photo": gps_jpeg()})
    order.refresh_from_db()
    assert order.status == "fixed"
    with order.fix_photo.open() as stored:
        assert_clean(stored.read())


def test_an_inspection_bomb_is_refused_with_a_sentence(client, daoli, clock):
    client.force_login(daoli.administrator)
    page = _daily(client, bomb_png()).content.decode()
    assert "照片像素过多" in page
    assert not Inspection.objects.exists()
