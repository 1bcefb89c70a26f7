"""Staff and officer pages: a person's day, one station's running (opening log,
inspections, equipment, rectifications), and the officers' regime views with exports.

Thin: each view calls one service or selector; domain errors come back as messages or
as errors next to the field they name."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, FieldError, NotFound, ValidationFailed
from yizhan.core.time import SHANGHAI, today
from yizhan.operations import exports, nav, regime, selectors, services
from yizhan.operations.models import EscalationLevel, Season, Tier
from yizhan.signage.selectors import hours_summary
from yizhan.stations.access import (
    inspection_tiers,
    is_supervisor,
    officer_for_request,
    rectification_can_check,
    rectification_can_reassign,
    region_for_request,
    regions_in_scope,
    station_access,
    station_for_request,
)
from yizhan.stations.models import Station


def _float(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _position(request: HttpRequest) -> services.Position:
    return services.Position(
        _float(request.POST.get("lat")),
        _float(request.POST.get("lon")),
        _float(request.POST.get("accuracy")),
    )


def _client_id(request: HttpRequest) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return uuid.uuid4()


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _error_message(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(e.message for e in exc.errors)
    return exc.message


# ---------------------------------------------------------------- signing in


class StaffLoginView(LoginView):
    """Django's sign-in. Guessing is throttled by django-axes on every login, this one and
    the console's (yizhan.accounts.lockout; docs/security.md)."""


# ---------------------------------------------------------------- the day


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    day = selectors.my_day(user=user, today=today())
    officer = is_supervisor(user)
    # An officer's pages by group, with what waits in the region (operations/nav.py).
    groups = nav.officer_day(user=user, now=timezone.now()) if officer else []
    return render(
        request,
        "staff/home.html",
        {"day": day, "officer": officer, "groups": groups, "nav": "home", "new_id": uuid.uuid4},
    )


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    board = selectors.inspection_board(stations=[obj], today=today())[0]
    amenities = list(
        obj.station_amenities.select_related("amenity").order_by("amenity__sort_order")
    )
    orders = selectors.station_orders_open(station=obj)
    return render(
        request,
        "staff/station.html",
        {
            "station": obj,
            "access": access,
            "board": board,
            "amenities": amenities,
            "orders": orders,
            "log": selectors.opening_log_recent(station=obj),
            "season": selectors.station_season(region_code=obj.region.code, day=today()),
            "may": inspection_tiers(access),
            "hours": hours_summary(station=obj, today=today()),
            "client_id": uuid.uuid4(),
            "today": today(),
        },
    )


@login_required
@require_POST
def opening(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code)
    try:
        entry = services.opening_log_record(
            user=_user(request),
            station=obj,
            action=request.POST.get("action", ""),
            position=_position(request),
            client_id=_client_id(request),
        )
    except ApplicationError as exc:
        messages.error(request, _error_message(exc))
    else:
        text = _("已记录：%(action)s %(at)s") % {
            "action": entry.get_action_display(),
            "at": f"{entry.at.astimezone(SHANGHAI):%H:%M}",
        }
        if entry.away:
            text += " · " + _("手机定位距驿站 %(m)d 米，已标记为不在驿站") % {
                "m": entry.distance_m or 0
            }
        elif entry.no_position:
            text += " · " + _("未获取到定位，已标记")
        messages.success(request, text)
    return redirect("operations:station", code=obj.code)


@login_required
@require_POST
def equipment(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code)
    working = request.POST.get("state") == "working"
    try:
        row = services.amenity_state_set(
            user=_user(request),
            station=obj,
            amenity_code=request.POST.get("amenity", ""),
            working=working,
            reason=request.POST.get("reason", ""),
            expected_fix_on=_date(request.POST.get("expected_fix_on")),
        )
    except ApplicationError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(
            request,
            _("%(name)s：%(state)s（找驿站页面几秒内更新）")
            % {"name": row.amenity.label, "state": row.get_state_display()},
        )
    return redirect("operations:station", code=obj.code)


# ---------------------------------------------------------------- inspections


@login_required
def inspect(request: HttpRequest, code: str, tier: str) -> HttpResponse:
    if tier not in Tier.values:
        raise Http404(tier)
    user = _user(request)
    assignment = None
    raw_assignment = request.GET.get("assignment") or request.POST.get("assignment")
    if raw_assignment and raw_assignment.isdigit():
        try:
            assignment = services.assignment_for(user=user, pk=int(raw_assignment))
        except NotFound as exc:
            raise Http404(raw_assignment) from exc
    if assignment is not None and assignment.station.code == code and assignment.tier == tier:
        # A mystery visitor or spot checker has no role at the station: the task is the key.
        obj = Station.objects.select_related("region").get(pk=assignment.station_id)
    else:
        obj, _access = station_for_request(request, code)
    checklist = selectors.checklist_current(tier=tier)
    season = selectors.station_season(region_code=obj.region.code, day=today())
    items = selectors.checklist_items_for(checklist=checklist, season=season)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {i.code: request.POST.get(f"item_{i.code}", "") for i in items}
        photos = [
            (key.removeprefix("photo_"), f)
            for key in request.FILES
            if key.startswith("photo_")
            for f in request.FILES.getlist(key)
        ] + [("", f) for f in request.FILES.getlist("photos")]
        try:
            result = services.inspection_submit(
                user=user,
                station=obj,
                tier=tier,
                answers=values,
                photos=photos,
                position=_position(request),
                note=request.POST.get("note", ""),
                client_id=_client_id(request),
                assignment=assignment,
            )
        except ValidationFailed as exc:
            # A photo's error ("photo:<item>") shows at its item, like the answer's.
            errors = {}
            for e in exc.errors:
                errors.setdefault(e.field.removeprefix("photo:"), e.message)
            messages.error(request, _("提交未成功，请按提示修改。"))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        else:
            i = result.inspection
            text = _("%(tier)s已提交。") % {"tier": i.get_tier_display()}
            if result.rectifications:
                # Every finding by name; one found again joined the order still open.
                found = [
                    _("%(item)s（再次发现，记入原整改单）") % {"item": r.label}
                    if r.pk in result.again
                    else r.label
                    for r in result.rectifications
                ]
                text += " " + _("发现 %(n)d 项问题，已生成整改单：%(items)s。") % {
                    "n": len(result.rectifications),
                    "items": "；".join(found),
                }
            if i.late:
                text += " " + _("上一周期漏检，本次记为逾期完成。")
            if i.away:
                text += " " + _("提交位置不在驿站附近，已标记。")
            messages.success(request, text)
            return redirect("operations:inspection", pk=i.pk)
    return render(
        request,
        "staff/inspect.html",
        {
            "station": obj,
            "tier": Tier(tier),
            "checklist": checklist,
            "items": items,
            "season": season,
            "season_label": Season(season).label if season else "",
            "errors": errors,
            "values": values,
            "assignment": assignment,
            "client_id": request.POST.get("client_id") or uuid.uuid4(),
        },
    )


@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.inspection_detail(pk=pk)
    except NotFound as exc:
        raise Http404(pk) from exc
    access = station_access(user=request.user, station=found.station)
    if not access.any and found.inspector_id != request.user.pk:
        raise Http404(pk)
    return render(request, "staff/inspection.html", {"inspection": found})


# ---------------------------------------------------------------- rectifications


@login_required
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = selectors.rectification_detail(pk=pk)
    except NotFound as exc:
        raise Http404(pk) from exc
    user = _user(request)
    access = station_access(user=user, station=order.station)
    if not access.any and order.assignee_id != user.pk and order.issued_by_id != user.pk:
        raise Http404(pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "fix":
                services.rectification_fix(
                    user=user,
                    rectification=order,
                    note=request.POST.get("note", ""),
                    photo=request.FILES.get("photo"),
                )
                messages.success(request, _("整改已提交，等待复核。"))
            elif action == "reassign":
                raw = request.POST.get("assignee", "")
                person = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
                if person is None:
                    raise ValidationFailed(
                        errors=[FieldError("assignee", _("请选择责任人"), value=raw[:20])]
                    )
                services.rectification_reassign(
                    user=user,
                    rectification=order,
                    assignee=person,
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request, _("责任人已改为 %(who)s。") % {"who": person.display_name}
                )
            elif action in ("accept", "reject"):
                services.rectification_check(
                    user=user,
                    rectification=order,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request, _("已销号。") if action == "accept" else _("已退回整改。")
                )
            else:
                raise Http404(action)
        except ValidationFailed as exc:
            errors = {e.field: e.message for e in exc.errors}
            messages.error(request, _("提交未成功，请按提示修改。"))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        else:
            return redirect("operations:rectification", pk=order.pk)
        order = selectors.rectification_detail(pk=pk)
    can_fix = order.status == "open" and (order.assignee_id == user.pk or access.runs)
    can_reassign = order.status != "closed" and rectification_can_reassign(
        user=user, issuer_id=order.issued_by_id, station=order.station
    )
    now = timezone.now()
    return render(
        request,
        "staff/rectification.html",
        {
            "order": order,
            "errors": errors,
            "can_fix": can_fix,
            "can_reassign": can_reassign,
            "choices": selectors.rectification_assignee_choices(order=order)
            if can_reassign
            else [],
            "contacts": selectors.station_contacts_without_account(station=order.station)
            if order.assignee_basis in ("issuer", "officer") or order.assignee_id is None
            else [],
            "can_check": order.status == "fixed"
            and rectification_can_check(
                user=user, issuer_id=order.issued_by_id, station=order.station
            ),
            "post": request.POST,
            "overdue": order.status == "open" and order.deadline < now,
            "next_level": EscalationLevel(
                regime.level_next(order.station.region.code, order.level)
            ),
        },
    )


# ---------------------------------------------------------------- officers


def _window(request: HttpRequest) -> tuple[dt.date, dt.date]:
    end = _date(request.GET.get("end")) or today()
    start = _date(request.GET.get("start")) or end - dt.timedelta(days=29)
    if start > end:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    return start, end


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    start, end = _window(request)
    rows = selectors.inspection_compliance(
        scope=user_scope(user=user), region=region, start=start, end=end, today=today()
    )
    totals = selectors.compliance_by_region(rows)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        rows = [r for r in rows if r.state == "overdue"]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.compliance_xlsx(rows, totals, start, end), content_type=exports.XLSX
        )
        response["Content-Disposition"] = (
            f'attachment; filename="inspection-compliance-{start}-{end}.xlsx"'
        )
        return response
    return render(
        request,
        "staff/compliance.html",
        {
            "rows": rows,
            "totals": totals,
            "region": region,
            "regions": regions_in_scope(user),
            "start": start,
            "end": end,
            "only_overdue": only_overdue,
            "nav": "region",
            "query": request.GET.urlencode(),
        },
    )


@login_required
def rectifications(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    rows = selectors.rectifications_open(
        scope=user_scope(user=user), region=region, now=timezone.now()
    )
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:  # the officer's day links here with its count of overdue orders
        rows = [r for r in rows if getattr(r, "overdue", False)]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(exports.rectifications_xlsx(rows), content_type=exports.XLSX)
        response["Content-Disposition"] = 'attachment; filename="open-rectifications.xlsx"'
        return response
    ages: list[int] = [getattr(r, "age_days", 0) for r in rows]
    buckets = [
        (_("3天内"), sum(1 for a in ages if a <= 3)),
        (_("4–7天"), sum(1 for a in ages if 3 < a <= 7)),
        (_("8–30天"), sum(1 for a in ages if 7 < a <= 30)),
        (_("30天以上"), sum(1 for a in ages if a > 30)),
    ]
    return render(
        request,
        "staff/rectifications.html",
        {
            "rows": rows,
            "buckets": buckets,
            "region": region,
            "regions": regions_in_scope(user),
            "only_overdue": only_overdue,
            "overdue_choice": _("只看已逾期的整改单"),
            "nav": "region",
            "query": request.GET.urlencode(),
        },
    )


@login_required
def seasons(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    errors: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("delete"):
        from yizhan.operations.models import SeasonalMode as Mode

        mode = Mode.objects.select_related("region").filter(pk=request.POST["delete"]).first()
        if mode is None:
            raise Http404(request.POST["delete"])
        try:
            services.seasonal_mode_delete(user=user, mode=mode)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        else:
            messages.success(request, _("季节模式已撤销。"))
        return redirect("operations:seasons")
    if request.method == "POST":
        region = region_for_request(request, user)
        starts, ends = _date(request.POST.get("starts_on")), _date(request.POST.get("ends_on"))
        if region is None or starts is None or ends is None:
            errors = {
                k: _("请填写日期")
                for k, v in (("starts_on", starts), ("ends_on", ends))
                if v is None
            }
            if region is None:
                errors["region"] = _("请选择区域")
        else:
            try:
                services.seasonal_mode_set(
                    user=user,
                    region=region,
                    season=request.POST.get("season", ""),
                    starts_on=starts,
                    ends_on=ends,
                    note=request.POST.get("note", ""),
                )
            except ValidationFailed as exc:
                errors = {e.field: e.message for e in exc.errors}
            except ApplicationError as exc:
                messages.error(request, _error_message(exc))
            else:
                messages.success(request, _("季节模式已设置。"))
                return redirect("operations:seasons")
    modes = selectors.seasonal_modes_for(user=user)
    return render(
        request,
        "staff/seasons.html",
        {
            "modes": modes,
            "today": today(),
            "editable": [m.region for m in modes if user_scope(user=user).contains(m.region)],
            "regions": regions_in_scope(user),
            "seasons": Season.choices,
            "errors": errors,
            "post": request.POST,
            "nav": "region",
        },
    )


@login_required
def spot(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    errors: dict[str, str] = {}
    made: list[Any] = []
    if request.method == "POST":
        region = region_for_request(request, user)
        raw_count = request.POST.get("count", "")
        due_on = _date(request.POST.get("due_on"))
        if region is None or due_on is None or (raw_count and not raw_count.isdigit()):
            if due_on is None:
                errors["due_on"] = _("请填写截止日期")
            if raw_count and not raw_count.isdigit():
                errors["count"] = _("抽取数量须为正整数")
            if region is None:
                errors["region"] = _("请选择区域")
        else:
            inspectors = list(
                User.objects.filter(
                    pk__in=[i for i in request.POST.getlist("assignees") if i.isdigit()]
                )
            )
            try:
                made = services.spot_checks_draw(
                    user=user,
                    region=region,
                    count=int(raw_count) if raw_count else None,
                    due_on=due_on,
                    assignees=inspectors,
                )
            except ValidationFailed as exc:
                errors = {e.field: e.message for e in exc.errors}
            except ApplicationError as exc:
                messages.error(request, _error_message(exc))
            else:
                messages.success(request, _("已随机抽取 %(n)d 个驿站。") % {"n": len(made)})
    people, workers, open_tasks = selectors.assignment_choices(user=user)
    return render(
        request,
        "staff/spot.html",
        {
            "regions": regions_in_scope(user),
            "people": people,
            "workers": workers,
            "errors": errors,
            "made": made,
            "open_tasks": open_tasks,
            "default_due": today() + dt.timedelta(days=7),
            "nav": "region",
        },
    )


@login_required
@require_POST
def mystery(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    code = request.POST.get("station", "").strip().upper()
    obj = Station.objects.select_related("region").filter(code=code).first()
    raw_worker = request.POST.get("worker", "")
    worker = User.objects.filter(pk=int(raw_worker)).first() if raw_worker.isdigit() else None
    due_on = _date(request.POST.get("due_on"))
    problems = []
    if obj is None:
        problems.append(
            _("没有编号为 %(code)s 的驿站") % {"code": code} if code else _("请填写驿站编号")
        )
    if worker is None:
        problems.append(_("请选择暗访人"))
    if due_on is None:
        problems.append(_("请填写截止日期"))
    if problems or obj is None or worker is None or due_on is None:
        messages.error(request, "；".join(str(p) for p in problems))
        return redirect("operations:spot")
    try:
        services.mystery_visit_assign(user=user, station=obj, worker=worker, due_on=due_on)
    except ApplicationError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("暗访任务已派发给 %(who)s。") % {"who": worker.display_name})
    return redirect("operations:spot")
