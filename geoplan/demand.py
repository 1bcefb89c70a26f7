r"""Demand layers: where and when people need a station, read from the files officers have.

A layer is a set of *records*, each a point (WGS-84), an hour of the week and a weight:

* **people flow** (人流量) — counts on a grid: a cell (an H3 index) or a point, an
  optional ``hour_of_week`` (0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00) and a
  ``count``;
* **orders** (外卖/快递订单) — one row per order: a point and a ``time`` (ISO 8601; a time
  without an offset is read in ``tz``), each counting 1 (or its ``count``);
* **merchants** (商户) — points with an optional ``weight``, present all week.

A record without an hour (``hour == -1``) stands for the whole week, spread evenly over
its 168 hours. Files are CSV (UTF-8, with or without BOM; the header names the columns,
in English or Chinese) or Parquet. Coordinates may be given in GCJ-02 or BD-09 (what
Chinese map apps export) and are turned into WGS-84.

Every row is checked. A missing or misnamed column, a value that is not a number, a
negative count, an hour outside 0–167, a point outside the region: :class:`DemandFileError`
names the file, the line (the header is line 1) and the column, for the first
``MAX_PROBLEMS`` problems, and no layer is returned.

Layers are combined with weights (:func:`combine`): each layer's records are scaled so
that the layer sums to its weight, whatever its units, so a layer of 3 million
people-flow counts and one of 20,000 orders count as the officer says.

>>> import io
>>> csv = io.StringIO("经度,纬度,时段,人流量\n126.61,45.77,8,120\n126.62,45.76,,30\n")
>>> layer = read_demand(csv, "people_flow", name="flow.csv")
>>> layer.weight.tolist(), layer.hour.tolist()
([120.0, 30.0], [8, -1])
>>> read_demand(io.StringIO("lon,lat,count\n126.6,45.7,-3\n"), "people_flow", name="bad.csv")
Traceback (most recent call last):
...
geoplan.demand.DemandFileError: bad.csv 第 2 行 count：不能为负数 (-3)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from geoplan.crs import CRS, bd09_to_gcj02, gcj02_to_wgs84

HOURS_PER_WEEK = 168
MAX_PROBLEMS = 10
Kind = Literal["people_flow", "orders", "merchants"]
KINDS: tuple[Kind, ...] = ("people_flow", "orders", "merchants")

#: Column names accepted for each field (compared lower-cased, spaces stripped).
ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "cell": ("cell", "h3", "h3_cell", "网格", "网格编号"),
    "hour_of_week": ("hour_of_week", "how", "时段", "周内小时"),
    "count": ("count", "value", "people", "人数", "人流量", "数量", "单量"),
    "time": ("time", "timestamp", "created_at", "datetime", "时间", "下单时间"),
    "weight": ("weight", "权重"),
}


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1 = the header
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.line} 行 " if self.line is not None else ""
        col = f"{self.column}：" if self.column else ""
        return f"{where}{col}{self.message}"


class DemandFileError(ValueError):
    """A demand file that cannot be read as a whole: every problem found (up to
    ``MAX_PROBLEMS``), each naming the line and column."""

    def __init__(self, name: str, problems: Sequence[Problem]) -> None:
        self.name = name
        self.problems = list(problems)
        super().__init__(f"{name} " + "；".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Demand:
    """Demand records: WGS-84 points, hour of the week (-1 = all week) and weight."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    weight: NDArray[np.float64]
    hour: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))

    def __post_init__(self) -> None:
        n = len(self.lon)
        if len(self.hour) != n:
            object.__setattr__(self, "hour", np.full(n, -1, dtype=np.int16))
        if not (len(self.lat) == len(self.weight) == n):
            raise ValueError("lon, lat, weight and hour need one entry per record")

    @property
    def size(self) -> int:
        return len(self.lon)

    @property
    def total(self) -> float:
        return float(self.weight.sum())

    def by_hour(self) -> NDArray[np.float64]:
        """The weight in each of the 168 hours (all-week records spread evenly)."""
        timed = self.hour >= 0
        out = np.bincount(
            self.hour[timed].astype(np.intp), self.weight[timed], minlength=HOURS_PER_WEEK
        ).astype(np.float64)
        out += self.weight[~timed].sum() / HOURS_PER_WEEK
        return out

    def in_hours(self, hours: NDArray[np.bool_]) -> NDArray[np.float64]:
        """Each record's weight that falls in the hours marked True (168 flags)."""
        hours = np.asarray(hours, dtype=bool)
        timed = self.hour >= 0
        w = np.where(timed, 0.0, self.weight * (hours.sum() / HOURS_PER_WEEK))
        w[timed] = np.where(hours[self.hour[timed]], self.weight[timed], 0.0)
        return w


def combine(layers: Sequence[tuple[Demand, float]]) -> Demand:
    """One demand from weighted layers: each layer scaled to sum to its weight.

    >>> a = Demand(np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([30.0, 10.0]))
    >>> b = Demand(np.array([3.0]), np.array([0.0]), np.array([5.0]))
    >>> combine([(a, 1.0), (b, 0.5)]).weight.tolist()
    [0.75, 0.25, 0.5]
    """
    parts = [(d, w) for d, w in layers if d.size and d.total > 0 and w > 0]
    if not parts:
        return Demand(np.zeros(0), np.zeros(0), np.zeros(0))
    return Demand(
        lon=np.concatenate([d.lon for d, _ in parts]),
        lat=np.concatenate([d.lat for d, _ in parts]),
        weight=np.concatenate([d.weight * (w / d.total) for d, w in parts]),
        hour=np.concatenate([d.hour for d, _ in parts]).astype(np.int16),
    )


# ------------------------------------------------------------------------ reading files
def _table(source: str | Path | IO[Any], name: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a CSV or Parquet source, as strings or numbers."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() == ".parquet":
            return _parquet(path, name)
        with path.open("rb") as fh:
            raw = fh.read()
        return _csv(raw, name)
    data = source.read()
    if isinstance(data, bytes) and data[:4] == b"PAR1":
        return _parquet(io.BytesIO(data), name)
    return _csv(data, name)


def _parquet(source: Any, name: str) -> tuple[list[str], list[list[Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(source)
        header = list(table.column_names)
        columns = [table.column(c).to_pylist() for c in header]
    except Exception as exc:  # pyarrow raises its own hierarchy
        raise DemandFileError(
            name, [Problem(None, None, f"不是可读的 Parquet 文件 ({exc})")]
        ) from exc
    return header, [list(row) for row in zip(*columns, strict=True)]


def _csv(data: str | bytes, name: str) -> tuple[list[str], list[list[Any]]]:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # what Excel in China saves
            except UnicodeDecodeError as exc:
                raise DemandFileError(name, [Problem(None, None, "无法识别文件编码")]) from exc
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text[:4096]:
        raise DemandFileError(name, [Problem(None, None, "不是 CSV 文本文件")])
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a quote never closed, a field of megabytes
        raise DemandFileError(
            name, [Problem(reader.line_num, None, f"CSV 格式错误：{exc}")]
        ) from exc
    if not rows:
        raise DemandFileError(name, [Problem(None, None, "文件是空的")])
    return [h.strip() for h in rows[0]], rows[1:]


def _columns(header: Sequence[str], kind: Kind, name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    lowered = [h.strip().lower().replace(" ", "") for h in header]
    for key, names in ALIASES.items():
        for i, h in enumerate(lowered):
            if h in names:
                found.setdefault(key, i)
    need: list[str] = []
    if "cell" not in found or kind != "people_flow":
        need += [k for k in ("lon", "lat") if k not in found]
    if kind == "people_flow" and "count" not in found:
        need.append("count")
    if kind == "orders" and "time" not in found:
        need.append("time")
    if need:
        wanted = "、".join(f"{k}（{'/'.join(ALIASES[k][:4])}）" for k in need)
        raise DemandFileError(
            name,
            [Problem(1, None, f"缺少列 {wanted}；表头是：{', '.join(header) or '(空)'}")],
        )
    return found


def _number(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).strip().replace(",", ""))


def _hour_of(value: Any, tz: ZoneInfo) -> int:
    if isinstance(value, dt.datetime):
        at = value
    else:
        at = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
    at = at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
    return at.weekday() * 24 + at.hour


def read_demand(
    source: str | Path | IO[Any],
    kind: Kind,
    *,
    name: str | None = None,
    crs: CRS | str = CRS.WGS84,
    inside: Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.bool_]] | None = None,
    tz: str = "Asia/Shanghai",
) -> Demand:
    """Read one demand file (CSV or Parquet) of ``kind``; see the module for the columns.

    ``inside(lon, lat)`` (WGS-84 arrays) says which points lie in the region; a point
    outside is an error naming its line. Raises :class:`DemandFileError`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    label = name or (str(source) if isinstance(source, str | Path) else "demand")
    header, rows = _table(source, label)
    cols = _columns(header, kind, label)
    zone = ZoneInfo(tz)
    problems: list[Problem] = []
    lon: list[float] = []
    lat: list[float] = []
    weight: list[float] = []
    hour: list[int] = []
    lines: list[int] = []

    def bad(line: int, column: str, message: str) -> None:
        problems.append(Problem(line, header[cols[column]] if column in cols else column, message))

    for n, row in enumerate(rows, start=2):
        if len(problems) >= MAX_PROBLEMS:
            break
        if not any(str(v).strip() for v in row if v is not None):
            continue  # a blank line
        if len(row) < len(header):
            row = [*row, *[""] * (len(header) - len(row))]

        def cell(key: str, row: list[Any] = row) -> Any:
            v = row[cols[key]] if key in cols else None
            return None if v is None or (isinstance(v, str) and not v.strip()) else v

        x = y = math.nan
        if kind == "people_flow" and cell("cell") is not None and cell("lon") is None:
            try:
                import h3

                y, x = h3.cell_to_latlng(str(cell("cell")).strip())
            except Exception:
                bad(n, "cell", f"不是有效的 H3 网格编号 ({cell('cell')})")
                continue
        else:
            try:
                x, y = _number(cell("lon")), _number(cell("lat"))
            except (TypeError, ValueError):
                which = "lon" if cell("lon") is None or not _is_number(cell("lon")) else "lat"
                bad(n, which, f"不是数字 ({cell(which) or '空'})")
                continue
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                bad(n, "lon", f"坐标超出范围 ({x}, {y})")
                continue
        w = 1.0
        key = "count" if kind != "merchants" else "weight"
        if cell(key) is not None or (kind == "orders" and cell("count") is not None):
            try:
                w = _number(cell(key))
            except ValueError:
                bad(n, key, f"不是数字 ({cell(key)})")
                continue
            if not math.isfinite(w) or w < 0:
                bad(n, key, f"不能为负数 ({cell(key)})" if w < 0 else "不是有限的数")
                continue
        elif kind == "people_flow":
            bad(n, "count", "缺少数值")
            continue
        h = -1
        if kind == "orders":
            try:
                h = _hour_of(cell("time"), zone)
            except (TypeError, ValueError, OverflowError):
                bad(n, "time", f"不是日期时间 ({cell('time') or '空'})，应如 2026-07-04 21:30")
                continue
        elif cell("hour_of_week") is not None:
            try:
                hv = _number(cell("hour_of_week"))
            except ValueError:
                hv = -1.5
            if not math.isfinite(hv) or hv != int(hv) or not 0 <= hv < HOURS_PER_WEEK:
                bad(n, "hour_of_week", f"应为 0–167 的整数 ({cell('hour_of_week')})")
                continue
            h = int(hv)
        lon.append(x)
        lat.append(y)
        weight.append(w)
        hour.append(h)
        lines.append(n)

    if not problems and not lon:
        problems.append(Problem(None, None, "没有数据行"))
    if problems:
        raise DemandFileError(label, problems[:MAX_PROBLEMS])
    lon_a, lat_a = np.array(lon), np.array(lat)
    system = CRS(crs)
    if system == CRS.BD09:
        lon_a, lat_a = bd09_to_gcj02(lon_a, lat_a)
    if system in (CRS.BD09, CRS.GCJ02):
        lon_a, lat_a = gcj02_to_wgs84(lon_a, lat_a)
    if inside is not None:
        ok = np.asarray(inside(lon_a, lat_a), dtype=bool)
        outside = np.flatnonzero(~ok)
        if len(outside):
            raise DemandFileError(
                label,
                [
                    Problem(lines[i], None, f"点 ({lon_a[i]:.5f}, {lat_a[i]:.5f}) 不在本辖区内")
                    for i in outside[:MAX_PROBLEMS]
                ]
                + (
                    [Problem(None, None, f"共 {len(outside)} 个点在辖区外")]
                    if len(outside) > MAX_PROBLEMS
                    else []
                ),
            )
    return Demand(lon_a, lat_a, np.array(weight), np.array(hour, dtype=np.int16))


def _is_number(value: Any) -> bool:
    try:
        _number(value)
    except (TypeError, ValueError):
        return False
    return True


def bbox_inside(
    lon_min: float, lat_min: float, lon_max: float, lat_max: float
) -> Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.bool_]]:
    """An ``inside`` test for :func:`read_demand`: a lon/lat box."""

    def inside(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = (
            (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)
        )
        return out

    return inside
