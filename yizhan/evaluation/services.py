"""Writing the evaluation: starting and executing monthly runs, the decisions they lead
to (star levels, yellow and red cards, delisting proposals), officers' assessments and
decisions, and new versions of the model.

A run computes every station's result first and writes all of them in one transaction
at the end: a failed run leaves nothing half-written. Results are keyed by station and
month, and every decision by what it decides (a card per station, month and colour; a
proposal per card and month), so a rerun of a month repeats none. Stars and cards move
only on the newest month evaluated in a district; an older month recomputed updates its
scores alone."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yizhan.accounts.models import User, UserRole
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, FieldError, PermissionDenied, ValidationFailed
from yizhan.core.progress import progress_get, progress_set
from yizhan.core.time import local_date
from yizhan.evaluation import explain, rules, selectors
from yizhan.evaluation.models import (
    Card,
    CardKind,
    CardStatus,
    DelistingProposal,
    EvaluationModel,
    EvaluationRun,
    Indicator,
    KindNorm,
    ModelStatus,
    MonthSnapshot,
    ProposalStatus,
    RunStatus,
    ScoreStatus,
    SixHave,
    SixHaveCheck,
    SixHaveCode,
    StarLevel,
    StationScore,
)
from yizhan.notifications.models import NoticeKind
from yizhan.notifications.services import notify
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.access import evaluation_can_decide, evaluation_can_run, station_access
from yizhan.stations.models import StaffRole, Station, StationStaff, StationStatus
from yizhan.stations.services import station_star_level_set, station_status_set

logger = logging.getLogger(__name__)


def progress_key(run: EvaluationRun) -> str:
    return f"evaluation:{run.pk}"


# ---------------------------------------------------------------- runs


STALE_RUN = dt.timedelta(minutes=30)


def runs_stale_fail(*, district: Region, now: dt.datetime) -> int:
    """Mark failed the runs of ``district`` a worker took and then lost (killed, out of
    memory): running, and no progress for half an hour. A new run can then start."""
    failed = 0
    for run in EvaluationRun.objects.filter(region=district, status=RunStatus.RUNNING):
        p = progress_get(progress_key(run))
        last = dt.datetime.fromtimestamp(p.updated, dt.UTC) if p else run.started_at
        if last is None or now - last > STALE_RUN:
            failed += EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED,
                finished_at=now,
                error=_("评估进程中断(超过 30 分钟没有进展)，可重新评估。"),
            )
    return failed


def evaluation_start(
    *,
    user: User | None,
    region: Region,
    month: dt.date,
    now: dt.datetime | None = None,
    enqueue: bool = True,
) -> list[EvaluationRun]:
    """Queue one run per district of ``region`` for ``month`` under the model in force.
    A district already running that month is joined, not run twice. ``user`` None is the
    command line (a national operator). ``enqueue=False``: the caller executes the runs
    itself (the command line, the demo) and no task is sent to the workers."""
    now = now or timezone.now()
    month = selectors.month_first(month)
    if user is not None:
        if not evaluation_can_run(user):
            raise PermissionDenied(_("只有区级及以上工会干部可以发起评估。"))
        if not user_scope(user=user).contains(region):
            raise PermissionDenied(_("该区域不在您的管辖范围内。"))
    if region.level in {RegionLevel.STREET, RegionLevel.COMMUNITY}:
        raise ValidationFailed(
            errors=[FieldError("region", _("评估按区县进行，请选择区县或更高一级的区域。"))]
        )
    if rules.month_end(month) >= local_date(now):
        raise ValidationFailed(
            errors=[
                FieldError(
                    "month",
                    _("%(m)s 尚未结束，月度评估须在月份结束后进行。") % {"m": f"{month:%Y-%m}"},
                )
            ]
        )
    districts = selectors.districts_under(region)
    if not districts:
        raise ValidationFailed(errors=[FieldError("region", _("该区域没有运营中的驿站。"))])
    model = selectors.model_published()
    snapshot = selectors.model_spec(model).to_json()
    runs = []
    for district in districts:
        runs_stale_fail(district=district, now=now)
        live = selectors.run_live(district=district, month=month)
        if live is not None:
            runs.append(live)
            continue
        try:
            with transaction.atomic():
                run = EvaluationRun.objects.create(
                    region=district,
                    month=month,
                    model=model,
                    snapshot=snapshot,
                    started_by=user,
                    queued_at=now,
                )
        except IntegrityError:  # another officer queued it a moment ago
            live = selectors.run_live(district=district, month=month)
            if live is None:
                raise
            runs.append(live)
            continue
        progress_set(progress_key(run), done=0, total=0, phase="queued")
        if enqueue:
            transaction.on_commit(_enqueuer(run.pk))
        runs.append(run)
    return runs


def _enqueuer(run_id: int) -> Callable[[], None]:
    def enqueue() -> None:
        from yizhan.evaluation.tasks import evaluation_run_task

        evaluation_run_task.enqueue(run_id=run_id)

    return enqueue


@dataclass
class _Result:
    month: selectors.StationMonth
    indicators: list[rules.IndicatorResult]
    score: rules.Score
    six: list[rules.SixHaveResult]
    star: rules.StarTarget


def _compute(months: Sequence[selectors.StationMonth], spec: rules.ModelSpec) -> list[_Result]:
    out = []
    for sm in months:
        indicators = rules.indicators_compute(sm.evidence, spec)
        score = rules.score_compute(sm.evidence, indicators, spec)
        six = rules.six_haves_check(sm.facts, spec.six_haves)
        met = sum(1 for r in six if r.ok)
        star = (
            rules.star_target(score.score, sm.facts, met, spec.stars)
            if score.score is not None
            else rules.StarTarget(None)
        )
        out.append(_Result(sm, indicators, score, six, star))
    return out


def evaluation_run_execute(
    *, run_id: int, now: dt.datetime | None = None, hook: Callable[[str], None] | None = None
) -> EvaluationRun:
    """Claim a queued run, compute every station's month from the run's own snapshot of
    the model, then write every result and decision at once. ``hook`` is called between
    phases (tests use it to change things mid-run)."""
    now = now or timezone.now()
    claimed = EvaluationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now
    )
    run = EvaluationRun.objects.select_related("region", "started_by").get(pk=run_id)
    if not claimed:
        return run  # another worker has it, or it is finished
    key = progress_key(run)
    try:
        spec = rules.ModelSpec.from_json(run.snapshot)
        progress_set(key, done=0, total=1, phase="evidence")
        months = selectors.district_month(
            district=run.region,
            month=run.month,
            spec=spec,
            progress=lambda d, t: progress_set(key, done=d, total=t, phase="evidence"),
            now=now,
        )
        if hook:
            hook("computed")
        results = _compute(months, spec)
        progress_set(key, done=0, total=len(results), phase="writing")
        with transaction.atomic():
            outcome = _write(run=run, spec=spec, results=results, now=now)
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.outcome = outcome
            run.decides = bool(outcome.get("decides"))
            run.save(update_fields=["status", "finished_at", "outcome", "decides"])
        progress_set(key, done=len(results), total=len(results), phase="done")
    except Exception as exc:
        message = exc.message if isinstance(exc, ApplicationError) else type(exc).__name__
        logger.exception("evaluation run %s failed", run_id)
        EvaluationRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=str(message)[:500]
        )
        progress_set(key, done=0, total=0, phase="failed")
        if not isinstance(exc, ApplicationError):
            raise
        run.refresh_from_db()
    return run


def _indicator_json(r: rules.IndicatorResult) -> dict[str, object]:
    return {
        "code": r.code,
        "status": r.status,
        "weight": r.weight,
        "value": r.value,
        "points": r.points,
        "card": r.card,
        "lost": round(r.lost, 2),
        "evidence": r.evidence,
    }


def _card_for_decision(station: Station, card: Card | None, month: dt.date) -> Card | None:
    """The card a month's decision works on: the active one, or, on a rerun of a month
    whose first run lifted a card, that card again (the rerun decides afresh whether the
    lift stands: late evidence may show the problem was still there)."""
    if card is not None:
        return card
    return (
        Card.objects.select_for_update()
        .filter(station=station, status=CardStatus.LIFTED, closed_month=month)
        .order_by("-issued_at")
        .first()
    )


def _write(
    *, run: EvaluationRun, spec: rules.ModelSpec, results: Sequence[_Result], now: dt.datetime
) -> dict[str, object]:
    """Every station's result and what it decides, inside the caller's transaction.

    The district's row is locked first: two months of one district write one after the
    other, and the later-written one knows whether a newer month has decided already.
    Stations and their cards are locked and read again here, so a station delisted or a
    card lifted while the run computed is seen as it is now."""
    Region.objects.select_for_update().filter(pk=run.region_id).first()
    latest = selectors.month_latest_done(district=run.region)
    decides = latest is None or run.month >= latest
    end = rules.month_end(run.month)
    ids = [r.month.station.pk for r in results]
    still = set(
        Station.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=StationStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    previous = {
        s.station_id: s for s in StationScore.objects.filter(station__in=ids, month=run.month)
    }
    rated = set(
        StationScore.objects.filter(
            station__in=ids, month__lt=run.month, status=ScoreStatus.SCORED
        ).values_list("station_id", flat=True)
    )
    active = {
        c.station_id: c
        for c in Card.objects.select_for_update().filter(station__in=ids, status=CardStatus.ACTIVE)
    }
    issued = set(
        Card.objects.filter(station__in=ids, month=run.month).values_list("station_id", "kind")
    )
    tally: Counter[str] = Counter()
    changes: list[dict[str, object]] = []
    snapshots: list[MonthSnapshot] = []
    key = progress_key(run)
    for i, r in enumerate(results):
        station = r.month.station
        if station.pk not in still:
            continue  # delisted or suspended while the run computed: not graded
        if r.month.snapshot is not None:
            snapshots.append(
                MonthSnapshot(
                    station=station, month=run.month, taken_at=now, registry=r.month.snapshot
                )
            )
        before_row = previous.get(station.pk)
        if not decides:
            if before_row is not None:
                # An older month recomputed: its scores follow the evidence, what it
                # decided at the time stays on record.
                _scores_update(before_row, run, spec, r, now)
                change = _change(before_row, r, version=spec.version, star=None, acted="")
                if change:
                    changes.append({"station": station.code, "name": station.name, **change})
            else:
                _score_create(
                    station,
                    run,
                    spec,
                    r,
                    now,
                    station.star_level,
                    station.star_level,
                    "history",
                    "",
                )
            tally[r.score.status] += 1
            continue
        star_before = before_row.star_before if before_row is not None else station.star_level
        if star_before is None and station.pk in rated:
            star_before = 0  # rated before and lost every star: climbs back one level a month
        scored = r.score.status == ScoreStatus.SCORED
        star_after = (
            rules.star_move(star_before, r.star, spec.star_step) if scored else star_before
        ) or None
        star_before = star_before or None
        card = _card_for_decision(station, active.get(station.pk), run.month)
        triggers = list(r.score.triggers)
        if not scored and card is not None and not r.month.evidence.has_data:
            # A station under a card that leaves no record at all is not let off: silence
            # counts as the problem still being there.
            triggers = [{"code": "silent", "value": None, "threshold": None}]
        if scored or triggers:
            decision = rules.card_action(
                scored=True,
                triggered=bool(triggers),
                active=_active_state(card, run.month),
                month=run.month,
                month_end=end,
            )
        else:
            decision = "insufficient"
        if decision in ("yellow", "red") and (station.pk, decision) in issued:
            decision = "keep"  # issued by an earlier run of this month, then lifted by hand
        row = _score_create(
            station, run, spec, r, now, star_before, star_after, decision, "", triggers
        )
        tally[r.score.status] += 1
        star_was: int | None = None  # the level this run moved the station from
        if scored:
            reason = _("%(m)s 月度评定：%(s)s 分") % {
                "m": f"{run.month:%Y-%m}",
                "s": f"{r.score.score:g}",
            }
            level = station.star_level
            if station_star_level_set(
                station=station, level=star_after, reason=reason, user=run.started_by, now=now
            ):
                tally["stars_changed"] += 1
                star_was = level or 0
        reopens = card is not None and card.status == CardStatus.LIFTED and decision != "lift"
        held = _decide(decision=decision, row=row, card=card, spec=spec, month=run.month, now=now)
        tally[decision] += held[1]
        StationScore.objects.filter(pk=row.pk).update(card=held[0])
        if before_row is not None:
            acted = decision if held[1] else ("reopen" if reopens else "")
            if decision == "refresh" and list(before_row.triggers) != _plain(triggers):
                acted = "refresh"
            change = _change(
                before_row, r, version=spec.version, star=(star_was, star_after), acted=acted
            )
            if change:
                changes.append({"station": station.code, "name": station.name, **change})
        if i % 20 == 0:
            progress_set(key, done=i, total=len(results), phase="writing")
    MonthSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
    return {
        "rerun": bool(previous),
        "changed": len(changes),
        "changes": changes[:CHANGES_KEPT],
        "decides": decides,
        "stations": len(results),
        "scored": tally[ScoreStatus.SCORED],
        "insufficient": tally[ScoreStatus.INSUFFICIENT],
        "stars_changed": tally["stars_changed"],
        "yellow": tally["yellow"],
        "red": tally["red"],
        "lifted": tally["lift"],
        "proposals": tally["propose"],
    }


CHANGES_KEPT = 200  # a rerun's changes the run's record lists (all are counted)
# The inputs compared one by one (amenities and officers' assessments: item by item).
INPUT_FIELDS = (
    "name",
    "kind",
    "floor_area_m2",
    "capacity",
    "services",
    "staff_roles",
    "listed",
    "hours",
)


def _plain(value: object) -> object:
    """A value as the database gives it back (JSON: tuples become lists)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _change(
    old: StationScore,
    r: _Result,
    *,
    version: int,
    star: tuple[int | None, int | None] | None,
    acted: str,
) -> dict[str, list[dict[str, object]]] | None:
    """What a rerun changed in a station's month and why: the result's numbers, the star
    and the card decisions it took (``what``), and the inputs and evidence that differ from
    the month's last computation (``why``). None when it changed nothing."""
    what: list[dict[str, object]] = []
    if old.status != r.score.status:
        what.append({"what": "status", "before": old.status, "after": r.score.status})
    elif old.score != r.score.score:
        what.append({"what": "score", "before": old.score, "after": r.score.score})
    if star is not None:
        moved_from, after = star
        if old.star_after != after:
            what.append({"what": "star", "before": old.star_after, "after": after})
        elif moved_from is not None:  # set back to the month's level (changed by hand since)
            what.append({"what": "star", "before": moved_from or None, "after": after})
    if acted:
        what.append({"what": "decision", "after": acted})
    if not what:
        return None
    why: list[dict[str, object]] = []
    if old.model_version != version:
        why.append({"why": "model", "before": old.model_version, "after": version})
    before = old.inputs or {}
    after_in = _plain(r.month.stood.to_json()) if r.month.stood else {}
    assert isinstance(after_in, dict)
    if before:
        for name in INPUT_FIELDS:
            if before.get(name) != after_in.get(name):
                why.append({"why": name, "before": before.get(name), "after": after_in.get(name)})
        was_a, now_a = before.get("amenities") or {}, after_in.get("amenities") or {}
        for code in sorted(set(was_a) | set(now_a)):
            if was_a.get(code) != now_a.get(code):
                why.append(
                    {
                        "why": "amenity",
                        "code": code,
                        "before": was_a.get(code),
                        "after": now_a.get(code),
                    }
                )
        was_c, now_c = before.get("officer_checks") or {}, after_in.get("officer_checks") or {}
        for code in sorted(set(was_c) | set(now_c)):
            if was_c.get(code) != now_c.get(code):
                why.append(
                    {
                        "why": "officer",
                        "code": code,
                        "before": was_c.get(code),
                        "after": now_c.get(code),
                    }
                )
    old_evidence = {i.get("code"): i.get("evidence") for i in old.indicators or []}
    for ind in r.indicators:
        now_e = _plain(ind.evidence)
        if ind.code in old_evidence and old_evidence[ind.code] != now_e:
            why.append(
                {
                    "why": "evidence",
                    "code": ind.code,
                    "before": old_evidence[ind.code],
                    "after": now_e,
                }
            )
    return {"what": what, "why": why}


def _score_fields(
    run: EvaluationRun, spec: rules.ModelSpec, r: _Result, now: dt.datetime
) -> dict[str, object]:
    """What a result holds whatever was decided: the numbers and their evidence."""
    return {
        "inputs": r.month.stood.to_json() if r.month.stood else {},
        "run": run,
        "model_version": spec.version,
        "status": r.score.status,
        "score": r.score.score,
        "indicators": [_indicator_json(x) for x in r.indicators],
        "six_haves": [{"code": x.code, "ok": x.ok, "why": x.why} for x in r.six],
        "six_haves_met": sum(1 for x in r.six if x.ok),
        "star_target": r.star.level,
        "star_why": " ".join(r.star.next_needs)[:300],
        "visits": r.month.evidence.visits,
        "night_visits": r.month.evidence.night_visits,
        "closed_demand": r.month.evidence.closed_demand,
        "computed_at": now,
    }


def _scores_update(
    row: StationScore, run: EvaluationRun, spec: rules.ModelSpec, r: _Result, now: dt.datetime
) -> None:
    StationScore.objects.filter(pk=row.pk).update(**_score_fields(run, spec, r, now))


def _score_create(
    station: Station,
    run: EvaluationRun,
    spec: rules.ModelSpec,
    r: _Result,
    now: dt.datetime,
    star_before: int | None,
    star_after: int | None,
    decision: str,
    card: str,
    triggers: Sequence[dict[str, object]] | None = None,
) -> StationScore:
    row, _created = StationScore.objects.update_or_create(
        station=station,
        month=run.month,
        defaults={
            **_score_fields(run, spec, r, now),
            "star_before": star_before,
            "star_after": star_after,
            "triggers": list(r.score.triggers if triggers is None else triggers),
            "decision": decision,
            "card": card,
        },
    )
    return row


def _active_state(card: Card | None, month: dt.date) -> rules.ActiveCard | None:
    if card is None:
        return None
    proposed = (
        DelistingProposal.objects.filter(card=card).filter(status=ProposalStatus.PENDING).exists()
        or DelistingProposal.objects.filter(card=card, month=month).exists()
    )
    return rules.ActiveCard(card.kind, card.month, card.deadline, proposed)


def _reason(triggers: Sequence[dict[str, object]]) -> str:
    with translation.override("zh-hans"):
        return explain.triggers_text(triggers)


def _reopen(card: Card) -> None:
    """A card this month's first run lifted, taken up again by its rerun."""
    if card.status == CardStatus.LIFTED:
        card.status, card.closed_at, card.closed_month, card.closed_note = (
            CardStatus.ACTIVE,
            None,
            None,
            "",
        )
        card.save(update_fields=["status", "closed_at", "closed_month", "closed_note"])


def _decide(
    *,
    decision: str,
    row: StationScore,
    card: Card | None,
    spec: rules.ModelSpec,
    month: dt.date,
    now: dt.datetime,
) -> tuple[str, int]:
    """Carry out one station's card decision. Returns the card the station holds after
    it ("yellow", "red" or "") and 1 when something was issued, lifted or proposed."""
    station = row.station
    today = local_date(now)
    triggers = list(row.triggers)
    if card is not None and decision != "lift":
        _reopen(card)
    if decision == "yellow":
        new = Card.objects.create(
            station=station,
            kind=CardKind.YELLOW,
            month=month,
            issued_at=now,
            deadline=rules.card_deadline(month, today, spec.yellow_grace_months),
            reason=_reason(triggers),
            triggers=triggers,
            score=row,
        )
        _card_notice(new)
        return new.kind, 1
    if decision == "refresh" and card is not None:
        card.reason, card.triggers, card.score = _reason(triggers), triggers, row
        card.save(update_fields=["reason", "triggers", "score"])
        return card.kind, 0
    if decision == "red" and card is not None:
        card.status, card.closed_at = CardStatus.ESCALATED, now
        card.closed_note = _("%(m)s 评估仍未整改到位") % {"m": f"{month:%Y-%m}"}
        card.save(update_fields=["status", "closed_at", "closed_note"])
        new = Card.objects.create(
            station=station,
            kind=CardKind.RED,
            month=month,
            issued_at=now,
            deadline=rules.card_deadline(month, today, spec.red_grace_months),
            reason=_reason(triggers),
            triggers=triggers,
            score=row,
            previous=card,
        )
        _card_notice(new)
        return new.kind, 1
    if decision == "lift" and card is not None:
        if card.status == CardStatus.LIFTED:
            return "", 0  # lifted by this month's first run already
        card.status, card.closed_at, card.closed_month = CardStatus.LIFTED, now, month
        card.closed_note = _("%(m)s 评估已达标") % {"m": f"{month:%Y-%m}"}
        card.save(update_fields=["status", "closed_at", "closed_month", "closed_note"])
        DelistingProposal.objects.filter(card=card, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.WITHDRAWN, decided_at=now
        )
        return "", 1
    if decision == "propose" and card is not None:
        proposal = DelistingProposal.objects.create(
            station=station,
            card=card,
            month=month,
            created_at=now,
            respond_by=today + dt.timedelta(days=spec.response_days),
            reason=_("红牌整改期限 %(d)s 已过，%(m)s 评估仍未达标：%(why)s")
            % {"d": card.deadline, "m": f"{month:%Y-%m}", "why": _reason(triggers)},
        )
        _proposal_notice(proposal)
        return card.kind, 1
    return (card.kind if card is not None and card.status == CardStatus.ACTIVE else ""), 0


def _people(station: Station, roles: Sequence[str]) -> list[User]:
    return [
        s.user
        for s in StationStaff.objects.filter(station=station, role__in=roles, user__isnull=False)
        .select_related("user")
        .order_by("id")
        if s.user is not None
    ]


def _officers(code: str) -> list[User]:
    return list(
        User.objects.filter(is_active=True, role=UserRole.OFFICER, region__code=code).order_by("id")
    )


def _proposal_url(p: DelistingProposal) -> str:
    return f"/staff/evaluation/proposals/{p.pk}/"


def _tell(people: Sequence[User], kind: str, title: str, body: str, url: str, key: str) -> None:
    """One notice to each person (once per key: a rerun tells nobody twice)."""
    for user in people:
        notify(user=user, kind=kind, title=title, body=body, url=url, key=key)


def _card_notice(card: Card) -> None:
    station = card.station
    url = f"/staff/evaluation/s/{station.code}/"
    title = _("%(station)s 被发%(kind)s，整改期限 %(d)s") % {
        "station": station.name,
        "kind": card.get_kind_display(),
        "d": card.deadline,
    }
    people = _people(station, [StaffRole.MASTER, StaffRole.ADMINISTRATOR])
    people += _officers(station.region.code[:6])
    _tell(people, NoticeKind.EVALUATION_CARD, title, card.reason, url, f"card:{card.pk}")


def _proposal_notice(p: DelistingProposal) -> None:
    station = p.station
    title = _("摘牌建议：%(station)s，站长可在 %(d)s 前答复") % {
        "station": station.name,
        "d": p.respond_by,
    }
    people = _people(station, [StaffRole.MASTER])
    people += _officers(station.region.code[:4]) + _officers(station.region.code[:6])
    _tell(
        people,
        NoticeKind.EVALUATION_DELISTING,
        title,
        p.reason,
        _proposal_url(p),
        f"proposal:{p.pk}",
    )


# ---------------------------------------------------------------- people's decisions


def delisting_respond(
    *, user: User, proposal: DelistingProposal, text: str, now: dt.datetime | None = None
) -> DelistingProposal:
    """The station master answers a delisting proposal (before the officer decides)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors=[FieldError("response", _("请填写答复内容。"))])
    now = now or timezone.now()
    with transaction.atomic():
        p = (
            DelistingProposal.objects.select_for_update()
            .select_related("station")
            .get(pk=proposal.pk)
        )
        access = station_access(user=user, station=p.station)
        if StaffRole.MASTER not in access.roles:
            raise PermissionDenied(_("只有该驿站的站长可以答复。"))
        if p.status != ProposalStatus.PENDING:
            raise ApplicationError(_("该摘牌建议已处理，不能再答复。"))
        p.response, p.responded_by, p.responded_at = text[:2000], user, now
        p.save(update_fields=["response", "responded_by", "responded_at"])
    _tell(
        _officers(p.station.region.code[:4]),
        NoticeKind.EVALUATION_DELISTING,
        _("%(station)s 站长已答复摘牌建议") % {"station": p.station.name},
        text[:500],
        _proposal_url(p),
        f"proposal:{p.pk}:response",
    )
    return p


def delisting_decide(
    *,
    user: User,
    proposal: DelistingProposal,
    approve: bool,
    note: str,
    now: dt.datetime | None = None,
) -> DelistingProposal:
    """A city officer approves (the station is delisted: it leaves the finder and sync
    clients get a tombstone) or rejects (the red card gets a new deadline) a proposal."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(errors=[FieldError("decision_note", _("请填写审批意见。"))])
    now = now or timezone.now()
    today = local_date(now)
    with transaction.atomic():
        # Card, then proposal: the order card_lift and the runs take them in.
        card = Card.objects.select_for_update().get(pk=proposal.card_id)
        p = (
            DelistingProposal.objects.select_for_update()
            .select_related("station__region", "card")
            .get(pk=proposal.pk)
        )
        station = p.station
        if not evaluation_can_decide(user, station):
            raise PermissionDenied(_("摘牌须由市级工会干部审批。"))
        if p.status != ProposalStatus.PENDING:
            raise ApplicationError(_("该摘牌建议已处理。"))
        if approve and p.responded_at is None and today <= p.respond_by:
            raise ApplicationError(
                _("站长答复期至 %(d)s，尚未答复；期满或站长答复后方可批准摘牌。")
                % {"d": p.respond_by}
            )
        p.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        p.decided_by, p.decided_at, p.decision_note = user, now, note[:2000]
        p.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            station_status_set(
                station=station,
                status=StationStatus.DELISTED,
                reason=(_("评估摘牌：") + note)[:200],
                user=user,
                scope=user_scope(user=user),
                now=now,
            )
            card.status, card.closed_at, card.closed_by = CardStatus.DELISTED, now, user
            card.closed_note = note[:300]
            card.save(update_fields=["status", "closed_at", "closed_by", "closed_note"])
        else:
            spec = rules.ModelSpec.from_json(card.score.run.snapshot) if card.score else None
            grace = spec.red_grace_months if spec else 1
            card.deadline = rules.month_end(rules.add_months(today, grace))
            card.save(update_fields=["deadline"])
    people = _people(station, [StaffRole.MASTER, StaffRole.ADMINISTRATOR])
    people += _officers(station.region.code[:6])
    title = (
        _("%(station)s 已摘牌")
        if approve
        else _("%(station)s 摘牌建议未获批准，红牌整改期延至 %(d)s")
    ) % {"station": station.name, "d": card.deadline}
    _tell(
        people,
        NoticeKind.EVALUATION_DELISTING,
        title,
        note[:500],
        _proposal_url(p),
        f"proposal:{p.pk}:decided",
    )
    return p


def card_lift(*, user: User, card: Card, note: str, now: dt.datetime | None = None) -> Card:
    """An officer (district or above) lifts a card by hand, with the reason."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(errors=[FieldError("note", _("请填写撤销理由。"))])
    now = now or timezone.now()
    with transaction.atomic():
        locked = Card.objects.select_for_update().select_related("station__region").get(pk=card.pk)
        if not evaluation_can_run(user) or not user_scope(user=user).contains(
            locked.station.region
        ):
            raise PermissionDenied(_("只有区级及以上工会干部可以撤销红黄牌。"))
        if locked.status != CardStatus.ACTIVE:
            raise ApplicationError(_("这张牌已经结束。"))
        locked.status, locked.closed_at, locked.closed_by = CardStatus.LIFTED, now, user
        locked.closed_note = note[:300]
        locked.save(update_fields=["status", "closed_at", "closed_by", "closed_note"])
        DelistingProposal.objects.filter(card=locked, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.WITHDRAWN, decided_at=now, decided_by=user
        )
    return locked


def six_have_check_record(
    *,
    user: User,
    station: Station,
    code: str,
    ok: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> SixHaveCheck:
    """An officer's or inspector's assessment of a six-haves item (valid for a year)."""
    if code not in SixHaveCode.values:
        raise ValidationFailed(errors=[FieldError("code", _("没有这一项“六有”标准。"))])
    access = station_access(user=user, station=station)
    if not access.supervisor:
        raise PermissionDenied(_("只有管辖该驿站的工会干部或督查员可以核定。"))
    return SixHaveCheck.objects.create(
        station=station,
        code=code,
        ok=ok,
        note=(note or "").strip()[:200],
        checked_by=user,
        checked_at=now or timezone.now(),
    )


# ---------------------------------------------------------------- the model's versions


_NOT_COPIED = frozenset(
    {"id", "version", "status", "created_at", "created_by", "published_at", "published_by"}
)


def model_copy(*, user: User | None, model: EvaluationModel) -> EvaluationModel:
    """A new draft version with everything of ``model`` (the way to change the rules)."""
    with transaction.atomic():
        last = EvaluationModel.objects.select_for_update().order_by("-version").first()
        version = (last.version if last else 0) + 1
        fields = {
            f.name: getattr(model, f.name)
            for f in EvaluationModel._meta.concrete_fields
            if f.name not in _NOT_COPIED
        }
        new = EvaluationModel.objects.create(
            **fields, version=version, status=ModelStatus.DRAFT, created_by=user
        )
        new.note = _("由 v%(v)s 复制") % {"v": model.version}
        new.save(update_fields=["note"])
        for i in model.indicators.all():
            Indicator.objects.create(
                model=new,
                code=i.code,
                weight=i.weight,
                floor=i.floor,
                target=i.target,
                card_threshold=i.card_threshold,
                min_evidence=i.min_evidence,
            )
        for n in model.norms.all():
            KindNorm.objects.create(
                model=new,
                kind=n.kind,
                required_hours=n.required_hours,
                min_daily_hours=n.min_daily_hours,
                expected_daily_visits=n.expected_daily_visits,
            )
        for s in model.star_levels.all():
            star = StarLevel.objects.create(
                model=new,
                level=s.level,
                min_score=s.min_score,
                min_area_m2=s.min_area_m2,
                min_capacity=s.min_capacity,
                six_haves_min=s.six_haves_min,
            )
            star.amenities.set(s.amenities.all())
        for h in model.six_haves.all():
            item = SixHave.objects.create(
                model=new, code=h.code, text=h.text, text_en=h.text_en, rule=h.rule, param=h.param
            )
            item.amenities.set(h.amenities.all())
    return new


def model_check(model: EvaluationModel) -> list[FieldError]:
    """What stops a draft from being published (empty: ready)."""
    errors = []
    indicators = list(model.indicators.all())
    if not indicators or sum(i.weight for i in indicators) <= 0:
        errors.append(FieldError("indicators", _("至少需要一项权重大于 0 的指标。")))
    levels = sorted(model.star_levels.values_list("level", flat=True))
    if levels != list(range(1, len(levels) + 1)):
        errors.append(FieldError("star_levels", _("星级标准须从 1 星起逐级设置，不能跳级。")))
    scores = list(model.star_levels.order_by("level").values_list("min_score", flat=True))
    if scores != sorted(scores):
        errors.append(FieldError("star_levels", _("高星级的最低得分不能低于低星级。")))
    for h in model.six_haves.all():
        if h.rule == "services_min" and not h.param.isdigit():
            errors.append(FieldError(f"six_haves.{h.code}.param", _("服务项目数须为整数。")))
        if h.rule == "name_contains" and not h.param:
            errors.append(FieldError(f"six_haves.{h.code}.param", _("请填写名称须包含的文字。")))
        if h.rule == "staff_roles":
            roles = [r.strip() for r in h.param.split(",") if r.strip()]
            if not roles or any(r not in StaffRole.values for r in roles):
                errors.append(
                    FieldError(
                        f"six_haves.{h.code}.param",
                        _("人员角色须为 master、administrator、butler 等，用逗号分隔。"),
                    )
                )
    if model.night_from_hour == model.night_to_hour:
        errors.append(FieldError("night_from_hour", _("夜间开始和结束不能相同。")))
    return errors


def model_publish(
    *, user: User | None, model: EvaluationModel, now: dt.datetime | None = None
) -> EvaluationModel:
    """Publish a draft: it becomes the model in force and the previous one is retired.
    Runs already queued keep the version they started with."""
    now = now or timezone.now()
    if model.status != ModelStatus.DRAFT:
        raise ApplicationError(_("只能发布草稿版本。"))
    errors = model_check(model)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        EvaluationModel.objects.select_for_update().filter(status=ModelStatus.PUBLISHED).update(
            status=ModelStatus.RETIRED
        )
        model.status, model.published_at, model.published_by = ModelStatus.PUBLISHED, now, user
        model.save(update_fields=["status", "published_at", "published_by"])
    return model
