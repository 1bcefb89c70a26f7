r"""Coverage: which demand lies within 15 minutes of an open station, and when.

**Travel.** Without a road network a point is reached when its great-circle distance is
at most :math:`r = v \cdot t / f` (speed :math:`v`, minutes :math:`t`, detour factor
:math:`f`, the ratio of road to straight-line distance; 1.3 is typical of Chinese city
grids). With a :class:`~geoplan.network.RoadNetwork` the distance is measured along the
roads (see :mod:`geoplan.network`).

**Coverage share.** With demand weights :math:`w_i` and :math:`a_{ij} = 1` when site
:math:`j` reaches point :math:`i`, the share is
:math:`\sum_i w_i [\exists j: a_{ij}] / \sum_i w_i`. Straight-line, it is one nearest-
neighbour query per point against a k-d tree of the sites (unit-sphere chords, as in
:mod:`geoplan.spatial`) with ``distance_upper_bound``.

**By hour of the week.** A station counts in hour :math:`h` only when open then
(``open_hours[j, h]``); a mobile station's stops are sites of their own, open in their
time windows. Sites sharing one weekly pattern are tested together, so the cost is one
query per distinct pattern, not per hour.

>>> import numpy as np
>>> from geoplan.demand import Demand
>>> travel = Travel(minutes=15, speed_kmh=4.8, detour=1.0)   # 1,200 m straight
>>> demand = Demand(lon=np.array([126.600, 126.610, 126.650]), lat=np.array([45.75] * 3),
...                 weight=np.array([2.0, 1.0, 1.0]), hour=np.array([2, 14, 14]))
>>> # 0.01° of longitude at 45.75° N is 775 m; 0.05° is 3.9 km.
>>> covered(travel, demand.lon, demand.lat, np.array([126.605]), np.array([45.75])).tolist()
[True, True, False]
>>> # The one station opens 08:00–20:00 every day: at 2 a.m. Monday nobody is served.
>>> day = np.zeros(168, bool); day[[d * 24 + h for d in range(7) for h in range(8, 20)]] = True
>>> hourly = coverage_by_hour(travel, demand, np.array([126.605]), np.array([45.75]), day[None, :])
>>> round(hourly.share, 3), float(hourly.by_hour_share[2]), float(hourly.by_hour_share[14])
(0.25, 0.0, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geoplan.demand import HOURS_PER_WEEK, Demand
from geoplan.network import Mode, RoadNetwork
from geoplan.spatial import metres_to_chord, unit_vectors

FloatArray = NDArray[np.float64]
POINTS_PER_BLOCK = 100_000


@dataclass(frozen=True)
class Travel:
    """How far 15 minutes go: straight line × detour factor, or along a road network."""

    minutes: float = 15.0
    speed_kmh: float = 5.0
    detour: float = 1.3
    network: RoadNetwork | None = field(default=None, compare=False)
    mode: Mode = "walk"

    @property
    def limit_m(self) -> float:
        """Metres travelled along the way in ``minutes``."""
        return self.speed_kmh * 1000.0 * self.minutes / 60.0

    @property
    def radius_m(self) -> float:
        """The straight-line radius that the limit stands for without a network."""
        return self.limit_m / self.detour


def covered(
    travel: Travel,
    lon: FloatArray,
    lat: FloatArray,
    site_lon: FloatArray,
    site_lat: FloatArray,
) -> NDArray[np.bool_]:
    """Which points some site reaches within ``travel``."""
    n = len(lon)
    if not len(site_lon) or not n:
        return np.zeros(n, dtype=bool)
    if travel.network is not None:
        net = travel.network
        reach = net.reach(
            site_lon, site_lat, mode=travel.mode, speed_kmh=travel.speed_kmh, minutes=travel.minutes
        )
        return net.reached(reach, lon, lat, travel.mode)
    tree = cKDTree(unit_vectors(site_lon, site_lat), balanced_tree=False, compact_nodes=False)
    d, _ = tree.query(
        unit_vectors(lon, lat),
        k=1,
        distance_upper_bound=metres_to_chord(travel.radius_m),
        workers=-1,
    )
    out: NDArray[np.bool_] = np.isfinite(d)
    return out


def coverage_matrix(
    travel: Travel,
    lon: FloatArray,
    lat: FloatArray,
    site_lon: FloatArray,
    site_lat: FloatArray,
) -> csr_matrix:
    """The coverage matrix :math:`A` (points × sites, 1 where the site reaches the point)."""
    n, m = len(lon), len(site_lon)
    if not n or not m:
        return csr_matrix((n, m), dtype=np.int8)
    if travel.network is None:
        tree = cKDTree(unit_vectors(site_lon, site_lat))
        chord = metres_to_chord(travel.radius_m)
        points = unit_vectors(lon, lat)
        blocks = []
        for start in range(0, n, POINTS_PER_BLOCK):  # a block's Python lists at a time
            hits = tree.query_ball_point(
                points[start : start + POINTS_PER_BLOCK], chord, workers=-1
            )
            counts = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
            indptr = np.concatenate([[0], np.cumsum(counts)])
            indices = (
                np.concatenate([np.asarray(h, dtype=np.int32) for h in hits if h])
                if indptr[-1]
                else np.zeros(0, np.int32)
            )
            blocks.append(
                csr_matrix((np.ones(len(indices), np.int8), indices, indptr), shape=(len(hits), m))
            )
        a = vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
        a.sort_indices()
        return a
    net = travel.network
    g = net.graph(travel.mode)
    limit = travel.limit_m
    d_node, d_off = net.snap(lon, lat, travel.mode)
    s_node, s_off = net.snap(site_lon, site_lat, travel.mode)
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    # Each batch holds (batch × nodes) and (batch × points) distances: about 160 MB each.
    batch = max(1, int(2e7 // max(net.node_count, n, 1)))
    for start in range(0, m, batch):
        idx = np.arange(start, min(m, start + batch))
        dist = dijkstra(g, directed=False, indices=s_node[idx], limit=limit)
        total = dist[:, d_node] + d_off[None, :] + s_off[idx, None]
        r, c = np.nonzero(total <= limit)
        rows.append(c)  # points
        cols.append(idx[r])  # sites
    rr, cc = np.concatenate(rows), np.concatenate(cols)
    a = coo_matrix((np.ones(len(rr), np.int8), (rr, cc)), shape=(n, m)).tocsr()
    a.sum_duplicates()
    return a


@dataclass(frozen=True)
class HourlyCoverage:
    """Demand and covered demand by hour of the week, and the overall share."""

    demand_by_hour: FloatArray
    covered_by_hour: FloatArray
    covered_weight: FloatArray  # per record: the part of its weight that is covered

    @property
    def share(self) -> float:
        total = float(self.demand_by_hour.sum())
        return float(self.covered_by_hour.sum()) / total if total else 0.0

    @property
    def by_hour_share(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(
                self.demand_by_hour > 0, self.covered_by_hour / self.demand_by_hour, 0.0
            )
        return out


@dataclass(frozen=True)
class PatternReach:
    """Which records the sites of each distinct weekly opening pattern reach: computed
    once, then asked for coverage by hour or for what is left in some hours."""

    demand: Demand
    patterns: NDArray[np.bool_]  # (P, 168)
    reach: NDArray[np.bool_]  # (P, records)

    def _hours_reached(self, records: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """For the chosen all-week records, the hours (records, 168) some site reaches them."""
        if not len(self.patterns):
            return np.zeros((int(records.sum()), HOURS_PER_WEEK), dtype=bool)
        # float32, not uint8: a count of 256 patterns must not wrap round to 0.
        out: NDArray[np.bool_] = (
            self.reach[:, records].T.astype(np.float32) @ self.patterns.astype(np.float32)
        ) > 0
        return out

    def _timed_ok(self, timed: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """For the timed records, whether they are reached at their own hour."""
        if not len(self.patterns):
            return np.zeros(int(timed.sum()), dtype=bool)
        hrs = self.demand.hour[timed].astype(np.intp)
        out: NDArray[np.bool_] = (self.reach[:, timed] & self.patterns[:, hrs]).any(axis=0)
        return out

    def hourly(self) -> HourlyCoverage:
        d = self.demand
        timed = d.hour >= 0
        covered_weight = np.zeros(d.size)
        covered_weight[timed] = np.where(self._timed_ok(timed), d.weight[timed], 0.0)
        covered_by_hour = np.bincount(
            d.hour[timed].astype(np.intp), covered_weight[timed], minlength=HOURS_PER_WEEK
        ).astype(np.float64)
        untimed = ~timed
        if untimed.any():
            w = d.weight[untimed] / HOURS_PER_WEEK
            hours_reached = self._hours_reached(untimed)
            covered_by_hour += w @ hours_reached
            covered_weight[untimed] = w * hours_reached.sum(axis=1)
        return HourlyCoverage(d.by_hour(), covered_by_hour, covered_weight)

    def uncovered_in(self, hours: NDArray[np.bool_]) -> FloatArray:
        """Per record, the weight falling in ``hours`` (168 flags) that no site open at
        that hour reaches: what a new site open in those hours could win."""
        d = self.demand
        hours = np.asarray(hours, dtype=bool)
        out = np.zeros(d.size)
        timed = d.hour >= 0
        hrs = d.hour[timed].astype(np.intp)
        out[timed] = np.where(hours[hrs] & ~self._timed_ok(timed), d.weight[timed], 0.0)
        untimed = ~timed
        if untimed.any():
            gap = (~self._hours_reached(untimed) & hours[None, :]).sum(axis=1)
            out[untimed] = d.weight[untimed] / HOURS_PER_WEEK * gap
        return out


def pattern_reach(
    travel: Travel,
    demand: Demand,
    site_lon: FloatArray,
    site_lat: FloatArray,
    open_hours: NDArray[np.bool_] | None = None,
) -> PatternReach:
    """Group the sites by weekly pattern ``open_hours`` (sites, 168; None = always open)
    and find which records each group reaches: one reach query per distinct pattern."""
    m = len(site_lon)
    if open_hours is None:
        open_hours = np.ones((m, HOURS_PER_WEEK), dtype=bool)
    open_hours = np.asarray(open_hours, dtype=bool)
    if open_hours.shape != (m, HOURS_PER_WEEK):
        raise ValueError("open_hours needs shape (sites, 168)")
    if not m:
        return PatternReach(
            demand, np.zeros((0, HOURS_PER_WEEK), bool), np.zeros((0, demand.size), bool)
        )
    patterns, which = np.unique(open_hours, axis=0, return_inverse=True)
    which = np.asarray(which).ravel()
    reach = np.zeros((len(patterns), demand.size), dtype=bool)
    for p in range(len(patterns)):
        sites = which == p
        if patterns[p].any():
            reach[p] = covered(travel, demand.lon, demand.lat, site_lon[sites], site_lat[sites])
    return PatternReach(demand, patterns, reach)


def coverage_by_hour(
    travel: Travel,
    demand: Demand,
    site_lon: FloatArray,
    site_lat: FloatArray,
    open_hours: NDArray[np.bool_] | None = None,
) -> HourlyCoverage:
    """Coverage of each record at its own hour (all-week records: in every hour, each
    hour carrying 1/168 of the weight) by the sites open then.

    ``open_hours`` is ``(sites, 168)``; ``None`` means always open.
    """
    return pattern_reach(travel, demand, site_lon, site_lat, open_hours).hourly()


def uncovered_in_hours(
    travel: Travel,
    demand: Demand,
    site_lon: FloatArray,
    site_lat: FloatArray,
    open_hours: NDArray[np.bool_] | None,
    hours: NDArray[np.bool_],
) -> FloatArray:
    """Per record, the weight falling in ``hours`` that no site open then reaches.

    >>> from geoplan.demand import Demand
    >>> d = Demand(np.array([126.6, 126.6]), np.array([45.7, 45.7]), np.array([168.0, 5.0]),
    ...            np.array([-1, 3]))
    >>> night = np.zeros(168, bool); night[:6] = True          # Monday 00:00–06:00
    >>> shut = np.zeros((1, 168), bool)                        # a station never open
    >>> uncovered_in_hours(Travel(), d, np.array([126.6]), np.array([45.7]), shut, night).tolist()
    [6.0, 5.0]
    """
    return pattern_reach(travel, demand, site_lon, site_lat, open_hours).uncovered_in(hours)


def nearest_site(
    lon: FloatArray, lat: FloatArray, site_lon: FloatArray, site_lat: FloatArray
) -> NDArray[np.intp]:
    """The nearest site (great circle) of each point.

    >>> nearest_site(np.array([126.6, 126.7]), np.array([45.7, 45.7]),
    ...              np.array([126.71, 126.59]), np.array([45.7, 45.7])).tolist()
    [1, 0]
    """
    tree = cKDTree(unit_vectors(site_lon, site_lat))
    _d, idx = tree.query(unit_vectors(lon, lat), k=1, workers=-1)
    out: NDArray[np.intp] = np.asarray(idx, dtype=np.intp)
    return out


@dataclass(frozen=True)
class GapCell:
    cell: str
    lon: float
    lat: float
    demand: float
    uncovered: float


def gap_cells(demand: Demand, covered_weight: FloatArray, *, resolution: int = 8) -> list[GapCell]:
    """Demand and uncovered demand per H3 hexagon (resolution 8: cells of 0.74 km²),
    the most uncovered first.

    >>> d = Demand(np.array([126.6, 126.6, 127.0]), np.array([45.7, 45.7, 45.9]), np.ones(3))
    >>> cells = gap_cells(d, np.array([1.0, 0.0, 0.0]))
    >>> [(c.demand, c.uncovered) for c in cells]
    [(2.0, 1.0), (1.0, 1.0)]
    """
    import h3

    if not demand.size:
        return []
    # Records at the same spot (one cell's hours) are binned once.
    keys, inverse = np.unique(
        np.round(np.column_stack([demand.lon, demand.lat]), 6), axis=0, return_inverse=True
    )
    inverse = np.asarray(inverse).ravel()
    ids = [h3.latlng_to_cell(float(lat), float(lon), resolution) for lon, lat in keys]
    cell_of, cell_index = np.unique(np.array(ids), return_inverse=True)
    per_record = np.asarray(cell_index).ravel()[inverse]
    total = np.bincount(per_record, demand.weight, minlength=len(cell_of))
    gap = np.bincount(per_record, demand.weight - covered_weight, minlength=len(cell_of))
    out = []
    for i, cell in enumerate(cell_of):
        clat, clon = h3.cell_to_latlng(str(cell))
        out.append(GapCell(str(cell), clon, clat, float(total[i]), float(max(gap[i], 0.0))))
    out.sort(key=lambda c: (-c.uncovered, -c.demand, c.cell))
    return out


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The hexagon's corners as (lon, lat), closed, for GeoJSON."""
    import h3

    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


@dataclass(frozen=True)
class Overlap:
    a: int
    b: int
    shared: float  # demand weight both reach
    share: float  # of the smaller one's demand


def overlapping_pairs(
    a: csr_matrix, weights: FloatArray, *, min_share: float = 0.5
) -> list[Overlap]:
    r"""Pairs of sites covering the same ground: the demand both reach,
    :math:`(A^\top W A)_{jk}`, as a share of the smaller one's own,
    :math:`\min((A^\top W A)_{jj}, (A^\top W A)_{kk})`; the most shared first.

    >>> from scipy.sparse import csr_matrix
    >>> a = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]]))
    >>> [(o.a, o.b, o.share) for o in overlapping_pairs(a, np.ones(4))]
    [(0, 1, 1.0), (1, 2, 0.5)]
    """
    b = a.astype(np.float64).tocsc()
    weighted = b.multiply(np.asarray(weights, dtype=np.float64)[:, None]).tocsc()
    gram = (b.T @ weighted).tocoo()
    own = gram.diagonal()
    out = []
    for j, k, v in zip(gram.row, gram.col, gram.data, strict=True):
        if j < k and v > 0:
            smaller = min(own[j], own[k])
            share = float(v / smaller) if smaller else 0.0
            if share >= min_share:
                out.append(Overlap(int(j), int(k), float(v), round(share, 6)))
    out.sort(key=lambda o: (-o.share, -o.shared, o.a, o.b))
    return out
