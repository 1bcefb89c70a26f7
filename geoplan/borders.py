r"""Is a point in a territory? Country outlines from TopoJSON (Natural Earth through the
``world-atlas`` npm package), tested by ray casting, with a tolerance band along the
border so that a station in a border town is never refused for the outline's coarseness.

TopoJSON decoding (written here: the format is small and fixed, and no kept Python
library decodes it): each arc is a list of quantised, delta-encoded positions;
``position = translate + scale × cumulative sum``. A polygon is a list of rings, each a
list of arc indices, ``~i`` (i.e. ``-i - 1``) meaning arc *i* reversed.

Inside test: even–odd ray casting over every ring (holes included), vectorised over the
ring's edges. Outside, the distance to the nearest border segment (local plane per
segment, as in :mod:`geoplan.route`) decides whether the point is within the tolerance.

>>> x = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
>>> y = np.array([0.0, 0.0, 1.0, 1.0, 0.0])
>>> square = Territory.from_rings([(x, y)])
>>> # 0.0005° east of the edge at the equator is 56 m: outside, but within 100 m of it.
>>> square.contains(0.5, 0.5), square.contains(1.5, 0.5), square.contains(1.0005, 0.5, tolerance_m=100)
(True, False, True)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geoplan.route import _nearest_on_polyline

Ring = tuple[NDArray[np.float64], NDArray[np.float64]]  # lon, lat; closed (first = last)


def decode_arcs(topology: dict[str, Any]) -> list[NDArray[np.float64]]:
    """Every arc of a TopoJSON topology as an (n, 2) array of lon/lat degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform:
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"]) + np.asarray(
                transform["translate"]
            )
        arcs.append(points)
    return arcs


def _ring(arcs: Sequence[NDArray[np.float64]], indices: Iterable[int]) -> Ring:
    parts: list[NDArray[np.float64]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if not parts else arc[1:])  # consecutive arcs share an end point
    points = np.concatenate(parts)
    return points[:, 0].copy(), points[:, 1].copy()


def territory_rings(topology: dict[str, Any], object_name: str, names: set[str]) -> list[Ring]:
    """The rings of the geometries whose ``properties.name`` is in ``names``."""
    arcs = decode_arcs(topology)
    rings: list[Ring] = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if (geometry.get("properties") or {}).get("name") not in names:
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
        for polygon in polygons:
            rings.extend(_ring(arcs, ring) for ring in polygon)
    return rings


@dataclass(frozen=True)
class Territory:
    rings: tuple[Ring, ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    @classmethod
    def from_rings(cls, rings: Sequence[Ring]) -> Territory:
        if not rings:
            raise ValueError("a territory needs at least one ring")
        lons = np.concatenate([r[0] for r in rings])
        lats = np.concatenate([r[1] for r in rings])
        bbox = (float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max()))
        return cls(tuple(rings), bbox)

    @classmethod
    def from_topojson(
        cls, path: Path, names: set[str], object_name: str = "countries"
    ) -> Territory:
        topology = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_rings(territory_rings(topology, object_name, names))

    def _inside(self, lon: float, lat: float) -> bool:
        crossings = 0
        for x, y in self.rings:
            x0, y0, x1, y1 = x[:-1], y[:-1], x[1:], y[1:]
            straddles = (y0 > lat) != (y1 > lat)
            if not straddles.any():
                continue
            xs = x0[straddles] + (lat - y0[straddles]) * (x1[straddles] - x0[straddles]) / (
                y1[straddles] - y0[straddles]
            )
            crossings += int(np.count_nonzero(xs > lon))
        return crossings % 2 == 1

    def distance_to_border_m(self, lon: float, lat: float) -> float:
        p_lon, p_lat = np.array([lon]), np.array([lat])
        return float(min(_nearest_on_polyline(p_lon, p_lat, x, y)[0][0] for x, y in self.rings))

    def contains(self, lon: float, lat: float, *, tolerance_m: float = 0.0) -> bool:
        """Inside the outline, or within ``tolerance_m`` of its border."""
        pad = tolerance_m / 80_000.0 + 1e-9  # degrees; generous (a degree is ≥ 80 km here)
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon - pad <= lon <= max_lon + pad and min_lat - pad <= lat <= max_lat + pad):
            return False
        if self._inside(lon, lat):
            return True
        return tolerance_m > 0 and self.distance_to_border_m(lon, lat) <= tolerance_m
