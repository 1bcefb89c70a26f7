"""Issue 18, point 3, as the server renders it: the home page links the free supplies,
the exchange and the worker's codes; stations whose lockers hand out free supplies are
marked on their cards, their page and in the API, and can be asked for alone; the map
is folded under the list; chosen "more filters" are counted, not unfolded. The marks
come from the finder's index: a search reads no locker row."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, north
from yizhan.finder.tests.test_pages import card_codes, cards, hrefs, page
from yizhan.lockers.models import Compartment, Locker
from yizhan.stations.models import Station
from yizhan.stations.tests.factories import StationFactory
from yizhan.supplies.models import SupplyItem

pytestmark = pytest.mark.django_db
HERE = {"lat": ORIGIN_LAT, "lon": ORIGIN_LON}


def hand_out(code: str, *, active: bool = True, stocked: bool = True) -> Locker:
    """A locker at station ``code``; ``stocked``: a compartment holds an item."""
    locker = Locker.objects.create(
        station=Station.objects.get(code=code),
        name="1号爱心柜",
        active=active,
        created_at=timezone.now(),
    )
    noodles, _new = SupplyItem.objects.get_or_create(
        code="noodles", defaults={"name": "方便面", "name_en": "Instant noodles"}
    )
    Compartment.objects.create(
        locker=locker,
        number=1,
        item=noodles if stocked else None,
        available=3 if stocked else 0,
    )
    return locker


@pytest.fixture
def lockers(tuesday):
    """Four stations north of the origin: one hands out supplies, one has an empty
    locker (no item set), one a locker taken out of service, one no locker."""
    for code, metres in (("FREE", 100), ("EMPTY", 200), ("OFF", 300), ("PLAIN", 400)):
        StationFactory(
            code=code,
            name=f"{code}驿站",
            lat=north(metres),
            lon=ORIGIN_LON,
            opening_hours="24/7",
            amenities=["charging"],
        )
    hand_out("FREE")
    hand_out("EMPTY", stocked=False)
    hand_out("OFF", active=False)


def free_marks(html: str) -> list[bool]:
    return ['class="badge free"' in c for c in cards(html)]


# --------------------------------------------------------------------------- links


def test_home_links_free_supplies_the_exchange_and_my_codes(client, lockers):
    html = page(client, "/")
    also = html.split('<nav class="also"')[1].split("</nav>")[0]
    assert "免费物资" in also and "爱心互献" in also and "我的取件码" in also
    assert hrefs(also) == ["?free_supplies=1", "/exchange/", "/my/"]


def test_after_a_search_the_links_keep_the_point(client, lockers):
    html = page(client, "/", {**HERE, "open_now": "1"})
    also = html.split('<nav class="also"')[1].split("</nav>")[0]
    free, exchange, mine = hrefs(also)
    asked = parse_qs(urlparse(free).query)
    assert asked == {
        "lat": [f"{ORIGIN_LAT:.6f}"],
        "lon": [f"{ORIGIN_LON:.6f}"],
        "crs": ["wgs84"],
        "free_supplies": ["1"],
    }
    assert parse_qs(urlparse(exchange).query) == {
        "lat": [f"{ORIGIN_LAT:.6f}"],
        "lon": [f"{ORIGIN_LON:.6f}"],
    }
    assert urlparse(exchange).path == "/exchange/" and mine == "/my/"
    # The free-supplies link answers with the stations that hand them out.
    assert card_codes(page(client, free)) == ["FREE"]


def test_english_links(client, lockers):
    html = page(client, "/en/")
    also = html.split('<nav class="also"')[1].split("</nav>")[0]
    assert "Free supplies" in also and "Donations" in also and "My codes" in also
    assert hrefs(also)[1:] == ["/en/exchange/", "/en/my/"]


# --------------------------------------------------------------------------- the mark


def test_cards_mark_stations_whose_lockers_hand_out_free_supplies(client, lockers):
    html = page(client, "/", HERE)
    assert card_codes(html) == ["FREE", "EMPTY", "OFF", "PLAIN"]
    # An empty locker (nothing set to hand out) and one out of service are not marked.
    assert free_marks(html) == [True, False, False, False]
    free = cards(html)[0]
    assert 'href="/s/FREE/free/">免费物资</a>' in free


def test_only_free_supplies(client, lockers):
    html = page(client, "/", {**HERE, "free_supplies": "1"})
    assert card_codes(html) == ["FREE"]
    assert 'name="free_supplies" value="1" checked' in html


def test_english_mark(client, lockers):
    html = page(client, "/en/", HERE)
    assert 'href="/en/s/FREE/free/">Free supplies</a>' in cards(html)[0]


def test_station_page_marks_free_supplies_and_links_the_free_page(client, lockers):
    html = page(client, "/s/FREE/")
    assert 'class="badge free" href="/s/FREE/free/">免费物资</a>' in html
    assert "领取免费物资" in html and "方便面" in html
    plain = page(client, "/s/PLAIN/")
    assert "badge free" not in plain and "领取免费物资" not in plain


def test_station_page_when_the_locker_is_empty_for_now(client, lockers):
    Compartment.objects.filter(locker__station__code="FREE").update(available=0)
    html = page(client, "/s/FREE/")
    # Still a station that hands out supplies: the page says they are gone for now.
    assert "badge free" in html and "暂时领完了" in html and "领取免费物资" in html


def test_the_api_says_free_supplies_and_filters_by_it(client, lockers):
    got = client.get("/api/v1/finder/nearby", HERE).json()
    assert [(i["code"], i["free_supplies"]) for i in got["items"]] == [
        ("FREE", True),
        ("EMPTY", False),
        ("OFF", False),
        ("PLAIN", False),
    ]
    only = client.get("/api/v1/finder/nearby", {**HERE, "free_supplies": "true"}).json()
    assert [i["code"] for i in only["items"]] == ["FREE"]


def test_a_new_locker_shows_at_the_next_search(client, lockers):
    assert free_marks(page(client, "/", HERE)) == [True, False, False, False]
    hand_out("PLAIN")
    assert free_marks(page(client, "/", HERE)) == [True, False, False, True]
    Locker.objects.filter(station__code="FREE").update(active=False)
    assert free_marks(page(client, "/", HERE)) == [False, False, False, True]


def test_a_search_reads_no_locker_row_per_result(client, lockers):
    """The mark is in the index: the page and the API read the lockers only for the
    index's version stamp (one aggregate; checked every request in tests, at most every
    FINDER_RECHECK_SECONDS in a background thread in production)."""
    page(client, "/", HERE)  # builds the index
    for path in ("/", "/api/v1/finder/nearby"):
        with CaptureQueriesContext(connection) as queries:
            client.get(path, HERE)
        lockers_read = [q["sql"] for q in queries if "lockers_" in q["sql"]]
        assert len(lockers_read) == 1, lockers_read


# --------------------------------------------------------------------------- the fold


def test_the_map_folds_under_the_results_heading(client, lockers):
    html = page(client, "/", HERE)
    results = html.split('<section id="results"')[1]
    assert results.index('<details class="map-fold"') < results.index('<ol class="cards">')
    assert '<div id="map"' in results.split("</details>")[0]


def test_chosen_more_filters_are_counted_and_left_folded(client, lockers):
    html = page(client, "/", {**HERE, "kind": "fixed"})
    # Not open: the list stays on the first screen; the summary counts what is chosen.
    assert '<details class="more">' in html and "（已选 1 项）" in html
    html = page(client, "/", {**HERE, "kind": ["fixed", "smart"], "at": "2026-03-10T12:00"})
    assert '<details class="more">' in html and "（已选 3 项）" in html
    assert "已选" not in page(client, "/", {**HERE, "amenity": "charging"})  # a quick one
    # A mistake in a folded field opens the fold, to show it.
    html = page(client, "/", {**HERE, "service": "nonsense"}, status=422)
    assert '<details class="more" open>' in html
