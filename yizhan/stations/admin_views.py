"""Console pages for officers' spreadsheets and 上图: thin shells over
`imports` and `exports`, scoped by `accounts.selectors.user_scope`.

Wired by `StationAdmin.get_urls()` as ``admin:stations_station_import`` and
``admin:stations_station_listing``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geoplan.crs import CRS
from yizhan.accounts.selectors import user_scope
from yizhan.core.csv import response as csv_response
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.progress import progress_get
from yizhan.stations.access import console_perms_require
from yizhan.stations.io import exports, imports
from yizhan.stations.io.spreadsheets import MAX_FILE_BYTES
from yizhan.stations.models import MapPlatform, Station, StationImport
from yizhan.stations.rules import LISTING_NAME_MAX, PLATFORM_NAME_MAX
from yizhan.stations.selectors import stations_list
from yizhan.stations.services import station_listings_mark, station_short_name_set

# Rows of a report shown on the page; the full report is a download.
SHOWN_ROWS = 500
ACTION_LABELS = {
    imports.ACTION_CREATE: _("新增"),
    imports.ACTION_UPDATE: _("更新"),
    imports.ACTION_UNCHANGED: _("不变"),
    imports.ACTION_INVALID: _("有错误"),
}
REASON_LABELS = {
    exports.REASON_NEW: _("未上图"),
    exports.REASON_CHANGED: _("信息有变更"),
    exports.REASON_WITHDRAW: _("已暂停或摘牌，需下线"),
}
# exports.WARNING_TEXTS, for the page (the pack itself is always Chinese).
WARNING_TEXTS = {
    "name_too_long": _(
        "名称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限："
        "请填写上图简称（不会自动截短）"
    ),
    "short_name_too_long": _(
        "上图简称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限：请改短"
    ),
    "listed_name": _(
        "上次以“%(old)s”上图，现按名称“%(name)s”提交；如要保留原名，请把它填为上图简称"
    ),
    "no_address": _("缺少地址"),
    "no_phone": _("缺少联系电话"),
    "no_opening_hours": _("缺少营业时间"),
    "no_photos": _("缺少照片（平台要求门头或内景照片）"),
}
CRS_CHOICES = [
    (CRS.WGS84.value, _("WGS-84（GPS、天地图、OpenStreetMap）")),
    (CRS.GCJ02.value, _("GCJ-02（高德、腾讯）")),
    (CRS.BD09.value, _("BD-09（百度）")),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("表格文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GB18030），最大 10 MB、20000 行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    default_crs = forms.ChoiceField(
        label=_("默认坐标系"),
        choices=CRS_CHOICES,
        initial=CRS.WGS84.value,
        help_text=_("“坐标系”列为空的行按此坐标系解读经纬度。"),
    )


def _context(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], title: str
) -> dict[str, Any]:
    opts = model_admin.model._meta
    try:
        changelist_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        changelist_url = ""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": title,
        "changelist_url": changelist_url,
    }


def _own_import(request: HttpRequest, pk: Any) -> StationImport:
    if not str(pk).isdigit():
        raise Http404
    qs = StationImport.objects.all()
    if not request.user.is_superuser:
        qs = qs.filter(uploaded_by_id=request.user.pk)
    return get_object_or_404(qs, pk=pk)


def _report_csv(station_import: StationImport) -> HttpResponse:
    return csv_response(
        imports.report_csv(station_import.report, ACTION_LABELS),
        f"import-{station_import.pk}-report.csv",
    )


def station_import_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """Upload → dry-run report (row, column, value, problem) → 确认导入 commits it."""
    console_perms_require(request, "stations.add_station", "stations.change_station")
    scope = user_scope(user=request.user)
    if request.method == "GET" and request.GET.get("template"):
        content, content_type, _name = exports.stations_export(
            stations=[], fmt="xlsx", crs=CRS.WGS84
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = 'attachment; filename="yizhan-stations-template.xlsx"'
        return response

    form = ImportForm()
    station_import: StationImport | None = None
    if request.method == "POST" and "import_id" in request.POST:
        station_import = _own_import(request, request.POST["import_id"])
        try:
            imports.station_import_enqueue(
                station_import=station_import,
                user=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(f"{request.path}?id={station_import.pk}")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # Read one byte past the limit: enough to say "too big" without reading more.
            content = upload.read(MAX_FILE_BYTES + 1)
            try:
                station_import = imports.station_import_check(
                    filename=upload.name,
                    content=content,
                    default_crs=form.cleaned_data["default_crs"],
                    user=request.user,  # type: ignore[arg-type]
                    scope=scope,
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                return HttpResponseRedirect(f"{request.path}?id={station_import.pk}")
    elif request.GET.get("id"):
        station_import = _own_import(request, request.GET["id"])
        if request.GET.get("download") == "report":
            return _report_csv(station_import)

    context = _context(request, model_admin, str(_("导入驿站表格")))
    context["form"] = form
    if station_import is not None:
        report = station_import.report
        rows = report.get("rows", [])
        shown = [r for r in rows if r["action"] != imports.ACTION_UNCHANGED][:SHOWN_ROWS]
        context.update(
            {
                "station_import": station_import,
                "report": report,
                "summary": imports.import_summary(report),
                "errors": report.get("errors", [])[:SHOWN_ROWS],
                "errors_hidden": max(0, len(report.get("errors", [])) - SHOWN_ROWS),
                "rows": [
                    {**r, "action_label": ACTION_LABELS.get(r["action"], r["action"])}
                    for r in shown
                ],
                "can_commit": station_import.status == StationImport.Status.VALID
                or imports.import_is_stale(station_import),
                "committed": station_import.status == StationImport.Status.COMMITTED,
                "committing": station_import.status == StationImport.Status.COMMITTING
                and not imports.import_is_stale(station_import),
                "stale": imports.import_is_stale(station_import),
                "progress": progress_get(imports.progress_key(station_import)),
            }
        )
    return TemplateResponse(request, "admin/stations/station_import.html", context)


def _platform(request: HttpRequest) -> str:
    platform = request.POST.get("platform") or request.GET.get("platform") or MapPlatform.AMAP
    return platform if platform in MapPlatform.values else MapPlatform.AMAP.value


def _warning_text(warning: exports.ListingWarning) -> str:
    params: dict[str, Any] = dict(warning.params)
    if "platform" in params:
        params["platform"] = MapPlatform(params["platform"]).label
    return str(WARNING_TEXTS[warning.code]) % params


def _short_name_save(
    request: HttpRequest, platform: str, stations: list[Station]
) -> tuple[int, str, str] | None:
    """Save the 上图简称 posted for one station of the officer's region; None when it
    was saved, else (station pk, the value posted, why it was refused)."""
    value = request.POST.get("short_name_for", "")
    station = next((s for s in stations if value.isdigit() and s.pk == int(value)), None)
    if station is None:
        # Not in the officer's region (or no such station): as if it did not exist.
        raise Http404
    short_name = request.POST.get("short_name", "").strip()
    if not short_name:
        return station.pk, short_name, str(_("请填写上图简称"))
    try:
        saved = station_short_name_set(
            station=station,
            short_name=short_name,
            user=request.user,  # type: ignore[arg-type]
            scope=user_scope(user=request.user),
            reason=str(_("上图管理：填写上图简称")),
        )
    except ValidationFailed as exc:
        return station.pk, short_name, exc.errors[0].message if exc.errors else exc.message
    except ApplicationError as exc:
        return station.pk, short_name, exc.message
    if saved:
        messages.success(
            request,
            _("已保存 %(code)s 的上图简称“%(name)s”（%(platform)s）")
            % {"code": station.code, "name": short_name, "platform": MapPlatform(platform).label},
        )
    return None


def station_listing_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """上图: pick Amap or Baidu, see what is new or changed and what the platform would
    refuse or miss, enter a 上图简称 where a name is too long, download the pack, and mark
    what was submitted as listed (with the fingerprints shown, i.e. what was sent)."""
    console_perms_require(request, "stations.change_station")
    scope = user_scope(user=request.user)
    platform = _platform(request)
    stations = list(stations_list(scope=scope, public=False))
    refused: tuple[int, str, str] | None = None

    if request.method == "POST" and "short_name_for" in request.POST:
        refused = _short_name_save(request, platform, stations)
        if refused is None:
            return HttpResponseRedirect(f"{request.path}?platform={platform}")
    elif request.method == "POST":
        fingerprints: dict[int, str] = {}
        for value in request.POST.getlist("station"):
            if not value.isdigit():
                continue
            fingerprint = request.POST.get(f"fp-{value}", "")
            if len(fingerprint) == 64 and all(c in "0123456789abcdef" for c in fingerprint):
                fingerprints[int(value)] = fingerprint
        chosen = list(Station.objects.filter(scope.q("region"), pk__in=fingerprints))
        if chosen:
            count = station_listings_mark(
                stations=chosen,
                platform=platform,
                fingerprints=fingerprints,
                user=request.user,  # type: ignore[arg-type]
            )
            messages.success(
                request,
                _("已将 %(count)d 个驿站标记为已上图（%(platform)s）")
                % {"count": count, "platform": MapPlatform(platform).label},
            )
        else:
            messages.warning(request, _("没有选择驿站"))
        return HttpResponseRedirect(f"{request.path}?platform={platform}")

    if request.GET.get("download"):
        base_url = request.build_absolute_uri("/").rstrip("/")
        content = exports.listing_pack(stations=stations, platform=platform, base_url=base_url)
        stamp = timezone.localdate()
        response = HttpResponse(content, content_type=exports.FORMATS["xlsx"])
        response["Content-Disposition"] = (
            f'attachment; filename="yizhan-listing-{platform}-{stamp:%Y%m%d}.xlsx"'
        )
        return response

    pending = exports.listings_pending(stations=stations, platform=platform)
    context = _context(request, model_admin, str(_("上图管理（高德 / 百度）")))
    rows = []
    for p in pending[:SHOWN_ROWS]:
        row: dict[str, Any] = {
            "p": p,
            "reason": REASON_LABELS.get(p.reason, p.reason),
            "short_name": p.suggestion,
            "error": "",
            "warnings": [(w.blocking, _warning_text(w)) for w in p.warnings],
        }
        if refused is not None and refused[0] == p.station.pk:
            row["short_name"], row["error"] = refused[1], refused[2]
            refused = None
        rows.append(row)
    if refused is not None:  # a station no longer on the page (e.g. listed since)
        messages.error(request, refused[2])
    context.update(
        {
            "platform": platform,
            "platforms": MapPlatform.choices,
            "platform_label": MapPlatform(platform).label,
            "name_max": PLATFORM_NAME_MAX[platform],
            "short_name_max": LISTING_NAME_MAX,
            "pending_count": len(pending),
            "pending": rows,
            "pending_hidden": max(0, len(pending) - SHOWN_ROWS),
            "markable": any(p.markable for p in pending[:SHOWN_ROWS]),
            "needs_short_name": sum(1 for p in pending if p.needs_short_name),
            "active_count": sum(1 for s in stations if s.status == "active"),
        }
    )
    return TemplateResponse(request, "admin/stations/station_listing.html", context)
