r"""Does an uploaded layer lie where the region is? A road network or demand file cut from
another city reads without error and then answers every question with "0 %", proved
optimal. :func:`overlap` compares the layer's points with the region's own (its
stations, or the centres of its streets) before anything is kept.

* **none** — no region point lies within ``near_m`` of the layer: the layer is elsewhere;
* **partial** — some region points do and some do not: part of the region is missing;
* **full** — every region point does.

The distance reported is between the two *centres* (the medians of longitude and
latitude, which a few stray points do not move), what a person means by "1,050 km away".

>>> import numpy as np
>>> region = (np.array([126.60, 126.63]), np.array([45.76, 45.78]))          # Harbin
>>> shenyang = (np.array([123.40, 123.45, 123.43]), np.array([41.79, 41.81, 41.80]))
>>> fit = overlap(*shenyang, *region, near_m=1000)
>>> fit.kind, fit.near, fit.points, round(fit.distance_m / 1000)
('none', 0, 2, 510)
>>> overlap(region[0] + 0.001, region[1], *region, near_m=1000).kind
'full'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geoplan.places import great_circle_m
from geoplan.spatial import chord_to_metres, unit_vectors

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Overlap:
    """How a layer sits over the region's points."""

    points: int  # the region's points
    near: int  # of them within near_m of some point of the layer
    distance_m: float  # between the centres
    gap_m: float  # from the region's points to the nearest point of the layer
    centre: tuple[float, float]  # the layer's (lon, lat)

    @property
    def kind(self) -> Literal["none", "partial", "full"]:
        if self.near == 0:
            return "none"
        return "full" if self.near == self.points else "partial"


def overlap(
    layer_lon: FloatArray,
    layer_lat: FloatArray,
    region_lon: FloatArray,
    region_lat: FloatArray,
    *,
    near_m: float,
) -> Overlap:
    """Compare a layer's points with the region's (both non-empty, WGS-84 degrees)."""
    layer_lon, layer_lat = np.asarray(layer_lon, float), np.asarray(layer_lat, float)
    region_lon, region_lat = np.asarray(region_lon, float), np.asarray(region_lat, float)
    if not len(layer_lon) or not len(region_lon):
        raise ValueError("overlap needs points on both sides")
    tree = cKDTree(unit_vectors(layer_lon, layer_lat))
    chord, _idx = tree.query(unit_vectors(region_lon, region_lat), k=1)
    gap = chord_to_metres(np.asarray(chord))
    cx, cy = float(np.median(layer_lon)), float(np.median(layer_lat))
    rx, ry = float(np.median(region_lon)), float(np.median(region_lat))
    return Overlap(
        points=len(region_lon),
        near=int((gap <= near_m).sum()),
        distance_m=float(great_circle_m(rx, ry, np.array([cx]), np.array([cy]))[0]),
        gap_m=float(gap.min()),
        centre=(cx, cy),
    )
