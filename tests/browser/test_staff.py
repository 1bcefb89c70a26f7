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


def test_an_order_shows_its_owner_and_every_finding_on_a_phone(
    mobile_page: Page, live_server, station, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    """Yesterday's check found expired medicine; today's finds it again with cold water.
    The message and the inspection name both findings (the repeat as such); the order
    names its responsible person and lists both findings; the inspector who supervises
    the station hands it to the administrator, and the history says so."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from yizhan.operations import services

    guanli = StationStaff.objects.get(station=station, role="administrator").user
    ok = {
        "door_open": "yes",
        "water_temp": "92",
        "chargers_work": "yes",
        "clean": "yes",
        "sign_visible": "yes",
    }
    first = tmp_path / "first.jpg"
    Image.new("RGB", (320, 240), (200, 40, 30)).save(first, "JPEG")
    with first.open("rb") as photo:
        services.inspection_submit(
            user=guanli,
            station=station,
            tier="daily",
            answers={**ok, "medicine_in_date": "no"},
            photos=[("medicine_in_date", photo)],
            client_id=uuid.uuid4(),
            now=timezone.now() - dt.timedelta(days=1),
        )
    UserFactory(
        username="ducha",
        role="inspector",
        region=station.region.parent,
        last_name="孙",
        first_name="督查",
    )

    page = mobile_page
    page.goto(f"{live_server.url}/staff/")
    page.get_by_label("用户名").fill("guanli")
    page.get_by_label("密码").fill("pw-yizhan-1")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/staff/s/HRB-DL-001/inspect/daily/")
    for fieldset in page.locator("fieldset[id^=item-]").all():
        if fieldset.get_by_label("是").count():
            fieldset.get_by_label("是").check()
    photo = tmp_path / "finding.jpg"
    Image.new("RGB", (320, 240), (30, 40, 200)).save(photo, "JPEG")
    page.get_by_label("饮水机热水温度").fill("72")
    page.locator("#item-water_temp input[type=file]").set_input_files(str(photo))
    medicine = page.locator("#item-medicine_in_date")
    medicine.get_by_label("否").check()
    medicine.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="提交巡查").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("发现 2 项问题，已生成整改单")
    expect(status).to_contain_text("饮水机热水温度")
    expect(status).to_contain_text("药箱药品均在有效期内（再次发现，记入原整改单）")
    expect(page.get_by_role("heading", name="发现问题（2 项）")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "staff-inspection-findings").replace("/tmp/staff-inspection-findings.png")

    order = Rectification.objects.get(item__code="medicine_in_date")
    page.get_by_role("link", name="药箱药品均在有效期内", exact=True).click()
    expect(page.locator("dl.kv").get_by_text("王建国", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="发现记录（2 次）")).to_be_visible()
    expect(page.locator("ol.findings li")).to_have_count(2)
    expect(page.get_by_text("首次发现于")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "staff-order-findings").replace("/tmp/staff-order-findings.png")

    # The inspector over the station hands the order to the administrator.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/staff/r/{order.pk}/")
    page.get_by_label("用户名").fill("ducha")
    page.get_by_label("密码").fill("pw-yizhan-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("责任人").select_option(label="李红 · 管理员")
    page.get_by_label("原因").fill("站长休假一周")
    page.get_by_role("button", name="更换责任人").click()
    expect(page.get_by_role("status")).to_contain_text("责任人已改为 李红")
    expect(page.get_by_text("王建国 → 李红 · 站长休假一周")).to_be_visible()
    order.refresh_from_db()
    assert order.assignee == guanli and order.assignee_basis == "chosen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "staff-order-reassigned").replace("/tmp/staff-order-reassigned.png")
