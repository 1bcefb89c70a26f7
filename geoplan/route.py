r"""Stations along a route: those within a corridor around a polyline, in route order.

The route is a polyline of WGS-84 vertices. A station belongs to the corridor when its
distance to the nearest point of the polyline is at most ``max_off_m``; it is placed on
the route by the *chainage* of that nearest point (metres from the start).

Method:

1. every segment is sampled at steps of at most ``max_off_m``; a ball of radius
   :math:`r + s/2` (``r`` = ``max_off_m``, ``s`` = step) around each sample, asked of the
   station k-d tree, covers the whole corridor, so no station is missed;
2. for the candidates, the distance to each segment is computed in a local
   equirectangular plane centred on the segment (x = R·Δλ·cos φ\ :sub:`mid`,
   y = R·Δφ), exact enough for segments of a few kilometres — long segments are cut into
   pieces of at most ``MAX_PIECE_M`` first;
3. the nearest segment gives the off-route distance and the chainage.

>>> import numpy as np
>>> from geoplan.spatial import StationIndex
>>> index = StationIndex.build(
...     lon_deg=np.array([126.600, 126.610, 126.620, 126.610]),
...     lat_deg=np.array([45.760, 45.762, 45.760, 45.800]),
... )
>>> hits = along_route(index, np.array([126.595, 126.625]), np.array([45.76, 45.76]), max_off_m=300)
>>> # 0.005° of longitude at 45.76° N is 111,195 m × cos 45.76° × 0.005 = 388 m
>>> hits.index.tolist(), np.round(hits.off_route_m).tolist(), np.round(hits.along_m).tolist()
([0, 1, 2], [0.0, 222.0, 0.0], [388.0, 1164.0, 1939.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geoplan.spatial import EARTH_RADIUS_M, StationIndex, metres_to_chord, unit_vectors

MAX_PIECE_M = 5_000.0


@dataclass(frozen=True)
class RouteHits:
    """Stations in the corridor, in route order."""

    index: NDArray[np.intp]
    off_route_m: NDArray[np.float64]
    along_m: NDArray[np.float64]


def segment_lengths_m(
    lon_deg: NDArray[np.float64], lat_deg: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Great-circle length of each segment of a polyline (haversine)."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    dlon, dlat = np.diff(lon), np.diff(lat)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    out: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def densify(
    lon_deg: NDArray[np.float64], lat_deg: NDArray[np.float64], step_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The polyline with extra vertices so that no segment is longer than ``step_m``
    (linear in degrees within a segment, which is what the route's segments mean)."""
    lengths = segment_lengths_m(lon_deg, lat_deg)
    pieces = np.maximum(1, np.ceil(lengths / step_m)).astype(int)
    lons, lats = [], []
    for i, n in enumerate(pieces):
        t = np.arange(n) / n
        lons.append(lon_deg[i] + t * (lon_deg[i + 1] - lon_deg[i]))
        lats.append(lat_deg[i] + t * (lat_deg[i + 1] - lat_deg[i]))
    lons.append(lon_deg[-1:])
    lats.append(lat_deg[-1:])
    return np.concatenate(lons), np.concatenate(lats)


def along_route(
    index: StationIndex,
    lon_deg: NDArray[np.float64],
    lat_deg: NDArray[np.float64],
    *,
    max_off_m: float,
    require_bits: int = 0,
    any_bits: int = 0,
) -> RouteHits:
    """Stations within ``max_off_m`` of the polyline, ordered by chainage.

    Parameters
    ----------
    index : the stations.
    lon_deg, lat_deg : the route's vertices (at least two), WGS-84 degrees.
    max_off_m : the corridor's half width in metres (> 0).
    require_bits, any_bits : as in :meth:`StationIndex.nearest`.
    """
    lon_deg = np.asarray(lon_deg, dtype=np.float64)
    lat_deg = np.asarray(lat_deg, dtype=np.float64)
    if len(lon_deg) < 2 or len(lon_deg) != len(lat_deg):
        raise ValueError("a route needs at least two vertices")
    if not max_off_m > 0:
        raise ValueError("max_off_m must be positive")
    empty = RouteHits(np.empty(0, np.intp), np.empty(0), np.empty(0))
    if index.size == 0:
        return empty
    # Pieces short enough for the local plane; samples close enough for the balls.
    lon_p, lat_p = densify(lon_deg, lat_deg, MAX_PIECE_M)
    step = min(max_off_m, MAX_PIECE_M)
    lon_s, lat_s = densify(lon_p, lat_p, step)
    radius = metres_to_chord(max_off_m + step / 2)
    found = index.tree.query_ball_point(unit_vectors(lon_s, lat_s), r=radius)
    candidates = np.unique(np.concatenate([np.asarray(f, dtype=np.intp) for f in found]))
    if len(candidates) == 0:
        return empty
    bits = index.amenity_bits[candidates]
    keep = np.ones(len(candidates), dtype=bool)
    if require_bits:
        keep &= (bits & np.uint64(require_bits)) == np.uint64(require_bits)
    if any_bits:
        keep &= (bits & np.uint64(any_bits)) != 0
    candidates = candidates[keep]
    if len(candidates) == 0:
        return empty
    # Candidate coordinates back from the unit vectors.
    xyz = index.tree.data[candidates]
    c_lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1, 1)))
    c_lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    off, along = _nearest_on_polyline(c_lon, c_lat, lon_p, lat_p)
    inside = off <= max_off_m
    order = np.argsort(along[inside], kind="stable")
    return RouteHits(candidates[inside][order], off[inside][order], along[inside][order])


def _nearest_on_polyline(
    p_lon: NDArray[np.float64],
    p_lat: NDArray[np.float64],
    v_lon: NDArray[np.float64],
    v_lat: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distance from each point to the polyline and the chainage of the nearest point."""
    lengths = segment_lengths_m(v_lon, v_lat)
    start_at = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
    mid_lat = np.radians((v_lat[:-1] + v_lat[1:]) / 2)
    kx = np.radians(1.0) * EARTH_RADIUS_M * np.cos(mid_lat)  # metres per degree, per segment
    ky = np.radians(1.0) * EARTH_RADIUS_M
    # (points, segments) arrays in each segment's local plane, origin at its start.
    sx = (v_lon[1:] - v_lon[:-1]) * kx
    sy = (v_lat[1:] - v_lat[:-1]) * ky
    px = (p_lon[:, None] - v_lon[None, :-1]) * kx[None, :]
    py = (p_lat[:, None] - v_lat[None, :-1]) * ky
    seg2 = sx * sx + sy * sy
    t = np.where(seg2 > 0, (px * sx + py * sy) / np.where(seg2 > 0, seg2, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    dx, dy = px - t * sx, py - t * sy
    dist = np.hypot(dx, dy)
    best = np.argmin(dist, axis=1)
    rows = np.arange(len(p_lon))
    along = start_at[best] + t[rows, best] * lengths[best]
    return dist[rows, best], along
