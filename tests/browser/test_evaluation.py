"""The monthly evaluation in a real browser: a district officer runs last month and reads
the results, prints the bulletin (to PDF, as an office would circulate it), and a station
master reads on a 360-px phone why the station got a yellow card and what to do.
Screenshots go to var/test-screenshots/evaluation-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from yizhan.evaluation import selectors
from yizhan.evaluation.models import Card
from yizhan.evaluation.tests.conftest import staffed, visited
from yizhan.regions.models import Region
from yizhan.stations.models import StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def district(transactional_db: None):  # type: ignore[no-untyped-def]
    """Two stations of 兆麟街道 with last month's evidence: one kept Mo–Fr only (a yellow
    card for opening), one open every day."""
    for name in (
        "yizhan.stations.migrations.0002_amenity_service_catalogue",
        "yizhan.operations.migrations.0002_inspection_regime_seed",
    ):
        importlib.import_module(name).seed(django_apps, None)
    selectors.model_published()
    street = RegionFactory(code="230102001")
    month = selectors.month_previous(timezone.localdate())
    since = timezone.now() - dt.timedelta(days=120)  # running since the summer
    weekdays = StationFactory(
        code="HRB-DL-001",
        name="兆麟公园工会驿站",
        region=street,
        opening_hours="Mo-Fr 09:00-17:00",
        status_changed_at=since,
    )
    # Somebody typed markup into a name: the bulletin's map must show it as text.
    daily = StationFactory(
        code="HRB-DL-002",
        name='中央大街工会驿站<img src=x onerror="window.__xss=1">',
        region=street,
        status_changed_at=since,
    )
    master = UserFactory(username="zhanzhang", role="staff", last_name="王", first_name="建国")
    StationStaff.objects.create(station=weekdays, role="master", name="王建国", user=master)
    admin = UserFactory(username="guanli", role="staff")
    for s in (weekdays, daily):
        staffed(s, month, admin)
        visited(s, month, per_day=8, stars=5)
    UserFactory(username="daoli", role="officer", region=street.parent)
    return month


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-yizhan-1")
    page.get_by_role("button", name="登录").click()


def test_officer_runs_the_month_and_prints_the_bulletin(
    page: Page, live_server, district, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    month = f"{district:%Y-%m}"
    _sign_in(page, live_server.url, "daoli")
    page.get_by_role("link", name="月度评估", exact=True).click()
    page.get_by_label("评估月份").select_option(month)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_text("这个月还没有评估。")).to_be_visible()
    page.get_by_role("button", name="开始评估").click()
    expect(page.get_by_role("status")).to_contain_text("已开始评估 1 个区县")
    # The task worker (in-process here) has finished: the results replace the button.
    expect(page.locator(".run")).to_contain_text("已完成")
    row = page.locator("table.scores tr", has_text="兆麟公园工会驿站")
    expect(row.locator(".pill")).to_have_text("黄牌")
    assert Card.objects.get().station.code == "HRB-DL-001"
    screenshot(page, "evaluation-month")

    page.get_by_role("link", name="月度通报(可打印)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("评估通报")
    # The charts are drawn (SVG, sharp on paper) and the map has both stations.
    expect(page.locator("#c-distribution svg")).to_have_count(1)
    markers = page.locator("#c-map path.leaflet-interactive")
    expect(markers).to_have_count(2)
    for n in range(2):
        markers.nth(n).hover(force=True)
    expect(page.locator(".leaflet-tooltip").first).to_contain_text("工会驿站")
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None
    expect(page.locator("table.cards")).to_contain_text("开放合规")
    # No tiles (the tests' setting, as offline): a plain map with the street's name and a
    # scale bar, on paper too, never a grey box (issue 19, point 2).
    expect(page.locator("#c-map")).to_have_attribute("data-basemap", "plain")
    street_name = Region.objects.get(code="230102001").name
    expect(page.locator("#c-map .yz-street")).to_have_text(street_name)
    expect(page.locator("#c-map .leaflet-control-scale-line")).to_be_visible()
    screenshot(page, "evaluation-bulletin")
    pdf = tmp_path / "bulletin.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2
    expect(page.locator("#c-map .yz-street span")).to_be_visible()  # on paper as on screen
    expect(page.get_by_role("button", name="打印 / 另存为 PDF")).to_be_hidden()  # not on paper


def test_station_master_reads_why_on_a_phone(
    mobile_page: Page, live_server, district, screenshot: Callable[[Page, str], Path]
) -> None:
    from yizhan.evaluation import services
    from yizhan.regions.models import Region

    for run in services.evaluation_start(
        user=None, region=Region.objects.get(code="230102"), month=district
    ):
        services.evaluation_run_execute(run_id=run.pk)
    page = mobile_page
    _sign_in(page, live_server.url, "zhanzhang")
    page.get_by_role("link", name="兆麟公园工会驿站").click()
    page.get_by_role("link", name="评估结果").click()
    expect(page.get_by_role("heading", name="本站正在整改的黄牌")).to_be_visible()
    first = page.locator(".indicators li").first
    expect(first).to_contain_text("开放合规")  # what costs the most points comes first
    expect(first).to_contain_text("怎么做")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "evaluation-station-phone")
