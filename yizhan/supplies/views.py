"""Staff pages for supplies: a station's shelf with use / restock / discard / stocktake,
its movement history, and the officers' list of what is about to expire.

Each form posts, the service records, the page redirects back with a message (POST →
redirect → GET). A station the user has nothing to do with is a 404; a role too small
for the action is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.access import StationAccess, is_supervisor, station_for_request
from yizhan.stations.models import Station
from yizhan.supplies import exports
from yizhan.supplies.forms import (
    CountForm,
    DiscardForm,
    MinLevelForm,
    RegionFilterForm,
    RestockForm,
    UseForm,
)
from yizhan.supplies.models import StockBatch, SupplyItem
from yizhan.supplies.selectors import (
    EXPIRING_DAYS,
    region_expiring,
    station_movements,
    station_stock,
    station_stock_item,
)
from yizhan.supplies.services import (
    station_supply_set,
    stock_count,
    stock_discard,
    stock_restock,
    stock_use,
)


def _to_station(code: str) -> HttpResponse:
    return redirect("supplies:station", code=code)


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    today = timezone.localdate()
    rows = station_stock(station=obj, today=today)
    return render(
        request,
        "supplies/station.html",
        {
            "station": obj,
            "rows": rows,
            "counts": {
                "expired": sum(r.state == "expired" for r in rows),
                "expiring": sum(r.state == "expiring" for r in rows),
                "low": sum(r.low for r in rows),
            },
            "can_run": access.allows("run"),
            "expiring_days": EXPIRING_DAYS,
            "today": today,
        },
    )


@login_required
def use(request: HttpRequest, code: str, item: str) -> HttpResponse:
    obj, _access = station_for_request(request, code)
    supply_item = get_object_or_404(SupplyItem, code=item)
    form = UseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stock_use(
                user=request.user,  # type: ignore[arg-type]
                station=obj,
                item=supply_item,
                quantity=form.cleaned_data["quantity"],
                client_id=form.cleaned_data["client_id"],
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as exc:
            form.apply(exc)
        else:
            messages.success(
                request,
                _("已领用 %(item)s %(n)d%(unit)s。")
                % {
                    "item": supply_item.label,
                    "n": form.cleaned_data["quantity"],
                    "unit": supply_item.unit,
                },
            )
            return _to_station(obj.code)
    row = station_stock_item(station=obj, item=supply_item, today=timezone.localdate())
    return render(
        request,
        "supplies/use.html",
        {"station": obj, "item": supply_item, "row": row, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def restock(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code, need="run")
    initial = {"item": request.GET.get("item", "")}
    form = RestockForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stock_restock(
                user=request.user,  # type: ignore[arg-type]
                station=obj,
                item=data["item"],
                quantity=data["quantity"],
                batch_no=data["batch_no"],
                expires_on=data["expires_on"],
                client_id=data["client_id"],
                note=data["note"],
            )
        except ValidationFailed as exc:
            form.apply(exc)
        else:
            messages.success(
                request,
                _("已入库 %(item)s %(n)d%(unit)s。")
                % {"item": data["item"].label, "n": data["quantity"], "unit": data["item"].unit},
            )
            return _to_station(obj.code)
    return render(
        request,
        "supplies/restock.html",
        {"station": obj, "form": form},
        status=422 if form.errors else 200,
    )


def _item_page(
    request: HttpRequest,
    station_obj: Station,
    access: StationAccess,
    item: SupplyItem,
    *,
    bound: tuple[str, int, Any] | None = None,
) -> HttpResponse:
    """The item's batches, each with its discard and stocktake forms; ``bound`` is
    (form kind, batch id, form) for a submission that failed, shown in place."""
    row = station_stock_item(station=station_obj, item=item, today=timezone.localdate())
    batches = []
    for batch in row.batches if row else ():
        forms: dict[str, Any] = {
            "discard": DiscardForm(prefix=f"discard-{batch.id}"),
            "count": CountForm(prefix=f"count-{batch.id}"),
        }
        forms["discard"].initial["quantity"] = batch.quantity
        forms["count"].initial["counted"] = batch.quantity
        if bound and bound[1] == batch.id:
            forms[bound[0]] = bound[2]
        batches.append({"batch": batch, **forms})
    min_form = (
        bound[2]
        if bound and bound[0] == "min"
        else MinLevelForm(initial={"min_level": row.min_level if row else 0})
    )
    return render(
        request,
        "supplies/item.html",
        {
            "station": station_obj,
            "item": item,
            "row": row,
            "batches": batches,
            "min_form": min_form,
            "can_run": access.allows("run"),
        },
        status=422 if bound else 200,
    )


@login_required
def item_detail(request: HttpRequest, code: str, item: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    return _item_page(request, obj, access, get_object_or_404(SupplyItem, code=item))


def _batch(station_obj: Station, batch_id: int) -> StockBatch:
    batch = (
        StockBatch.objects.select_related("station_supply__item")
        .filter(pk=batch_id, station_supply__station=station_obj)
        .first()
    )
    if batch is None:
        raise Http404(str(batch_id))
    return batch


@login_required
@require_POST
def batch_discard(request: HttpRequest, code: str, batch_id: int) -> HttpResponse:
    obj, access = station_for_request(request, code, need="run")
    batch = _batch(obj, batch_id)
    item = batch.station_supply.item
    form = DiscardForm(request.POST, prefix=f"discard-{batch.pk}")
    if form.is_valid():
        try:
            stock_discard(
                user=request.user,  # type: ignore[arg-type]
                batch=batch,
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationFailed as exc:
            form.apply(exc)
        else:
            messages.success(
                request,
                _("已报废 %(item)s %(n)d%(unit)s。")
                % {"item": item.label, "n": form.cleaned_data["quantity"], "unit": item.unit},
            )
            return redirect("supplies:item", code=obj.code, item=item.code)
    return _item_page(request, obj, access, item, bound=("discard", batch.pk, form))


@login_required
@require_POST
def batch_count(request: HttpRequest, code: str, batch_id: int) -> HttpResponse:
    obj, access = station_for_request(request, code, need="run")
    batch = _batch(obj, batch_id)
    item = batch.station_supply.item
    form = CountForm(request.POST, prefix=f"count-{batch.pk}")
    if form.is_valid():
        try:
            movement = stock_count(
                user=request.user,  # type: ignore[arg-type]
                batch=batch,
                counted=form.cleaned_data["counted"],
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationFailed as exc:
            form.apply(exc)
        else:
            if movement.quantity:
                text = _("盘点完成，差异 %(d)+d%(unit)s 已记录。") % {
                    "d": movement.quantity,
                    "unit": item.unit,
                }
            else:
                text = _("盘点完成，数量相符。")
            messages.success(request, text)
            return redirect("supplies:item", code=obj.code, item=item.code)
    return _item_page(request, obj, access, item, bound=("count", batch.pk, form))


@login_required
@require_POST
def min_level(request: HttpRequest, code: str, item: str) -> HttpResponse:
    obj, access = station_for_request(request, code, need="run")
    supply_item = get_object_or_404(SupplyItem, code=item)
    form = MinLevelForm(request.POST)
    if form.is_valid():
        try:
            station_supply_set(
                user=request.user,  # type: ignore[arg-type]
                station=obj,
                item=supply_item,
                min_level=form.cleaned_data["min_level"],
            )
        except ValidationFailed as exc:
            for error in exc.errors:
                form.add_error("min_level" if error.field == "min_level" else None, error.message)
        else:
            messages.success(request, _("最低库存已保存。"))
            return redirect("supplies:item", code=obj.code, item=supply_item.code)
    return _item_page(request, obj, access, supply_item, bound=("min", 0, form))


@login_required
def history(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code)
    page = Paginator(station_movements(station=obj), 50).get_page(request.GET.get("page"))
    return render(request, "supplies/history.html", {"station": obj, "page": page})


def _scope_regions(scope: Any) -> list[Region]:
    """Regions (city, district, street) in the scope that hold stations, in code order."""
    codes = set(
        Station.objects.filter(scope.q("region")).values_list("region__code", flat=True).distinct()
    )
    prefixes = {c[:n] for c in codes for n in (4, 6, 9) if len(c) >= n}
    return list(
        Region.objects.filter(scope.q(""), code__in=prefixes)
        .filter(level__in=[RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET])
        .order_by("code")
    )


@login_required
def region(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_supervisor(user):
        raise PermissionDenied(_("只有工会干部和督查员可以查看辖区物资。"))
    scope = user_scope(user=user)
    if not scope.national and scope.region is None:
        raise PermissionDenied(_("你的账户没有管辖区域。"))
    regions = _scope_regions(scope)
    choices = [(r.code, "· " * max(len(r.code) // 3 - 1, 0) + r.name) for r in regions]
    form = RegionFilterForm(request.GET or None, regions=choices)
    chosen, days = None, EXPIRING_DAYS
    if form.is_bound and form.is_valid():
        days = form.cleaned_data["days"] or EXPIRING_DAYS
        code = form.cleaned_data["region"]
        chosen = next((r for r in regions if r.code == code), None)
    today = timezone.localdate()
    rows = region_expiring(scope=scope, today=today, within_days=days, region=chosen)
    if request.GET.get("format") == "xlsx":
        try:
            content, content_type, filename = exports.expiring_export(
                rows=rows, today=today, within_days=days, region=chosen
            )
        except ApplicationError as exc:  # pragma: no cover - nothing raises today
            messages.error(request, exc.message)
        else:
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(
        request,
        "supplies/region.html",
        {
            "form": form,
            "rows": rows,
            "days": days,
            "chosen": chosen,
            "scope_region": scope.region,
            "export_query": query.urlencode(),
            "expired_count": sum(1 for r in rows if r.state == "expired"),
        },
    )
