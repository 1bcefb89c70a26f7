"""Along my route, from the places a rider types: a landmark the registry keeps
(哈尔滨站, however it is typed) to a station by name; mistakes said in sentences in the
page's language with near misses to tap; a name that fits several places lets the rider
choose; the stations open on arrival first, in route order, and the others folded
away saying when they open."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from yizhan.finder import geocode
from yizhan.finder.selectors import places_search
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, north
from yizhan.finder.tests.test_pages import card_codes, cards, page
from yizhan.regions.services import LandmarkEntry, landmarks_upsert
from yizhan.stations.tests.factories import RegionFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(tuesday):
    """Tuesday 10:00. 哈尔滨站 (a landmark) at the origin; stations due north of it, one
    of them open only in the evening."""
    RegionFactory(code="2301")
    landmarks_upsert(
        entries=[
            LandmarkEntry(
                "2301",
                "哈尔滨站",
                ORIGIN_LAT,
                ORIGIN_LON,
                "railway",
                "Harbin Railway Station",
                "哈尔滨火车站,哈站",
                "南岗区铁路街1号",
            )
        ]
    )
    StationFactory(
        code="ONE",
        name="一公里驿站",
        address="道里区甲路1号",
        lat=north(1000),
        lon=ORIGIN_LON + 0.001,
    )
    StationFactory(
        code="EVE",
        name="夜间驿站",
        address="道里区乙路2号",
        lat=north(2000),
        lon=ORIGIN_LON,
        opening_hours="Mo-Su 18:00-23:00",
    )
    StationFactory(
        code="ALLDAY",
        name="全天驿站",
        address="道里区丙路3号",
        lat=north(3000),
        lon=ORIGIN_LON,
        opening_hours="24/7",
    )
    StationFactory(
        code="END", name="终点驿站", address="道里区丁路4号", lat=north(4000), lon=ORIGIN_LON
    )


def groups(html: str) -> tuple[list[str], list[str]]:
    """The codes of the cards open on arrival, and of those folded away."""
    head, _sep, folded = html.partition('<details class="later-group">')
    return card_codes(head), card_codes(folded)


def links(html: str, css: str = "place-choices") -> list[str]:
    block = html.split(f'<ul class="{css}">', 1)[1].split("</ul>", 1)[0]
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', block)]


def test_from_a_landmark_to_a_station_open_ones_first(client, city):
    html = page(client, "/route/", {"start": "哈尔滨站", "end": "终点驿站"})
    assert "找到：哈尔滨站 · 南岗区铁路街1号" in html
    assert "从“哈尔滨站”到“终点驿站”" in html
    open_now, later = groups(html)
    assert open_now == ["ONE", "ALLDAY", "END"]  # in route order
    assert later == ["EVE"]
    assert "到达时开放（3 个）" in html
    assert "到达时关门或时间不明（1 个）· 点开看何时开门" in html
    (eve,) = cards(html.partition('<details class="later-group">')[2])
    assert "已关门，18:00 开门" in eve and "开放时间：每天 18:00–23:00" in eve
    assert "距起点 1.0 公里处" in cards(html)[0]


def test_english_route_from_a_landmark(client, city):
    html = page(client, "/en/route/", {"start": "Harbin Railway Station", "end": "终点驿站"})
    assert "Found: Harbin Railway Station" in html
    assert groups(html) == (["ONE", "ALLDAY", "END"], ["EVE"])
    assert "Open when you get there (3)" in html
    assert "Closed or hours unknown when you get there (1)" in html
    assert "1.0 km from the start" in html
    assert "78 m off the route: about 2 min on foot or 1 min by e-bike to get there" in html
    assert "Hours: Daily 18:00–23:00" in html


@pytest.mark.parametrize(
    "typed", ["哈尔滨火车站", "哈尔滨 站", "哈尔滨　火车站", "哈站", " 哈尔滨站 "]
)
def test_the_landmark_however_it_is_typed(client, city, typed):
    html = page(client, "/route/", {"start": typed, "end": "终点驿站"})
    assert "找到：哈尔滨站" in html
    assert groups(html)[0] == ["ONE", "ALLDAY", "END"]


def test_not_found_is_a_sentence_with_near_misses_to_tap(client, city):
    html = page(client, "/route/", {"start": "哈尔滨东站", "end": "终点驿站"}, status=422)
    assert "没有找到“哈尔滨东站”，请换个说法或在地图上点选。" in html
    assert "您是不是要找：" in html
    assert 'aria-invalid="true"' in html
    # No raw field names in what is said.
    assert "<code>" not in html and ">start<" not in html
    (suggestion,) = links(html)
    query = parse_qs(urlparse(suggestion).query)
    assert query["start"] == ["哈尔滨站"] and query["end"] == ["终点驿站"]
    html = page(client, suggestion)
    assert groups(html)[0] == ["ONE", "ALLDAY", "END"]
    # The choice is kept for the next search from the same form.
    assert 'name="start_pick"' in html


def test_not_found_in_english(client, city):
    html = page(client, "/en/route/", {"start": "终点驿站", "end": "Mars base"}, status=422)
    assert "“Mars base” was not found. Try other words, or tap the place on the map." in html
    assert "<code>" not in html and ">end<" not in html


def test_an_empty_end_says_what_to_do(client, city):
    html = page(client, "/route/", {"start": "", "end": "终点驿站"}, status=422)
    assert "请填写起点，或在地图上画出路线。" in html
    html = page(client, "/en/route/", {"start": "哈尔滨站", "end": ""}, status=422)
    assert "Enter where you are going." in html


def test_a_name_of_several_places_lets_the_rider_choose(client, city):
    StationFactory(
        code="YY1", name="友谊路驿站", address="道里区友谊路1号", lat=north(500), lon=ORIGIN_LON
    )
    StationFactory(
        code="YY2", name="友谊路西驿站", address="道里区友谊路9号", lat=north(2500), lon=ORIGIN_LON
    )
    html = page(client, "/route/", {"start": "友谊路", "end": "终点驿站"})
    assert "“友谊路”可能是以下 2 个地方，请选一个：" in html
    assert cards(html) == []
    first, second = links(html)
    assert "友谊路驿站" in html.split(first.replace("&", "&amp;"), 1)[1][:80]
    html = page(client, second)
    # From 友谊路西驿站 (2.5 km north) to the end: the stations after it only.
    assert groups(html)[0] == ["YY2", "ALLDAY", "END"]
    # A pick that is not among the typed text's places (the text was changed) is ignored.
    pick = parse_qs(urlparse(second).query)["start_pick"][0]
    html = page(client, "/route/", {"start": "友谊路驿站", "end": "终点驿站", "start_pick": pick})
    assert groups(html)[0][0] == "YY1"


def test_route_mistakes_name_the_field_in_words(client, city):
    html = page(client, "/en/route/", {"route": "1,2;3,4", "max_off_m": "9999"}, status=422)
    assert (
        "Furthest off the route: " in html
        and "max_off_m" not in html.split("<main")[1].split("</form>")[1]
    )


def test_a_failing_geocoder_is_no_error_page(client, city, settings, monkeypatch):
    settings.YIZHAN = {**settings.YIZHAN, "TIANDITU_KEY": "t", "GEOCODER": "tianditu"}
    asked = []

    def down(url):
        asked.append(url)
        raise TimeoutError("timed out")

    monkeypatch.setattr(geocode, "_fetch", down)
    html = page(client, "/route/", {"start": "道里区某某路88号", "end": "终点驿站"}, status=422)
    assert "没有找到“道里区某某路88号”" in html
    # The registry's own place needs no geocoder.
    page(client, "/route/", {"start": "哈尔滨站", "end": "终点驿站"})
    assert len(asked) == 1


def test_the_places_api_finds_the_landmark_first(client, city):
    StationFactory(code="NEAR", name="哈尔滨站前驿站", lat=north(100), lon=ORIGIN_LON)
    found = client.get("/api/v1/finder/places", {"q": "哈尔滨火车站"}).json()
    assert [(p["label"], p["kind"]) for p in found][:1] == [("哈尔滨站", "landmark")]
    found = client.get("/api/v1/finder/places", {"q": "哈尔滨站"}).json()
    assert [(p["label"], p["kind"]) for p in found] == [
        ("哈尔滨站", "landmark"),
        ("哈尔滨站前驿站", "station"),
    ]
    (english,) = places_search(text="哈站", english=True)
    assert (english.label, english.detail) == ("Harbin Railway Station", "南岗区铁路街1号")


def test_places_of_one_name_standing_together_are_one_place(city):
    from yizhan.finder.selectors import place_find

    StationFactory(code="BY", name="哈尔滨站", lat=north(100), lon=ORIGIN_LON)
    found = place_find(text="哈尔滨火车站")
    assert found.place is not None and found.place.kind == "landmark"
    StationFactory(code="FAR", name="哈尔滨站", lat=north(5000), lon=ORIGIN_LON)
    found = place_find(text="哈尔滨站")
    assert found.place is None
    assert [p.kind for p in found.choices] == ["landmark", "station", "station"]
