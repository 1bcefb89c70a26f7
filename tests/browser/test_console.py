"""A district union officer signs in to the management console (/console/) in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from yizhan.accounts.models import User
from yizhan.regions.models import Region, RegionLevel

pytestmark = pytest.mark.browser

PASSWORD = "daoli-驿站-2024-winter"


@pytest.fixture
def officer(transactional_db: None) -> User:
    """An officer of Harbin's Daoli district (230102) who may view the region registry."""
    province = Region.objects.create(code="23", name="黑龙江省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(
        code="2301", name="哈尔滨市", level=RegionLevel.CITY, parent=province
    )
    district = Region.objects.create(
        code="230102", name="道里区", level=RegionLevel.DISTRICT, parent=city
    )
    user = User.objects.create_user(
        username="daoli_officer",
        password=PASSWORD,
        first_name="芳",
        last_name="王",
        is_staff=True,
        region=district,
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="regions", codename="view_region")
    )
    return user


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login/\?next=/console/$"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_officer_logs_in_to_the_chinese_console(
    page: Page, officer: User, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto("/console/")
    # The sign-in page is in Chinese before anyone has chosen a language.
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#site-name")).to_contain_text("驿站")
    expect(page.get_by_role("button", name="登录")).to_be_visible()

    log_in(page, "daoli_officer", PASSWORD)

    expect(page.locator("#content h1")).to_contain_text("工会驿站管理")
    expect(page.locator("#user-tools")).to_contain_text("欢迎")
    # Admin's own CSS arrived through the static files handler (no unstyled page).
    expect(page.locator("#header")).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
    # The officer may view the region registry, and sees it listed under its Chinese name.
    expect(page.get_by_role("link", name="行政区划").first).to_be_visible()
    screenshot(page, "console")


def test_wrong_password_is_refused_in_chinese(page: Page, officer: User) -> None:
    page.goto("/console/login/")
    page.get_by_label("用户名").fill("daoli_officer")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errornote")).to_contain_text("请输入一个正确的")
    expect(page).to_have_url(re.compile(r"/console/login/"))


def switch_language(page: Page, code: str) -> None:
    """Use the console's language switch: a button per language, or a <select>."""
    button = page.locator(f"button[name=language][value={code}]")
    select = page.locator("select[name=language]")
    if button.count():
        button.first.click()
    elif select.count():
        select.first.select_option(code)
        submit = page.locator("form:has(select[name=language]) [type=submit]")
        if submit.count():
            submit.first.click()
    else:
        pytest.skip(
            "the console has no language switcher yet (Django admin ships none): "
            "add a set_language form to templates/admin/base_site.html"
        )


def test_officer_switches_the_console_to_english_and_back(
    page: Page, officer: User, screenshot: Callable[[Page, str], Path]
) -> None:
    log_in(page, "daoli_officer", PASSWORD)

    switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/en/console/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#user-tools")).to_contain_text("Welcome")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "console-en")

    switch_language(page, "zh-hans")
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/console/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#user-tools")).to_contain_text("欢迎")


def test_console_sign_in_fits_a_phone(mobile_page: Page, officer: User) -> None:
    mobile_page.goto("/console/login/")
    expect(mobile_page.get_by_role("button", name="登录")).to_be_visible()
    overflow = mobile_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the sign-in page scrolls sideways by {overflow}px on a 360px phone"
