"""An officer brings their own ledger (台账) to the console in a real browser: uploads it,
says what two odd columns are, decides the duplicates, confirms the hours read from text,
imports the good rows and downloads the rest to fix (issue 16, "Done when").

The ledger is the colleague's (`test_ledger_colleague`) with its 驿站名称 and 详细地址
headers renamed to words no synonym knows. The report page is photographed at 1280 and
390 px wide into /tmp."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from geoplan.crs import to_wgs84
from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.models import Station, StationImport
from yizhan.stations.services import Catalogue, station_data_clean, station_upsert
from yizhan.stations.tests.test_ledger_colleague import (
    DUPLICATE,
    ERRORS,
    EXISTING_CODE,
    EXISTING_NAME,
    GOOD,
    HEADER,
    SHEET,
    STREETS,
    write_ledger,
)

pytestmark = pytest.mark.browser
PASSWORD = "daoli-ledger-2026"
SHOTS = Path("/tmp")


@pytest.fixture
def officer(transactional_db: None) -> User:
    # A transactional test's flush removes what data migrations seeded: seed it again.
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    regions: dict[str, Region] = {}
    for code, name, level, parent in [
        ("23", "黑龙江省", RegionLevel.PROVINCE, None),
        ("2301", "哈尔滨市", RegionLevel.CITY, "23"),
        ("230102", "道里区", RegionLevel.DISTRICT, "2301"),
        ("230102001", "兆麟街道", RegionLevel.STREET, "230102"),
        ("230102010", "通江街道", RegionLevel.STREET, "230102"),
        *((c, n, RegionLevel.STREET, "230102") for c, n in STREETS),
    ]:
        regions[code] = Region.objects.create(
            code=code, name=name, level=level, parent=regions.get(parent) if parent else None
        )
    # The registry already has row 5's station, 10 m away under another address.
    lon, lat = to_wgs84(126.6301, 45.7852, "bd09")
    national = Scope(national=True, region=None)
    catalogue = Catalogue.load()
    data = station_data_clean(
        {
            "code": EXISTING_CODE,
            "name": EXISTING_NAME,
            "kind": "fixed",
            "region_code": "230102010",
            "address": "道里区通江街88号",
            "lon": lon,
            "lat": lat + 0.00009,
            "opening_hours": "Mo-Su 08:00-20:00",
            "status": "active",
        },
        catalogue=catalogue,
        scope=national,
    )
    station_upsert(data=data, user=None, catalogue=catalogue, scope=national)
    user = User.objects.create_user(
        username="wangli", password=PASSWORD, is_staff=True, region=regions["230102"]
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations",
            codename__in=["add_station", "change_station", "view_station"],
        )
    )
    return user


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = write_ledger(tmp_path / "道里区驿站台账2024.xlsx")
    book = openpyxl.load_workbook(path)
    for cell in book[SHEET][3]:
        cell.value = {"驿站名称": "驿站叫啥", "详细地址": "在哪儿"}.get(cell.value, cell.value)
    book.save(path)
    return path


def test_an_officer_imports_the_good_rows_of_a_messy_ledger(
    page: Page, officer: User, ledger: Path, tmp_path: Path
) -> None:
    page.goto("/console/login/?next=/console/stations/station/import/")
    page.get_by_label("用户名").fill(officer.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Upload: the region defaults to the officer's district; the ledger's note says Amap.
    expect(page.get_by_label("所属区划")).to_have_value("230102")
    page.get_by_label("默认坐标系").select_option("gcj02")
    page.set_input_files("input[type=file]", str(ledger))
    page.get_by_role("button", name="校验（不会写入）").click()

    # 列对应: two headers nobody taught the registry.
    expect(page.get_by_role("heading", name="第一步：列对应")).to_be_visible()
    expect(page.get_by_text("还没有对应到")).to_be_visible()
    page.get_by_label("B 列“驿站叫啥”读作").select_option("name")
    page.get_by_label("D 列“在哪儿”读作").select_option("address")
    expect(page.get_by_label("文件坐标系")).to_have_value("gcj02")
    page.screenshot(path=str(SHOTS / "import-ledger-columns-1280.png"), full_page=True)
    page.get_by_role("button", name="确认列对应").click()
    expect(page.locator("#import-rows")).to_be_visible()
    expect(page.locator("#import-not-imported")).to_contain_text("建设年份")

    # Duplicates: row 5 is a station the registry has; row 18 is row 4 pasted again.
    expect(page.get_by_text("还有 2 行未决定处理方式")).to_be_visible()
    page.locator("#dup-row-5").get_by_label(re.compile(f"更新已有驿站 {EXISTING_CODE}")).check()
    page.locator(f"#dup-row-{DUPLICATE}").get_by_label("跳过").check()
    page.get_by_role("button", name="保存处理方式并重新校验").click()
    expect(page.get_by_text("已保存重复行的处理方式")).to_be_visible()
    expect(page.get_by_text("未决定处理方式")).to_have_count(0)

    # Hours read from Chinese text, each with the week it means.
    expect(page.locator("#row-4 svg.yz-week")).to_be_visible()
    expect(page.locator("#row-4")).to_contain_text("周一到周五 8:00-18:00，节假日休息")
    page.screenshot(path=str(SHOTS / "import-ledger-report-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "import-ledger-report-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    # The good rows only: the button says how many go in and how many stay behind.
    partial = page.get_by_role(
        "button", name=f"导入无误的 {len(GOOD)} 行，留下有错误的 {len(ERRORS)} 行"
    )
    partial.click()  # the hours are not confirmed yet: the browser asks for the tick
    assert StationImport.objects.get().status == StationImport.Status.INVALID
    page.get_by_label(re.compile(r"我已核对自动识别的开放时间（\d+ 行）")).check()
    partial.click()
    expect(page.get_by_text("已导入：新增")).to_be_visible()
    # Six new stations and row 5 written over the registry's own: one more than before each.
    assert Station.objects.count() == len(GOOD)
    assert Station.objects.get(code=EXISTING_CODE).name == "通江街道环卫工人爱心驿站"
    page.screenshot(path=str(SHOTS / "import-ledger-committed-1280.png"), full_page=True)

    # The rest, to fix and upload again.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载未导入的行（含错误说明）").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADER) + 1]) == [
        {"驿站名称": "驿站叫啥", "详细地址": "在哪儿"}.get(h, h) for h in HEADER
    ] + ["错误说明"]
    assert [r[-1] for r in rows[1:]] == sorted(ERRORS | {DUPLICATE})
