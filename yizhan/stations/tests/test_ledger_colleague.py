"""A 道里区 union officer's own station ledger (台账), imported with ``import_stations``.

Written by a colleague who has NOT read the importer (issue 16, "Done when"): the rows
below were typed from the issue's list of what real ledgers contain, before the code
that reads them existed, and are not to be changed to suit it. If a row here fails, the
importer is what has to learn, not the ledger.

The ledger is the kind a district keeps for years: a merged title row and a note row
above the header, the header on row 3, blank rows in the middle, notes and the filler's
name below the data, a second sheet of filling-in instructions, no code column, streets
by name, hours and kinds and amenities in words, coordinates from three map apps, a
swapped point, a point in Paris, a row pasted twice, a mobile van without a point, and a
name nobody could fit on a map.

The contract tested (issue 16, item 7, and what the team agreed):
``import_stations FILE --region CODE --as USERNAME [--commit] [--skip-errors]
[--json REPORT] [--on-duplicate update|keep|skip] [--crs wgs84|gcj02|bd09]``, a dry run
unless ``--commit``; a JSON report ``{"rows", "not_imported", "committed"}`` with one entry
per row of the station sheet (``sheet``, ``row``, ``status``, ``action``, ``messages``,
``wgs84``, ``code``). Messages are checked by their column and by the cell values they
quote, never by their wording.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from geoplan.crs import to_wgs84
from yizhan.accounts.models import User
from yizhan.core.time import SHANGHAI
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import Station

# ---------------------------------------------------------------------------
# The ledger, as the officer typed it
# ---------------------------------------------------------------------------

SHEET = "2024台账"
TITLE = "道里区总工会户外劳动者服务站点台账（2024年更新）"  # row 1, merged A1:O1
NOTE_ABOVE = "填报单位：道里区总工会　　更新时间：2024年3月　　坐标来源为空的，均为高德地图坐标"
HEADER = [  # row 3
    "序号",
    "驿站名称",
    "所属街道",
    "详细地址",
    "类型",
    "星级",
    "开放时间",
    "服务设施",
    "经度",
    "纬度",
    "坐标来源",
    "站长",
    "站长电话",
    "建设年份",
    "备注",
]
LONG_NAME = (
    "哈尔滨市道里区总工会兆麟街道中央大街步行街商圈户外劳动者暨新就业形态劳动者服务驿站"
    "（中央大街与西十二道街交口东北角原邮政储蓄银行旧址一楼）"
)
# Sheet rows 4 to 23, exactly as typed; None is an empty cell, () an empty row.
# fmt: off
ROWS: list[tuple[Any, ...]] = [
    # row 4
    (1, "兆麟街道中央大街户外劳动者驿站", "兆麟街道", "道里区中央大街112号", "固定站点", "★★★",
     "周一到周五 8:00-18:00，节假日休息", "热水器、微波炉、USB充电、药箱",
     126.6236, 45.7745, "高德", "张伟", "13904511234", 2019, "市级示范站"),
    # row 5
    (2, "通江街道环卫工人爱心驿站", "通江街道办", "道里区通江街86号", "爱心驿站", "三星",
     "周一—周六 早上8点到晚上6点", "热水、空调、爱心伞、应急药品、按摩椅",
     126.6301, 45.7852, "百度", "李秀英", "0451-84612345", 2020, None),
    # row 6
    (3, "红专街智能驿站", "兆麟", "道里区红专街15号", "智能驿站(24h)", None,
     "24小时", "热水、微波炉、手机充电、智能储物柜",
     "１２６．６１５２", "４５．７７１８", "GPS", None, None, 2022, "扫码开门"),
    # row 7
    (),
    # row 8
    (4, "新阳路快递小哥驿站", "新阳路街道", "道里区新阳路209号", "固定站点", "★★",
     "工作日 8:30-17:30（午休12:00-13:30）", "热水，手机充电，休息座椅，卫生间",
     "126.6120", "45.7690", "高德地图", "王强", "13845012345", 2021, None),
    # row 9
    (5, "道里区总工会流动服务车（1号车）", "兆麟街道", "道里区各街道巡回", "流动服务车", None,
     "周二、周四 10:00-15:00", "热水、药箱",
     None, None, None, "赵刚", "13766554433", 2023, "停靠点见微信群通知"),
    # row 10
    (6, "安静街道环卫休息点", "安静街道", "道里区安静街33号", "固定站点", "三星",
     "夏季5:30-19:00，冬季6:30-17:00", "热水、微波炉、休息座椅",
     126.6050, 45.7620, "腾讯", "刘芳", "15945101234", 2018, None),
    # row 11
    (7, "友谊路爱心驿站", "新华", "道里区友谊路310号", "爱心驿站", None,
     "每天8:00-20:00", "热水、爱心伞",
     126.6000, 45.7700, "GPS", None, None, 2021, None),
    # row 12
    (8, "群力第五大道驿站", "群力街道", "道里区群力第五大道1688号", "固定站点", None,
     "周一到周日 9:00-21:00", "热水、手机充电",
     126.5600, 45.7400, "GPS", "孙丽", "13199887766", 2022, "待确认归属街道"),
    # row 13
    (9, LONG_NAME, "兆麟街道", "道里区中央大街与西十二道街交口", "固定站点", None,
     "全天", "热水",
     126.6210, 45.7760, "高德", None, None, 2017, None),
    # row 14
    (10, "安静街道外卖骑手驿站", "安静街道", "道里区安静街120号", "固定站点", None,
     "有人就开", "热水",
     126.6080, 45.7650, "GPS", "周敏", None, 2020, None),
    # row 15
    (),
    # row 16
    (11, "通江街道船坞驿站", "通江街道", "道里区通江街1号", "固定站点", None,
     "每天8:00-20:00", "热水",
     45.7801, 126.6203, "GPS", None, None, 2019, None),
    # row 17
    (12, "新阳路城管驿站", "新阳路街道", "道里区新阳路88号", "固定站点", None,
     "每天8:00-20:00", "热水",
     2.3522, 48.8566, "GPS", None, None, 2021, None),
    # row 18: row 4 pasted again when the list was merged from two street submissions
    (1, "兆麟街道中央大街户外劳动者驿站", "兆麟街道", "道里区中央大街112号", "固定站点", "★★★",
     "周一到周五 8:00-18:00，节假日休息", "热水器、微波炉、USB充电、药箱",
     126.6236, 45.7745, "高德", "张伟", "13904511234", 2019, "市级示范站"),
    # row 19
    (13, "靖宇街巴洛克驿站", "通江街道", "道里区靖宇街255号", "固定站点", "三星",
     "每天 ８：００－１８：００，节假日照常", "热水/USB充电/爱心伞",
     126.6260, 45.7800, None, "陈静", "13603601234", 2020, None),
    # row 20
    (14, "兆麟公园北门智能驿站", "兆麟", "道里区兆麟街158号", "智能驿站（24h）", None,
     "全天", "微波炉、手机充电",
     126.6190, 45.7660, "GPS", None, None, 2023, None),
    # row 21
    (),
    # row 22
    ("注：1.坐标来源为空的，按高德坐标填写；2.星级按2023年市总工会评定结果填写。",),
    # row 23
    ("填表人：王丽　　审核人：李强　　填表日期：2024年3月15日",),
]
# fmt: on
INSTRUCTIONS = [  # the second sheet, "填表说明": never read as stations
    ("填表说明",),
    ("驿站名称", "填写挂牌全称"),
    ("所属街道", "填写街道办事处名称"),
    ("开放时间", "如：周一至周五 8:00-17:00"),
    ("经度", "保留小数点后4位"),
]

STREETS = [  # the district's streets beyond the shared fixture's 兆麟街道 and 通江街道
    ("230102011", "新阳路街道"),
    ("230102012", "安静街道"),
    ("230102013", "新华街道"),
    ("230102100", "新华镇"),
]

FIRST_DATA_ROW = 4
GOOD = {4, 5, 6, 8, 10, 19, 20}  # rows a commit with --skip-errors creates
ERRORS = {9, 11, 12, 13, 14, 16, 17}
DUPLICATE = 18
SKIPPED = {1, 2, 3, 7, 15, 21, 22, 23}


def write_ledger(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append([NOTE_ABOVE])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    ws.append(HEADER)
    for row in ROWS:
        ws.append(list(row))
    help_sheet = wb.create_sheet("填表说明")
    for row in INSTRUCTIONS:
        help_sheet.append(list(row))
    wb.save(path)
    return path


# A street's own submission, forwarded to the district: one 经纬度 cell picked on Amap.
STREET_SHEET = "通江街道"
# fmt: off
STREET_ROWS: list[tuple[Any, ...]] = [
    ("通江街道户外劳动者服务站点统计表",),  # row 1, merged
    ("报送单位（盖章）：通江街道办事处",),  # row 2
    ("统计时间：2024年6月",),  # row 3
    # row 4
    ("序号", "站点名称", "街道(乡镇)", "地址", "服务时间", "设施配置", "经纬度（高德）",
     "星级", "类型", "备注"),
    # row 5
    (1, "西八道街驿站", "通江街道", "道里区西八道街21号", "每日7:00-19:00", "热水、微波炉、爱心伞",
     "126.6102, 45.7768", "★★★", "固定站点", None),
    # row 6
    (2, "友谊宫环卫驿站", "通江", "道里区友谊路1号", "周一至周五8:00-17:00，法定节假日闭站",
     "热水器、USB充电、应急药品", "１２６．６２１１，４５．７８２３", "三星", "爱心驿站",
     "与社区共建"),
    # row 7
    (),
    # row 8
    ("说明：经纬度均从高德地图拾取。",),
]
# fmt: on


def write_street_ledger(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = STREET_SHEET
    for row in STREET_ROWS:
        ws.append(list(row))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=10)
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@pytest.fixture
def district(regions) -> Region:
    daoli = regions["230102"]
    for code, name in STREETS:
        Region.objects.create(code=code, name=name, level=RegionLevel.STREET, parent=daoli)
    return daoli


@pytest.fixture
def clerk(district) -> User:
    """王丽, the district union's officer who keeps the ledger."""
    user = User.objects.create_user(
        username="wangli", password="pw-wangli-1", is_staff=True, region=district
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations",
            codename__in=["add_station", "change_station", "view_station"],
        )
    )
    return user


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_ledger(tmp_path / "道里区驿站台账2024.xlsx")


def run(path: Path, clerk: User, *options: str, report_name: str = "report.json") -> dict:
    """The command as IT staff would run it; returns the JSON report."""
    report_path = path.parent / report_name
    args = [str(path), "--region", "230102", "--as", clerk.username]
    args += ["--json", str(report_path), *options]
    call_command("import_stations", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return json.loads(report_path.read_text(encoding="utf-8"))


FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

# The ledger's note says a blank 坐标来源 means Amap: the file's CRS is given as GCJ-02.
LEDGER_CRS = ("--crs", "gcj02")


def entry(report: dict, row: int, sheet: str = SHEET) -> dict:
    found = [e for e in report["rows"] if e["sheet"] == sheet and e["row"] == row]
    assert len(found) == 1, f"{sheet} row {row}: {len(found)} report entries"
    return found[0]


def msgs(e: dict) -> list[dict]:
    return e["messages"]


def mentions(message: dict, word: str) -> bool:
    return word in message["column"] or word in message["text"]


def wgs84(e: dict) -> tuple[float, float]:
    assert e["wgs84"] is not None, e
    return e["wgs84"]["lon"], e["wgs84"]["lat"]


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def is_open(station: Station, when: datetime) -> bool:
    return OpeningHours(station.opening_hours, workday=station.keeps_workday_hours).is_open(when)


def by_name(name: str) -> Station:
    return Station.objects.get(name=name)


def amenity_codes(station: Station) -> set[str]:
    return set(station.amenities.values_list("code", flat=True))


# ---------------------------------------------------------------------------
# The dry run, row by row
# ---------------------------------------------------------------------------


def test_dry_run_reads_every_row_as_the_officer_means_it(ledger, clerk):
    report = run(ledger, clerk, *LEDGER_CRS)

    assert report["committed"] is None
    assert Station.objects.count() == 0
    assert {e["sheet"] for e in report["rows"]} == {SHEET}, "the 填表说明 sheet is not stations"
    assert {e["row"] for e in report["rows"]} >= set(range(1, 24))

    for row in SKIPPED:
        e = entry(report, row)
        assert (e["status"], e["action"]) == ("skipped", "none"), e

    for row in GOOD - {5}:
        e = entry(report, row)
        assert (e["status"], e["action"]) == ("new", "create"), e
        assert e["code"], e
        assert e["wgs84"] is not None, e
    codes = [entry(report, row)["code"] for row in GOOD]
    assert len(set(codes)) == len(GOOD), "every new station gets its own code"

    # 按摩椅 is in no catalogue: a warning naming it, and the row still imports.
    row5 = entry(report, 5)
    assert (row5["status"], row5["action"]) == ("warning", "create"), row5
    assert any(m["column"] == "服务设施" and "按摩椅" in m["text"] for m in row5["messages"])

    for row in ERRORS:
        e = entry(report, row)
        assert (e["status"], e["action"]) == ("error", "none"), e

    # The mobile van has no point and no timetable sheet.
    assert any(mentions(m, "经度") or mentions(m, "纬度") for m in msgs(entry(report, 9)))

    # 新华 could be 新华街道 or 新华镇: both named.
    (m,) = [m for m in msgs(entry(report, 11)) if m["column"] == "所属街道"]
    assert "新华街道" in m["text"] and "新华镇" in m["text"], m

    # 群力街道 is not a street of 道里区 in the registry.
    assert any(
        m["column"] == "所属街道" and "群力街道" in m["text"] for m in msgs(entry(report, 12))
    )

    # The registry keeps names of at most 60 characters.
    assert any(m["column"] == "驿站名称" and "60" in m["text"] for m in msgs(entry(report, 13)))

    # Hours nobody can read are quoted back.
    assert any(
        m["column"] == "开放时间" and "有人就开" in m["text"] for m in msgs(entry(report, 14))
    )

    # Latitude in the longitude column and the other way round: refused, swap suggested.
    assert any(
        "经度" in m["text"] and "纬度" in m["text"] and re.search("对调|互换", m["text"])
        for m in msgs(entry(report, 16))
    ), entry(report, 16)

    # Paris: outside China, and swapping would not help either.
    paris = msgs(entry(report, 17))
    assert any(mentions(m, "经度") or mentions(m, "纬度") for m in paris), paris
    assert not any(re.search("对调|互换", m["text"]) for m in paris), paris

    # Row 18 is row 4 again: reported, pointing at row 4, and not created twice.
    dup = entry(report, DUPLICATE)
    assert (dup["status"], dup["action"]) == ("duplicate", "none"), dup
    assert any(re.search(r"(?<!\d)4(?!\d)", m["text"]) for m in dup["messages"]), dup


def test_columns_the_registry_does_not_keep_are_listed_once_not_refused(ledger, clerk):
    report = run(ledger, clerk, *LEDGER_CRS)

    not_imported = report["not_imported"]
    for header in ("站长电话", "备注", "建设年份"):
        assert not_imported.count(header) == 1, not_imported
    for header in ("驿站名称", "所属街道", "详细地址", "开放时间", "服务设施", "经度", "纬度"):
        assert header not in not_imported, not_imported
    assert entry(report, 4)["status"] == "new"


@pytest.mark.parametrize(
    ("row", "crs"),
    [
        (4, "gcj02"),  # 高德
        (5, "bd09"),  # 百度
        (6, "wgs84"),  # GPS, typed in full-width digits
        (8, "gcj02"),  # 高德地图, numbers stored as text
        (10, "gcj02"),  # 腾讯
        (19, "gcj02"),  # 坐标来源 left blank: the file's CRS
        (20, "wgs84"),  # GPS
    ],
)
def test_points_are_converted_from_the_map_app_each_row_names(ledger, clerk, row, crs):
    report = run(ledger, clerk, *LEDGER_CRS)

    typed = ROWS[row - FIRST_DATA_ROW]
    lon, lat = (float(str(v).translate(FULL_WIDTH)) for v in typed[8:10])
    expected = to_wgs84(lon, lat, crs)
    assert wgs84(entry(report, row)) == pytest.approx(expected, abs=1e-5)


# ---------------------------------------------------------------------------
# Committing
# ---------------------------------------------------------------------------


def test_commit_with_errors_refuses_the_whole_file(ledger, clerk):
    report_path = ledger.parent / "report.json"
    with pytest.raises(CommandError):
        call_command(
            "import_stations",
            str(ledger),
            "--region",
            "230102",
            "--as",
            clerk.username,
            "--json",
            str(report_path),
            "--commit",
            *LEDGER_CRS,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert Station.objects.count() == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["committed"] is None
    assert entry(report, 14)["status"] == "error"


def test_commit_skipping_errors_creates_the_good_rows_as_the_ledger_says(ledger, clerk):
    report = run(ledger, clerk, "--commit", "--skip-errors", *LEDGER_CRS)

    assert report["committed"]["created"] == len(GOOD)
    assert report["committed"]["updated"] == 0
    assert Station.objects.count() == len(GOOD)
    assert set(Station.objects.values_list("code", flat=True)) == {
        entry(report, row)["code"] for row in GOOD
    }
    streets = {r.name: r for r in Region.objects.filter(level=RegionLevel.STREET)}

    # Row 4: 兆麟街道, ★★★, 热水器/USB充电/药箱, weekdays only and shut on holidays.
    zhongyang = by_name("兆麟街道中央大街户外劳动者驿站")
    assert zhongyang.code == entry(report, 4)["code"]
    assert zhongyang.kind == "fixed"
    assert zhongyang.star_level == 3
    assert zhongyang.region == streets["兆麟街道"]
    assert zhongyang.address == "道里区中央大街112号"
    assert amenity_codes(zhongyang) == {"drinking_water", "microwave", "charging", "first_aid"}
    assert (zhongyang.lon, zhongyang.lat) == pytest.approx(wgs84(entry(report, 4)), abs=1e-6)
    assert is_open(zhongyang, at(2026, 3, 10, 12))  # Tuesday noon
    assert is_open(zhongyang, at(2026, 3, 13, 17, 59))  # Friday
    assert not is_open(zhongyang, at(2026, 3, 13, 18, 0))
    assert not is_open(zhongyang, at(2026, 3, 9, 7, 30))  # Monday, before opening
    assert not is_open(zhongyang, at(2026, 3, 14, 12))  # Saturday
    assert not is_open(zhongyang, at(2026, 3, 15, 12))  # Sunday
    assert not is_open(zhongyang, at(2026, 10, 1, 10))  # National Day, a Thursday

    # Row 5: 爱心驿站 is a fixed station; 三星 is 3; 按摩椅 left out, the rest kept.
    huanwei = by_name("通江街道环卫工人爱心驿站")
    assert huanwei.kind == "fixed"
    assert huanwei.star_level == 3
    assert huanwei.region == streets["通江街道"]  # written 通江街道办
    assert amenity_codes(huanwei) == {"hot_water", "ac", "umbrella", "first_aid"}
    assert not is_open(huanwei, at(2026, 3, 9, 7, 30))  # Monday 早上8点
    assert is_open(huanwei, at(2026, 3, 9, 8, 30))
    assert is_open(huanwei, at(2026, 3, 9, 17, 30))
    assert not is_open(huanwei, at(2026, 3, 9, 18, 30))  # 晚上6点
    assert is_open(huanwei, at(2026, 3, 14, 10))  # Saturday (周一—周六)
    assert not is_open(huanwei, at(2026, 3, 15, 10))  # Sunday

    # Row 6: 智能驿站(24h), street written just 兆麟, 24小时.
    hongzhuan = by_name("红专街智能驿站")
    assert hongzhuan.kind == "smart"
    assert hongzhuan.star_level is None
    assert hongzhuan.region == streets["兆麟街道"]
    assert amenity_codes(hongzhuan) == {"hot_water", "microwave", "charging", "locker"}
    assert is_open(hongzhuan, at(2026, 3, 15, 3))  # Sunday 3 a.m.
    assert is_open(hongzhuan, at(2026, 10, 1, 3))
    assert hongzhuan.lon == pytest.approx(126.6152, abs=1e-6)  # GPS: kept as typed
    assert hongzhuan.lat == pytest.approx(45.7718, abs=1e-6)

    # Row 8: 工作日 with a lunch break: the official calendar's working days.
    courier = by_name("新阳路快递小哥驿站")
    assert courier.star_level == 2
    assert courier.region == streets["新阳路街道"]
    assert amenity_codes(courier) == {"hot_water", "charging", "seats", "toilet"}
    assert not is_open(courier, at(2026, 3, 10, 8, 15))  # Tuesday
    assert is_open(courier, at(2026, 3, 10, 9))
    assert not is_open(courier, at(2026, 3, 10, 12, 30))  # 午休
    assert is_open(courier, at(2026, 3, 10, 14))
    assert not is_open(courier, at(2026, 3, 10, 17, 45))
    assert not is_open(courier, at(2026, 3, 14, 10))  # an ordinary Saturday
    assert not is_open(courier, at(2026, 10, 1, 10))  # National Day
    assert is_open(courier, at(2026, 2, 14, 10))  # Saturday worked for Spring Festival (调休)

    # Row 10: 夏季/冬季 with the default seasons (summer May–September).
    anjing = by_name("安静街道环卫休息点")
    assert anjing.region == streets["安静街道"]
    assert anjing.star_level == 3
    assert is_open(anjing, at(2026, 7, 15, 6))  # summer opens at 5:30
    assert is_open(anjing, at(2026, 7, 15, 18, 30))
    assert not is_open(anjing, at(2026, 7, 15, 19, 30))
    assert is_open(anjing, at(2026, 5, 15, 6))  # May is summer
    assert not is_open(anjing, at(2026, 1, 14, 6))  # winter opens at 6:30
    assert is_open(anjing, at(2026, 1, 14, 7))
    assert not is_open(anjing, at(2026, 1, 14, 17, 30))
    assert not is_open(anjing, at(2026, 4, 15, 6))  # April is still winter

    # Row 19: 每天 in full-width digits, 节假日照常: open on holidays too.
    baroque = by_name("靖宇街巴洛克驿站")
    assert baroque.region == streets["通江街道"]
    assert amenity_codes(baroque) == {"hot_water", "charging", "umbrella"}
    assert is_open(baroque, at(2026, 3, 15, 10))  # Sunday
    assert is_open(baroque, at(2026, 10, 1, 10))  # National Day
    assert not is_open(baroque, at(2026, 3, 10, 18, 30))

    # Row 20: 智能驿站（24h） with full-width brackets, 全天.
    park = by_name("兆麟公园北门智能驿站")
    assert park.kind == "smart"
    assert is_open(park, at(2026, 3, 15, 3))

    # Nothing from the error rows or the pasted-again row.
    assert not Station.objects.filter(name__in=["友谊路爱心驿站", "群力第五大道驿站"]).exists()
    assert Station.objects.filter(name="兆麟街道中央大街户外劳动者驿站").count() == 1
    assert not Station.objects.filter(kind="mobile").exists()


def test_importing_the_same_ledger_again_changes_nothing(ledger, clerk):
    first = run(ledger, clerk, "--commit", "--skip-errors", *LEDGER_CRS, report_name="1.json")
    codes = {row: entry(first, row)["code"] for row in GOOD}

    again = run(ledger, clerk, "--commit", "--skip-errors", *LEDGER_CRS, report_name="2.json")

    assert again["committed"]["created"] == 0
    assert again["committed"]["updated"] == 0
    assert Station.objects.count() == len(GOOD)
    for row in GOOD:
        e = entry(again, row)
        assert e["code"] == codes[row], e
        assert e["action"] == "none", e
        # Row 5 still carries its 按摩椅 warning; every other row is simply unchanged.
        assert e["status"] == ("warning" if row == 5 else "unchanged"), e
    assert entry(again, DUPLICATE)["status"] == "duplicate"
    assert set(Station.objects.values_list("code", flat=True)) == set(codes.values())


# ---------------------------------------------------------------------------
# A station the registry already has, 10 m from row 5 under another address
# ---------------------------------------------------------------------------

EXISTING_CODE = "HRB-DL-050"
EXISTING_NAME = "通江街道环卫工人驿站"


@pytest.fixture
def existing(make_station, district):
    lon, lat = to_wgs84(126.6301, 45.7852, "bd09")  # row 5's point
    return make_station(
        EXISTING_CODE,
        name=EXISTING_NAME,
        region_code="230102010",
        address="道里区通江街88号",
        lon=lon,
        lat=lat + 0.00009,  # about 10 m north
    )


@pytest.mark.parametrize(
    ("choice", "action"),
    [(None, "none"), ("skip", "none"), ("keep", "create"), ("update", "update")],
)
def test_a_station_already_in_the_registry_is_never_created_twice_silently(
    ledger, clerk, existing, choice, action
):
    options = ["--on-duplicate", choice] if choice else []

    dry = run(ledger, clerk, *LEDGER_CRS, *options, report_name="dry.json")
    row5 = entry(dry, 5)
    assert (row5["status"], row5["action"]) == ("duplicate", action), row5
    assert any(EXISTING_CODE in m["text"] for m in row5["messages"]), row5
    if choice == "update":
        assert row5["code"] == EXISTING_CODE

    done = run(ledger, clerk, "--commit", "--skip-errors", *LEDGER_CRS, *options)
    assert entry(done, 5)["action"] == action
    existing.refresh_from_db()
    ledger_name = "通江街道环卫工人爱心驿站"
    if action == "none":
        assert not Station.objects.filter(name=ledger_name).exists()
        assert existing.name == EXISTING_NAME
    elif action == "create":
        new = Station.objects.get(name=ledger_name)
        assert new.code != EXISTING_CODE
        assert existing.name == EXISTING_NAME
    else:
        assert existing.name == ledger_name
        assert existing.address == "道里区通江街86号"
        assert Station.objects.filter(name=ledger_name).count() == 1


# ---------------------------------------------------------------------------
# A street's own sheet: header on row 4, one 经纬度（高德） cell, other header words
# ---------------------------------------------------------------------------


def test_a_street_submission_with_one_amap_coordinate_cell(tmp_path, clerk, district):
    path = write_street_ledger(tmp_path / "通江街道驿站统计.xlsx")

    dry = run(path, clerk, report_name="dry.json")
    for row in (1, 2, 3, 4, 7, 8):
        e = entry(dry, row, STREET_SHEET)
        assert (e["status"], e["action"]) == ("skipped", "none"), e
    for row in (5, 6):
        e = entry(dry, row, STREET_SHEET)
        assert (e["status"], e["action"]) == ("new", "create"), e
    # The column's own header says Amap: GCJ-02, with or without full-width digits.
    assert wgs84(entry(dry, 5, STREET_SHEET)) == pytest.approx(
        to_wgs84(126.6102, 45.7768, "gcj02"), abs=1e-5
    )
    assert wgs84(entry(dry, 6, STREET_SHEET)) == pytest.approx(
        to_wgs84(126.6211, 45.7823, "gcj02"), abs=1e-5
    )
    assert dry["not_imported"].count("备注") == 1

    done = run(path, clerk, "--commit")
    assert done["committed"]["created"] == 2
    friendship = by_name("友谊宫环卫驿站")
    assert friendship.kind == "fixed"
    assert friendship.star_level == 3
    assert friendship.region.name == "通江街道"
    assert amenity_codes(friendship) == {"drinking_water", "charging", "first_aid"}
    assert is_open(friendship, at(2026, 3, 9, 10))  # Monday
    assert not is_open(friendship, at(2026, 3, 14, 10))  # Saturday
    assert not is_open(friendship, at(2026, 10, 1, 10))  # 法定节假日闭站
    market = by_name("西八道街驿站")
    assert market.star_level == 3
    assert amenity_codes(market) == {"hot_water", "microwave", "umbrella"}
    assert is_open(market, at(2026, 3, 15, 7, 30))  # 每日: Sunday too
    assert not is_open(market, at(2026, 3, 15, 19, 30))
