"""GET /api/v1/finder/nearby?lat=…&lon=…&limit=5: the nearest stations as the crow flies.

The finder's other parameters (open_now, amenity) are parsed like any query parameter but
do not filter. The tree (stations on the unit sphere, as x, y, z) is built from
BARE_DB's active stations on each worker's first request, as the finder builds its index.
"""

from __future__ import annotations

import math
import os
import sqlite3
from contextlib import closing
from functools import cache

import numpy as np
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8

api = NinjaAPI(title="bare", docs_url=None)


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    φ, λ = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(φ) * np.cos(λ), np.cos(φ) * np.sin(λ), np.sin(φ)])


@cache
def _tree() -> tuple[cKDTree, np.ndarray]:
    with closing(sqlite3.connect(os.environ["BARE_DB"])) as db:
        rows = db.execute(
            "SELECT id, lat, lon FROM stations_station WHERE status = 'active' ORDER BY id"
        ).fetchall()
    table = np.array(rows, dtype=float)
    return cKDTree(_xyz(table[:, 1], table[:, 2])), table[:, 0].astype(np.int64)


@api.get("/finder/nearby")
def nearby(
    request: HttpRequest,
    lat: float,
    lon: float,
    open_now: bool = False,
    amenity: str = "",
    limit: int = 5,
) -> dict[str, list[dict[str, float]]]:
    tree, ids = _tree()
    k = min(max(limit, 1), 50)
    chord, index = tree.query(_xyz(np.array([lat]), np.array([lon]))[0], k=k)
    return {
        "results": [
            {
                "id": int(ids[i]),
                "distance_m": round(2 * EARTH_RADIUS_M * math.asin(min(c / 2, 1.0)), 1),
            }
            for c, i in zip(np.atleast_1d(chord), np.atleast_1d(index), strict=True)
        ]
    }


urlpatterns = [path("api/v1/", api.urls)]
