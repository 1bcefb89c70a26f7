"""One home for officers (issue 18, point 1), in a real browser: a district officer signs
in to the console on a 360-px phone, goes to the officer's day through the console's
navigation and back to the registry through the staff header, in Chinese and in English;
the day's figures are links to their lists. Screenshots of the day at 360 px and on a desk
go to var/test-screenshots/officer-day-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from yizhan.accounts.models import User
from yizhan.operations.models import Rectification
from yizhan.stations.tests.factories import (
    OFFICER_PERMISSIONS,
    OfficerFactory,
    RegionFactory,
    StationFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "pw-yizhan-1"


@pytest.fixture
def officer(transactional_db: None) -> User:
    # A transactional test's flush removes what data migrations seeded: seed it again.
    for name in (
        "yizhan.stations.migrations.0002_amenity_service_catalogue",
        "yizhan.operations.migrations.0002_inspection_regime_seed",
    ):
        importlib.import_module(name).seed(django_apps, None)
    street = RegionFactory(code="230102001")
    station = StationFactory(code="HRB-DL-001", name="兆麟公园工会驿站", region=street)
    StationFactory(code="HRB-DL-002", name="经纬街工会驿站", region=street)
    now = timezone.now()
    for days_late in (2, -3):  # one order past its deadline, one not yet
        Rectification.objects.create(
            station=station,
            title="门锁坏了",
            severity="high",
            source="officer",
            created_at=now - dt.timedelta(days=5),
            deadline=now - dt.timedelta(days=days_late),
        )
    return OfficerFactory(
        username="daoli",
        first_name="芳",
        last_name="王",
        region=street.parent,
        permissions=[*OFFICER_PERMISSIONS, "stations.view_stationimport"],
    )


def _sign_in_to_the_console(page: Page, prefix: str = "") -> None:
    page.goto(f"{prefix}/console/")
    expect(page).to_have_url(re.compile(r"/console/login/\?next="))
    page.locator("#id_username").fill("daoli")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{prefix}/console/$"))


def _fits(page: Page, width: int = 360) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_officer_goes_from_the_console_to_the_day_and_back_on_a_phone(
    mobile_page: Page, officer: User, screenshot: Callable[[Page, str], Path]
) -> None:
    page = mobile_page
    _sign_in_to_the_console(page)
    console_nav = page.locator("#yz-nav")
    expect(console_nav.get_by_role("link", name="驿站台账")).to_have_attribute(
        "aria-current", "page"
    )
    console_nav.locator("summary", has_text="督查").click()
    expect(console_nav.get_by_role("link", name="布局规划")).to_be_visible()
    _fits(page)
    screenshot(page, "officer-console-phone-menu")
    console_nav.get_by_role("link", name="今天", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    day = page.locator(".officer-day")
    expect(day.get_by_role("heading", name=re.compile("工会督查"))).to_be_visible()
    overdue = day.get_by_role("link", name=re.compile(r"^未销号整改单：\s*已逾期 1$"))
    expect(overdue).to_have_class(re.compile(r"\burgent\b"))
    expect(day.get_by_role("link", name=re.compile(r"^摘牌建议：\s*待审批 0$"))).to_have_class(
        re.compile(r"\bcalm\b")
    )
    _fits(page)
    screenshot(page, "officer-day-phone")

    # The overdue figure opens the list behind it: one order.
    overdue.click()
    expect(page).to_have_url(re.compile(r"/staff/region/rectifications/\?overdue=1$"))
    expect(page.locator("main a[href^='/staff/r/']")).to_have_count(1)

    # The menu opens in place on a phone, within the screen, and marks the page.
    header = page.locator("header.top")
    header.locator("summary", has_text="督查").click()
    current = header.get_by_role("link", name="未销号整改单")
    expect(current).to_be_visible()
    expect(current).to_have_attribute("aria-current", "page")
    _fits(page)
    screenshot(page, "officer-day-phone-menu")
    header.get_by_role("link", name="使用与开放").click()
    expect(page).to_have_url(re.compile(r"/staff/evidence/$"))

    # Back to the registry from any staff page.
    page.locator("header.top").get_by_role("link", name="驿站台账").click()
    expect(page).to_have_url(re.compile(r"/console/$"))

    # The same walk in English.
    page.goto("/en/console/")
    page.locator("#yz-nav").get_by_role("link", name="Today", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/staff/$"))
    day = page.locator(".officer-day")
    expect(day.get_by_role("heading", name="Orders and reports")).to_be_visible()
    expect(
        day.get_by_role("link", name=re.compile(r"^Open rectification orders:\s*Overdue 1$"))
    ).to_be_visible()
    _fits(page)
    screenshot(page, "officer-day-phone-en")
    page.locator("header.top").get_by_role("link", name="Registry").click()
    expect(page).to_have_url(re.compile(r"/en/console/$"))


def test_the_officers_day_on_a_desk(
    page: Page, officer: User, screenshot: Callable[[Page, str], Path]
) -> None:
    _sign_in_to_the_console(page)
    page.locator("#yz-nav").get_by_role("link", name="今天", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator(".day-group")).to_have_count(5)
    screenshot(page, "officer-day-desk")
    page.locator("header.top summary", has_text="督查").click()
    expect(page.locator("header.top .nav-panel")).to_be_visible()
    screenshot(page, "officer-day-desk-menu")
    # In the console, the menu is the same list.
    page.locator("header.top").get_by_role("link", name="驿站台账").click()
    page.locator("#yz-nav summary", has_text="督查").click()
    expect(page.locator("#yz-nav").get_by_role("link", name="布局规划")).to_be_visible()
    screenshot(page, "officer-console-desk-menu")
