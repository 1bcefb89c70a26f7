"""Tianditu's geocoder (天地图) behind a setting: its answer is read (CGCS2000, taken as
WGS-84), coarse guesses are dropped, failures give no places and are remembered for a
minute, and the registry's own places come first. Tianditu is replaced at its boundary
(the HTTP fetch): no test reaches the network."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core.cache import cache

from yizhan.finder import geocode
from yizhan.finder.selectors import places_search
from yizhan.regions.services import LandmarkEntry, landmarks_upsert
from yizhan.stations.tests.factories import RegionFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def tianditu_answer(lon="126.6317", lat="45.7608", level="兴趣点", status="0"):
    """An answer shaped as Tianditu's geocoder gives it (strings, status "0" = ok)."""
    return {
        "msg": "ok",
        "location": {"score": 100, "level": level, "lon": lon, "lat": lat, "keyWord": "…"},
        "searchVersion": "6.4.9V",
        "status": status,
    }


class FakeFetch:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.urls: list[str] = []

    def __call__(self, url):
        self.urls.append(url)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_tianditu_answer_is_read_and_cached():
    fetch = FakeFetch(tianditu_answer())
    found = geocode.tianditu_geocode(text="中央大街", key="k", city="哈尔滨", fetch=fetch)
    assert found == [("中央大街", "", 45.7608, 126.6317)]
    query = parse_qs(urlparse(fetch.urls[0]).query)
    assert query["tk"] == ["k"]
    # The city goes in front of the text (the geocoder has no city parameter).
    assert json.loads(query["ds"][0]) == {"keyWord": "哈尔滨中央大街"}
    assert geocode.tianditu_geocode(text="中央大街", key="k", city="哈尔滨", fetch=fetch) == found
    assert len(fetch.urls) == 1


def test_text_that_names_the_city_is_sent_as_it_is():
    fetch = FakeFetch(tianditu_answer())
    geocode.tianditu_geocode(text="哈尔滨站", key="k", city="哈尔滨", fetch=fetch)
    ds = json.loads(parse_qs(urlparse(fetch.urls[0]).query)["ds"][0])
    assert ds == {"keyWord": "哈尔滨站"}


@pytest.mark.parametrize(
    "answer",
    [
        tianditu_answer(level="城市"),  # its fallback for text it did not understand
        tianditu_answer(lon="abc"),
        {"status": "0", "msg": "ok"},
    ],
)
def test_coarse_or_broken_answers_give_no_place(answer):
    assert geocode.tianditu_geocode(text="火星基地", key="k", fetch=FakeFetch(answer)) == []


@pytest.mark.parametrize(
    "failure",
    [
        TimeoutError("timed out"),
        OSError("network unreachable"),
        ValueError("Expecting value: line 1 column 1"),
        {"status": "1", "msg": "权限类型错误"},  # a bad key
    ],
)
def test_a_failure_gives_no_places_and_is_remembered_for_a_minute(failure):
    fetch = FakeFetch(failure, tianditu_answer())
    start = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert geocode.tianditu_geocode(text="某地", key="k", fetch=fetch) == []
        # Within the minute the geocoder is not asked again, whatever the text.
        assert geocode.tianditu_geocode(text="另一个地方", key="k", fetch=fetch) == []
        assert len(fetch.urls) == 1
        clock.shift(geocode.FAILURE_SECONDS + 1)
        assert geocode.tianditu_geocode(text="另一个地方", key="k", fetch=fetch) != []
        assert len(fetch.urls) == 2


def test_amap_coarse_guess_is_dropped():
    answer = {
        "status": "1",
        "geocodes": [{"formatted_address": "黑龙江省哈尔滨市", "level": "市", "location": "1,2"}],
    }
    assert geocode.amap_geocode(text="火星基地", key="k", fetch=lambda url: answer) == []


@pytest.mark.parametrize(
    ("conf", "choice"),
    [
        ({}, None),
        ({"AMAP_WEB_KEY": "a"}, ("amap", "a")),
        ({"TIANDITU_KEY": "t"}, ("tianditu", "t")),
        ({"AMAP_WEB_KEY": "a", "TIANDITU_KEY": "t"}, ("amap", "a")),
        ({"AMAP_WEB_KEY": "a", "TIANDITU_KEY": "t", "GEOCODER": "tianditu"}, ("tianditu", "t")),
        ({"AMAP_WEB_KEY": "a", "GEOCODER": "tianditu"}, None),  # named, but no key
        ({"AMAP_WEB_KEY": "a", "GEOCODER": "off"}, None),
    ],
)
def test_which_geocoder_is_asked(settings, conf, choice):
    settings.YIZHAN = {
        **settings.YIZHAN,
        "AMAP_WEB_KEY": "",
        "TIANDITU_KEY": "",
        "GEOCODER": "",
        **conf,
    }
    assert geocode.geocoder_choice() == choice


@pytest.mark.django_db
def test_place_search_asks_tianditu_only_when_the_registry_has_no_such_place(settings, monkeypatch):
    settings.YIZHAN = {**settings.YIZHAN, "TIANDITU_KEY": "t", "GEOCODER": "tianditu"}
    fetch = FakeFetch(tianditu_answer(lon="126.5795", lat="45.7098"))
    monkeypatch.setattr(geocode, "_fetch", fetch)
    places = places_search(text="哈尔滨西站")
    assert [(p.label, p.kind, p.lat, p.lon) for p in places] == [
        ("哈尔滨西站", "geocoder", 45.7098, 126.5795)
    ]
    RegionFactory(code="2301", name="哈尔滨市")
    landmarks_upsert(entries=[LandmarkEntry("2301", "哈尔滨西站", 45.7098, 126.5795, "railway")])
    cache.clear()
    places = places_search(text="哈尔滨西火车站")
    assert [(p.label, p.kind) for p in places] == [("哈尔滨西站", "landmark")]
    assert len(fetch.urls) == 1  # the registry answered: Tianditu was not asked again
