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
and a 15-minute reach is not sensitive to it at a city's scale. The graph is therefore
undirected, and its weakly and strongly connected parts are the same.

Each edge also keeps its road's name (``name:zh``, else ``name``, else ``ref``), so that
a suggested site can be placed "at the corner of 中央大街 and 西十二道街" rather than by
coordinates (see :mod:`geoplan.places`).

**Snapping.** A point joins the network at the nearest node of the network's *largest
connected part* for the mode (:meth:`RoadNetwork.snap`). An OSM extract is full of
fragments: a car park's aisles, a footpath cut off at the extract's edge, a campus whose
gate is missing. A station snapped to a 31-node fragment would "reach" 59 m and leave
the street outside its door uncovered; snapped to the main network it walks a little
further to the road and then reaches the city.

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
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
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
class Parts:
    """The connected parts of a network for one mode: how many nodes the largest holds,
    out of how many the mode uses, and how many smaller parts there are besides."""

    main_nodes: int
    used_nodes: int
    others: int


@dataclass(frozen=True)
class RoadNetwork:
    """Nodes (WGS-84) and undirected edges with lengths, the modes allowed and, when the
    extract named them, each edge's road name (``names[edge_name[e]]``; -1: unnamed)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]
    modes: NDArray[np.uint8]
    edge_name: NDArray[np.int32] | None = field(default=None, compare=False)
    names: tuple[str, ...] = ()

    @property
    def node_count(self) -> int:
        return len(self.lon)

    @property
    def edge_count(self) -> int:
        return len(self.tail)

    def _used(self, mode: Mode | None) -> NDArray[np.bool_]:
        """Which edges ``mode`` may use (None: every edge)."""
        if mode is None:
            return np.ones(self.edge_count, dtype=bool)
        out: NDArray[np.bool_] = (self.modes & (WALK if mode == "walk" else EBIKE)) != 0
        return out

    def graph(self, mode: Mode | None) -> csr_matrix:
        """The symmetric CSR adjacency of the edges ``mode`` may use (metres)."""
        keep = self._used(mode)
        t, h, w = self.tail[keep], self.head[keep], self.length_m[keep]
        n = self.node_count
        # Zero-length edges would vanish from a sparse matrix: keep them at a millimetre.
        w = np.maximum(w, 1e-3)
        return csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([t, h]), np.concatenate([h, t]))),
            shape=(n, n),
        )

    @cached_property
    def _memo(self) -> dict[Mode | None, tuple[NDArray[np.intp], cKDTree, Parts]]:
        # Filled by `_main` (the dataclass is frozen; its cached values live here).
        return {}

    def _main(self, mode: Mode | None) -> tuple[NDArray[np.intp], cKDTree, Parts]:
        """The nodes of the largest connected part ``mode`` may use (the lowest-numbered
        part among equals), a k-d tree over them, and the parts' sizes; computed once."""
        if mode not in self._memo:
            keep = self._used(mode)
            used = np.unique(np.concatenate([self.tail[keep], self.head[keep]]))
            if not len(used):
                raise ValueError(f"no road for {mode}")
            _n, label = connected_components(self.graph(mode), directed=False)
            sizes = np.bincount(label[used])
            best = int(np.argmax(sizes))
            nodes = used[label[used] == best]
            parts = Parts(int(sizes[best]), len(used), int((sizes > 0).sum()) - 1)
            self._memo[mode] = (
                nodes,
                cKDTree(unit_vectors(self.lon[nodes], self.lat[nodes])),
                parts,
            )
        return self._memo[mode]

    def parts(self, mode: Mode | None = None) -> Parts:
        """How the network falls apart for ``mode``.

        >>> net = grid_network(126.6, 45.7, rows=2, cols=2, spacing_m=100)
        >>> net.parts("walk")
        Parts(main_nodes=4, used_nodes=4, others=0)
        """
        return self._main(mode)[2]

    def snap(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], mode: Mode | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The nearest node of each point in the largest connected part of the roads
        ``mode`` may use (every road, if None), and its distance in metres: a point
        beside a small fragment joins the main network, further away."""
        nodes, tree, _parts = self._main(mode)
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
        arrays: dict[str, NDArray[Any]] = {
            "lon": self.lon,
            "lat": self.lat,
            "tail": self.tail,
            "head": self.head,
            "length_m": self.length_m,
            "modes": self.modes,
        }
        if self.edge_name is not None and self.names:
            arrays["edge_name"] = self.edge_name
            arrays["names"] = np.array(self.names, dtype=str)
        np.savez_compressed(out, allow_pickle=False, **arrays)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoadNetwork:
        """Read `to_bytes`'s output (networks kept before names were: without names)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            named = "names" in z.files
            return cls(
                lon=z["lon"],
                lat=z["lat"],
                tail=z["tail"],
                head=z["head"],
                length_m=z["length_m"],
                modes=z["modes"],
                edge_name=z["edge_name"] if named else None,
                names=tuple(str(x) for x in z["names"]) if named else (),
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
    name_ids: dict[str, int] = {}
    named: list[int] = []  # per segment: its way's name, or -1
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = dict(way.tags)
            bits = _modes_of(tags)
            if not bits:
                continue
            road = (tags.get("name:zh") or tags.get("name") or tags.get("ref") or "").strip()
            name_id = name_ids.setdefault(road, len(name_ids)) if road else -1
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
                    named.append(name_id)
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
    # A segment two named ways share keeps the name read last (the same on every read).
    edge_name = np.full(len(pairs), -1, dtype=np.int32)
    np.maximum.at(edge_name, inverse, np.array(named, dtype=np.int32))
    t, h = pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)
    return RoadNetwork(
        lon=lon_a,
        lat=lat_a,
        tail=t,
        head=h,
        length_m=_haversine_m(lon_a[t], lat_a[t], lon_a[h], lat_a[h]),
        modes=edge_modes,
        edge_name=edge_name if name_ids else None,
        names=tuple(name_ids),
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
