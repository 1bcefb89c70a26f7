"""An officer works the registry in a real browser: the list, the map of the filtered
list, the map on a station's form, and an import from upload to committed."""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from playwright.sync_api import Page, expect

from yizhan.accounts.models import User
from yizhan.stations.models import Station

pytestmark = pytest.mark.browser
PASSWORD = "daoli-browser-2026"


@pytest.fixture
def demo(transactional_db: None, tmp_path: Path) -> None:
    # A transactional test's flush removes what data migrations seeded: seed it again.
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    call_command(
        "demo_city", "--seed", "7", "--registry-only", "--credentials-file", str(tmp_path / "c.txt")
    )


@pytest.fixture
def officer(demo: None) -> User:
    user = User.objects.get(username="zhaolin")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(page: Page, user: User) -> None:
    page.goto("/console/login/?next=/console/stations/station/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Signed in only once the console answers: a goto before that cancels the login.
    expect(page).to_have_url(re.compile(r"/console/stations/station/$"))


def test_street_officer_sees_own_stations_on_list_and_map(
    page: Page, officer: User, screenshot: Callable[[Page, str], Path]
) -> None:
    log_in(page, officer)
    own = Station.objects.filter(region__code__startswith="230102001")
    expect(page.locator("#result_list tbody tr")).to_have_count(own.count())
    screenshot(page, "registry-list")
    page.get_by_role("link", name="地图").click()
    expect(page.locator("#yz-station-map")).to_have_attribute("data-ready", str(own.count()))
    # Every marker is a station of the officer's street (circle markers are SVG paths).
    expect(page.locator("#yz-station-map path.leaflet-interactive")).to_have_count(own.count())
    screenshot(page, "registry-map")


def test_clicking_the_form_map_sets_the_coordinates(page: Page, officer: User) -> None:
    log_in(page, officer)
    station = Station.objects.filter(region__code__startswith="230102001").first()
    assert station is not None
    page.goto(f"/console/stations/station/{station.pk}/change/")
    expect(page.locator("#yz-point-map")).to_have_attribute("data-ready", "1")
    before = page.locator("#id_lon").input_value()
    page.locator("#yz-point-map").scroll_into_view_if_needed()
    box = page.locator("#yz-point-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.3)
    assert page.locator("#id_lon").input_value() != before


def test_import_from_upload_to_committed(
    page: Page, officer: User, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    """The task worker is the immediate backend in tests: confirming commits at once."""
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_station", "change_station"])
    )
    log_in(page, officer)
    # A spreadsheet with the Chinese headers officers use, and one new station.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["驿站编号", "名称", "类型", "区划代码", "地址", "经度", "纬度", "开放时间"])
    sheet.append(
        [
            "HRB-DL-NEW1",
            "兆麟公园驿站",
            "固定",
            "230102001",
            "道里区兆麟街1号",
            126.62,
            45.78,
            "24/7",
        ]
    )
    path = tmp_path / "new.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    page.goto("/console/stations/station/import/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="校验（不会写入）").click()
    expect(page.get_by_role("button", name="确认导入")).to_be_visible()
    screenshot(page, "import-checked")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("新增 1")).to_be_visible(timeout=15000)
    assert Station.objects.filter(code="HRB-DL-NEW1").exists()
