"""A worker's report reaches the station master, and the worker keeps it, on 360-px phones
in Chinese and in English: a rider scans the board, reports broken equipment with a photo
and a call-back number, keeps the follow link (share or copy); the master signs in, finds
the report in their day with its photo and sets it 处理中; the rider's /my/ and follow page
show the change with its time. Screenshots: var/test-screenshots/reports-<lang>-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.conftest import PHONE
from yizhan.core.time import SHANGHAI
from yizhan.feedback.models import Report, ReportEvent
from yizhan.feedback.services import report_submit
from yizhan.notifications.models import Notification
from yizhan.signage.qr import qr_path
from yizhan.stations.models import StationStaff
from yizhan.stations.tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.browser

# What each language's pages say, where the walk looks for it.
WORDS = {
    "zh": {
        "prefix": "",
        "rider": "外卖骑手",
        "continue": "继续",
        "category": "设备损坏",
        "text": "说明（选填，500字以内）",
        "photo": "照片（选填）",
        "reply": "希望有人回复我",
        "phone": "回复电话（只在需要回复时填写）",
        "submit": "提交问题",
        "follow": "问题跟进",
        "open": "待受理",
        "share": "分享",
        "copy": "复制链接",
        "copied": "链接已复制",
        "username": "用户名",
        "password": "密码",
        "login": "登录",
        "reports": "劳动者反映",
        "in_progress": "处理中",
        "mine": "我的反映和取件码",
        "reported": "已提交",
    },
    "en": {
        "prefix": "/en",
        "rider": "Delivery rider",
        "continue": "Continue",
        "category": "Broken equipment",
        "text": "Details (optional, up to 500 characters)",
        "photo": "Photo (optional)",
        "reply": "I would like a reply",
        "phone": "Phone for reply (only if you want a reply)",
        "submit": "Submit problem",
        "follow": "Report follow-up",
        "open": "Awaiting acknowledgement",
        "share": "Share",
        "copy": "Copy link",
        "copied": "Link copied",
        "username": "Username",
        "password": "Password",
        "login": "Log in",
        "reports": "Worker reports",
        "in_progress": "In progress",
        "mine": "My reports and codes",
        "reported": "Reported",
    },
}


@pytest.fixture
def station(transactional_db: None):  # type: ignore[no-untyped-def]
    # A transactional test's flush removes what data migrations seeded: seed it again.
    for name in (
        "yizhan.stations.migrations.0002_amenity_service_catalogue",
        "yizhan.operations.migrations.0002_inspection_regime_seed",
    ):
        importlib.import_module(name).seed(django_apps, None)
    s = StationFactory(
        code="HRB-DL-F001",
        name="兆麟街道中央大街工会驿站",
        region=RegionFactory(code="230102001"),
        opening_hours="24/7",
    )
    master = UserFactory(username="zhanzhang", role="staff", last_name="王", first_name="建国")
    StationStaff.objects.create(station=s, role="master", name="王建国", user=master)
    return s


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "charger.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (480, 360), (40, 90, 160)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def _serve_media(page: Page) -> None:
    """Uploaded photos, as the web server would serve MEDIA_ROOT (the test server serves
    no media, and the tests keep files in memory)."""

    def fulfil(route: Route) -> None:
        name = urlparse(route.request.url).path.removeprefix(settings.MEDIA_URL)
        with default_storage.open(name) as f:
            route.fulfill(body=f.read(), content_type="image/jpeg")

    page.route("**/media/**", fulfil)


def _fits(page: Page) -> None:
    """Nothing sideways at 360 px."""
    page.wait_for_load_state("load")  # the stylesheet applied (tables scroll inside)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_riders_report_reaches_the_master_and_stays_with_the_rider(
    lang: str,
    mobile_page: Page,
    browser: Browser,
    live_server,  # type: ignore[no-untyped-def]
    station,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    w = WORDS[lang]
    pre = w["prefix"]
    rider = mobile_page
    rider.context.grant_permissions(["clipboard-read", "clipboard-write"])
    if lang == "zh":
        # A phone with a share sheet: the link goes to it. (In English the page falls
        # back to copying, as on a browser without navigator.share.)
        rider.add_init_script(
            "navigator.share = (d) => { window.__shared = d; return Promise.resolve(); };"
        )

    # The rider scans the board's "report" code and reports with a photo.
    rider.goto(pre + qr_path(station.code, "report"))
    rider.get_by_text(w["rider"], exact=True).click()
    rider.get_by_role("button", name=w["continue"]).click()
    form = rider.locator("#report")
    form.get_by_text(w["category"], exact=True).click()
    rider.get_by_label(w["text"]).fill("充电柜坏了，插上没反应")
    rider.get_by_label(w["photo"]).set_input_files(str(_photo(tmp_path)))
    rider.get_by_label(w["reply"]).check()
    rider.get_by_label(w["phone"]).fill("13912345678")
    screenshot(rider, f"reports-{lang}-1-rider-form")
    rider.get_by_role("button", name=w["submit"]).click()

    expect(rider.get_by_role("heading", name=w["follow"], level=1)).to_be_visible()
    expect(rider.locator(".big-state")).to_have_text(w["open"])
    report = Report.objects.get()
    assert report.photo and report.phone == "13912345678"
    link = rider.get_by_label("跟进链接" if lang == "zh" else "Follow link").input_value()
    assert link.endswith(f"/f/{report.follow_token}/")
    # Keep the link: share it (or copy it where the phone cannot share), or copy it.
    rider.get_by_role("button", name=w["share"]).click()
    if lang == "zh":
        shared = rider.evaluate("window.__shared")
        assert shared["url"] == link
    else:
        expect(rider.get_by_role("status").filter(has_text=w["copied"])).to_be_visible()
    rider.get_by_role("button", name=w["copy"]).click()
    expect(rider.get_by_role("status").filter(has_text=w["copied"])).to_be_visible()
    assert rider.evaluate("navigator.clipboard.readText()") == link
    _fits(rider)
    screenshot(rider, f"reports-{lang}-2-rider-follow")

    # The station master's phone: sign in, the report is in the day with its photo.
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE
    )
    master = context.new_page()
    _serve_media(master)
    master.goto(pre + "/staff/")
    master.get_by_label(w["username"]).fill("zhanzhang")
    master.get_by_label(w["password"]).fill("pw-yizhan-1")
    master.get_by_role("button", name=w["login"]).click()
    reports = master.locator("#reports")
    expect(reports.get_by_role("heading", name=w["reports"])).to_be_visible()
    card = reports.locator(f"#report-{report.pk}")
    expect(card).to_contain_text(w["category"])
    expect(card).to_contain_text("充电柜坏了，插上没反应")
    expect(card.get_by_role("link", name="13912345678")).to_be_visible()
    photo = card.locator("img.report-photo")
    expect(photo).to_be_visible()
    assert photo.get_attribute("src") == report.photo.url
    assert master.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 480
    _fits(master)
    screenshot(master, f"reports-{lang}-3-master-day")
    card.get_by_role("button", name=w["in_progress"]).click()
    expect(master.locator(f"#report-{report.pk}")).to_contain_text(w["in_progress"])
    expect(photo).to_have_js_property("complete", True)  # before the screenshot
    _fits(master)
    screenshot(master, f"reports-{lang}-4-master-in-progress")
    event = ReportEvent.objects.get()
    assert (event.status, event.user.username) == ("in_progress", "zhanzhang")
    assert Notification.objects.filter(kind="report_new", user__username="zhanzhang").exists()
    # The feedback list is one tap away in the navigation.
    nav = master.get_by_role("navigation")
    nav.get_by_role("link", name="反馈" if lang == "zh" else "Reports").click()
    expect(master.get_by_text("充电柜坏了，插上没反应")).to_be_visible()
    _fits(master)
    screenshot(master, f"reports-{lang}-4b-master-feedback-list")
    context.close()

    # The rider's /my/ and follow page show the change, with its time.
    rider.goto(pre + "/my/")
    expect(rider.get_by_role("heading", name=w["mine"], level=1)).to_be_visible()
    mine = rider.locator(".my-reports li").first
    expect(mine).to_contain_text(w["category"])
    expect(mine).to_contain_text(w["in_progress"])
    _fits(rider)
    screenshot(rider, f"reports-{lang}-5-rider-my")
    mine.get_by_role("link").click()
    expect(rider.locator(".big-state")).to_have_text(w["in_progress"])
    steps = rider.locator("ol.timeline li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text(w["reported"])
    expect(steps.nth(1)).to_contain_text(w["in_progress"])
    expect(steps.nth(1).locator("time")).to_have_text(
        event.at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
    )
    _fits(rider)
    screenshot(rider, f"reports-{lang}-6-rider-follow-in-progress")

    # Scanning the board again shows the open report at the top.
    rider.goto(pre + qr_path(station.code, "checkin"))
    expect(rider.locator("#my-reports")).to_contain_text(w["in_progress"])
    _fits(rider)
    screenshot(rider, f"reports-{lang}-7-rider-rescan")


def test_an_overdue_report_is_in_the_inspectors_day(
    mobile_page: Page,
    live_server,  # type: ignore[no-untyped-def]
    station,  # type: ignore[no-untyped-def]
    screenshot: Callable[[Page, str], Path],
) -> None:
    """A report nobody acknowledged for a day, as the district's inspector sees it."""
    UserFactory(username="ducha", role="inspector", region=station.region.parent)
    report = report_submit(
        station=station,
        visitor_key="rider-cccccccccccccccccccc",
        category="no_water",
        text="饮水机没有热水",
        now=timezone.now() - dt.timedelta(hours=30),
    )
    inspector = mobile_page
    inspector.goto("/staff/")
    inspector.get_by_label("用户名").fill("ducha")
    inspector.get_by_label("密码").fill("pw-yizhan-1")
    inspector.get_by_role("button", name="登录").click()
    late = inspector.locator("#reports-overdue")
    expect(late.get_by_role("heading", name="超时未受理的反映")).to_be_visible()
    card = late.locator(f"#report-{report.pk}")
    expect(card).to_contain_text("没有热水")
    expect(card).to_contain_text("超时未受理")
    expect(card.get_by_role("link", name="查看驿站")).to_be_visible()
    _fits(inspector)
    screenshot(inspector, "reports-zh-8-inspector-overdue")
