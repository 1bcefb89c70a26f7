"""Nearest-station search on tiny instances whose answer is known by hand, and against
brute force on a random city."""

import numpy as np
import pytest

from geoplan.spatial import EARTH_RADIUS_M, StationIndex, chord_to_metres, unit_vectors


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def test_chord_distance_is_the_great_circle_distance():
    a = unit_vectors(np.array([126.6]), np.array([45.76]))
    b = unit_vectors(np.array([116.4]), np.array([39.9]))  # Harbin → Beijing, ~1,050 km
    chord = np.linalg.norm(a - b)
    assert chord_to_metres(chord) == pytest.approx(haversine_m(126.6, 45.76, 116.4, 39.9), rel=1e-9)
    assert 1_000_000 < chord_to_metres(chord) < 1_100_000


def test_filters_amenities_open_slot_and_radius():
    # Three stations due east of the query point, 100 m, 200 m and 5 km away.
    lat = 45.76
    metres_per_degree = np.pi / 180 * EARTH_RADIUS_M * np.cos(np.radians(lat))
    lon = 126.6 + np.array([100, 200, 5000]) / metres_per_degree
    charging, toilet = 0b01, 0b10
    open_slots = np.array([[False, True], [True, True], [True, True]])
    index = StationIndex.build(
        lon_deg=lon,
        lat_deg=np.full(3, lat),
        amenity_bits=np.array([charging, charging | toilet, toilet], dtype=np.uint64),
        open_slots=open_slots,
    )
    assert index.nearest(126.6, lat, k=3).index.tolist() == [0, 1, 2]
    assert index.nearest(126.6, lat, k=3, require_bits=toilet).index.tolist() == [1, 2]
    assert index.nearest(126.6, lat, k=3, open_slot=0).index.tolist() == [1, 2]
    assert index.nearest(126.6, lat, k=3, radius_m=1000).index.tolist() == [0, 1]
    hits = index.nearest(126.6, lat, k=1, require_bits=charging, open_slot=0)
    assert hits.index.tolist() == [1]
    assert hits.distance_m[0] == pytest.approx(200, abs=0.5)
    assert index.nearest(126.6, lat, k=3, require_bits=0b100).index.tolist() == []


def test_agrees_with_brute_force_on_a_random_city():
    rng = np.random.default_rng(3)
    n = 5000
    lon = rng.normal(126.62, 0.05, n)
    lat = rng.normal(45.76, 0.03, n)
    bits = rng.integers(0, 4, n).astype(np.uint64)
    slots = rng.random((n, 4)) < 0.6
    index = StationIndex.build(lon_deg=lon, lat_deg=lat, amenity_bits=bits, open_slots=slots)
    for _ in range(50):
        qlon, qlat = rng.normal(126.62, 0.05), rng.normal(45.76, 0.03)
        slot = int(rng.integers(0, 4))
        hits = index.nearest(qlon, qlat, k=5, require_bits=0b10, open_slot=slot)
        d = haversine_m(qlon, qlat, lon, lat)
        ok = ((bits & np.uint64(2)) == np.uint64(2)) & slots[:, slot]
        expected = np.flatnonzero(ok)[np.argsort(d[ok], kind="stable")][:5]
        assert hits.index.tolist() == expected.tolist()
        assert hits.distance_m == pytest.approx(d[expected], rel=1e-9)


def test_empty_index():
    index = StationIndex.build(lon_deg=np.array([]), lat_deg=np.array([]))
    assert index.nearest(126.6, 45.7, k=5).index.tolist() == []


def test_a_single_station():
    index = StationIndex.build(lon_deg=np.array([126.6]), lat_deg=np.array([45.7]))
    hits = index.nearest(126.6, 45.7, k=5)
    assert hits.index.tolist() == [0] and hits.distance_m[0] == pytest.approx(0, abs=1e-6)
    assert index.nearest(127.6, 45.7, k=5, radius_m=1000).index.tolist() == []


def test_pattern_rows_any_bits_and_per_query_rows():
    # Four stations in a row eastwards; two weekly patterns: row 0 closed, row 1 open.
    lat = 45.76
    metres_per_degree = np.pi / 180 * EARTH_RADIUS_M * np.cos(np.radians(lat))
    lon = 126.6 + np.array([100, 200, 300, 400]) / metres_per_degree
    patterns = np.array([[False], [True]])
    fixed, mobile = 0b100, 0b1000
    index = StationIndex.build(
        lon_deg=lon,
        lat_deg=np.full(4, lat),
        amenity_bits=np.array([fixed, mobile, fixed, mobile], dtype=np.uint64),
        open_slots=patterns,
        slot_rows=np.array([0, 1, 1, 0]),
    )
    assert index.nearest(126.6, lat, k=4, open_slot=0).index.tolist() == [1, 2]
    assert index.nearest(126.6, lat, k=4, any_bits=mobile).index.tolist() == [1, 3]
    assert index.nearest(126.6, lat, k=4, any_bits=fixed | mobile).index.tolist() == [0, 1, 2, 3]
    # Another map for one query ("present" instead of "open"): everyone on row 1.
    everyone = np.ones(4, dtype=np.intp)
    assert index.nearest(126.6, lat, k=4, open_slot=0, slot_rows=everyone).index.tolist() == [
        0,
        1,
        2,
        3,
    ]
    with pytest.raises(ValueError):
        StationIndex.build(lon_deg=lon, lat_deg=np.full(4, lat), slot_rows=np.zeros(4))
    with pytest.raises(ValueError):
        StationIndex.build(
            lon_deg=lon, lat_deg=np.full(4, lat), open_slots=patterns, slot_rows=np.full(4, 2)
        )


def test_empty_index_answers_nothing():
    index = StationIndex.build(lon_deg=np.empty(0), lat_deg=np.empty(0))
    assert index.nearest(126.6, 45.7, k=5).index.tolist() == []
