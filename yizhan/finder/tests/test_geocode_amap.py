"""Place search asks Amap's geocoder only with a key, converts its GCJ-02 answers to
WGS-84, and carries on without it when Amap fails. Amap is replaced at its boundary
(the HTTP fetch)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from geoplan.crs import CRS, from_wgs84
from yizhan.finder import geocode
from yizhan.finder.selectors import places_search


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_amap_answers_are_turned_into_wgs84_and_cached(monkeypatch):
    # Harbin railway station, as Amap would give it (GCJ-02).
    g_lon, g_lat = from_wgs84(126.6317, 45.7608, CRS.GCJ02)
    calls = []

    def fake_fetch(url):
        calls.append(url)
        return {
            "status": "1",
            "geocodes": [
                {
                    "formatted_address": "黑龙江省哈尔滨市南岗区哈尔滨站",
                    "district": "南岗区",
                    "location": f"{g_lon:.6f},{g_lat:.6f}",
                }
            ],
        }

    found = geocode.amap_geocode(text="哈尔滨站", key="k", fetch=fake_fetch)
    assert len(found) == 1
    label, detail, lat, lon = found[0]
    assert label.endswith("哈尔滨站") and detail == "南岗区"
    assert lat == pytest.approx(45.7608, abs=1e-5) and lon == pytest.approx(126.6317, abs=1e-5)
    assert "key=k" in calls[0] and "address=" in calls[0]
    # The second ask is served from the cache (the key's quota is spared).
    assert geocode.amap_geocode(text="哈尔滨站", key="k", fetch=fake_fetch) == found
    assert len(calls) == 1


@pytest.mark.parametrize(
    "answer",
    [{"status": "0", "info": "INVALID_USER_KEY"}, OSError("network unreachable")],
)
def test_amap_failure_gives_no_places_not_an_error(answer):
    def fake_fetch(url):
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert geocode.amap_geocode(text="某地", key="bad", fetch=fake_fetch) == []


@pytest.mark.django_db
def test_place_search_uses_amap_only_with_a_key(settings, monkeypatch):
    asked = []

    def fake(**kwargs):
        asked.append(kwargs["text"])
        return [("哈尔滨站", "南岗区", 45.7608, 126.6317)]

    monkeypatch.setattr(geocode, "amap_geocode", fake)
    assert places_search(text="哈尔滨站") == []
    assert asked == []
    settings.YIZHAN = {**settings.YIZHAN, "AMAP_WEB_KEY": "k"}
    places = places_search(text="哈尔滨站")
    assert [(p.label, p.kind) for p in places] == [("哈尔滨站", "geocoder")]
