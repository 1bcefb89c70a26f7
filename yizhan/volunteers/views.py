"""Staff pages for volunteer shifts: the shifts a volunteer can sign up for and their own
(check in, check out), and one station's shifts for its runners (publish, cancel, see who
signed up). Thin: forms check types, services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.stations.access import station_for_request
from yizhan.volunteers import selectors, services
from yizhan.volunteers.models import CHECK_IN_EARLY_MINUTES, Shift, ShiftRole, ShiftSignup


def _error_text(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "；".join(e.message for e in exc.errors)
    return exc.message


@login_required
def shift_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    day: dt.date | None = None
    raw = request.GET.get("day", "")[:10]
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("日期格式应为 年-月-日，例如 2026-03-14。"))
    shifts = selectors.shifts_upcoming(user=request.user, now=now, day=day)
    mine = selectors.signups_mine(user=request.user, now=now)
    signed = {s.shift_id for s in mine}
    return render(
        request,
        "volunteers/list.html",
        {
            "nav": "shifts",
            "shifts": shifts,
            "mine": mine,
            "signed": signed,
            "day": day,
            "now": now,
            "check_in_from": dt.timedelta(minutes=CHECK_IN_EARLY_MINUTES),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("volunteers:list")


@login_required
@require_POST
def signup(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=shift_id, published=True)
    try:
        services.shift_signup(user=request.user, shift=shift)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        when = timezone.localtime(shift.starts_at, SHANGHAI)
        messages.success(
            request,
            _("已报名：%(station)s %(when)s。开始前一天会提醒你。")
            % {"station": shift.station.name, "when": f"{when:%m-%d %H:%M}"},
        )
    return _back(request)


def _own(request: HttpRequest, signup_id: int) -> ShiftSignup:
    found = ShiftSignup.objects.filter(pk=signup_id, user__pk=request.user.pk or 0).first()
    if found is None:
        raise Http404(str(signup_id))
    return found


def _float(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()[:32]
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_POST
def signup_cancel(request: HttpRequest, signup_id: int) -> HttpResponse:
    try:
        services.shift_signup_cancel(user=request.user, signup=_own(request, signup_id))
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已取消报名。"))
    return _back(request)


@login_required
@require_POST
def check_in(request: HttpRequest, signup_id: int) -> HttpResponse:
    try:
        done = services.shift_check_in(
            user=request.user,
            signup=_own(request, signup_id),
            lat=_float(request, "lat"),
            lon=_float(request, "lon"),
            accuracy_m=_float(request, "accuracy_m"),
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if done.no_position:
            messages.warning(request, _("已签到（未定位）。"))
        elif done.away:
            messages.warning(
                request,
                _("已签到，但你距驿站约 %(d)d 米（不在驿站）。")
                % {"d": round(done.distance_m or 0)},
            )
        else:
            messages.success(request, _("已签到。"))
    return _back(request)


@login_required
@require_POST
def check_out(request: HttpRequest, signup_id: int) -> HttpResponse:
    try:
        services.shift_check_out(
            user=request.user,
            signup=_own(request, signup_id),
            lat=_float(request, "lat"),
            lon=_float(request, "lon"),
            accuracy_m=_float(request, "accuracy_m"),
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已签退，谢谢你的值守！"))
    return _back(request)


# --------------------------------------------------------------------------- runners


class ShiftForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=gettext_lazy("开始"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=gettext_lazy("结束"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=gettext_lazy("早于开始时间表示到次日，例如 22:00–06:00。"),
    )
    role = forms.ChoiceField(label=gettext_lazy("岗位"), choices=ShiftRole.choices)
    slots = forms.IntegerField(
        label=gettext_lazy("名额"), min_value=1, max_value=services.MAX_SLOTS, initial=1
    )
    extends_hours = forms.BooleanField(
        label=gettext_lazy("延长开放：值班时段内驿站对外开放（有人报名后在找驿站中显示）"),
        required=False,
        initial=True,
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        d = self.cleaned_data
        start = dt.datetime.combine(d["day"], d["start"], SHANGHAI)
        end = dt.datetime.combine(d["day"], d["end"], SHANGHAI)
        if end <= start:
            end += dt.timedelta(days=1)
        return start, end


FORM_FIELD = {"starts_at": "start", "ends_at": "end", "slots": "slots", "role": "role"}


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code, need="run")
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            services.shift_publish(
                user=request.user,
                station=obj,
                role=form.cleaned_data["role"],
                starts_at=starts_at,
                ends_at=ends_at,
                slots=form.cleaned_data["slots"],
                extends_hours=form.cleaned_data["extends_hours"],
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                form.add_error(FORM_FIELD.get(e.field), e.message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("值班已发布。"))
            return redirect("volunteers:station", code=obj.code)
    context: dict[str, Any] = {
        "nav": "shifts",
        "station": obj,
        "form": form,
        "shifts": selectors.station_shifts(station=obj, now=timezone.now()),
    }
    return render(request, "volunteers/station.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def shift_cancel(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.select_related("station"), pk=shift_id)
    obj, _access = station_for_request(request, shift.station.code, need="run")
    try:
        services.shift_cancel(user=request.user, shift=shift)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("值班已取消，已通知报名的志愿者。"))
    return redirect("volunteers:station", code=obj.code)
