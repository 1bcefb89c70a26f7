"""The follow page says the rectification deadline in words (issue 18, point 3):
"整改期限：明天 10:00", through the one helper every worker's deadline goes through."""

from __future__ import annotations

import datetime as dt

import pytest

from yizhan.feedback.tests.conftest import START, qr
from yizhan.feedback.tests.test_qr_pages import choose
from yizhan.operations.models import Rectification

pytestmark = pytest.mark.django_db


def test_the_follow_page_says_the_deadline_in_words(client, place, clock):
    path = qr(place.station, "report")
    client.get(path)
    choose(client, path)
    follow = client.post(path, {"action": "report", "category": "closed_in_hours"})["Location"]
    Rectification.objects.update(deadline=START + dt.timedelta(days=1))
    assert "整改期限：明天 10:00" in client.get(follow).content.decode()
    Rectification.objects.update(deadline=START + dt.timedelta(hours=6))
    assert "整改期限：今天 16:00" in client.get(follow).content.decode()
    assert "Rectification deadline: today 16:00" in client.get("/en" + follow).content.decode()
