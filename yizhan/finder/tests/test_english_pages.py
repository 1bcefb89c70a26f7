"""The finder's English pages carry no Chinese of ours: only the stations' own data
(names, addresses, which officers enter in Chinese) may be Chinese."""

from __future__ import annotations

import re

import pytest

from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.models import Amenity, Station, StationAmenity, StationClosure

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


@pytest.fixture
def station(db):
    region = Region.objects.create(code="230102", name="Daoli", level=RegionLevel.DISTRICT)
    s = Station.objects.create(
        code="EN-1",
        name="Central Street station",
        kind="fixed",
        region=region,
        address="1 Central Street",
        lat=45.7733,
        lon=126.6175,
        opening_hours="Mo-Fr 08:00-18:00; PH off",
        status="active",
        star_level=3,
    )
    StationAmenity.objects.create(
        station=s, amenity=Amenity.objects.get(code="charging"), state="out_of_order", reason="x"
    )
    StationAmenity.objects.create(station=s, amenity=Amenity.objects.get(code="hot_water"))
    return s


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/en/?lat=45.77&lon=126.61",
        "/en/?lat=45.77&lon=126.61&open_now=1&amenity=hot_water&kind=fixed",
        "/en/?q=Central",
        "/en/?q=nowhere-at-all",
        "/en/?lat=126.61&lon=45.77",
        "/en/route/",
        "/en/route/?route=126.60,45.77;126.63,45.775",
        "/en/route/?route=126.60",
        "/en/s/EN-1/",
    ],
)
def test_english_finder_pages_have_no_chinese_of_ours(client, station, path):
    from django.utils import timezone

    StationClosure.objects.create(
        station=station, starts_at=timezone.now(), ends_at=None, reason="repairs"
    )
    response = client.get(path)
    assert response.status_code in (200, 422)
    html = response.content.decode()
    found = set(CHINESE.findall(html)) - {"中文"}  # the switch names its language in it
    assert not found, f"untranslated on {path}: {found}"


def test_english_station_page_with_volunteer_hours_has_no_chinese_of_ours(client, station):
    """The station page's volunteer section and a card that is volunteer-staffed."""
    import datetime as dt

    import time_machine

    from yizhan.accounts.models import User
    from yizhan.core.time import SHANGHAI
    from yizhan.volunteers.models import Shift, ShiftSignup

    saturday = dt.datetime(2026, 3, 14, 10, 0, tzinfo=SHANGHAI)
    shift = Shift.objects.create(
        station=station,
        role="butler",
        starts_at=saturday,
        ends_at=saturday + dt.timedelta(hours=6),
        slots=3,
    )
    ShiftSignup.objects.create(shift=shift, user=User.objects.create(username="v", role="worker"))
    with time_machine.travel(saturday + dt.timedelta(hours=1)):
        for path in ("/en/s/EN-1/", "/en/?lat=45.77&lon=126.61&open_now=1"):
            html = client.get(path).content.decode()
            assert "EN-1" in html
            found = set(CHINESE.findall(html)) - {"中文"}
            assert not found, f"untranslated on {path}: {found}"
