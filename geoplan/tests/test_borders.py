"""China's outline: border towns in, neighbouring capitals out (Natural Earth 1:50m from
the world-atlas npm package, decoded by geoplan.borders)."""

from pathlib import Path

import pytest

from geoplan.borders import Territory

OUTLINE = Path(__file__).resolve().parents[2] / "node_modules/world-atlas/countries-50m.json"


@pytest.fixture(scope="module")
def china() -> Territory:
    if not OUTLINE.exists():
        pytest.fail("node_modules/world-atlas missing: run `npm ci` (make setup does)")
    return Territory.from_topojson(OUTLINE, {"China", "Taiwan", "Hong Kong", "Macao"})


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Harbin", 126.6175, 45.7733),
        ("Kashgar", 75.99, 39.47),
        ("Mohe", 122.53, 52.97),
        ("Sanya", 109.512, 18.252),
        ("Taipei", 121.565, 25.033),
        ("Hong Kong", 114.17, 22.32),
        ("Macao", 113.54, 22.19),
    ],
)
def test_places_in_china_are_inside(china, place, lon, lat):
    assert china.contains(lon, lat, tolerance_m=15_000), place


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [("Manzhouli", 117.4328, 49.5978), ("Ruili", 97.85, 24.01), ("Dandong", 124.38, 40.13)],
)
def test_border_towns_are_kept_by_the_tolerance_band(china, place, lon, lat):
    # Within a few km of the coarse outline: the band keeps them whichever side they fall.
    assert china.contains(lon, lat, tolerance_m=15_000), place
    assert china.distance_to_border_m(lon, lat) < 15_000


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Seoul", 126.978, 37.5665),
        ("Ulaanbaatar", 106.9177, 47.9186),
        ("Hanoi", 105.8342, 21.0278),
        ("Pyongyang", 125.75, 39.03),
        ("Vladivostok", 131.88, 43.12),
    ],
)
def test_neighbouring_cities_are_outside(china, place, lon, lat):
    assert not china.contains(lon, lat, tolerance_m=15_000), place
