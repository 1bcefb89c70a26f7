"""Officers publish a survey on the staff pages and read its results."""

from __future__ import annotations

import pytest

from yizhan.feedback.models import Survey

pytestmark = pytest.mark.django_db


def test_officer_publishes_a_survey_and_exports_results(client, place):
    client.force_login(place.officer)
    form = {
        "title": "夏季送清凉调研",
        "region": "230102",
        "stations": "",
        "opens": "2026-12-01",
        "closes": "2026-12-10",
        "questions": "单选|最需要什么？|冰水/药品\n多选|用过哪些|充电/微波炉",
    }
    response = client.post("/staff/feedback/surveys/", form)
    survey = Survey.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/staff/feedback/surveys/{survey.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert "最需要什么？" in page and "冰水" in page
    xlsx = client.get(response["Location"] + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # A street officer elsewhere cannot read it.
    client.force_login(place.other_officer)
    assert client.get(f"/staff/feedback/surveys/{survey.pk}/").status_code == 404


def test_survey_form_shows_the_bad_row(client, place):
    client.force_login(place.officer)
    response = client.post(
        "/staff/feedback/surveys/",
        {
            "title": "x",
            "region": "230102",
            "opens": "2026-12-01",
            "closes": "2026-12-10",
            "questions": "单选|只有一个|是",
        },
    )
    assert response.status_code == 422
    assert "第 1 行" in response.content.decode() and not Survey.objects.exists()


def test_survey_appears_after_check_in_and_is_answered(client, place):
    from yizhan.feedback.tests.conftest import qr

    client.force_login(place.officer)
    client.post(
        "/staff/feedback/surveys/",
        {
            "title": "冬季调研",
            "region": "230102",
            "opens": "2026-12-01",
            "closes": "2026-12-10",
            "questions": "单选|最需要什么？|热水/暖气",
        },
    )
    client.logout()
    path = qr(place.station, "checkin")
    client.get(path)
    client.post(path, {"action": "occupation", "occupation": "courier"})
    after = client.get(client.post(path, {"action": "checkin"})["Location"]).content.decode()
    assert "冬季调研" in after
    survey = Survey.objects.get()
    done = client.post(path, {"action": "survey", "survey": survey.pk, "q1": "暖气"})
    assert done.status_code == 302
    assert survey.answers.get().answers == {"q1": "暖气"}
    assert "冬季调研" not in client.get(path + "?done=checkin").content.decode()
