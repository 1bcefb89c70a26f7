"""The evaluation's pages and exports as officers use them, and the console's model."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from yizhan.evaluation.models import Card, EvaluationModel, EvaluationRun, StationScore
from yizhan.evaluation.tests.conftest import NOVEMBER, evaluate, staffed, visited

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(daoli, model):
    """November evaluated: HRB-DL-001 weekday-only (a yellow card), HRB-DL-002 no data."""
    s = daoli.station
    s.opening_hours = "Mo-Fr 09:00-17:00"
    s.save()
    staffed(s, NOVEMBER, daoli.administrator)
    visited(s, NOVEMBER, per_day=12, stars=5)
    evaluate(daoli.district, NOVEMBER, daoli.district_officer)
    return daoli


def test_an_officer_starts_the_month_from_the_page_and_sees_the_results(daoli, model, client):
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    client.force_login(daoli.district_officer)
    page = client.get("/staff/evaluation/?month=2026-11").content.decode()
    assert "这个月还没有评估" in page and "开始评估" in page
    response = client.post("/staff/evaluation/run/", {"region": "230102", "month": "2026-11"})
    assert response.status_code == 302
    run = EvaluationRun.objects.get()
    # Tests run in a transaction, so the queued task waits; the worker would take it now.
    assert run.status == "queued"
    progress = client.get(f"/staff/evaluation/runs/{run.pk}/progress/").json()
    assert progress["status"] == "queued" and progress["percent"] == 0
    from yizhan.evaluation.services import evaluation_run_execute

    evaluation_run_execute(run_id=run.pk)
    assert client.get(f"/staff/evaluation/runs/{run.pk}/progress/").json()["percent"] == 100
    page = client.get("/staff/evaluation/?month=2026-11").content.decode()
    assert "兆麟1号工会驿站" in page and "重新评估本月" in page
    assert "证据不足" in page  # HRB-DL-002 left no record


def test_street_officers_read_but_do_not_run(evaluated, client):
    client.force_login(evaluated.street_officer)
    page = client.get("/staff/evaluation/?month=2026-11").content.decode()
    assert "HRB-DL-001" in page and "HRB-DL-002" not in page  # their street only
    assert "开始评估" not in page and "重新评估本月" not in page
    client.post("/staff/evaluation/run/", {"region": "230102001", "month": "2026-11"})
    assert EvaluationRun.objects.count() == 1  # nothing new
    # Another street's station page does not exist for them.
    assert client.get("/staff/evaluation/s/HRB-DL-002/").status_code == 404


def test_scores_export_lists_every_indicator(evaluated, client):
    client.force_login(evaluated.district_officer)
    content = client.get("/staff/evaluation/?month=2026-11&format=xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert rows["HRB-DL-001"]["开放合规(值)"] == 0.757
    assert rows["HRB-DL-001"]["红黄牌"] == "黄牌"
    assert rows["HRB-DL-002"]["结论"] == "证据不足" and rows["HRB-DL-002"]["综合得分"] is None


def test_bulletin_prints_the_month_and_exports_it(evaluated, client):
    client.force_login(evaluated.district_officer)
    page = client.get("/staff/evaluation/bulletin/?region=230102&month=2026-11").content.decode()
    assert "道里区工会驿站 2026 年 11 月评估通报" in page
    assert "开放合规 76%，低于 80%" in page  # the card's reason
    assert "兆麟街道" in page  # the streets' table
    content = client.get("/staff/evaluation/bulletin/?region=230102&month=2026-11&format=xlsx")
    book = load_workbook(io.BytesIO(content.content))
    assert {"概况", "分区情况", "评估结果", "本月发牌", "最美驿站候选", "摘牌建议"} <= set(
        book.sheetnames
    )
    summary = book["概况"]
    assert len(summary._charts) == 2  # score distribution and the six-month trend
    figures = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
    assert figures["参评驿站"] == 2 and figures["证据不足"] == 1 and figures["新发黄牌"] == 1
    cards = list(book["本月发牌"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3]) for r in cards] == [("HRB-DL-001", "黄牌")]
    # A street has no bulletin of its own; the region must be the officer's.
    assert client.get("/staff/evaluation/bulletin/?region=230103&month=2026-11").status_code == 404


def test_the_pages_speak_english(evaluated, client):
    client.force_login(evaluated.district_officer)
    page = client.get("/en/staff/evaluation/s/HRB-DL-001/?month=2026-11").content.decode()
    assert "Opening compliance 76%, below 80%" in page
    bulletin = client.get("/en/staff/evaluation/bulletin/?region=230102&month=2026-11")
    assert "monthly evaluation bulletin" in bulletin.content.decode()


def test_an_officer_lifts_a_card_by_hand_with_a_reason(evaluated, client):
    card = Card.objects.get()
    client.force_login(evaluated.district_officer)
    client.post(f"/staff/evaluation/cards/{card.pk}/lift/", {"note": ""})
    assert Card.objects.get().status == "active"  # a reason is required
    client.post(f"/staff/evaluation/cards/{card.pk}/lift/", {"note": "已调整为每天开放"})
    card.refresh_from_db()
    assert card.status == "lifted" and card.closed_by == evaluated.district_officer


def test_an_officer_assesses_the_location_and_the_next_run_counts_it(evaluated, client, clock):
    """Made after November was judged, the assessment counts from December on: a rerun of
    November keeps the assessments its first run had (issue 17)."""
    clock.move_to(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC))
    client.force_login(evaluated.inspector)
    client.post("/staff/evaluation/s/HRB-DL-001/six/", {"code": "location", "ok": "yes"})

    def location(month: dt.date) -> bool | None:
        score = StationScore.objects.get(station=evaluated.station, month=month)
        return {h["code"]: h["ok"] for h in score.six_haves}["location"]

    evaluate(evaluated.district, NOVEMBER, evaluated.district_officer)
    assert location(NOVEMBER) is None
    clock.move_to(dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC))
    evaluate(evaluated.district, dt.date(2026, 12, 1), evaluated.district_officer)
    assert location(dt.date(2026, 12, 1)) is True
    client.force_login(evaluated.master)  # a station master cannot assess their own station
    response = client.post("/staff/evaluation/s/HRB-DL-001/six/", {"code": "location", "ok": "no"})
    assert response.status_code == 403


def test_the_command_runs_last_month(daoli, model):
    staffed(daoli.station, NOVEMBER, daoli.administrator)
    out = io.StringIO()
    call_command("evaluate", "--region", "230102", stdout=out)
    assert "2026-11" in out.getvalue() and "2 stations" in out.getvalue()
    assert StationScore.objects.filter(month=NOVEMBER).count() == 2


def test_console_copies_edits_and_publishes_a_new_version(daoli, model, client):
    """Province officers write the model in the console (it is one for the country); a
    published version never changes."""
    from yizhan.stations.tests.factories import UserFactory

    province = UserFactory(
        username="province", role="officer", region=daoli.city.parent, is_staff=True
    )
    client.force_login(province)
    changelist = "/console/evaluation/evaluationmodel/"
    assert client.get(changelist).status_code == 200
    # v1 is published: its page shows but does not save.
    page = client.get(f"{changelist}{model.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    client.post(changelist, {"action": "copy_as_draft", "_selected_action": [model.pk]})
    draft = EvaluationModel.objects.get(version=2)
    assert draft.status == "draft" and draft.indicators.count() == 6
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    model.refresh_from_db()
    assert (draft.status, model.status) == ("published", "retired")
    # A city officer reads the model but cannot copy or publish it.
    city = daoli.city_officer
    city.is_staff = True
    city.save()
    client.force_login(city)
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "copy_as_draft", "_selected_action": [draft.pk]})
    assert EvaluationModel.objects.count() == 2


def test_a_draft_with_skipped_star_levels_is_not_published(daoli, model):
    from yizhan.core.errors import ValidationFailed
    from yizhan.evaluation import services

    draft = services.model_copy(user=None, model=model)
    draft.star_levels.filter(level=3).delete()
    with pytest.raises(ValidationFailed, match="逐级"):
        services.model_publish(user=None, model=draft)
    assert EvaluationModel.objects.get(version=1).status == "published"


def test_model_page_states_the_rules(daoli, model, client):
    client.force_login(daoli.master)
    page = client.get("/staff/evaluation/model/").content.decode()
    assert "开放合规" in page and "AED" in page and "有地图可查" in page
    assert "综合得分低于 60" in page


def test_proposal_page_is_for_the_station_and_its_officers(evaluated, client, clock):
    """Nobody outside the station's region sees a proposal (404)."""
    from yizhan.evaluation.models import DelistingProposal

    card = Card.objects.get()
    p = DelistingProposal.objects.create(
        station=evaluated.station,
        card=card,
        month=NOVEMBER,
        created_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
        respond_by=dt.date(2026, 12, 8),
        reason="测试",
    )
    client.force_login(evaluated.other_admin)
    assert client.get(f"/staff/evaluation/proposals/{p.pk}/").status_code == 404
    client.force_login(evaluated.master)
    page = client.get(f"/staff/evaluation/proposals/{p.pk}/").content.decode()
    assert "提交答复" in page and "批准摘牌" not in page
    client.force_login(evaluated.city_officer)
    page = client.get(f"/staff/evaluation/proposals/{p.pk}/").content.decode()
    assert "批准摘牌" in page and "答复期至 2026-12-08" in page
