"""The evaluation's pages: officers' month (runs with progress, scores, cards), a
station's result for its master, delisting proposals, rankings, the printable bulletin
and the model in force. Thin: each view calls one service or selector."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.basemap import street_centres
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.progress import progress_get
from yizhan.core.time import today
from yizhan.core.xlsx import XLSX
from yizhan.evaluation import explain, exports, selectors, services
from yizhan.evaluation.models import (
    Card,
    CardStatus,
    DelistingProposal,
    EvaluationRun,
    ProposalStatus,
    RunStatus,
    SixHaveRule,
)
from yizhan.regions.models import Region
from yizhan.stations.access import (
    evaluation_can_decide,
    evaluation_can_run,
    officer_for_request,
    region_for_request,
    regions_in_scope,
    station_for_request,
)
from yizhan.stations.hours import rule_words
from yizhan.stations.models import StaffRole


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _month(request: HttpRequest, default: dt.date | None = None) -> dt.date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        return dt.date.fromisoformat(f"{raw}-01") if len(raw) == 7 else dt.date.fromisoformat(raw)
    except ValueError:
        return default or selectors.month_previous(today())


def _message(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "；".join(e.message for e in exc.errors)
    return exc.message


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _months(scope_months: list[dt.date]) -> list[dt.date]:
    """Months to pick: the last twelve finished ones and any with results."""
    out, m = [], selectors.month_previous(today())
    for _i in range(12):
        out.append(m)
        m = selectors.month_previous(m)
    return sorted(set(out) | set(scope_months), reverse=True)


def _run_row(run: EvaluationRun) -> dict[str, Any]:
    p = progress_get(services.progress_key(run)) if run.status == RunStatus.RUNNING else None
    changes = explain.run_changes(run.outcome or {}) if run.status == RunStatus.DONE else []
    return {
        "run": run,
        "percent": p.percent if p else (100 if run.status == RunStatus.DONE else 0),
        "phase": p.phase if p else run.status,
        "changes": changes,
        "unlisted": max(0, int((run.outcome or {}).get("changed") or 0) - len(changes)),
    }


@login_required
def month(request: HttpRequest) -> HttpResponse:
    """Officers: a region's month, with the runs, every station's result and the cards."""
    user = officer_for_request(request)
    region = region_for_request(request, user)
    scope = user_scope(user=user)
    chosen = _month(request)
    scores = list(selectors.scores_in(scope=scope, region=region, month=chosen))
    cards = selectors.cards_active(station_ids=[s.station_id for s in scores])
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.scores_xlsx(scores, cards), f"evaluation-{chosen:%Y-%m}.xlsx")
    scores.sort(key=lambda s: (s.score is None, s.score if s.score is not None else 0))
    for s in scores:  # the main reason beside a star that moved, in words
        moved = s.star_before != s.star_after and s.star_why
        s.star_reason = "；".join(explain.star_needs(s.star_why)[:2]) if moved else ""  # type: ignore[attr-defined]
    runs = [_run_row(r) for r in selectors.runs_for(scope=scope, region=region, month=chosen)]
    return render(
        request,
        "evaluation/month.html",
        {
            "nav": "evaluation",
            "region": region,
            "regions": regions_in_scope(user),
            "month": chosen,
            "months": _months(selectors.months_with_scores(scope=scope, region=region)),
            "scores": scores,
            "cards": cards,
            "runs": runs,
            "live": any(r["run"].status in (RunStatus.QUEUED, RunStatus.RUNNING) for r in runs),
            "may_run": evaluation_can_run(user) and region is not None and region.level != "street",
            "scored": sum(1 for s in scores if s.status == "scored"),
            "insufficient": sum(1 for s in scores if s.status == "insufficient"),
            "yellow": sum(1 for c in cards.values() if c.kind == "yellow"),
            "red": sum(1 for c in cards.values() if c.kind == "red"),
            "pending": selectors.proposals_pending_count(scope=scope),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    chosen = _month(request)
    target = (
        f"{reverse('evaluation:month')}?region={region.code if region else ''}&month={chosen:%Y-%m}"
    )
    if region is None:
        messages.error(request, _("请选择区域。"))
        return redirect(target)
    try:
        runs = services.evaluation_start(user=user, region=region, month=chosen)
    except ApplicationError as exc:
        messages.error(request, _message(exc))
        return redirect(target)
    messages.success(
        request,
        _("已开始评估 %(n)s 个区县的 %(m)s 月；完成后本页显示结果。")
        % {"n": len(runs), "m": f"{chosen:%Y-%m}"},
    )
    return redirect(target)


@login_required
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    user = officer_for_request(request)
    found = get_object_or_404(EvaluationRun.objects.select_related("region"), pk=pk)
    if not user_scope(user=user).contains(found.region):
        raise Http404(str(pk))
    row = _run_row(found)
    return JsonResponse(
        {
            "status": found.status,
            "status_label": str(found.get_status_display()),
            "percent": row["percent"],
            "phase": row["phase"],
            "error": found.error,
        }
    )


def _proposal_open(station_id: int) -> DelistingProposal | None:
    return (
        DelistingProposal.objects.filter(station_id=station_id, status=ProposalStatus.PENDING)
        .order_by("-created_at")
        .first()
    )


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    """A station's result: its staff and the officers over it see the same page."""
    obj, access = station_for_request(request, code)
    history = selectors.station_scores(station=obj)
    months = [s.month for s in history]
    chosen = _month(request, default=months[0] if months else None)
    score = next((s for s in history if s.month == chosen), None)
    spec = selectors.spec_for_month(region=obj.region, month=chosen)
    card = Card.objects.filter(station=obj, status=CardStatus.ACTIVE).first()
    officer_items = [h for h in spec.six_haves if h.rule == SixHaveRule.OFFICER]
    return render(
        request,
        "evaluation/station.html",
        {
            "nav": "evaluation",
            "station": obj,
            "access": access,
            "score": score,
            "month": chosen,
            "months": months,
            "lines": explain.indicator_lines(score.indicators) if score else [],
            "six": explain.six_lines(score.six_haves) if score else [],
            "needs": explain.star_needs(score.star_why) if score else [],
            "triggers": explain.triggers_text(score.triggers) if score else "",
            "decision": explain.decision_text(score.decision) if score else "",
            "card": card,
            "card_why": explain.triggers_text(card.triggers) if card else "",
            "proposal": _proposal_open(obj.pk),
            "officer_items": officer_items if access.supervisor else [],
            "may_lift": card is not None
            and evaluation_can_run(_user(request))
            and access.supervisor,
            "chart": {
                "months": [f"{s.month:%Y-%m}" for s in reversed(history)],
                "scores": [s.score for s in reversed(history)],
                "label": _("综合得分"),
            },
        },
    )


@login_required
@require_POST
def six_have(request: HttpRequest, code: str) -> HttpResponse:
    obj, _access = station_for_request(request, code, need="supervise")
    try:
        services.six_have_check_record(
            user=_user(request),
            station=obj,
            code=request.POST.get("code", ""),
            ok=request.POST.get("ok") == "yes",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request, _("已记录核定结果：计入还没有评估的月份；已评估过的月份重算时按当时的核定。")
        )
    return redirect("evaluation:station", code=obj.code)


@login_required
@require_POST
def card_lift(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Card.objects.select_related("station"), pk=pk)
    obj, _access = station_for_request(request, found.station.code, need="supervise")
    try:
        services.card_lift(user=_user(request), card=found, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("已撤销。"))
    return redirect("evaluation:station", code=obj.code)


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    rows = list(
        selectors.proposals_in(scope=user_scope(user=user), region=region).order_by(
            "status", "-created_at"
        )
    )
    rows.sort(key=lambda p: p.status != ProposalStatus.PENDING)
    return render(
        request,
        "evaluation/proposals.html",
        {"nav": "evaluation", "rows": rows, "region": region, "regions": regions_in_scope(user)},
    )


@login_required
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        DelistingProposal.objects.select_related("station__region", "card", "responded_by"), pk=pk
    )
    obj, access = station_for_request(request, found.station.code)
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "respond":
                services.delisting_respond(
                    user=user, proposal=found, text=request.POST.get("response", "")
                )
                messages.success(request, _("已提交答复。"))
            elif action in ("approve", "reject"):
                services.delisting_decide(
                    user=user,
                    proposal=found,
                    approve=action == "approve",
                    note=request.POST.get("decision_note", ""),
                )
                messages.success(
                    request, _("已批准摘牌。") if action == "approve" else _("已驳回摘牌建议。")
                )
            else:
                raise Http404(action)
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("evaluation:proposal", pk=found.pk)
    return render(
        request,
        "evaluation/proposal.html",
        {
            "nav": "evaluation",
            "p": found,
            "station": obj,
            "card_why": explain.triggers_text(found.card.triggers),
            "may_respond": StaffRole.MASTER in access.roles
            and found.status == ProposalStatus.PENDING,
            "may_decide": evaluation_can_decide(user, obj)
            and found.status == ProposalStatus.PENDING,
            "waiting": found.responded_at is None and today() <= found.respond_by,
            "scores": selectors.station_scores(station=obj, limit=6),
        },
    )


def _region_required(request: HttpRequest, user: User) -> Region:
    region = region_for_request(request, user)
    if region is None:
        raise DjangoPermissionDenied(_("请选择区域。"))
    return region


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    region = region_for_request(request, user)
    chosen = _month(request)
    result = selectors.rankings(scope=user_scope(user=user), region=region, month=chosen)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.rankings_xlsx(result), f"rankings-{chosen:%Y-%m}.xlsx")
    english = (get_language() or "").startswith("en")
    for row in [*result.top, *result.upgrade]:  # the hours in words, not the OSM rule
        station = row.score.station
        station.hours_words = rule_words(  # type: ignore[attr-defined]
            station.opening_hours, workday=station.keeps_workday_hours, english=english
        )
    return render(
        request,
        "evaluation/rankings.html",
        {
            "nav": "evaluation",
            "r": result,
            "region": region,
            "regions": regions_in_scope(user),
            "month": chosen,
            "months": _months([]),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    """The monthly bulletin of a district or city, printable (A4) and as XLSX."""
    user = officer_for_request(request)
    region = _region_required(request, user)
    chosen = _month(request)
    scope = user_scope(user=user)
    b = selectors.bulletin(scope=scope, region=region, month=chosen)
    cards = selectors.cards_active(station_ids=[s.station_id for s in b.scores])
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.bulletin_xlsx(b, cards), f"bulletin-{region.code}-{chosen:%Y-%m}.xlsx")
    charts = {
        "distribution": {
            "labels": [x for x, _n in b.distribution],
            "values": [n for _x, n in b.distribution],
        },
        "stars": {"labels": [f"{lv}★" for lv, _n in b.stars], "values": [n for _lv, n in b.stars]},
        "trend": {
            "months": [f"{m:%Y-%m}" for m, _a, _y, _r in b.trend],
            "average": [a for _m, a, _y, _r in b.trend],
            "yellow": [y for _m, _a, y, _r in b.trend],
            "red": [r for _m, _a, _y, r in b.trend],
        },
        "areas": {
            "labels": [a.region.name for a in b.areas],
            "yellow": [a.yellow for a in b.areas],
            "red": [a.red for a in b.areas],
            "average": [a.average for a in b.areas],
        },
        "stations": [
            {
                "name": s.station.name,
                "lat": s.station.lat,
                "lon": s.station.lon,
                "score": s.score,
                "card": s.card,
            }
            for s in b.scores
        ],
        # Street names for the plain base map (no tiles, offline; printed): WGS-84.
        "streets": street_centres(
            (s.station.region.name if s.station.region_id else "", s.station.lon, s.station.lat)
            for s in b.scores
        ),
        "labels": {
            "stations": _("驿站数"),
            "average": _("平均得分"),
            "yellow": _("黄牌"),
            "red": _("红牌"),
            "distribution": _("得分分布"),
            "stars": _("星级分布"),
            "trend": _("近六个月"),
            "areas": _("分区红黄牌与平均得分"),
        },
    }
    return render(
        request,
        "evaluation/bulletin.html",
        {
            "b": b,
            "cards": cards,
            "charts": charts,
            "new_cards": [(c, explain.triggers_text(c.triggers)) for c in b.cards_new],
            "generated": timezone.now(),
            "query": request.GET.urlencode(),
            "lowest": sorted(b.scored, key=lambda s: s.score or 0)[:10],
        },
    )


@login_required
def model(request: HttpRequest) -> HttpResponse:
    """The model in force, as officers and station masters read it."""
    current = selectors.model_published()
    return render(
        request,
        "evaluation/model.html",
        {"nav": "evaluation", "m": current, "spec": selectors.model_spec(current)},
    )
