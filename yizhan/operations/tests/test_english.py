"""The staff pages in English (/en/staff/...): every word of ours translated; only data
(station, region and people's names, checklist items without an English text) stays Chinese."""

from __future__ import annotations

import re
import uuid

import pytest

from yizhan.operations import services
from yizhan.stations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


@pytest.fixture
def busy(daoli):
    services.inspection_submit(
        user=daoli.administrator,
        station=daoli.station,
        tier="daily",
        answers={
            "door_open": "yes",
            "water_temp": "70",
            "chargers_work": "yes",
            "clean": "yes",
            "sign_visible": "yes",
            "medicine_in_date": "yes",
        },
        photos=[
            ("water_temp", __import__("yizhan.operations.tests.conftest", fromlist=["jpeg"]).jpeg())
        ],
        client_id=uuid.uuid4(),
    )
    return daoli


def data_words(d) -> set[str]:
    words = set()
    for text in (
        d.station.name,
        d.other.name,
        d.street.name,
        d.other_street.name,
        d.district.name,
        d.city.name,
        d.station.address,
        d.other.address,
        "李管理",
        "王站长",
        "赵管理",
    ):
        words |= set(CHINESE.findall(text))
    # What people wrote (an order's details, its history's notes) is data too.
    from yizhan.operations.models import Rectification, RectificationEvent

    for text in [
        *Rectification.objects.values_list("detail", flat=True),
        *RectificationEvent.objects.values_list("note", flat=True),
    ]:
        words |= set(CHINESE.findall(text))
    return words | {"驿站", "中文"}


@pytest.mark.parametrize(
    "path",
    [
        "/en/staff/",
        "/en/staff/s/HRB-DL-001/",
        "/en/staff/s/HRB-DL-001/inspect/daily/",
        "/en/staff/r/1/",
        "/en/staff/inspections/1/",
        "/en/staff/region/",
        "/en/staff/region/rectifications/",
        "/en/staff/region/seasons/",
        "/en/staff/region/spot/",
        "/en/staff/notices/",
        "/en/staff/supplies/s/HRB-DL-001/",
        "/en/staff/shifts/",
        "/en/staff/boards/s/HRB-DL-001/",
    ],
)
def test_staff_pages_speak_english(client, busy, path):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    html = client.get(path).content.decode()
    found = set(CHINESE.findall(html)) - data_words(busy)
    assert not found, f"untranslated on {path}: {found}"


@pytest.mark.parametrize(
    "path", ["/en/staff/region/?format=xlsx", "/en/staff/region/rectifications/?format=xlsx"]
)
def test_staff_exports_speak_english(client, busy, path):
    """An officer reading the English pages downloads a workbook in English: every heading
    and label of ours translated, only data (names, addresses) in Chinese."""
    import io

    from openpyxl import load_workbook

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.get(path)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    found = {
        word
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
        for word in CHINESE.findall(cell)
    } - data_words(busy)
    assert not found, f"untranslated in {path}: {found}"
