"""An administrator's morning on a 360-px phone: sign in, tap "opened" (with the phone's
position), do the daily check, report expired medicine with a photo, and see the order it
opened. The screenshots go to var/test-screenshots/staff-*.png."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from PIL import Image
from playwright.sync_api import Page, expect

from yizhan.operations.models import Inspection, OpeningLog, Rectification
from yizhan.stations.models import StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def station(transactional_db: None):  # type: ignore[no-untyped-def]
    # A transactional test's flush removes what data migrations seeded: seed it again.
    for name in (
        "yizhan.stations.migrations.0002_amenity_service_catalogue",
        "yizhan.operations.migrations.0002_inspection_regime_seed",
    ):
        importlib.import_module(name).seed(django_apps, None)
    s = StationFactory(
        code="HRB-DL-001",
        name="兆麟公园工会驿站",
        region=RegionFactory(code="230102001"),
        opening_hours="24/7",
        lat=45.7733,
        lon=126.6175,
    )
    for username, role, name in (
        ("guanli", "administrator", "李红"),
        ("zhanzhang", "master", "王建国"),
    ):
        user = UserFactory(username=username, role="staff", last_name=name[:1], first_name=name[1:])
        StationStaff.objects.create(station=s, role=role, name=name, user=user)
    return s


def test_administrator_opens_and_inspects_on_a_phone(
    mobile_page: Page, live_server, station, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    page = mobile_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 45.7734, "longitude": 126.6176, "accuracy": 12})
    page.goto(f"{live_server.url}/staff/")
    page.get_by_label("用户名").fill("guanli")
    page.get_by_label("密码").fill("pw-yizhan-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="兆麟公园工会驿站").click()

    page.get_by_role("button", name="已开门").click()
    expect(page.get_by_role("status")).to_contain_text("已记录：开门")
    log = OpeningLog.objects.get()
    assert not log.away and not log.no_position and log.distance_m < 50
    screenshot(page, "staff-station")

    page.get_by_role("link", name="去巡查").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("日巡")
    for fieldset in page.locator("fieldset[id^=item-]").all():
        if fieldset.get_by_label("是").count():
            fieldset.get_by_label("是").check()
    page.get_by_label("饮水机热水温度").fill("93")
    medicine = page.locator("#item-medicine_in_date")
    medicine.get_by_label("否").check()
    photo = tmp_path / "medicine.jpg"
    Image.new("RGB", (320, 240), (200, 40, 30)).save(photo, "JPEG")
    medicine.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="提交巡查").click()
    expect(page.get_by_role("status")).to_contain_text("发现 1 项问题，已生成整改单")
    inspection = Inspection.objects.get()
    assert inspection.failed_count == 1 and not inspection.away
    order = Rectification.objects.get()
    assert order.assignee.username == "zhanzhang"
    page.get_by_role("link", name="药箱药品均在有效期内", exact=True).click()
    expect(page.get_by_text("待整改")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "staff-rectification")
