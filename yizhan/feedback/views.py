"""Worker QR pages (the scan of a board's code; check in, rate, report, answer a survey;
follow a report) and the staff pages (reports, ratings, surveys).

A worker is known by a random id in a long-lived signed cookie (HttpOnly, SameSite=Lax),
with the occupation category they chose; only its keyed hash reaches the database
(`yizhan.visitors`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import (
    ApplicationError,
    FieldError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from yizhan.core.occupation import Occupation
from yizhan.core.ratelimit import rate_limited
from yizhan.core.time import SHANGHAI
from yizhan.feedback import exports, selectors, services
from yizhan.feedback.models import (
    REPORT_STAFF_STATUSES,
    RatingTag,
    Report,
    ReportCategory,
    ReportStatus,
)
from yizhan.regions.models import Region
from yizhan.signage.selectors import qr_verify
from yizhan.stations.access import is_officer, officer_for_request
from yizhan.stations.models import Station
from yizhan.visitors.services import (
    WORKER_OCCUPATIONS,
    WRITES_PER_MINUTE,
    visitor_from,
    visitor_keep,
    visitor_occupation_set,
)


def _client_id(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None


def _client_at(request: HttpRequest) -> dt.datetime | None:
    """When the phone says the form was filled in (set by the offline queue as ISO 8601;
    `yizhan.core.time.client_time` decides how far it is believed)."""
    raw = request.POST.get("client_at", "")[:40]
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _page(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    here = request.get_full_path()
    return {
        **context,
        "nav": "",
        "messages_js": {},
        "lang_zh_url": translate_url(here, "zh-hans"),
        "lang_en_url": translate_url(here, "en"),
    }


def _slow(request: HttpRequest) -> HttpResponse:
    response = render(request, "signage/scan_problem.html", {"problem": "slow"}, status=429)
    response["Retry-After"] = "60"
    return response


# The QR page ------------------------------------------------------------------------------


ACTIONS = ("occupation", "checkin", "rate", "report", "survey")
QR_SCANS_PER_MINUTE = 60
FEEDBACK_PURPOSES = ("checkin", "rate", "report")


def scan(request: HttpRequest, purpose: str, code: str, sig: str) -> HttpResponse:
    """A scanned board QR code (``/q/<purpose>/<code>/<sig>/``, signed by signage): checked,
    then the worker's page for check-in, rating or a problem report at this same signed
    URL (`qr_page`); "join" goes on to the station's page (``?from=qr&do=join``)."""
    if rate_limited(request, scope="qr", per_minute=QR_SCANS_PER_MINUTE):
        response = render(request, "signage/scan_problem.html", {"problem": "slow"}, status=429)
        response["Retry-After"] = "60"
        return response
    if not qr_verify(purpose, code, sig):
        return render(request, "signage/scan_problem.html", {"problem": "invalid"}, status=404)
    if purpose in FEEDBACK_PURPOSES:
        return qr_page(request, purpose=purpose, code=code, sig=sig)
    target = reverse("finder:station", args=[code])
    return redirect(f"{target}?{urlencode({'from': 'qr', 'do': purpose})}")


def qr_page(request: HttpRequest, *, purpose: str, code: str, sig: str) -> HttpResponse:
    """What a scanned board code opens (after `scan` checked the signature):
    the worker's occupation once, then check in / rate / report, the scanned one first."""
    station = selectors.station_for_qr(code=code)
    if station is None:
        return render(request, "signage/scan_problem.html", {"problem": "invalid"}, status=404)
    key, occupation, new = visitor_from(request)
    now = timezone.now()
    errors: list[Any] = []
    action = request.POST.get("action", "") if request.method == "POST" else ""
    values: dict[str, Any] = {}
    if request.method == "POST":
        if action not in ACTIONS:
            return HttpResponse(status=400)
        if rate_limited(request, scope="feedback-write", per_minute=WRITES_PER_MINUTE):
            return _slow(request)
        values = {
            k: request.POST.get(k, "") for k in ("stars", "comment", "category", "text", "phone")
        }
        values["tags"] = request.POST.getlist("tags")
        try:
            response = _act(request, action, station, key, occupation, now)
        except TooManyRequests:
            return _slow(request)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            visitor_keep(
                response,
                key,
                request.POST.get("occupation", occupation)
                if action == "occupation"
                else occupation,
            )
            return response
    done = request.GET.get("done", "")
    rated = selectors.visitor_rated_today(
        station=station, visitor_key=key, day=now.astimezone(SHANGHAI).date()
    )
    surveys = (
        selectors.surveys_open_for(station=station, visitor_key=key, now=now)
        if occupation and done in ("checkin", "rate")
        else []
    )
    order = [purpose] + [p for p in ("checkin", "rate", "report") if p != purpose]
    # Scanning the station again: the worker's reports here still being dealt with.
    mine = [] if new else selectors.reports_of(visitor_key=key, station=station, unresolved=True)
    response = render(
        request,
        "feedback/qr.html",
        _page(
            request,
            {
                "station": station,
                "purpose": purpose,
                "order": order,
                "occupation": occupation,
                "occupation_label": dict(Occupation.choices).get(occupation, ""),
                "occupations": WORKER_OCCUPATIONS,
                "tags": RatingTag.choices,
                "categories": ReportCategory.choices,
                "stars_range": [5, 4, 3, 2, 1],
                "rated": rated,
                "done": done,
                "surveys": surveys[:1],
                "my_reports": mine[:5],
                "errors": errors,
                "error_fields": {e.field for e in errors},
                "action": action,
                "values": values,
                "client_id": uuid.uuid4(),
            },
        ),
        status=422 if errors else 200,
    )
    if new:
        visitor_keep(response, key, occupation)
    return response


def _act(
    request: HttpRequest,
    action: str,
    station: Any,
    key: str,
    occupation: str,
    now: dt.datetime,
) -> HttpResponse:
    here = request.path
    post = request.POST
    if action == "occupation":
        chosen = post.get("occupation", "")
        visitor_occupation_set(key=key, occupation=chosen, now=now)
        return redirect(here)
    if action == "checkin":
        services.checkin_record(
            station=station,
            visitor_key=key,
            occupation=occupation,
            client_id=_client_id(request),
            client_at=_client_at(request),
            now=now,
        )
        return redirect(f"{here}?done=checkin")
    if action == "rate":
        stars_raw = post.get("stars", "")
        services.rating_submit(
            station=station,
            visitor_key=key,
            stars=int(stars_raw) if stars_raw.isdigit() else None,
            tags=post.getlist("tags"),
            comment=post.get("comment", ""),
            occupation=occupation,
            client_id=_client_id(request),
            client_at=_client_at(request),
            now=now,
        )
        return redirect(f"{here}?done=rate")
    if action == "report":
        report = services.report_submit(
            station=station,
            visitor_key=key,
            category=post.get("category", ""),
            text=post.get("text", ""),
            photo=request.FILES.get("photo"),
            phone=post.get("phone", "") if post.get("reply") else "",
            occupation=occupation,
            client_id=_client_id(request),
            client_at=_client_at(request),
            now=now,
        )
        token = selectors.report_follow_token(report=report, visitor_key=key)
        return redirect("worker_feedback:follow", token=token)
    survey_id = post.get("survey", "")
    survey = next(
        (
            s
            for s in selectors.surveys_open_for(station=station, visitor_key=None, now=now)
            if str(s.pk) == survey_id
        ),
        None,
    )
    if survey is None:
        raise NotFound(_("这份调研已结束或不在本驿站"))
    answers: dict[str, list[str] | str] = {
        q["code"]: post.getlist(q["code"]) if q["kind"] == "multi" else post.get(q["code"], "")
        for q in survey.questions
    }
    services.survey_answer_submit(
        survey=survey,
        station=station,
        visitor_key=key,
        answers=answers,
        occupation=occupation,
        now=now,
    )
    return redirect(f"{here}?done=survey")


def follow(request: HttpRequest, token: str) -> HttpResponse:
    """A reporter follows their report: its status, every change with its time (no
    names), the order's progress, and "修好了吗？" once it is done. Each reporter of a
    merged report has their own link and answer; the page offers to copy or share it."""
    found = selectors.report_follow(token=token)
    if found is None:
        raise Http404(token)
    errors: list[Any] = []
    if request.method == "POST":
        if rate_limited(request, scope="feedback-write", per_minute=WRITES_PER_MINUTE):
            return _slow(request)
        try:
            services.report_fixed_confirm(token=token, answer=request.POST.get("answer", ""))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            return redirect(request.path)
    return render(
        request,
        "feedback/follow.html",
        _page(
            request,
            {
                "follow": found,
                "report": found.report,
                "steps": selectors.report_progress(
                    report=found.report, submitted_at=found.submitted_at
                ),
                "link": request.build_absolute_uri(request.path),
                "errors": errors,
            },
        ),
        status=422 if errors else 200,
    )


# Staff pages ----------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _error_text(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "；".join(e.message for e in exc.errors)
    return exc.message


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Reports by status and category, with their orders; ratings per station (30 days)."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in ReportStatus.values else ""
    category = request.GET.get("category", "")
    category = category if category in ReportCategory.values else ""
    now = timezone.now()
    only_overdue = request.GET.get("overdue") == "1"
    reports = selectors.reports_for(
        user=user,
        status=status,
        category=category,
        overdue_before=selectors.report_ack_cutoff(now) if only_overdue else None,
    )
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(exports.reports_xlsx(reports), content_type=exports.XLSX)
        response["Content-Disposition"] = 'attachment; filename="worker-reports.xlsx"'
        return response
    ratings = selectors.ratings_by_station(user=user, start=now - dt.timedelta(days=30), end=now)
    by_category = selectors.reports_by_category_for(
        user=user, start=now - dt.timedelta(days=30), end=now
    )
    return render(
        request,
        "feedback/staff_index.html",
        {
            "nav": "feedback",
            "reports": reports,
            "ratings": ratings,
            "by_category": by_category,
            "overdue_before": selectors.report_ack_cutoff(now),
            "status": status,
            "category": category,
            "only_overdue": only_overdue,
            "statuses": ReportStatus.choices,
            "staff_statuses": [c for c in ReportStatus.choices if c[0] in REPORT_STAFF_STATUSES],
            "categories": ReportCategory.choices,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("station"), pk=pk)
    user = _user(request)
    visible = Station.objects.filter(selectors.stations_visible_q(user=user))
    if not visible.filter(pk=report.station_id).exists():
        raise Http404(pk)
    try:
        done = services.report_status_set(
            user=user, report=report, status=request.POST.get("status", "")
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("%(category)s：%(status)s。")
            % {"category": done.get_category_display(), "status": done.get_status_display()},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("feedback:index")


def _datetime(raw: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)


@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    """An officer's surveys, and the form that publishes one to their region."""
    user = officer_for_request(request)
    form: dict[str, str] = {}
    errors: list[Any] = []
    scope = user_scope(user=user)
    regions = list(Region.objects.filter(scope.q("")).order_by("code")[:300])
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("title", "region", "stations", "opens", "closes", "questions")
        }
        region = Region.objects.filter(code=form["region"]).first()
        opens = _datetime(form["opens"])
        closes = _datetime(form["closes"])
        if opens is None or closes is None:
            errors = [
                FieldError("opens" if opens is None else "closes", _("日期格式应为 年-月-日"))
            ]
        else:
            try:
                survey = services.survey_create(
                    user=user,
                    title=form["title"],
                    region=region,
                    questions_text=form["questions"],
                    opens_at=opens,
                    closes_at=closes + dt.timedelta(days=1),
                    station_codes=form["stations"].replace("，", ",").split(","),
                )
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                messages.success(request, _("调研已发布。"))
                return redirect("feedback:survey", pk=survey.pk)
    today = timezone.localdate()
    return render(
        request,
        "feedback/surveys.html",
        {
            "nav": "surveys",
            "surveys": selectors.surveys_for(user=user),
            "regions": regions,
            "form": form,
            "errors": errors,
            "default_opens": today.isoformat(),
            "default_closes": (today + dt.timedelta(days=14)).isoformat(),
            "can_publish": is_officer(user),
        },
        status=422 if errors else 200,
    )


@login_required
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.survey_for(user=officer_for_request(request), pk=pk)
    if obj is None:
        raise Http404(pk)
    results = selectors.survey_results(survey=obj)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(exports.survey_xlsx(results), content_type=exports.XLSX)
        response["Content-Disposition"] = f'attachment; filename="survey-{obj.pk}.xlsx"'
        return response
    return render(
        request,
        "feedback/survey.html",
        {
            "nav": "surveys",
            "results": results,
            "xlsx": reverse("feedback:survey", args=[pk]) + "?format=xlsx",
        },
    )
