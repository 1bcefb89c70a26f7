"""A rider scans a station's board on a 360-px phone: picks an occupation once, checks in,
rates 5 stars with tags, reports a locked door with a photo and lands on the follow page.
Screenshots: var/test-screenshots/feedback-*.png."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from PIL import Image
from playwright.sync_api import Page, expect

from yizhan.feedback.models import CheckIn, Rating, Report
from yizhan.operations.models import Rectification
from yizhan.signage.qr import qr_path
from yizhan.stations.tests.factories import StationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def station(transactional_db: None):
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    return StationFactory(code="HRB-DL-F001", name="兆麟街道中央大街工会驿站")


def test_rider_scans_checks_in_rates_and_reports(
    mobile_page: Page, station, tmp_path: Path, screenshot: Callable[[Page, str], Path]
) -> None:
    page = mobile_page
    photo = tmp_path / "door.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 90, 60)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())

    page.goto(qr_path(station.code, "checkin"))
    expect(page.get_by_role("heading", name="兆麟街道中央大街工会驿站")).to_be_visible()
    page.get_by_text("外卖骑手").click()
    screenshot(page, "feedback-occupation")
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_text("您的职业：外卖骑手")).to_be_visible()

    page.get_by_role("button", name="我到了，签到").click()
    expect(page.get_by_text("签到成功，欢迎歇歇脚！")).to_be_visible()

    rate = page.locator("#rate")
    rate.get_by_text("5 ★").click()
    rate.get_by_text("干净整洁").click()
    rate.get_by_text("有热水", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("谢谢您的评价！")).to_be_visible()
    screenshot(page, "feedback-rated")

    page.locator("#report").get_by_text("门锁进不去").click()
    page.get_by_label("说明（选填，500字以内）").fill("中午12点门锁着，进不去")
    page.get_by_label("照片（选填）").set_input_files(str(photo))
    page.get_by_role("button", name="提交问题").click()

    expect(page.get_by_role("heading", name="问题跟进")).to_be_visible()
    expect(page.get_by_text("处理中")).to_be_visible()
    expect(page.get_by_text("已转为整改单，由驿站限期整改")).to_be_visible()
    screenshot(page, "feedback-follow")
    # Nothing sideways at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    assert CheckIn.objects.get().occupation == "rider"
    rating = Rating.objects.get()
    assert (rating.stars, sorted(rating.tags), rating.weight) == (5, ["clean", "hot_water"], 1.0)
    report = Report.objects.get()
    assert report.category == "door_locked" and report.photo
    assert report.rectification == Rectification.objects.get()
