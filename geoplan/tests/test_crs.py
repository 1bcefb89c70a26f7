"""Coordinate transforms against published reference points.

Reference values: the wandergis/coordtransform test vectors for (116.404, 39.915), the
point Baidu's and Amap's API examples centre on (Tiananmen), used by most Chinese
implementations to check themselves.
"""

import subprocess
import sys

import numpy as np
import pytest

from geoplan.crs import (
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_gcj02,
)

REFERENCE = [
    (wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    (gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
]


@pytest.mark.parametrize(("fn", "given", "expected"), REFERENCE)
def test_published_reference_points(fn, given, expected):
    lon, lat = fn(*given)
    assert lon == pytest.approx(expected[0], abs=1e-9)
    assert lat == pytest.approx(expected[1], abs=1e-9)


def test_bd09_inverse_refines_the_published_closed_form():
    # Published closed form: (116.39762729119315, 39.90865673957631), good to ~2e-6°.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.39762729119315, abs=3e-6)
    assert lat == pytest.approx(39.90865673957631, abs=3e-6)
    forward = gcj02_to_bd09(lon, lat)
    assert forward[0] == pytest.approx(116.404, abs=1e-10)
    assert forward[1] == pytest.approx(39.915, abs=1e-10)


def test_gcj02_inverse_is_exact_to_a_millimetre():
    # The published one-step inverse gives (116.39775550083061, 39.91359571849836) with
    # metres of error; the iterative inverse must land within 1e-8° (about 1 mm).
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert lon == pytest.approx(116.39775550083061, abs=2e-5)
    assert lat == pytest.approx(39.91359571849836, abs=2e-5)
    back = wgs84_to_gcj02(lon, lat)
    assert back[0] == pytest.approx(116.404, abs=1e-8)
    assert back[1] == pytest.approx(39.915, abs=1e-8)


def test_harbin_offset_is_hundreds_of_metres():
    # In Harbin the GCJ-02 shift is a few hundred metres: markers on Amap would be off
    # by a block if the conversion were skipped.
    lon, lat = wgs84_to_gcj02(126.6175, 45.7733)
    dx = (lon - 126.6175) * 111_320 * np.cos(np.radians(45.7733))
    dy = (lat - 45.7733) * 110_540
    assert 200 < np.hypot(dx, dy) < 1000


def test_round_trips_through_every_system_on_arrays():
    rng = np.random.default_rng(7)
    lon = rng.uniform(74, 134, 1000)
    lat = rng.uniform(18, 53, 1000)
    for crs in ("gcj02", "bd09"):
        for x, y in zip(lon[:50], lat[:50], strict=True):
            back = to_wgs84(*from_wgs84(x, y, crs), crs)
            assert back == pytest.approx((x, y), abs=1e-8)
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - lon)) < 1e-8
    assert np.max(np.abs(wlat - lat)) < 1e-8


def test_no_offset_outside_china():
    assert out_of_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_importing_geoplan_loads_no_django():
    code = (
        "import sys, geoplan, geoplan.crs, geoplan.spatial, geoplan.route, geoplan.borders, "
        "geoplan.demand, geoplan.network, geoplan.coverage, geoplan.location; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=".")
    assert result.returncode == 0, result.stderr.decode()
