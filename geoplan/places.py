r"""Where a point is, in names a person knows: the corner of two named roads, the named
road beside it, the compass direction from a known place; and which big city an
uploaded file sits near when it is not where it should be.

**Roads.** :class:`RoadNames` indexes the named edges of a
:class:`~geoplan.network.RoadNetwork`. The distance from a point to an edge is measured
to the segment (not to its ends) on a local flat projection, exact enough within a few
kilometres: :math:`x = R\,\Delta\lambda\cos\varphi_0`, :math:`y = R\,\Delta\varphi`.
A *corner* is a node where edges of at least two different names meet; it is named by
the two longest of those roads (by their length in the whole network), the longer first.

>>> from geoplan.network import RoadNetwork, _haversine_m
>>> # 中央大街 runs north along lon 126.62; 西十二道街 crosses it going east at lat 45.77.
>>> lon = np.array([126.62, 126.62, 126.62, 126.63])
>>> lat = np.array([45.76, 45.77, 45.78, 45.77])
>>> tail, head = np.array([0, 1, 1], np.int32), np.array([1, 2, 3], np.int32)
>>> length = _haversine_m(lon[tail], lat[tail], lon[head], lat[head])
>>> net = RoadNetwork(lon, lat, tail, head, length, np.full(3, 3, np.uint8),
...                   np.array([0, 0, 1], np.int32), ("中央大街", "西十二道街"))
>>> roads = RoadNames.of(net)
>>> # 39 m east and 56 m north of the crossing: 68 m
>>> roads.corner(np.array([126.6205]), np.array([45.7705]), within_m=150)
[('中央大街', '西十二道街', 68.0)]
>>> # 0.0013° (101 m, said to ten metres) east of 中央大街, 560 m from the corner
>>> roads.road(np.array([126.6213]), np.array([45.7750]), within_m=300)
[('中央大街', 100.0)]
>>> compass(126.62, 45.77, 126.63, 45.78)   # north-east
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geoplan.network import RoadNetwork
from geoplan.spatial import EARTH_RADIUS_M, metres_to_chord, unit_vectors

FloatArray = NDArray[np.float64]


def round_m(m: float) -> float:
    """Metres as a person says them: to the metre under 100 m, else to ten metres."""
    return float(round(m)) if m < 100 else float(round(m, -1))


@dataclass(frozen=True)
class RoadNames:
    """The named edges of a network (end points in degrees) and its corners."""

    names: tuple[str, ...]
    a_lon: FloatArray
    a_lat: FloatArray
    b_lon: FloatArray
    b_lat: FloatArray
    edge_name: NDArray[np.int32]
    mid_tree: cKDTree
    reach_m: float  # half the longest named edge: an edge near a point has its middle near
    corner_lon: FloatArray
    corner_lat: FloatArray
    corner_names: NDArray[np.int32]  # (corners, 2)
    corner_tree: cKDTree

    @classmethod
    def of(cls, net: RoadNetwork) -> RoadNames | None:
        """The names of ``net``'s roads, or None when its extract named none."""
        if net.edge_name is None or not net.names:
            return None
        named = np.flatnonzero(net.edge_name >= 0)
        if not len(named):
            return None
        t, h, name = net.tail[named], net.head[named], net.edge_name[named]
        a_lon, a_lat, b_lon, b_lat = net.lon[t], net.lat[t], net.lon[h], net.lat[h]
        # Corners: (node, name) pairs without repeats; nodes with two names or more.
        length = np.bincount(name, net.length_m[named], minlength=len(net.names))
        pairs = np.unique(np.column_stack([np.concatenate([t, h]), np.tile(name, 2)]), axis=0)
        # Longest road first within each node, so that a node's first two are its names.
        order = np.lexsort((pairs[:, 1], -length[pairs[:, 1]], pairs[:, 0]))
        pairs = pairs[order]
        node, first = np.unique(pairs[:, 0], return_index=True)
        count = np.diff(np.append(first, len(pairs)))
        corner = count >= 2
        node, first = node[corner], first[corner]
        corner_names = np.column_stack([pairs[first, 1], pairs[first + 1, 1]]).astype(np.int32)
        return cls(
            names=net.names,
            a_lon=a_lon,
            a_lat=a_lat,
            b_lon=b_lon,
            b_lat=b_lat,
            edge_name=name,
            mid_tree=cKDTree(unit_vectors((a_lon + b_lon) / 2, (a_lat + b_lat) / 2)),
            reach_m=float(net.length_m[named].max()) / 2,
            corner_lon=net.lon[node],
            corner_lat=net.lat[node],
            corner_names=corner_names,
            corner_tree=cKDTree(unit_vectors(net.lon[node], net.lat[node])),
        )

    def corner(
        self, lon: FloatArray, lat: FloatArray, *, within_m: float
    ) -> list[tuple[str, str, float] | None]:
        """For each point, the nearest corner within ``within_m``: its two road names and
        the distance (m), or None."""
        if not len(self.corner_lon):
            return [None] * len(lon)
        chord, idx = self.corner_tree.query(
            unit_vectors(lon, lat), k=1, distance_upper_bound=metres_to_chord(within_m)
        )
        out: list[tuple[str, str, float] | None] = []
        for c, i in zip(np.atleast_1d(chord), np.atleast_1d(idx), strict=True):
            if not math.isfinite(c):
                out.append(None)
                continue
            a, b = self.corner_names[i]
            m = 2 * EARTH_RADIUS_M * math.asin(min(c / 2, 1.0))
            out.append((self.names[a], self.names[b], round_m(m)))
        return out

    def road(
        self, lon: FloatArray, lat: FloatArray, *, within_m: float
    ) -> list[tuple[str, float] | None]:
        """For each point, the nearest named road within ``within_m`` (measured to the
        segment) and the distance (m), or None."""
        points = unit_vectors(lon, lat)
        found = self.mid_tree.query_ball_point(points, metres_to_chord(within_m + self.reach_m))
        out: list[tuple[str, float] | None] = []
        for x, y, near in zip(np.atleast_1d(lon), np.atleast_1d(lat), found, strict=True):
            if not near:
                out.append(None)
                continue
            e = np.asarray(near, dtype=np.intp)
            d = _segment_m(x, y, self.a_lon[e], self.a_lat[e], self.b_lon[e], self.b_lat[e])
            best = int(np.argmin(d))
            if d[best] > within_m:
                out.append(None)
            else:
                out.append((self.names[self.edge_name[e[best]]], round_m(float(d[best]))))
        return out


def _segment_m(
    x: float, y: float, ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray
) -> FloatArray:
    """Metres from the point (x, y) to each segment a–b (degrees), on a flat projection
    centred on the point."""
    k = math.radians(1) * EARTH_RADIUS_M
    c = math.cos(math.radians(y))
    px, py = (ax - x) * k * c, (ay - y) * k
    qx, qy = (bx - x) * k * c, (by - y) * k
    dx, dy = qx - px, qy - py
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, np.clip(-(px * dx + py * dy) / length2, 0.0, 1.0), 0.0)
    out: FloatArray = np.hypot(px + t * dx, py + t * dy)
    return out


def compass(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> int:
    """The direction from one point to another as one of eight: 0 north, 1 north-east,
    2 east … 7 north-west.

    >>> compass(126.6, 45.7, 126.6, 45.6), compass(126.6, 45.7, 126.5, 45.7)
    (4, 6)
    """
    dx = (to_lon - from_lon) * math.cos(math.radians((from_lat + to_lat) / 2))
    dy = to_lat - from_lat
    angle = math.degrees(math.atan2(dx, dy)) % 360  # clockwise from north
    return int(((angle + 22.5) // 45) % 8)


#: Provincial capitals and large cities (name, English name, lon, lat; WGS-84, the city
#: centre to about a kilometre): enough to say which city an uploaded file is from.
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("北京", "Beijing", 116.40, 39.90),
    ("天津", "Tianjin", 117.20, 39.13),
    ("上海", "Shanghai", 121.47, 31.23),
    ("重庆", "Chongqing", 106.55, 29.56),
    ("石家庄", "Shijiazhuang", 114.51, 38.04),
    ("太原", "Taiyuan", 112.55, 37.87),
    ("呼和浩特", "Hohhot", 111.75, 40.84),
    ("沈阳", "Shenyang", 123.43, 41.80),
    ("大连", "Dalian", 121.61, 38.91),
    ("长春", "Changchun", 125.32, 43.82),
    ("吉林", "Jilin", 126.55, 43.84),
    ("哈尔滨", "Harbin", 126.63, 45.75),
    ("齐齐哈尔", "Qiqihar", 123.92, 47.35),
    ("大庆", "Daqing", 125.10, 46.59),
    ("牡丹江", "Mudanjiang", 129.63, 44.55),
    ("佳木斯", "Jiamusi", 130.32, 46.80),
    ("南京", "Nanjing", 118.80, 32.06),
    ("苏州", "Suzhou", 120.58, 31.30),
    ("杭州", "Hangzhou", 120.16, 30.27),
    ("合肥", "Hefei", 117.23, 31.82),
    ("福州", "Fuzhou", 119.30, 26.08),
    ("厦门", "Xiamen", 118.09, 24.48),
    ("南昌", "Nanchang", 115.86, 28.68),
    ("济南", "Jinan", 117.00, 36.65),
    ("青岛", "Qingdao", 120.38, 36.07),
    ("郑州", "Zhengzhou", 113.63, 34.75),
    ("武汉", "Wuhan", 114.31, 30.59),
    ("长沙", "Changsha", 112.94, 28.23),
    ("广州", "Guangzhou", 113.26, 23.13),
    ("深圳", "Shenzhen", 114.06, 22.54),
    ("南宁", "Nanning", 108.37, 22.82),
    ("海口", "Haikou", 110.20, 20.04),
    ("成都", "Chengdu", 104.07, 30.57),
    ("贵阳", "Guiyang", 106.63, 26.65),
    ("昆明", "Kunming", 102.83, 24.88),
    ("拉萨", "Lhasa", 91.14, 29.65),
    ("西安", "Xi'an", 108.94, 34.34),
    ("兰州", "Lanzhou", 103.83, 36.06),
    ("西宁", "Xining", 101.78, 36.62),
    ("银川", "Yinchuan", 106.23, 38.49),
    ("乌鲁木齐", "Ürümqi", 87.62, 43.83),
)


def nearest_city(lon: float, lat: float, *, within_m: float = 100_000.0) -> tuple[str, str] | None:
    """The listed city nearest the point, (Chinese name, English name), when within
    ``within_m``; else None.

    >>> nearest_city(123.45, 41.78)
    ('沈阳', 'Shenyang')
    >>> nearest_city(100.0, 50.0) is None
    True
    """
    table = np.array([(x, y) for _a, _b, x, y in CITIES])
    d = great_circle_m(lon, lat, table[:, 0], table[:, 1])
    best = int(np.argmin(d))
    if d[best] > within_m:
        return None
    return CITIES[best][0], CITIES[best][1]


def great_circle_m(lon: float, lat: float, lons: FloatArray, lats: FloatArray) -> FloatArray:
    """Metres along the great circle from one point to each of many."""
    p1, p2 = math.radians(lat), np.radians(lats)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    out: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return out
