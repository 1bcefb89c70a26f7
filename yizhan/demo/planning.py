"""Planning in the demo city: synthetic demand layers for Daoli district (seeded), a street
grid written as a real ``.osm`` file and read back with pyosmium, and two scenarios run
to the end (walking straight-line, e-bike on the roads) so that the pages have something
to show and compare.

The layers go through the same upload service as an officer's files:
* people flow — H3 cells around the riders' gathering places, counts for each of the 168
  hours (peaks at lunch and dinner, a trickle at night);
* orders — one week of delivery orders, each with a time, around the merchants;
* merchants — restaurant and shop points.
Idempotent: nothing is added when the demo layers exist."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np

from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI, week_start
from yizhan.planning import services
from yizhan.planning.models import DemandLayer, Scenario
from yizhan.regions.models import Region
from yizhan.stations.models import Station

DEMO_DISTRICT = "230102"
SEED = 8
# Riders' gathering places in Daoli (lon, lat): Central Street, Harbin station, the
# Zhaolin park area, the Qunli new town, the river bank.
HOTSPOTS = [
    (126.6170, 45.7735, 1.0),
    (126.6330, 45.7610, 0.8),
    (126.6050, 45.7800, 0.6),
    (126.5650, 45.7470, 0.9),
    (126.5900, 45.7650, 0.5),
    (126.6450, 45.7850, 0.4),
]
# Share of a day's demand in each hour: lunch and dinner peaks, riders out late.
HOURLY = np.array(
    [2, 1.5, 1, 0.8, 0.6, 0.8, 1.5, 3, 4, 4, 5, 9, 10, 7, 4, 3.5, 4, 7, 9, 8, 6, 4.5, 3.5, 2.5]
)


def _profile(day: int) -> np.ndarray:
    h = HOURLY * (1.15 if day >= 5 else 1.0)
    out: np.ndarray = h / h.sum()
    return out


def _around(rng: np.random.Generator, n: int, sigma_m: float) -> np.ndarray:
    weights = np.array([w for _x, _y, w in HOTSPOTS])
    k = rng.choice(len(HOTSPOTS), n, p=weights / weights.sum())
    centre = np.array([(x, y) for x, y, _w in HOTSPOTS])[k]
    dlat = rng.normal(0, sigma_m, n) / 111_195
    dlon = rng.normal(0, sigma_m, n) / (111_195 * np.cos(np.radians(45.77)))
    out: np.ndarray = centre + np.column_stack([dlon, dlat])
    return out


def _csv(header: list[str], rows: list[list[object]]) -> io.BytesIO:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def people_flow_csv(rng: np.random.Generator) -> io.BytesIO:
    import h3

    pts = _around(rng, 3000, 1200)
    cells = sorted({h3.latlng_to_cell(float(y), float(x), 8) for x, y in pts})
    size = {c: 0 for c in cells}
    for x, y in pts:
        size[h3.latlng_to_cell(float(y), float(x), 8)] += 1
    rows: list[list[object]] = []
    for c in cells:
        base = 10 * size[c]
        for day in range(7):
            prof = _profile(day)
            for hour in range(24):
                rows.append(
                    [c, day * 24 + hour, int(round(base * prof[hour] * rng.uniform(0.8, 1.2)))]
                )
    return _csv(["网格", "时段", "人流量"], rows)


def merchants_csv(rng: np.random.Generator) -> tuple[io.BytesIO, np.ndarray]:
    pts = _around(rng, 1500, 900)
    rows: list[list[object]] = [[round(x, 6), round(y, 6), 1] for x, y in pts]
    return _csv(["经度", "纬度", "权重"], rows), pts


def orders_csv(rng: np.random.Generator, merchants: np.ndarray, monday: dt.date) -> io.BytesIO:
    n = 20_000
    src = merchants[rng.integers(0, len(merchants), n)]
    jitter = np.column_stack(
        [rng.normal(0, 0.004, n) / np.cos(np.radians(45.77)), rng.normal(0, 0.004, n)]
    )
    pts = src + jitter
    days = rng.integers(0, 7, n)
    rows: list[list[object]] = []
    for (x, y), d in zip(pts, days, strict=True):
        hour = int(rng.choice(24, p=_profile(int(d))))
        at = dt.datetime.combine(
            monday + dt.timedelta(days=int(d)), dt.time(hour, int(rng.integers(0, 60)))
        )
        rows.append([round(x, 6), round(y, 6), at.strftime("%Y-%m-%d %H:%M")])
    return _csv(["lon", "lat", "time"], rows)


def street_grid_osm(lon0: float, lat0: float, lon1: float, lat1: float, spacing_m: float) -> bytes:
    """An .osm (XML) street grid over a box: residential streets, every fifth a primary
    road, and a motorway that walking and e-bikes may not use. The streets are named as
    a grid plainly is, east–west 纬1路, 纬2路… and north–south 经1路…, so that a
    suggested site reads "纬3路与经5路交口附近" and nobody mistakes the grid for Daoli's
    real streets."""
    dlat = spacing_m / 111_195
    dlon = dlat / np.cos(np.radians((lat0 + lat1) / 2))
    cols = int((lon1 - lon0) / dlon) + 1
    rows = int((lat1 - lat0) / dlat) + 1
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="yizhan demo">']
    for r in range(rows):
        for c in range(cols):
            out.append(
                f'<node id="{r * cols + c + 1}" '
                f'lat="{lat0 + r * dlat:.7f}" lon="{lon0 + c * dlon:.7f}"/>'
            )
    way = 1

    def add(ids: list[int], highway: str, name: str = "") -> None:
        nonlocal way
        nds = "".join(f'<nd ref="{i}"/>' for i in ids)
        tag = f'<tag k="name" v="{name}"/>' if name else ""
        out.append(f'<way id="{way}">{nds}<tag k="highway" v="{highway}"/>{tag}</way>')
        way += 1

    for r in range(rows):
        add(
            [r * cols + c + 1 for c in range(cols)],
            "primary" if r % 5 == 0 else "residential",
            f"纬{r + 1}路",
        )
    for c in range(cols):
        add(
            [r * cols + c + 1 for r in range(rows)],
            "primary" if c % 5 == 0 else "residential",
            f"经{c + 1}路",
        )
    add([1, rows * cols], "motorway")
    out.append("</osm>")
    return "\n".join(out).encode()


def demo_ensure(*, officer: User, now: dt.datetime) -> list[Scenario]:
    region = Region.objects.filter(code=DEMO_DISTRICT).first()
    if region is None or DemandLayer.objects.filter(region=region, synthetic=True).exists():
        return []
    rng = np.random.default_rng(SEED)
    monday = week_start(now.astimezone(SHANGHAI).date()) - dt.timedelta(weeks=1)
    flow = services.demand_layer_upload(
        user=officer,
        region=region,
        name="示例人流量(交警卡口·网格)",
        kind="people_flow",
        file=people_flow_csv(rng),
        file_name="demo-people-flow.csv",
        synthetic=True,
    )
    merchants_file, merchants = merchants_csv(rng)
    shops = services.demand_layer_upload(
        user=officer,
        region=region,
        name="示例商户分布",
        kind="merchants",
        file=merchants_file,
        file_name="demo-merchants.csv",
        synthetic=True,
    )
    orders = services.demand_layer_upload(
        user=officer,
        region=region,
        name="示例外卖订单(一周)",
        kind="orders",
        file=orders_csv(rng, merchants, monday),
        file_name="demo-orders.csv",
        synthetic=True,
    )
    pts = np.array(
        Station.objects.filter(region__code__startswith=DEMO_DISTRICT).values_list("lon", "lat")
    )
    lon0, lat0 = pts.min(axis=0) - 0.01
    lon1, lat1 = pts.max(axis=0) + 0.01
    network = services.road_network_upload(
        user=officer,
        region=region,
        name="示例路网(网格街道)",
        file=io.BytesIO(street_grid_osm(lon0, lat0, lon1, lat1, 200)),
        file_name="demo-streets.osm",
    )
    layers = [(flow, 1.0), (orders, 1.0), (shops, 0.5)]
    made = [
        services.scenario_create(
            user=officer,
            region=region,
            name="步行 15 分钟 · 新增 10 站",
            layers=layers,
            params={"mode": "walk", "new_sites": 10},
        ),
        services.scenario_create(
            user=officer,
            region=region,
            name="电动车 15 分钟 · 路网 · 新增 5 站",
            layers=layers,
            network=network,
            params={"mode": "ebike", "new_sites": 5},
        ),
    ]
    for s in made:
        services.scenario_start(user=officer, scenario=s, enqueue=False)
        services.scenario_execute(scenario_id=s.pk)
    return made
