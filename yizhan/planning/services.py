"""Planning services: the only place that turns the registry and the uploaded layers into
arrays for ``geoplan`` and keeps what it answers.

A scenario's run (``scenario_execute``) reads the region's operating stations (mobile
stations by their timetabled stops), their opening hours over one reference week, the
weighted demand layers and the travel settings into a `pipeline.ScenarioInput`; the pure
`pipeline.scenario_answer` asks geoplan every question (coverage, gaps, overlaps, new
sites, set cover, closures, 24-hour upgrades, the mobile stations' timetable). Progress is
reported after each step; a cancel is honoured between steps; the result is written once
at the end, so a failed or cancelled run leaves no partial answer, and a rerun with the
same inputs gives the same answer (everything is deterministic; the demo's synthetic
layers are seeded).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from geoplan.coverage import Travel
from geoplan.demand import Demand, DemandFileError, combine, read_demand
from geoplan.extent import Overlap, overlap
from geoplan.network import NetworkFileError, RoadNetwork, load_osm
from geoplan.places import nearest_city
from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import (
    ApplicationError,
    FieldError,
    ValidationFailed,
)
from yizhan.core.progress import progress_clear, progress_get, progress_set
from yizhan.core.time import week_start
from yizhan.planning.models import (
    DemandLayer,
    LayerKind,
    Scenario,
    ScenarioStatus,
)
from yizhan.planning.models import (
    RoadNetwork as RoadNetworkRow,
)
from yizhan.planning.pipeline import STEPS as PIPELINE_STEPS
from yizhan.planning.pipeline import (
    Band,
    Questions,
    ScenarioInput,
    Sites,
    scenario_answer,
)
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q
from yizhan.stations.access import planning_require
from yizhan.stations.hours import InvalidOpeningHours, OpeningHours, validate, week_open_hours
from yizhan.stations.models import MobileStop, Station, StationKind, StationStatus

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SPEEDS_KMH = {"walk": 5.0, "ebike": 15.0}
#: How far outside the region's stations a demand point may lie (the region has no
#: outline in the registry; its stations' box grown by this much stands for it).
REGION_MARGIN_M = 10_000.0
#: A station further than this from every node of an uploaded road network is not on it.
NETWORK_NEAR_M = 1_000.0
DEFAULT_BANDS = [
    {"label": gettext_lazy("工作日午间"), "hours": "Mo-Fr 11:00-14:00"},
    {"label": gettext_lazy("工作日晚间"), "hours": "Mo-Fr 17:00-21:00"},
    {"label": gettext_lazy("周末白天"), "hours": "Sa,Su 10:00-17:00"},
    {"label": gettext_lazy("周末晚间"), "hours": "Sa,Su 17:00-21:00"},
]
DEFAULTS: dict[str, Any] = {
    "mode": "walk",
    "minutes": 15,
    "speed_kmh": None,  # the mode's
    "detour": 1.3,
    "new_sites": 10,
    "new_site_hours": "Mo-Su 07:00-22:00",
    "target_share": 0.9,
    "upgrades": 5,
    "night_hours": "Mo-Su 00:00-06:00,22:00-24:00",
    "buses": 5,
    "bands": DEFAULT_BANDS,
    "grid_resolution": 9,
    "overlap_share": 0.5,
    "method": "auto",
}
STALE_AFTER = dt.timedelta(minutes=30)
STEPS = ("load", *PIPELINE_STEPS, "write")


class Cancelled(Exception):
    pass


def _region_points(region: Region) -> tuple[np.ndarray, np.ndarray, bool]:
    """Where the region is, as points: its stations and mobile stops; without any, the
    centres of the region and of its streets (the registry holds no outlines). The flag
    says whether the points are stations."""
    pts: list[tuple[Any, Any]] = [
        *Station.objects.filter(region_subtree_q(region)).values_list("lon", "lat"),
        *MobileStop.objects.filter(region_subtree_q(region, field="station__region")).values_list(
            "lon", "lat"
        ),
    ]
    stations = bool(pts)
    if not pts:
        pts = [
            *Region.objects.filter(region_subtree_q(region, field=""), lon__isnull=False)
            .exclude(lat__isnull=True)
            .values_list("lon", "lat")
        ]
    arr = np.array(pts, dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1], stations


def _far_words(what: str, region: Region, fit: Overlap) -> str:
    """The sentence for a layer (``what``: "network" or "layer") whose points lie nowhere
    near the region: "路网在约 1,050 公里外（沈阳附近?），与道里区不重叠，请上传本区的路网。"."""
    km = f"{max(1, round(fit.distance_m / 1000)):,}"
    city = nearest_city(*fit.centre)
    near = ""
    if city is not None:
        name = city[1] if (get_language() or "").startswith("en") else city[0]
        near = _("（%(city)s附近?）") % {"city": name}
    words = (
        _("路网在约 %(km)s 公里外%(near)s，与%(region)s不重叠，请上传本区的路网。")
        if what == "network"
        else _("图层的点在约 %(km)s 公里外%(near)s，与%(region)s不重叠，请上传本区的数据。")
    )
    return words % {"km": km, "near": near, "region": region.name}


def _region_box(region: Region) -> tuple[float, float, float, float] | None:
    lon, lat, _stations = _region_points(region)
    if not len(lon):
        return None
    dlat = np.degrees(REGION_MARGIN_M / 6_371_008.8)
    dlon = dlat / max(np.cos(np.radians(float(lat.mean()))), 0.1)
    return (
        float(lon.min() - dlon),
        float(lat.min() - dlat),
        float(lon.max() + dlon),
        float(lat.max() + dlat),
    )


# ------------------------------------------------------------------------------ layers
def _demand_bytes(d: Demand) -> bytes:
    out = io.BytesIO()
    np.savez_compressed(out, lon=d.lon, lat=d.lat, weight=d.weight, hour=d.hour)
    return out.getvalue()


def demand_of(layer: DemandLayer) -> Demand:
    with np.load(io.BytesIO(bytes(layer.data)), allow_pickle=False) as z:
        return Demand(z["lon"], z["lat"], z["weight"], z["hour"].astype(np.int16))


def demand_layer_upload(
    *,
    user: User,
    region: Region,
    name: str,
    kind: str,
    file: IO[bytes],
    file_name: str,
    crs: str = "wgs84",
    synthetic: bool = False,
) -> DemandLayer:
    """Read a demand file (CSV or Parquet) and keep it parsed; every problem found is
    named by line and column, and nothing is kept unless the whole file reads."""
    planning_require(user=user, region=region)
    errors = []
    if kind not in LayerKind.values:
        errors.append(FieldError("kind", _("请选择图层类型")))
    if not name.strip():
        errors.append(FieldError("name", _("请填写名称")))
    if crs not in ("wgs84", "gcj02", "bd09"):
        errors.append(FieldError("crs", _("坐标系应为 wgs84、gcj02 或 bd09")))
    if errors:
        raise ValidationFailed(errors=errors)
    box = _region_box(region)
    read: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # what `inside` was asked

    def inside(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if box is None:
            return np.ones(len(lon), dtype=bool)
        ok = (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
        read.append((lon, lat, ok))
        return ok

    raw = file.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(errors=[FieldError("file", _("文件超过 200 MB"))])
    try:
        demand = read_demand(
            io.BytesIO(raw),
            kind,  # type: ignore[arg-type]
            name=file_name,
            crs=crs,
            inside=inside,
        )
    except DemandFileError as exc:
        if read and not read[0][2].any():
            # Not one point in the region: a file of another city, said in one sentence
            # rather than ten lines of "outside the region".
            lon, lat, _ok = read[0]
            r_lon, r_lat, _stations = _region_points(region)
            fit = overlap(lon, lat, r_lon, r_lat, near_m=REGION_MARGIN_M)
            raise ValidationFailed(
                errors=[FieldError("file", _far_words("layer", region, fit))]
            ) from exc
        raise ValidationFailed(
            errors=[
                FieldError(
                    "file",
                    f"{exc.name}：{p.column + '：' if p.column else ''}{p.message}",
                    row=p.line,
                )
                for p in exc.problems
            ]
        ) from exc
    return DemandLayer.objects.create(
        region=region,
        name=name.strip()[:80],
        kind=kind,
        source_name=file_name[:200],
        crs=crs,
        records=demand.size,
        total=demand.total,
        data=_demand_bytes(demand),
        synthetic=synthetic,
        created_by=user,
    )


def road_network_upload(
    *, user: User, region: Region, name: str, file: IO[bytes], file_name: str
) -> RoadNetworkRow:
    """Read an OSM extract (.osm.pbf / .osm / .osm.bz2) into a walking and e-bike graph.

    An extract that reaches none of the region's stations (another city's) is refused
    in a sentence naming how far away it lies; one that reaches only some is kept, and
    ``fit`` records how many it misses, which the pages say beside it."""
    planning_require(user=user, region=region)
    if not name.strip():
        raise ValidationFailed(errors=[FieldError("name", _("请填写名称"))])
    lower = file_name.lower()
    suffix = next(
        (s for s in (".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".osm") if lower.endswith(s)), ""
    )
    if not suffix:
        raise ValidationFailed(
            errors=[FieldError("file", _("%(f)s：应为 .osm.pbf 或 .osm 文件") % {"f": file_name})]
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            size = 0
            while chunk := file.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise ValidationFailed(errors=[FieldError("file", _("文件超过 200 MB"))])
                out.write(chunk)
        try:
            net = load_osm(path, name=file_name)
        except NetworkFileError as exc:
            raise ValidationFailed(errors=[FieldError("file", str(exc))]) from exc
    fit: dict[str, Any] = {}
    r_lon, r_lat, stations = _region_points(region)
    if len(r_lon):
        found = overlap(net.lon, net.lat, r_lon, r_lat, near_m=NETWORK_NEAR_M)
        if found.kind == "none":
            raise ValidationFailed(
                errors=[FieldError("file", _far_words("network", region, found))]
            )
        fit = {
            "points": found.points,
            "near": found.near,
            "near_m": NETWORK_NEAR_M,
            "stations": stations,
        }
    return RoadNetworkRow.objects.create(
        region=region,
        name=name.strip()[:80],
        source_name=file_name[:200],
        nodes=net.node_count,
        edges=net.edge_count,
        data=net.to_bytes(),
        fit=fit,
        created_by=user,
    )


# --------------------------------------------------------------------------- scenarios
def _next_monday(today: dt.date) -> dt.date:
    """The Monday of the week after ``today``'s (a Monday's next Monday, not itself).

    >>> _next_monday(dt.date(2026, 12, 7)), _next_monday(dt.date(2026, 12, 13))
    (datetime.date(2026, 12, 14), datetime.date(2026, 12, 14))
    """
    return week_start(today) + dt.timedelta(weeks=1)


def _number(
    raw: Any, key: str, lo: float, hi: float, errors: list[FieldError], *, integer: bool = False
) -> float:
    try:
        v = float(raw)
    except (TypeError, ValueError):
        errors.append(FieldError(key, _("应为数字")))
        return lo
    if not lo <= v <= hi or (integer and v != int(v)):
        errors.append(
            FieldError(
                key,
                (_("应为 %(lo)s–%(hi)s 的整数") if integer else _("应在 %(lo)s–%(hi)s 之间"))
                % {"lo": lo, "hi": hi},
            )
        )
        return lo
    return int(v) if integer else v


def _hours_ok(rule: str, key: str, errors: list[FieldError]) -> str:
    try:
        return validate(rule)
    except InvalidOpeningHours as exc:
        errors.append(FieldError(key, str(exc)))
        return rule


def scenario_params_clean(raw: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Settings with defaults filled in, each checked; raises ValidationFailed naming
    every wrong field."""
    p = {**DEFAULTS, **{k: v for k, v in raw.items() if v not in (None, "")}}
    errors: list[FieldError] = []
    if p["mode"] not in SPEEDS_KMH:
        errors.append(FieldError("mode", _("出行方式应为步行或电动车")))
    p["minutes"] = _number(p["minutes"], "minutes", 1, 60, errors)
    p["speed_kmh"] = (
        _number(p["speed_kmh"], "speed_kmh", 1, 40, errors)
        if p["speed_kmh"] is not None
        else SPEEDS_KMH.get(p["mode"], 5.0)
    )
    p["detour"] = _number(p["detour"], "detour", 1, 3, errors)
    p["new_sites"] = _number(p["new_sites"], "new_sites", 0, 500, errors, integer=True)
    p["target_share"] = _number(p["target_share"], "target_share", 0, 1, errors)
    p["upgrades"] = _number(p["upgrades"], "upgrades", 0, 200, errors, integer=True)
    p["buses"] = _number(p["buses"], "buses", 0, 50, errors, integer=True)
    p["grid_resolution"] = _number(
        p["grid_resolution"], "grid_resolution", 7, 10, errors, integer=True
    )
    p["overlap_share"] = _number(p["overlap_share"], "overlap_share", 0.1, 1, errors)
    if p["method"] not in ("auto", "greedy", "exact"):
        errors.append(FieldError("method", _("求解方式应为 auto、greedy 或 exact")))
    p["new_site_hours"] = _hours_ok(str(p["new_site_hours"]), "new_site_hours", errors)
    p["night_hours"] = _hours_ok(str(p["night_hours"]), "night_hours", errors)
    bands = []
    for i, b in enumerate(p["bands"] or []):
        label = str(b.get("label", "")).strip() or f"#{i + 1}"
        bands.append(
            {
                "label": label[:30],
                "hours": _hours_ok(str(b.get("hours", "")), f"bands[{i}]", errors),
            }
        )
    p["bands"] = bands
    week = p.get("week") or _next_monday(today).isoformat()
    try:
        monday = dt.date.fromisoformat(str(week))
        if monday.weekday() != 0:
            errors.append(FieldError("week", _("参考周应从星期一开始")))
        p["week"] = monday.isoformat()
    except ValueError:
        errors.append(FieldError("week", _("参考周应为日期，如 2026-12-07")))
    if errors:
        raise ValidationFailed(errors=errors)
    return p


def scenario_create(
    *,
    user: User,
    region: Region,
    name: str,
    layers: list[tuple[DemandLayer, float]],
    network: RoadNetworkRow | None = None,
    params: dict[str, Any] | None = None,
) -> Scenario:
    planning_require(user=user, region=region)
    errors = []
    if not name.strip():
        errors.append(FieldError("name", _("请填写方案名称")))
    if not layers:
        errors.append(FieldError("layers", _("至少选择一个需求图层")))
    for layer, weight in layers:
        if not user_scope(user=user).contains(layer.region):
            errors.append(FieldError("layers", _("图层不在你的辖区内")))
        if not 0 < weight <= 100:
            errors.append(FieldError("layers", _("图层权重应在 0–100 之间")))
    if network is not None and not user_scope(user=user).contains(network.region):
        errors.append(FieldError("network", _("路网不在你的辖区内")))
    try:
        clean = scenario_params_clean(params or {}, today=timezone.localdate())
    except ValidationFailed as exc:
        errors += exc.errors
        clean = {}
    if errors:
        raise ValidationFailed(errors=errors)
    clean["layers"] = [{"id": layer.pk, "weight": w} for layer, w in layers]
    clean["network"] = network.pk if network else None
    with transaction.atomic():
        s = Scenario.objects.create(
            region=region, name=name.strip()[:80], params=clean, network=network, created_by=user
        )
        s.layers.set([layer for layer, _w in layers])
    return s


def scenario_start(*, user: User, scenario: Scenario, enqueue: bool = True) -> Scenario:
    """Queue a run (a rerun replaces the last answer once it finishes)."""
    planning_require(user=user, region=scenario.region)
    with transaction.atomic():
        s = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if s.status == ScenarioStatus.QUEUED or (
            s.status == ScenarioStatus.RUNNING and not _stale(s)
        ):
            raise ApplicationError(_("这个方案正在计算，请等它完成或先取消。"))
        s.status, s.cancel_requested, s.error = ScenarioStatus.QUEUED, False, ""
        s.save(update_fields=["status", "cancel_requested", "error"])
        if enqueue:
            transaction.on_commit(_enqueuer(s.pk))
    return s


def _enqueuer(scenario_id: int) -> Callable[[], None]:
    def enqueue() -> None:
        from yizhan.planning.tasks import scenario_run_task

        scenario_run_task.enqueue(scenario_id=scenario_id)

    return enqueue


def _stale(s: Scenario) -> bool:
    """A run whose worker is gone: no progress for ``STALE_AFTER`` (killed, redeployed)."""
    p = progress_get(progress_key(s.pk))
    last = p.updated if p else (s.started_at.timestamp() if s.started_at else 0.0)
    return time.time() - last > STALE_AFTER.total_seconds()


def scenario_cancel(*, user: User, scenario: Scenario) -> Scenario:
    """Stop a queued or running scenario; the last finished answer (if any) is kept. A
    run whose worker is gone is marked cancelled at once."""
    planning_require(user=user, region=scenario.region)
    with transaction.atomic():
        s = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if s.status == ScenarioStatus.QUEUED or (s.status == ScenarioStatus.RUNNING and _stale(s)):
            s.status = ScenarioStatus.CANCELLED
        elif s.status == ScenarioStatus.RUNNING:
            s.cancel_requested = True
        else:
            raise ApplicationError(_("这个方案没有在计算。"))
        s.save(update_fields=["status", "cancel_requested"])
    return s


def progress_key(scenario_id: int) -> str:
    return f"planning:{scenario_id}"


# ------------------------------------------------------------------------ the run itself
def _week_mask(rule: str, *, workday: bool, monday: dt.date) -> np.ndarray:
    """168 flags: open for at least half of each hour of the week starting ``monday``."""
    return np.array(week_open_hours(OpeningHours(validate(rule), workday), monday), dtype=bool)


def _sites(region: Region, monday: dt.date) -> Sites:
    stations = list(
        Station.objects.filter(region_subtree_q(region), status=StationStatus.ACTIVE)
        .select_related("region")
        .prefetch_related("stops")
        .order_by("code")
    )
    cache: dict[tuple[str, bool], np.ndarray] = {}

    def hours(rule: str, workday: bool) -> np.ndarray:
        key = (rule, workday)
        if key not in cache:
            try:
                cache[key] = _week_mask(rule, workday=workday, monday=monday)
            except (InvalidOpeningHours, ValueError):
                cache[key] = np.zeros(168, dtype=bool)
        return cache[key]

    codes, names, regions, station_of, addresses = [], [], [], [], []
    lon, lat, rows, fixed = [], [], [], []
    for k, s in enumerate(stations):
        stops = list(s.stops.all()) if s.kind == StationKind.MOBILE else []
        places = (
            [
                (st.lon, st.lat, hours(st.hours, s.keeps_workday_hours), False, st.address)
                for st in stops
            ]
            if stops
            else [(s.lon, s.lat, hours(s.opening_hours, s.keeps_workday_hours), True, s.address)]
        )
        for x, y, h, f, a in places:
            codes.append(s.code)
            names.append(s.name)
            addresses.append(a)
            regions.append(s.region.code)
            station_of.append(k)
            lon.append(x)
            lat.append(y)
            rows.append(h)
            fixed.append(f)
    return Sites(
        codes=tuple(codes),
        names=tuple(names),
        regions=tuple(regions),
        station_of=tuple(station_of),
        lon=np.array(lon, dtype=float),
        lat=np.array(lat, dtype=float),
        open=np.array(rows, dtype=bool).reshape(len(rows), 168),
        fixed=np.array(fixed, dtype=bool),
        addresses=tuple(addresses),
    )


def scenario_input(scenario: Scenario) -> ScenarioInput:
    """What a scenario's run reads: its layers combined, its network, the region's
    operating sites and every hour rule as a mask of the reference week."""
    p = scenario.params
    monday = dt.date.fromisoformat(p["week"])
    layers = {layer.pk: layer for layer in scenario.layers.all()}
    if any(e["id"] not in layers for e in p["layers"]):
        raise ApplicationError(_("方案用到的需求图层已被删除，请新建方案。"))
    if p.get("network") and scenario.network is None:
        raise ApplicationError(_("方案用到的路网已被删除，请新建方案。"))
    parts = [
        (demand_of(layers[e["id"]]), float(e["weight"])) for e in p["layers"] if e["id"] in layers
    ]
    demand = combine(parts)
    if not demand.size or demand.total <= 0:
        raise ApplicationError(_("需求图层里没有数据。"))
    network = RoadNetwork.from_bytes(bytes(scenario.network.data)) if scenario.network else None
    roads = network if network is not None else _names_network(scenario.region)
    travel = Travel(
        minutes=float(p["minutes"]),
        speed_kmh=float(p["speed_kmh"]),
        detour=float(p["detour"]),
        network=network,
        mode=p["mode"],
    )
    sites = _sites(scenario.region, monday)
    names = (
        dict(Region.objects.filter(code__in=set(sites.regions)).values_list("code", "name"))
        if sites.codes
        else {}
    )
    questions = Questions(
        mode=p["mode"],
        minutes=p["minutes"],
        new_sites=int(p["new_sites"]),
        new_site_hours=_week_mask(p["new_site_hours"], workday=False, monday=monday),
        target_share=p["target_share"],
        upgrades=int(p["upgrades"]),
        night_hours=p["night_hours"],
        night=_week_mask(p["night_hours"], workday=False, monday=monday),
        buses=int(p["buses"]),
        bands=tuple(
            Band(b["label"], b["hours"], _week_mask(b["hours"], workday=False, monday=monday))
            for b in p["bands"]
        ),
        grid_resolution=int(p["grid_resolution"]),
        overlap_share=float(p["overlap_share"]),
        method=p["method"],
    )
    return ScenarioInput(demand, travel, sites, questions, names, roads)


def _names_network(region: Region) -> RoadNetwork | None:
    """For a straight-line scenario, the road names of the region's newest road network
    (its own, or its city's or province's), to place the suggested sites by."""
    code = region.code
    row = (
        RoadNetworkRow.objects.filter(
            region_subtree_q(region) | Q(region__code__in=[code[:n] for n in (2, 4, 6, 9)])
        )
        .order_by("-created_at", "-pk")
        .only("data")
        .first()
    )
    return RoadNetwork.from_bytes(bytes(row.data)) if row is not None else None


def scenario_compute(
    scenario: Scenario, *, step: Callable[[str], None] = lambda _s: None
) -> dict[str, Any]:
    """The whole answer for a scenario (pure reading; nothing written)."""
    started = time.perf_counter()
    step("load")
    data = scenario_input(scenario)
    return scenario_answer(data, step=step, started=started).as_dict()


def scenario_execute(*, scenario_id: int) -> Scenario:
    """Run a queued scenario: progress after each step, a cancel between steps, the
    result written once at the end (or an error and no result)."""
    claimed = Scenario.objects.filter(pk=scenario_id, status=ScenarioStatus.QUEUED).update(
        status=ScenarioStatus.RUNNING, started_at=timezone.now(), finished_at=None
    )
    s = Scenario.objects.select_related("region", "network").get(pk=scenario_id)
    if not claimed:
        return s  # cancelled before it started, or another worker has it
    key = progress_key(s.pk)

    def step(name: str) -> None:
        if Scenario.objects.filter(pk=s.pk, cancel_requested=True).exists():
            raise Cancelled
        progress_set(key, done=STEPS.index(name), total=len(STEPS), phase=name)

    try:
        result = scenario_compute(s, step=step)
        step("write")
        Scenario.objects.filter(pk=s.pk, status=ScenarioStatus.RUNNING).update(
            status=ScenarioStatus.DONE, result=result, error="", finished_at=timezone.now()
        )
    except Cancelled:
        Scenario.objects.filter(pk=s.pk).update(
            status=ScenarioStatus.CANCELLED, cancel_requested=False, finished_at=timezone.now()
        )
    except ApplicationError as exc:
        Scenario.objects.filter(pk=s.pk).update(
            status=ScenarioStatus.FAILED, error=exc.message, finished_at=timezone.now()
        )
    except Exception as exc:  # a bug must not leave the scenario "running" for ever
        Scenario.objects.filter(pk=s.pk).update(
            status=ScenarioStatus.FAILED,
            error=_("计算出错：%(e)s") % {"e": f"{type(exc).__name__}: {exc}"[:500]},
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress_clear(key)
    s.refresh_from_db()
    return s
