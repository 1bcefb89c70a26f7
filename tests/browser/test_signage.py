"""An officer prints a district's responsibility boards (公示牌): one A4 page per
station, Chinese set in a CJK font. The PDF and a screenshot go to
var/test-screenshots/signage-*."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from tests.conftest import SCREENSHOT_DIR
from yizhan.stations.models import Amenity, Service
from yizhan.stations.tests.factories import OfficerFactory, RegionFactory, StationFactory

pytestmark = pytest.mark.browser
CJK_FONT = re.compile(r"CJK|WenQuanYi|Noto Sans SC|Noto Serif SC")


@pytest.fixture
def district(transactional_db: None) -> None:
    # A transactional test's flush removes what data migrations seeded: seed it again.
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    StationFactory(
        code="HRB-DL-001",
        name="兆麟公园工会驿站",
        region=RegionFactory(code="230102001"),
        opening_hours="Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00; PH off",
        services=["legal_aid", "job_services", "health_check", "union_membership"],
        amenities=[
            "hot_water",
            "microwave",
            "charging",
            "toilet",
            "first_aid",
            "aed",
            "wifi",
            "heater",
            "seats",
        ],
        staff=[("master", "王建国", "13800000001"), ("administrator", "李红", "")],
    )
    StationFactory(
        code="HRB-DL-002",
        name="通江街道新阳路快递小哥暖心驿站(24小时智能驿站)",
        kind="smart",
        opening_hours="24/7",
        region=RegionFactory(code="230102010"),
        staff=[("administrator", "张立", "13900000002")],
    )
    # As full as a board gets: every amenity and service, four people in charge.
    StationFactory(
        code="HRB-DL-003",
        name="经纬街工会驿站",
        region=RegionFactory(code="230102011"),
        address="哈尔滨市道里区经纬街与红霞街交口东南角经纬大厦一楼西侧(公交经纬街站旁)",
        keeps_workday_hours=True,
        opening_hours="Mo-Fr 07:00-11:30,13:00-19:00; Sa 09:00-16:00",
        amenities=[a.code for a in Amenity.objects.all()],
        services=[s.code for s in Service.objects.all()],
        staff=[
            ("master", "欧阳建华", "13800000011"),
            ("master", "司马晓东", "13800000012"),
            ("administrator", "诸葛红梅", "0451-84612345"),
            ("administrator", "上官立新", ""),
        ],
    )
    OfficerFactory(
        username="daoli", role="officer", region=RegionFactory(code="230102"), password="pw-daoli-1"
    )


def sign_in(page: Page) -> None:
    page.goto("/staff/login/")
    page.get_by_label("用户名").fill("daoli")
    page.get_by_label("密码").fill("pw-daoli-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_region_batch_prints_one_a4_page_per_station_in_a_cjk_font(
    page: Page, district: None, screenshot: Callable[[Page, str], Path]
) -> None:
    sign_in(page)
    page.goto("/staff/boards/region/230102/?size=a4")
    expect(page.get_by_role("heading", name=re.compile("道里区"))).to_be_visible()
    expect(page.locator("article.sheet")).to_have_count(3)
    expect(page.locator("article.sheet svg")).to_have_count(12)
    expect(page.get_by_role("button", name="打印")).to_be_visible()

    # Each QR code at least 30 mm wide on A4 (96 CSS px per inch).
    widths = page.locator("article.sheet svg").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert min(widths) >= 30 / 25.4 * 96

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == 3
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "signage-batch.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    # One board on its own; the title's glyphs come from a CJK font.
    page.goto("/staff/boards/s/HRB-DL-001/")
    expect(page.locator("article.sheet")).to_have_count(1)
    screenshot(page, "signage-board")
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": ".b-name"})
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    families = [f["familyName"] for f in fonts]
    assert families and all(CJK_FONT.search(name) for name in families), families

    # The fullest board keeps everything on its sheet: nothing cut off at the bottom.
    page.goto("/staff/boards/s/HRB-DL-003/")
    screenshot(page, "signage-board-full")
    clipped = page.locator(".b-facts").evaluate("e => e.scrollHeight - e.clientHeight")
    assert clipped <= 1

    # A3 is one page too.
    page.goto("/staff/boards/s/HRB-DL-002/?size=a3")
    screenshot(page, "signage-board-a3")
    assert pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True)) == 1


def test_boards_on_a_phone(mobile_page: Page, district: None, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = mobile_page
    sign_in(page)
    page.goto("/staff/boards/")
    page.get_by_role("link", name="A4 批量打印").first.click()
    expect(page.locator("article.sheet")).to_have_count(3)
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    # The sheet is shrunk to the screen, not cut off.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1
    screenshot(page, "signage-phone")
