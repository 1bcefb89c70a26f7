"""Planning in a real browser: a district officer uploads a people-flow file, creates a
scenario, watches it finish and reads the answer on the map (gap hexagons, stations,
numbered new sites) and the 168-hour chart. Screenshot: var/test-screenshots/planning-*.png."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from yizhan.planning.models import Scenario
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def district(transactional_db: None):  # type: ignore[no-untyped-def]
    importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue").seed(
        django_apps, None
    )
    street = RegionFactory(code="230102001")
    StationFactory(
        code="HRB-DL-001",
        name='兆麟驿站<img src=x onerror="window.__xss=1">',
        region=street,
        lat=45.7733,
        lon=126.6175,
    )
    StationFactory(
        code="HRB-DL-002",
        name="新阳驿站",
        region=street,
        lat=45.7800,
        lon=126.6300,
        opening_hours="24/7",
    )
    UserFactory(username="daoli", role="officer", region=street.parent)


def flow_csv(tmp_path: Path) -> Path:
    rows = ["经度,纬度,时段,人流量"]
    for i in range(30):
        for lon, lat in ((126.6180, 45.7735), (126.6600, 45.7500), (126.5900, 45.7650)):
            rows.append(
                f"{lon + i * 0.0004:.5f},{lat + (i % 5) * 0.0004:.5f},{(i * 7) % 168},{10 + i}"
            )
    path = tmp_path / "flow.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def test_officer_plans_and_reads_the_map(
    page: Page, live_server, district, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("用户名").fill("daoli")
    page.get_by_label("密码").fill("pw-yizhan-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="布局规划").click()
    page.get_by_text("上传需求图层(CSV / Parquet)").click()
    page.locator("#l-name").fill("卡口人流")
    page.locator("#l-file").set_input_files(str(flow_csv(tmp_path)))
    page.locator("form:has(#l-file) button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("已读入图层 卡口人流：90 条记录")

    # With a layer and no scenario yet, the new-scenario form is open.
    page.get_by_label("方案名称").fill("步行 15 分钟 · 新增 3 站")
    page.get_by_label("推荐新址数").fill("3")
    page.get_by_role("button", name="新建并计算").click()
    # The task worker (in-process here) has finished by the time the page shows.
    expect(page.locator(".sc-status")).to_have_text("已完成")
    assert Scenario.objects.get().status == "done"
    expect(page.locator("[data-figure=share]")).to_contain_text("%")
    # The map: gap hexagons, both stations, three numbered sites; names as text.
    expect(page.locator("#pl-map .pl-num")).to_have_count(3)
    expect(page.locator("#pl-map .pl-num").first).to_have_text("1")
    assert page.locator("#pl-map path.leaflet-interactive").count() >= 3
    expect(page.locator("#pl-hours svg")).to_have_count(1)
    # Each suggested site says its street and where it is, not bare coordinates: here,
    # with no road network, from its nearest station ("… 东南 1,200 米").
    rows = page.locator("table.sites tbody tr")
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i).locator("td").nth(1)).to_have_text("兆麟街道")
        expect(rows.nth(i).locator("td").nth(2)).to_contain_text(" 米")
    page.locator("#pl-map .pl-num").first.hover()
    expect(page.locator(".leaflet-tooltip")).to_contain_text("推荐新址 #1")
    expect(page.locator(".leaflet-tooltip")).to_contain_text("兆麟街道 · ")
    assert page.evaluate("window.__xss") is None
    screenshot(page, "planning-scenario")
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出 GeoJSON").click()
    assert dl.value.suggested_filename.endswith(".geojson")
