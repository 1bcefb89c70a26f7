r"""Nearest-station search: a k-d tree over points on the unit sphere, with filters.

Stations are embedded as unit vectors :math:`(\cos\varphi\cos\lambda,
\cos\varphi\sin\lambda, \sin\varphi)`; the chord length :math:`c` between two of them
gives the great-circle distance :math:`d = 2R\arcsin(c/2)` exactly, and chord order is
distance order, so a Euclidean k-d tree (``scipy.spatial.cKDTree``) answers nearest
queries on the sphere without projection error at any scale.

Filters are plain arrays so that a query never touches Python objects per station:

* ``amenity_bits`` — one ``uint64`` per station, bit *i* set when amenity *i* works;
* ``open_slots`` — a boolean matrix ``(n, slots)``: is station *j* open in time slot *s*
  (e.g. the 672 quarter hours of the current week, precomputed from opening hours by the
  caller, which knows the calendar). Stations share few distinct weekly patterns, so the
  matrix may instead hold one row per *pattern*, with ``slot_rows[j]`` naming station
  *j*'s row: 186,100 stations with 2,000 patterns then need 1.5 MB instead of 125 MB.

The tree is queried for a batch of nearest candidates; the filters are applied to the
batch with numpy; if too few pass, the batch grows (doubling) until ``k`` are found or
the radius is exhausted.

>>> import numpy as np
>>> index = StationIndex.build(
...     lon_deg=np.array([126.60, 126.61, 126.70]),
...     lat_deg=np.array([45.76, 45.76, 45.80]),
...     amenity_bits=np.array([0b01, 0b11, 0b11], dtype=np.uint64),
... )
>>> hits = index.nearest(126.605, 45.76, k=2)
>>> sorted(hits.index.tolist()), [round(float(d)) for d in hits.distance_m]
([0, 1], [388, 388])
>>> index.nearest(126.605, 45.76, k=1, require_bits=0b10).index.tolist()
[1]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def unit_vectors(lon_deg: NDArray[np.float64], lat_deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, 3) unit vectors for longitudes/latitudes in degrees."""
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_to_metres(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distance in metres for chord lengths on the unit sphere."""
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def metres_to_chord(distance_m: float) -> float:
    return float(2.0 * np.sin(min(distance_m / EARTH_RADIUS_M, np.pi) / 2.0))


@dataclass(frozen=True)
class Hits:
    """Stations found, nearest first: positions in the index and distances in metres."""

    index: NDArray[np.intp]
    distance_m: NDArray[np.float64]


@dataclass(frozen=True)
class StationIndex:
    tree: cKDTree
    amenity_bits: NDArray[np.uint64]
    open_slots: NDArray[np.bool_] | None
    slot_rows: NDArray[np.intp] | None = None

    @classmethod
    def build(
        cls,
        *,
        lon_deg: NDArray[np.float64],
        lat_deg: NDArray[np.float64],
        amenity_bits: NDArray[np.uint64] | None = None,
        open_slots: NDArray[np.bool_] | None = None,
        slot_rows: NDArray[np.intp] | None = None,
    ) -> StationIndex:
        xyz = unit_vectors(lon_deg, lat_deg)
        n = len(xyz)
        bits = (
            np.zeros(n, dtype=np.uint64)
            if amenity_bits is None
            else np.asarray(amenity_bits, dtype=np.uint64)
        )
        if len(bits) != n:
            raise ValueError("amenity_bits needs one entry per station")
        if slot_rows is not None:
            slot_rows = np.asarray(slot_rows, dtype=np.intp)
            if open_slots is None or len(slot_rows) != n:
                raise ValueError("slot_rows needs open_slots and one entry per station")
            if n and not 0 <= int(slot_rows.min()) <= int(slot_rows.max()) < open_slots.shape[0]:
                raise ValueError("slot_rows points outside open_slots")
        elif open_slots is not None and open_slots.shape[0] != n:
            raise ValueError("open_slots needs one row per station (or slot_rows)")
        return cls(
            tree=cKDTree(xyz, balanced_tree=True) if n else cKDTree(np.zeros((0, 3))),
            amenity_bits=bits,
            open_slots=open_slots,
            slot_rows=slot_rows,
        )

    @property
    def size(self) -> int:
        return int(self.tree.n)

    def nearest(
        self,
        lon_deg: float,
        lat_deg: float,
        *,
        k: int = 5,
        radius_m: float = np.inf,
        require_bits: int = 0,
        any_bits: int = 0,
        open_slot: int | None = None,
        slot_rows: NDArray[np.intp] | None = None,
    ) -> Hits:
        """The ``k`` nearest stations within ``radius_m`` that have every bit in
        ``require_bits``, at least one bit of ``any_bits`` (when not 0), and (when
        ``open_slot`` is given) are open in that slot. ``slot_rows`` replaces the
        index's own station → row map for this query (e.g. "present" rather than
        "open" patterns)."""
        if self.size == 0 or k <= 0:
            return Hits(np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64))
        # One point: plain floats are several times cheaper than numpy here.
        lon, lat = math.radians(lon_deg), math.radians(lat_deg)
        cos_lat = math.cos(lat)
        point = (cos_lat * math.cos(lon), cos_lat * math.sin(lon), math.sin(lat))
        bound = metres_to_chord(radius_m) if math.isfinite(radius_m) else math.inf
        mask = np.uint64(require_bits)
        either = np.uint64(any_bits)
        slots = self.open_slots if open_slot is not None else None
        rows = self.slot_rows if slot_rows is None else slot_rows
        batch = max(4 * k, 16)
        while True:
            batch = min(batch, self.size)
            chord, idx = self.tree.query(point, k=batch, distance_upper_bound=bound)
            if batch == 1:
                chord, idx = np.array([chord]), np.array([idx])
            if idx[-1] >= self.size:  # misses beyond the bound come back last, as n
                found = idx < self.size
                chord, idx = chord[found], idx[found]
            keep = (self.amenity_bits[idx] & mask) == mask if require_bits else None
            if any_bits:
                has_any = (self.amenity_bits[idx] & either) != 0
                keep = has_any if keep is None else keep & has_any
            if slots is not None:
                is_open = slots[idx if rows is None else rows[idx], open_slot]
                keep = is_open if keep is None else keep & is_open
            chosen = np.arange(len(idx)) if keep is None else keep.nonzero()[0]
            if len(chosen) >= k or batch >= self.size or len(idx) < batch:
                chosen = chosen[:k]
                # chord → metres (as chord_to_metres, without its generic clipping)
                metres = (2.0 * EARTH_RADIUS_M) * np.arcsin(np.minimum(chord[chosen] * 0.5, 1.0))
                return Hits(idx[chosen].astype(np.intp), metres)
            batch *= 4
