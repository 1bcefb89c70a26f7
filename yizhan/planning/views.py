"""Planning pages for union officers: the region's demand layers, road networks and
scenarios; one scenario's answer on a map, a chart and tables; two side by side; the
exports. Thin: each view calls one service or selector."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from geoplan.coverage import cell_boundary
from yizhan.accounts.models import User
from yizhan.core.basemap import street_centres
from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.core.progress import progress_get
from yizhan.core.xlsx import XLSX
from yizhan.planning import exports, selectors, services, words
from yizhan.planning.models import (
    LIVE_STATUSES,
    CoordinateSystem,
    LayerKind,
    Scenario,
)
from yizhan.stations.access import officer_for_request, region_for_request, regions_in_scope
from yizhan.stations.models import Station


def _message(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "；".join(
            (f"{_('第 %(n)s 行') % {'n': e.row}} " if e.row else "") + e.message for e in exc.errors
        )
    return exc.message


def _float(raw: str | None, default: float) -> float:
    try:
        return float(raw) if raw not in (None, "") else default
    except ValueError:
        return -1.0  # refused by the service, naming the field


def _bands(raw: str) -> list[dict[str, str]] | None:
    """One band per line: "周末晚间 | Sa,Su 17:00-21:00"."""
    if not raw.strip():
        return None
    out = []
    for line in raw.splitlines():
        if line.strip():
            label, _sep, hours = line.partition("|")
            out.append({"label": label.strip(), "hours": hours.strip() or label.strip()})
    return out


def _scenario(request: HttpRequest, pk: int) -> tuple[User, Scenario]:
    user = officer_for_request(request)
    s = selectors.scenario_visible(user=user, pk=pk)
    if s is None:
        raise Http404(str(pk))
    return user, s


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    if request.method == "POST" and region is not None:
        return _index_post(request, user, region)
    layers = list(selectors.layers_for(region=region)) if region else []
    return render(
        request,
        "planning/index.html",
        {
            "region": region,
            "regions": regions_in_scope(user),
            "layers": layers,
            "networks": list(selectors.networks_for(region=region)) if region else [],
            "scenarios": list(selectors.scenarios_for(region=region)[:100]) if region else [],
            "kinds": LayerKind.choices,
            "crs_choices": CoordinateSystem.choices,
            "defaults": services.DEFAULTS,
            "default_bands": "\n".join(
                f"{b['label']} | {b['hours']}" for b in services.DEFAULT_BANDS
            ),
        },
    )


def _upload(request: HttpRequest) -> UploadedFile:
    f = request.FILES.get("file")
    if f is None:
        raise ValidationFailed(errors=[FieldError("file", _("请选择文件"))])
    return f


def _index_post(request: HttpRequest, user: User, region: Any) -> HttpResponse:
    action = request.POST.get("action", "")
    back = f"{reverse('planning:index')}?region={region.code}"
    try:
        if action == "layer":
            f = _upload(request)
            layer = services.demand_layer_upload(
                user=user,
                region=region,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                file=f,
                file_name=f.name or "upload",
                crs=request.POST.get("crs", "wgs84"),
            )
            messages.success(
                request, _("已读入图层 %(n)s：%(r)s 条记录") % {"n": layer.name, "r": layer.records}
            )
        elif action == "network":
            f = _upload(request)
            net = services.road_network_upload(
                user=user,
                region=region,
                name=request.POST.get("name", ""),
                file=f,
                file_name=f.name or "upload",
            )
            messages.success(
                request, _("已读入路网 %(n)s：%(e)s 条路段") % {"n": net.name, "e": net.edges}
            )
            if warning := words.network_fit_words(net.fit):
                messages.warning(request, warning)
        elif action == "scenario":
            chosen = []
            ids = [v for v in request.POST.getlist("layers") if v.isascii() and v.isdigit()]
            for layer in selectors.layers_for(region=region).filter(pk__in=ids):
                chosen.append((layer, _float(request.POST.get(f"weight_{layer.pk}"), 1.0)))
            net_id = request.POST.get("network") or ""
            network = (
                selectors.networks_for(region=region).filter(pk=net_id).first()
                if net_id.isascii() and net_id.isdigit()
                else None
            )
            params: dict[str, Any] = {
                k: request.POST.get(k)
                for k in (
                    "mode",
                    "minutes",
                    "new_sites",
                    "target_share",
                    "upgrades",
                    "buses",
                    "new_site_hours",
                    "night_hours",
                )
            }
            if params.get("target_share"):
                params["target_share"] = _float(params["target_share"], 90) / 100
            params["bands"] = _bands(request.POST.get("bands", ""))
            s = services.scenario_create(
                user=user,
                region=region,
                name=request.POST.get("name", ""),
                layers=chosen,
                network=network,
                params=params,
            )
            services.scenario_start(user=user, scenario=s)
            return redirect("planning:scenario", pk=s.pk)
        else:
            raise Http404(action)
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect(back)


def _streets(stations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each street's name at the centre of the scenario's stations in it (the plain base map)."""
    codes = [str(x["code"]) for x in stations if "code" in x]
    region_of: dict[str, str] = dict(
        Station.objects.filter(code__in=codes).values_list("code", "region__name")
    )
    return street_centres(
        (region_of.get(str(x.get("code", "")), "") or "", x["lon"], x["lat"]) for x in stations
    )


def _map_data(s: Scenario) -> dict[str, Any]:
    """The scenario's map in WGS-84; core/basemap.js moves every point onto the tiles."""
    r = s.result or {}

    def placed(x: dict[str, Any]) -> dict[str, Any]:
        """A suggested site with its street and nearest place in words (the popup's)."""
        return {**x, "place": words.site_place(x)}

    def ring(cell: str) -> list[list[float]]:
        return [[lat, lon] for lon, lat in cell_boundary(cell)]

    return {
        "name": s.name,
        "streets": _streets(r.get("stations", [])),
        "stations": r.get("stations", []),
        "gaps": [
            {**g, "ring": ring(g["cell"])}
            for g in r.get("gaps", [])[:300]
            if g["uncovered_share"] > 0
        ],
        "sites": [placed(x) for x in r.get("siting", {}).get("sites", [])],
        "upgrades": r.get("upgrades", {}).get("stations", []),
        "overlaps": r.get("overlaps", [])[:30],
        "bands": [
            {**b, "sites": [placed(x) for x in b["sites"]]}
            for b in r.get("mobile", {}).get("bands", [])
        ],
        "by_hour": r.get("by_hour", []),
        "demand_by_hour": r.get("demand_by_hour", []),
        "labels": {
            "station": _("驿站"),
            "always": _("24小时"),
            "new": _("推荐新址"),
            "upgrade": _("建议升级24小时"),
            "gap": _("未覆盖需求"),
            "overlap": _("覆盖重叠"),
            "mobile": _("流动驿站停靠"),
            "share": _("覆盖率"),
            "demand": _("需求占比"),
            "days": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
        },
    }


@login_required
def scenario(request: HttpRequest, pk: int) -> HttpResponse:
    user, s = _scenario(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "run":
                services.scenario_start(user=user, scenario=s)
                messages.success(request, _("已开始计算。"))
            elif request.POST.get("action") == "cancel":
                services.scenario_cancel(user=user, scenario=s)
                messages.success(request, _("已取消。"))
            else:
                raise Http404("action")
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("planning:scenario", pk=s.pk)
    progress = progress_get(services.progress_key(s.pk))
    others = list(
        selectors.scenarios_for(region=s.region).exclude(pk=s.pk).filter(result__isnull=False)[:30]
    )
    return render(
        request,
        "planning/scenario.html",
        {
            "s": s,
            "r": s.result or {},
            "live": s.status in LIVE_STATUSES,
            "percent": progress.percent if progress else 0,
            "map": _map_data(s) if s.result else None,
            "others": others,
            "layers": list(s.layers.all().defer("data")),
        },
    )


@login_required
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    user = officer_for_request(request)
    s = selectors.scenario_visible(user=user, pk=pk, light=True)
    if s is None:
        raise Http404(str(pk))
    p = progress_get(services.progress_key(s.pk))
    return JsonResponse(
        {
            "status": s.status,
            "status_label": str(s.get_status_display()),
            "percent": p.percent if p else (100 if s.status == "done" else 0),
            "phase": p.phase if p else "",
            "error": s.error,
        }
    )


@login_required
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    _user, s = _scenario(request, pk)
    if not s.result:
        raise Http404(str(pk))
    response = HttpResponse(exports.scenario_xlsx(s), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scenario-{s.pk}.xlsx"'
    return response


@login_required
def export_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    _user, s = _scenario(request, pk)
    if not s.result:
        raise Http404(str(pk))
    response = HttpResponse(exports.scenario_geojson(s), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="scenario-{s.pk}.geojson"'
    return response


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    picked = []
    for key in ("a", "b"):
        raw = request.GET.get(key, "")
        s = (
            selectors.scenario_visible(user=user, pk=int(raw))
            if raw.isascii() and raw.isdigit()
            else None
        )
        if s is None or not s.result:
            raise Http404(key)
        picked.append(s)
    a, b = picked
    rows = _compare_rows(a.result or {}, b.result or {})
    return render(
        request,
        "planning/compare.html",
        {"a": a, "b": b, "rows": rows, "maps": {"a": _map_data(a), "b": _map_data(b)}},
    )


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * float(x):.1f}%"


def _compare_rows(ra: dict[str, Any], rb: dict[str, Any]) -> list[tuple[str, str, str]]:
    def get(r: dict[str, Any], *path: str) -> Any:
        for k in path:
            r = r.get(k, {}) if isinstance(r, dict) else {}
        return r if r != {} else None

    def travel(r: dict[str, Any]) -> str:
        mode = _("电动车") if get(r, "summary", "mode") == "ebike" else _("步行")
        kind = _("路网") if get(r, "summary", "travel") == "network" else _("直线 × 绕行系数")
        return f"{mode} · {kind}"

    def needed(r: dict[str, Any]) -> str:
        sc = r.get("set_cover") or {}
        if sc.get("unreachable"):
            return _("无法达到(最多 %(b)s)") % {"b": _pct(sc.get("best_share"))}
        return "—" if sc.get("count") is None else str(sc["count"])

    def band(r: dict[str, Any], label: str) -> Any:
        for x in get(r, "mobile", "bands") or []:
            if x["label"] == label:
                return x["share_after"]
        return None

    rows = [
        (_("驿站数"), str(get(ra, "summary", "stations")), str(get(rb, "summary", "stations"))),
        (_("出行"), travel(ra), travel(rb)),
        (
            _("可达距离(米)"),
            str(get(ra, "summary", "limit_m")),
            str(get(rb, "summary", "limit_m")),
        ),
        (_("现状覆盖率"), _pct(get(ra, "summary", "share")), _pct(get(rb, "summary", "share"))),
        (
            _("夜间覆盖率"),
            _pct(get(ra, "summary", "night_share")),
            _pct(get(rb, "summary", "night_share")),
        ),
        (_("新增站点数"), str(get(ra, "siting", "k")), str(get(rb, "siting", "k"))),
        (
            _("新增后覆盖率"),
            _pct(get(ra, "siting", "share_after")),
            _pct(get(rb, "siting", "share_after")),
        ),
        (_("达标所需新址"), needed(ra), needed(rb)),
        (
            _("升级后夜间覆盖率"),
            _pct(get(ra, "upgrades", "share_after")),
            _pct(get(rb, "upgrades", "share_after")),
        ),
        (_("重叠驿站对"), str(len(ra.get("overlaps", []))), str(len(rb.get("overlaps", [])))),
    ]
    labels = [x["label"] for x in get(ra, "mobile", "bands") or []]
    for label in labels:
        rows.append(
            (
                _("流动驿站后覆盖率 · %(b)s") % {"b": label},
                _pct(band(ra, label)),
                _pct(band(rb, label)),
            )
        )
    return rows
