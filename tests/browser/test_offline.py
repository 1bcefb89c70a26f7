"""A courier in a basement on a 360-px phone (issue 18, point 6), in Chinese and English:
the station page and the board's report page, opened once online, open again without a
connection; a report made offline waits on the phone ("有 1 条待发送"), goes when the
connection returns, arrives once (even when the first answer is lost on the way), at the
time it was made, marked late for the staff. Screenshots: var/test-screenshots/offline-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from tests.browser.axe import axe_problems
from yizhan.feedback.models import Report
from yizhan.signage.qr import qr_path
from yizhan.stations.tests.factories import StationFactory

pytestmark = pytest.mark.browser
NAME = "兆麟街道中央大街工会驿站"
LATE = dt.timedelta(minutes=20)

WORDS = {
    "zh": {
        "prefix": "",
        "courier": "快递员",
        "continue": "继续",
        "door": "门锁进不去",
        "text": "说明（选填，500字以内）",
        "submit": "提交问题",
        "saved": "离线 · 本页保存于",
        "queued": "已保存在手机上，联网后自动发送。",
        "waiting": "有 1 条待发送，联网后自动发送",
        "sent": "已发送 1 条",
        "follow": "查看进度",
        "sent_note": "已发送。",
        "week": "未来一周开放时间",
        "offline": "离线",
    },
    "en": {
        "prefix": "/en",
        "courier": "Courier",
        "continue": "Continue",
        "door": "Locked, can’t get in",
        "text": "Details (optional, up to 500 characters)",
        "submit": "Submit problem",
        "saved": "Offline · this page was saved",
        "queued": "Saved on this phone; it will be sent when you are online.",
        "waiting": "Waiting to be sent: 1 — sent automatically when you are online.",
        "sent": "Sent: 1",
        "follow": "Follow it",
        "sent_note": "Sent.",
        "week": "Opening hours, coming week",
        "offline": "Offline",
    },
}


@pytest.fixture
def station(transactional_db: None):
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    return StationFactory(code="HRB-DL-F001", name=NAME)


def no_tiles(page: Page) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def saved_on_phone(page: Page, part: str) -> None:
    """Wait until the service worker has saved a page whose address contains ``part``."""
    page.wait_for_function(
        """part => caches.open("yizhan-pages")
            .then(c => c.keys())
            .then(keys => keys.some(k => k.url.includes(part)))""",
        arg=part,
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_made_in_a_basement_arrives_once_when_the_phone_is_back_online(
    mobile_page: Page, station, lang: str, screenshot: Callable[[Page, str], Path]
) -> None:
    page, w = mobile_page, WORDS[lang]
    no_tiles(page)
    station_url = f"{w['prefix']}/s/{station.code}/"
    report_url = w["prefix"] + qr_path(station.code, "report")

    # Online: the station page installs the service worker, which saves it.
    page.goto(station_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    saved_on_phone(page, station_url)
    # The board's report page, once, to say what work the worker does.
    page.goto(report_url)
    page.get_by_text(w["courier"], exact=True).click()
    page.get_by_role("button", name=w["continue"]).click()
    expect(page.get_by_role("button", name=w["submit"])).to_be_visible()
    saved_on_phone(page, report_url)

    # In the basement: no connection. The pages open from the phone, saying so.
    page.context.set_offline(True)
    page.goto(station_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("heading", name=w["week"])).to_be_visible()
    expect(page.locator("#offline-status")).to_contain_text(w["saved"])
    screenshot(page, f"offline-{lang}-1-station-saved")

    # The phone's clock: the report is made 20 minutes before it can be sent.
    made = timezone.now() - LATE
    page.clock.install(time=made)
    page.goto(report_url)
    expect(page.locator("#offline-status")).to_contain_text(w["saved"])
    page.locator("#report").get_by_text(w["door"]).click()
    page.get_by_label(w["text"]).fill("地下室，门锁着")
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_text(w["queued"])).to_be_visible()
    expect(page.locator("#offline-status")).to_contain_text(w["waiting"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"offline-{lang}-2-waiting")
    assert not axe_problems(page)
    assert not Report.objects.exists()

    # Back online, the first answer is lost on the way (a lift door closing): the report
    # was recorded, the phone does not know it, and sends it again.
    page.clock.set_system_time(timezone.now())
    lost: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server records it…
            lost.append(route.request.url)
            route.abort("connectionreset")  # …and the answer never comes back
            return
        route.fallback()

    page.route(re.compile(r".*/q/report/.*"), lose_first_answer)
    page.context.set_offline(False)
    # (The phone tries again 5 seconds after the lost answer.)
    expect(page.locator("#offline-status")).to_contain_text(w["sent"], timeout=20_000)
    expect(page.locator(".offline-note")).to_have_text(w["sent_note"])
    expect(page.locator("#offline-status").get_by_role("link", name=w["follow"])).to_be_visible()
    screenshot(page, f"offline-{lang}-3-sent")
    assert not axe_problems(page)
    assert lost, "the first answer was not lost: the retry was not exercised"

    report = Report.objects.get()
    assert report.count == 1 and report.category == "door_locked"
    assert report.text == "地下室，门锁着" and report.occupation == "courier"
    # At the phone's time, marked late (20 minutes, give or take the test's own minutes).
    assert made <= report.created_at < made + dt.timedelta(minutes=2)
    assert report.late_minutes is not None and 19 <= report.late_minutes <= 25
    assert report.get_late_display().startswith("离线提交，晚到")

    # The follow link opens the report; nothing is sent twice however often pages load.
    page.locator("#offline-status").get_by_role("link", name=w["follow"]).click()
    expect(page.locator("main p.meta").first).to_have_text(NAME)
    page.goto(report_url)
    page.wait_for_timeout(500)
    assert Report.objects.count() == 1 and Report.objects.get().count == 1


def test_the_last_results_open_offline_and_a_page_never_saved_says_offline(
    mobile_page: Page, station, screenshot: Callable[[Page, str], Path]
) -> None:
    page = mobile_page
    no_tiles(page)
    page.goto(f"/s/{station.code}/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    results = f"/?lat={station.lat}&lon={station.lon}"
    page.goto(results)
    expect(page.locator("ol.cards > li").first).to_contain_text(NAME)
    saved_on_phone(page, "/?lat=")

    page.context.set_offline(True)
    # The finder without a place: the last results, saying when they were saved.
    page.goto("/")
    expect(page.locator("ol.cards > li").first).to_contain_text(NAME)
    expect(page.locator("#offline-status")).to_contain_text("离线 · 本页保存于")
    screenshot(page, "offline-zh-4-last-results")
    # A page never opened: the offline page, listing what was saved.
    page.goto("/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text("离线")
    saved = page.locator("#offline-pages")
    expect(saved.get_by_role("link", name=NAME)).to_be_visible()
    expect(saved.locator('a[href^="/?lat="]')).to_be_visible()  # the last results
    screenshot(page, "offline-zh-5-never-saved")
    assert not axe_problems(page)
    # Only worker pages are kept.
    kept = page.evaluate(
        """() => caches.open("yizhan-pages").then(c => c.keys())
            .then(keys => keys.map(k => new URL(k.url).pathname))"""
    )
    assert set(kept) == {"/", f"/s/{station.code}/"}


def test_a_report_lost_on_a_weak_signal_is_kept_and_sent_once(
    mobile_page: Page, station, screenshot: Callable[[Page, str], Path]
) -> None:
    """The phone says it is online, but the form's post never gets through (one bar in a
    lift): the service worker keeps the report in the outbox and the page sends it."""
    page = mobile_page
    no_tiles(page)
    report_url = qr_path(station.code, "report")
    page.goto(report_url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_text("外卖骑手", exact=True).click()
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_role("button", name="提交问题")).to_be_visible()
    saved_on_phone(page, report_url)

    posts: list[str] = []

    def weak_signal(route: Route) -> None:
        if route.request.method == "POST":
            posts.append(route.request.headers.get("content-type", ""))
            if len(posts) == 1:
                route.abort("internetdisconnected")
                return
        route.fallback()

    # Routed for the whole context: the service worker's own requests too.
    page.context.route(re.compile(r".*/q/report/.*"), weak_signal)
    page.locator("#report").get_by_text("卫生差").click()
    page.get_by_role("button", name="提交问题").click()
    expect(page.locator("#offline-status")).to_contain_text("已发送 1 条", timeout=20_000)
    screenshot(page, "offline-zh-6-weak-signal-sent")
    assert len(posts) == 2, posts
    report = Report.objects.get()
    assert (report.category, report.count, report.occupation) == ("dirty", 1, "rider")
