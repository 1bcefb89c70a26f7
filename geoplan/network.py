r"""Road networks from OpenStreetMap extracts, and how far one gets on them in minutes.

:func:`load_osm` reads an ``.osm.pbf`` or ``.osm`` (XML) file with pyosmium, keeps the
ways tagged ``highway`` that walking or e-bikes may use, and builds an undirected graph:
one node per OSM node used by a kept way, one edge per consecutive pair of its nodes,
weighted by the great-circle length in metres. Each edge remembers which modes may use
it:

* **walk** — every road and path except motorways and trunk roads (and ``foot=no``);
* **ebike** — roads, cycleways and living streets, not motorways, trunk roads, footways,
  steps or paths (unless ``bicycle=yes``); ``access=no/private`` keeps both out.

One-way streets are treated as two-way: riders walk their e-bike against the flow,
and a 15-minute reach is not sensitive to it at a city's scale.

:meth:`RoadNetwork.reach` runs one multi-source Dijkstra
(``scipy.sparse.csgraph.dijkstra(..., min_only=True, limit=...)``) from every source at
once, so the time from the nearest open station to every node costs one pass over the
graph whatever the number of stations. A point is reached when its nearest node's
distance plus the straight walk from the road to the point (and from the station to
its road) is within the limit.

>>> import textwrap, tempfile, os
>>> xml = textwrap.dedent('''\
...   <osm version="0.6">
...    <node id="1" lat="45.0" lon="126.000"/><node id="2" lat="45.0" lon="126.010"/>
...    <node id="3" lat="45.0" lon="126.020"/>
...    <way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
...   </osm>''')
>>> with tempfile.TemporaryDirectory() as d:
...     path = os.path.join(d, "line.osm")
...     _ = open(path, "w").write(xml)
...     net = load_osm(path)
>>> net.node_count, net.edge_count, round(net.length_m.sum())
(3, 2, 1573)
>>> # 5 km/h for 10 minutes is 833 m: from node 1 the first node (787 m) is reached.
>>> reach = net.reach(np.array([126.0]), np.array([45.0]), mode="walk", speed_kmh=5, minutes=10)
>>> np.isfinite(reach.node_m).tolist()
[True, True, False]
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geoplan.spatial import EARTH_RADIUS_M, chord_to_metres, unit_vectors

Mode = Literal["walk", "ebike"]
MODES: tuple[Mode, ...] = ("walk", "ebike")
WALK, EBIKE = 1, 2  # bits of RoadNetwork.modes

NO_WALK = {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed"}
NO_EBIKE = NO_WALK | {"footway", "steps", "path", "pedestrian", "bridleway", "corridor", "elevator"}


class NetworkFileError(ValueError):
    """An OSM file that cannot be used as a road network; names the file."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}：{message}")


def _modes_of(tags: dict[str, str]) -> int:
    highway = tags.get("highway", "")
    if not highway or tags.get("area") == "yes":
        return 0
    if tags.get("access") in ("no", "private"):
        return 0
    bits = 0
    if highway not in NO_WALK and tags.get("foot") != "no":
        bits |= WALK
    if (highway not in NO_EBIKE or tags.get("bicycle") in ("yes", "designated")) and tags.get(
        "bicycle"
    ) != "no":
        if highway not in NO_WALK:
            bits |= EBIKE
    return bits


@dataclass(frozen=True)
class Reach:
    """Metres from the nearest source along the network, per node (inf beyond)."""

    node_m: NDArray[np.float64]
    limit_m: float


@dataclass(frozen=True)
class RoadNetwork:
    """Nodes (WGS-84) and undirected edges with lengths and the modes allowed."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]
    modes: NDArray[np.uint8]

    @property
    def node_count(self) -> int:
        return len(self.lon)

    @property
    def edge_count(self) -> int:
        return len(self.tail)

    def graph(self, mode: Mode) -> csr_matrix:
        """The symmetric CSR adjacency of the edges ``mode`` may use (metres)."""
        bit = WALK if mode == "walk" else EBIKE
        keep = (self.modes & bit) != 0
        t, h, w = self.tail[keep], self.head[keep], self.length_m[keep]
        n = self.node_count
        # Zero-length edges would vanish from a sparse matrix: keep them at a millimetre.
        w = np.maximum(w, 1e-3)
        return csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([t, h]), np.concatenate([h, t]))),
            shape=(n, n),
        )

    def _tree(self) -> cKDTree:
        return cKDTree(unit_vectors(self.lon, self.lat))

    def snap(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], mode: Mode | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The nearest node (used by ``mode``, if given) of each point, and its distance."""
        if mode is None:
            nodes = np.arange(self.node_count)
        else:
            bit = WALK if mode == "walk" else EBIKE
            keep = (self.modes & bit) != 0
            nodes = np.unique(np.concatenate([self.tail[keep], self.head[keep]]))
        if not len(nodes):
            raise ValueError(f"no road for {mode}")
        tree = cKDTree(unit_vectors(self.lon[nodes], self.lat[nodes]))
        chord, idx = tree.query(unit_vectors(lon, lat), k=1, workers=-1)
        return nodes[idx], chord_to_metres(np.asarray(chord))

    def reach(
        self,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        *,
        mode: Mode,
        speed_kmh: float,
        minutes: float,
        graph: csr_matrix | None = None,
    ) -> Reach:
        """How far (m) each node is from the nearest source, within ``minutes``."""
        limit = speed_kmh * 1000.0 * minutes / 60.0
        g = self.graph(mode) if graph is None else graph
        if not len(lon):
            return Reach(np.full(self.node_count, np.inf), limit)
        nodes, off = self.snap(lon, lat, mode)
        # A source far from its road starts late: walk to the road first. Sources
        # sharing a node keep the nearest.
        order = np.lexsort((off, nodes))
        nodes, off = nodes[order], off[order]
        first = np.r_[True, nodes[1:] != nodes[:-1]]
        nodes, off = nodes[first], off[first]
        near = off <= limit
        nodes, off = nodes[near], off[near]
        if not len(nodes):
            return Reach(np.full(self.node_count, np.inf), limit)
        if np.all(off == 0):
            dist = dijkstra(g, directed=False, indices=nodes, min_only=True, limit=limit)
        else:
            # A virtual super-source joined to each source node by its walk-in distance.
            n = self.node_count
            extra = csr_matrix(
                (np.maximum(off, 1e-3), (np.full(len(nodes), n), nodes)), shape=(n + 1, n + 1)
            )
            big = _pad(g, n + 1) + extra
            dist = dijkstra(big, directed=True, indices=n, limit=limit)[:n]
        return Reach(np.asarray(dist, dtype=np.float64), limit)

    def reached(
        self,
        reach: Reach,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        mode: Mode,
    ) -> NDArray[np.bool_]:
        """Which points are within the reach (their node's distance + the walk off road)."""
        nodes, off = self.snap(lon, lat, mode)
        out: NDArray[np.bool_] = reach.node_m[nodes] + off <= reach.limit_m
        return out

    # -- storage: a plain .npz, so that the database can hold it as bytes
    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            lon=self.lon,
            lat=self.lat,
            tail=self.tail,
            head=self.head,
            length_m=self.length_m,
            modes=self.modes,
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoadNetwork:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return cls(
                lon=z["lon"],
                lat=z["lat"],
                tail=z["tail"],
                head=z["head"],
                length_m=z["length_m"],
                modes=z["modes"],
            )


def _pad(g: csr_matrix, n: int) -> csr_matrix:
    g = g.tocsr()
    indptr = np.concatenate([g.indptr, np.full(n - g.shape[0], g.indptr[-1])])
    return csr_matrix((g.data, g.indices, indptr), shape=(n, n))


def _haversine_m(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    out: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return out


def load_osm(path: str | Path, *, name: str | None = None) -> RoadNetwork:
    """Read an OSM extract (``.osm.pbf``, ``.osm``, ``.osm.bz2``…) into a road network.

    Raises :class:`NetworkFileError` naming the file when it is not an OSM file or
    holds no road that walking or e-bikes may use.
    """
    import osmium

    label = name or Path(path).name
    ids: dict[int, int] = {}
    lon: list[float] = []
    lat: list[float] = []
    tail: list[int] = []
    head: list[int] = []
    modes: list[int] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            bits = _modes_of(dict(way.tags))
            if not bits:
                continue
            prev = -1
            for node in way.nodes:
                loc = node.location
                if not loc.valid():
                    prev = -1  # a node missing from the extract breaks the way there
                    continue
                i = ids.get(node.ref)
                if i is None:
                    i = ids[node.ref] = len(lon)
                    lon.append(loc.lon)
                    lat.append(loc.lat)
                if prev >= 0 and prev != i:
                    tail.append(prev)
                    head.append(i)
                    modes.append(bits)
                prev = i
    except RuntimeError as exc:
        raise NetworkFileError(label, f"不是可读的 OSM 文件（{exc}）") from exc
    except Exception as exc:  # pyosmium raises plain errors for truncated or odd input
        raise NetworkFileError(label, f"读取失败（{exc}）") from exc
    if not tail:
        raise NetworkFileError(label, "文件里没有步行或电动车可走的道路（highway=*）")
    lon_a, lat_a = np.array(lon), np.array(lat)
    t, h = np.array(tail, dtype=np.int32), np.array(head, dtype=np.int32)
    # A segment drawn by two ways (or both ways round) is one edge: a sparse matrix would
    # add the duplicates' lengths. Keep one per node pair, with every mode either allows.
    lo, hi = np.minimum(t, h), np.maximum(t, h)
    pairs, inverse = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    edge_modes = np.zeros(len(pairs), dtype=np.uint8)
    np.bitwise_or.at(edge_modes, inverse, np.array(modes, dtype=np.uint8))
    t, h = pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)
    return RoadNetwork(
        lon=lon_a,
        lat=lat_a,
        tail=t,
        head=h,
        length_m=_haversine_m(lon_a[t], lat_a[t], lon_a[h], lat_a[h]),
        modes=edge_modes,
    )


def grid_network(
    lon0: float, lat0: float, *, rows: int, cols: int, spacing_m: float
) -> RoadNetwork:
    """A street grid (every edge walkable and rideable): for tests and benchmarks.

    >>> g = grid_network(126.6, 45.7, rows=3, cols=4, spacing_m=100)
    >>> g.node_count, g.edge_count
    (12, 17)
    """
    dlat = np.degrees(spacing_m / EARTH_RADIUS_M)
    dlon = dlat / np.cos(np.radians(lat0))
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    lon = (lon0 + c * dlon).ravel().astype(np.float64)
    lat = (lat0 + r * dlat).ravel().astype(np.float64)
    idx = np.arange(rows * cols).reshape(rows, cols)
    t = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()]).astype(np.int32)
    h = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()]).astype(np.int32)
    return RoadNetwork(
        lon=lon,
        lat=lat,
        tail=t,
        head=h,
        length_m=_haversine_m(lon[t], lat[t], lon[h], lat[h]),
        modes=np.full(len(t), WALK | EBIKE, dtype=np.uint8),
    )
