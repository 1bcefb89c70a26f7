"""Officers' spreadsheets: dry run, all-or-nothing commit, round trips through XLSX/CSV in
every CRS, GeoJSON, region scope, and the 上图 publishing pack."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from geoplan.crs import from_wgs84
from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.regions.models import Region
from yizhan.stations.io import exports, imports
from yizhan.stations.io.spreadsheets import MAX_ROWS, STATION_COLUMNS
from yizhan.stations.models import (
    MobileStop,
    Station,
    StationChange,
    StationImport,
    StationListing,
)
from yizhan.stations.selectors import stations_base
from yizhan.stations.services import (
    Catalogue,
    station_data_clean,
    station_listings_mark,
    station_snapshot,
    station_upsert,
)
from yizhan.stations.tests.factories import OfficerFactory, RegionFactory, StationFactory

NATIONAL = Scope(national=True, region=None)
HEADER = ["驿站编号", "名称", "类型", "区划代码", "地址", "经度", "纬度", "开放时间"]


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture
def streets(db) -> dict[str, Region]:
    return {code: RegionFactory(code=code) for code in ("230102001", "230102010", "230103001")}


@pytest.fixture
def registry(streets) -> list[Station]:
    """Stations that exercise every column: out-of-order amenities with reasons, staff
    of every role (one without a phone), a mobile timetable, suspended and planned
    stations, and cells that a spreadsheet would take for formulas."""
    return [
        StationFactory(
            code="HRB-DL-001",
            name="兆麟公园工会驿站",
            address="哈尔滨市道里区兆麟街1号",
            lon=126.6212345,
            lat=45.7801234,
            opening_hours="Mo-Fr 08:00-18:00; PH off",
            keeps_workday_hours=True,
            amenities=[
                "hot_water",
                ("microwave", "out_of_order", "门坏了、待修"),
                ("charging", "out_of_order", ""),
                "heater",
            ],
            services=["legal_aid", "health_check"],
            staff=[
                ("master", "王一", "13800000001"),
                ("administrator", "李二", "13800000002"),
                ("administrator", "赵三", ""),
            ],
            floor_area_m2=45,
            capacity=12,
            star_level=4,
            feature="=冬季送温暖，姜汤",
            phone="+86 451 8460 0001",
            last_verified_on=dt.date(2026, 3, 1),
        ),
        StationFactory(
            code="HRB-DL-002",
            name="道里区户外劳动者流动服务驿站（中央大街）",
            kind="mobile",
            address="中央大街步行街",
            lon=126.6175,
            lat=45.7733,
            opening_hours="Sa,Su 10:00-20:00",
            amenities=["hot_water", "charging"],
            stops=[
                {
                    "place_name": "中央大街北口",
                    "address": "防洪纪念塔",
                    "lon": 126.6181,
                    "lat": 45.7795,
                    "hours": "Sa 10:00-14:00",
                },
                {
                    "place_name": "索菲亚教堂",
                    "address": "",
                    "lon": 126.6280,
                    "lat": 45.7702,
                    "hours": "Su 15:00-20:00",
                },
            ],
        ),
        StationFactory(
            code="HRB-DL-003",
            name="=通江智能驿站",
            kind="smart",
            region=streets["230102010"],
            lon=126.6305,
            lat=45.7688,
            opening_hours="24/7",
            status="suspended",
            status_reason="门禁故障，整改中",
            staff=[("butler", "钱四", "13800000004"), ("contact", "孙五", "")],
        ),
        StationFactory(
            code="HRB-DL-004",
            name="-通江街道规划驿站",
            region=streets["230102010"],
            status="planned",
            amenities=[],
        ),
    ]


@pytest.fixture
def officer(streets):
    return OfficerFactory(region=RegionFactory(code="230102"))


@pytest.fixture
def street_officer(streets):
    return OfficerFactory(region=streets["230102001"])


def snapshot_all() -> dict[str, dict[str, Any]]:
    return {s.code: station_snapshot(s) for s in stations_base()}


def export(fmt: str, crs: str = "wgs84") -> bytes:
    content, _type, _name = exports.stations_export(
        stations=list(stations_base()), fmt=fmt, crs=crs
    )
    return content


def check(
    content: bytes,
    *,
    filename: str = "stations.xlsx",
    user=None,
    scope=NATIONAL,
    default_crs: str = "wgs84",
) -> StationImport:
    return imports.station_import_check(
        filename=filename, content=content, default_crs=default_crs, user=user, scope=scope
    )


def commit(station_import: StationImport, *, user=None, scope=NATIONAL) -> dict[str, Any]:
    return imports.station_import_commit(station_import=station_import, user=user, scope=scope)


def xlsx(rows: list[list[Any]], *, stops: list[list[Any]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "驿站"
    for row in rows:
        ws.append(row)
    if stops is not None:
        ts = book.create_sheet("流动驿站时刻表")
        for row in stops:
            ts.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_row(code: str, **overrides: Any) -> list[Any]:
    values = {
        "驿站编号": code,
        "名称": f"测试驿站{code}",
        "类型": "固定",
        "区划代码": "230102001",
        "地址": "道里区中央大街1号",
        "经度": 126.6175,
        "纬度": 45.7733,
        "开放时间": "Mo-Su 08:00-20:00",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def errors_at(report: dict[str, Any]) -> dict[tuple[int | None, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in report["errors"]}


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------

CRSS = ["wgs84", "gcj02", "bd09"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("crs", CRSS)
def test_export_then_import_reports_every_row_unchanged(registry, officer, fmt, crs):
    before = snapshot_all()
    station_import = check(
        export(fmt, crs), filename=f"export.{fmt}", user=officer, scope=user_scope(user=officer)
    )
    report = station_import.report
    assert report["errors"] == []
    assert station_import.status == StationImport.Status.VALID
    assert report["counts"]["unchanged"] == len(registry), report["rows"]
    assert report["timetable"] is (fmt == "xlsx")
    result = commit(station_import, user=officer, scope=user_scope(user=officer))
    assert result["committed"] == {
        "created": 0,
        "updated": 0,
        "unchanged": len(registry),
        "left": 0,
    }
    assert snapshot_all() == before
    assert not StationChange.objects.exists()


@pytest.mark.parametrize("crs", CRSS)
def test_export_imported_into_an_empty_registry_recreates_it(registry, crs):
    before = snapshot_all()
    content = export("xlsx", crs)
    Station.objects.all().delete()
    station_import = check(content)
    assert station_import.report["counts"]["create"] == len(registry)
    result = commit(station_import)
    assert result["committed"]["created"] == len(registry)
    after = snapshot_all()
    assert after.keys() == before.keys()
    for code, snap in before.items():
        for key in ("lat", "lon"):
            assert after[code][key] == pytest.approx(snap[key], abs=1e-6)
        if crs == "wgs84":
            assert after[code] == snap
        else:
            strip = ("lat", "lon", "stops")
            assert {k: v for k, v in after[code].items() if k not in strip} == {
                k: v for k, v in snap.items() if k not in strip
            }


@pytest.mark.parametrize("crs", CRSS[1:])
def test_converted_coordinates_land_within_a_millionth_of_a_degree(streets, crs):
    """Re-imported GCJ-02/BD-09 coordinates land within 1e-6° of the WGS-84 original,
    over a grid covering the district (before any noise tolerance is applied)."""
    for i in range(15):
        for j in range(15):
            StationFactory(
                code=f"G{i:02d}{j:02d}",
                lon=round(126.45 + i * 0.0213457, 7),
                lat=round(45.62 + j * 0.0171234, 7),
                amenities=[],
            )
    original = {s.code: (s.lon, s.lat) for s in Station.objects.all()}
    content = export("csv", crs)
    Station.objects.all().delete()
    commit(check(content, filename="grid.csv"))
    worst = max(
        max(abs(s.lon - original[s.code][0]), abs(s.lat - original[s.code][1]))
        for s in Station.objects.all()
    )
    assert worst <= 1e-6, f"worst error {worst:.2e}°"


def test_reimporting_the_same_file_changes_nothing(streets):
    content = xlsx([HEADER, good_row("A1"), good_row("A2"), good_row("A3", 类型="智能")])
    first = commit(check(content))
    assert first["committed"] == {"created": 3, "updated": 0, "unchanged": 0, "left": 0}
    changes = StationChange.objects.count()
    second = check(content)
    assert second.report["counts"]["unchanged"] == 3
    assert commit(second)["committed"] == {"created": 0, "updated": 0, "unchanged": 3, "left": 0}
    assert StationChange.objects.count() == changes


def test_an_import_is_committed_only_once(streets):
    station_import = check(xlsx([HEADER, good_row("A1")]))
    commit(station_import)
    with pytest.raises(ApplicationError, match="已经导入"):
        commit(station_import)


def test_update_reports_changed_columns_and_records_history(registry, officer):
    content = export("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book["驿站"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("地址") + 1, value="哈尔滨市道里区兆麟街2号")
    ws.cell(row=2, column=headers.index("设施") + 1, value="热水、微波炉")
    buffer = io.BytesIO()
    book.save(buffer)
    station_import = check(buffer.getvalue(), user=officer, scope=user_scope(user=officer))
    rows = {r["code"]: r for r in station_import.report["rows"]}
    assert rows["HRB-DL-001"]["action"] == "update"
    assert set(rows["HRB-DL-001"]["changes"]) == {"地址", "设施"}
    assert station_import.report["counts"]["unchanged"] == 3
    commit(station_import, user=officer, scope=user_scope(user=officer))
    change = StationChange.objects.get(station__code="HRB-DL-001")
    assert change.action == StationChange.Action.IMPORT
    assert change.changed_by == officer
    assert change.changes["address"][1] == "哈尔滨市道里区兆麟街2号"


def test_missing_optional_columns_keep_current_values(registry):
    before = snapshot_all()["HRB-DL-001"]
    station = Station.objects.get(code="HRB-DL-001")
    content = xlsx(
        [
            HEADER,
            good_row(
                "HRB-DL-001",
                名称=station.name,
                地址=station.address,
                经度=station.lon,
                纬度=station.lat,
                开放时间=station.opening_hours,
            ),
        ]
    )
    station_import = check(content)
    assert station_import.report["rows"][0]["action"] == "unchanged"
    commit(station_import)
    assert snapshot_all()["HRB-DL-001"] == before


def test_csv_leaves_timetables_alone_and_xlsx_replaces_them(registry):
    stops_before = list(
        MobileStop.objects.filter(station__code="HRB-DL-002").values_list("place_name", flat=True)
    )
    commit(check(export("csv"), filename="x.csv"))
    assert sorted(stops_before) == sorted(
        MobileStop.objects.filter(station__code="HRB-DL-002").values_list("place_name", flat=True)
    )
    content = export("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["流动驿站时刻表"].append(
        ["HRB-DL-002", "哈尔滨站", "", 126.6303, 45.7605, "Mo-Fr 11:00-13:00", "WGS84"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    station_import = check(buffer.getvalue())
    row = next(r for r in station_import.report["rows"] if r["code"] == "HRB-DL-002")
    assert row["action"] == "update" and row["changes"] == ["时刻表"]
    commit(station_import)
    assert MobileStop.objects.filter(station__code="HRB-DL-002").count() == 3


@pytest.mark.parametrize("header", [True, False])
def test_an_empty_timetable_sheet_clears_timetables(registry, header):
    content = export("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["流动驿站时刻表"]
    sheet.delete_rows(2 if header else 1, sheet.max_row)
    buffer = io.BytesIO()
    book.save(buffer)
    station_import = check(buffer.getvalue())
    row = next(r for r in station_import.report["rows"] if r["code"] == "HRB-DL-002")
    assert row["changes"] == ["时刻表"]
    commit(station_import)
    assert not MobileStop.objects.exists()


def test_human_cells_gb18030_csv_and_english_headers(streets):
    text = (
        "code,name,kind,region_code,address,lon,lat,crs,opening_hours,workday,amenities,"
        "services,stars,站长,站长电话\r\n"
        "E1,经纬街工会驿站,fixed,230102001,经纬街8号,126.6101,45.7702,WGS-84,"
        'Mo-Fr 09:00-17:00,是,"热水，手机充电(故障:线缆损坏)",法律援助、爱心理发,★★★,'
        "周六、吴七,13900000001、13900000002\r\n"
    )
    station_import = check(text.encode("gb18030"), filename="officer.csv")
    assert station_import.report["errors"] == []
    commit(station_import)
    snap = station_snapshot(Station.objects.get(code="E1"))
    assert snap["kind"] == "fixed" and snap["keeps_workday_hours"] is True
    assert snap["amenities"] == [
        ["charging", "out_of_order", "线缆损坏"],
        ["hot_water", "working", ""],
    ]
    assert snap["services"] == ["haircut", "legal_aid"]
    assert snap["star_level"] == 3
    assert snap["staff"] == [
        ["master", "吴七", "13900000002"],
        ["master", "周六", "13900000001"],
    ]


def test_row_crs_overrides_the_upload_default(streets):
    glon, glat = from_wgs84(126.6175, 45.7733, "gcj02")
    blon, blat = from_wgs84(126.6175, 45.7733, "bd09")
    content = xlsx(
        [
            [*HEADER, "坐标系"],
            [*good_row("C1", 经度=glon, 纬度=glat), "GCJ02"],
            [*good_row("C2", 经度=blon, 纬度=blat), ""],
        ]
    )
    commit(check(content, default_crs="bd09"))
    for code in ("C1", "C2"):
        station = Station.objects.get(code=code)
        assert station.lon == pytest.approx(126.6175, abs=2e-6)
        assert station.lat == pytest.approx(45.7733, abs=2e-6)


# ---------------------------------------------------------------------------
# Bad input: every problem named by row and column, nothing written
# ---------------------------------------------------------------------------


def test_dry_run_names_every_bad_row_and_column_and_writes_nothing(streets):
    content = xlsx(
        [
            HEADER,
            good_row("OK1"),  # row 2
            good_row("BAD-HOURS", 开放时间="Mo-Fx 08:00-18:00"),  # row 3
            good_row("SWAPPED", 经度=45.7733, 纬度=126.6175),  # row 4
            good_row("PARIS", 经度=2.3522, 纬度=48.8566),  # row 5
            good_row("NO-REGION", 区划代码="239999001"),  # row 6
            good_row("OK1", 名称="重复的编号"),  # row 7
            good_row("LONG", 名称="很" * 61),  # row 8
            good_row("BAD-KIND", 类型="大巴"),  # row 9
        ]
    )
    station_import = check(content)
    report = station_import.report
    found = errors_at(report)
    assert "无法解析开放时间" in found[(3, "开放时间")]
    assert "填反" in found[(4, "经度")]
    assert "不在中国境内" in found[(5, "经度")]
    assert "未知的行政区划代码" in found[(6, "区划代码")]
    assert "与第 2 行相同" in found[(7, "驿站编号")]
    assert "名称过长" in found[(8, "名称")]
    assert "类型应为" in found[(9, "类型")]
    assert all(e["sheet"] == "驿站" for e in report["errors"])
    assert station_import.status == StationImport.Status.INVALID
    assert report["counts"]["invalid"] == 7
    assert report["counts"]["create"] == 1
    assert not Station.objects.exists() and not StationChange.objects.exists()
    with pytest.raises(ApplicationError, match="校验未通过"):
        commit(station_import)
    assert not Station.objects.exists()


def test_bad_timetable_rows_are_named_on_their_own_sheet(streets):
    content = xlsx(
        [HEADER, good_row("M1", 类型="流动"), good_row("F1")],
        stops=[
            ["驿站编号", "停靠点", "地址", "经度", "纬度", "停靠时间"],
            ["M1", "北口", "", 126.6181, 45.7795, "Sa 10:00-14:00"],
            ["M1", "南口", "", 126.6181, 45.7795, "Sx 10:00"],
            ["NOPE", "西口", "", 126.6181, 45.7795, "Sa 10:00-14:00"],
            ["F1", "东口", "", 126.6181, 45.7795, "Sa 10:00-14:00"],
        ],
    )
    report = check(content).report
    by_place = {(e["sheet"], e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert "无法解析" in by_place[("流动驿站时刻表", 3, "停靠时间")]
    assert "没有这个编号" in by_place[("流动驿站时刻表", 4, "驿站编号")]
    assert "只有流动驿站" in by_place[("驿站", 3, "流动驿站时刻表")]


def test_wrong_header_names_missing_columns_and_shows_the_header_read(streets):
    header = ["驿站编号", "名字", "类型", "区划代码", "地址", "经度", "纬度"]
    report = check(xlsx([header, ["A1", "x", "固定", "230102001", "地址", 126.6, 45.7]])).report
    message = " ".join(e["message"] for e in report["errors"])
    assert "缺少必填列" in message and "名称" in message and "开放时间" in message
    assert "名字" in message and "列对应" in message  # what was read, and where to say what it is
    assert report["errors"][0]["row"] == 1


def test_header_may_sit_below_a_title_row(streets):
    content = xlsx(
        [["道里区工会驿站登记表"], HEADER, good_row("A1"), good_row("A2", 开放时间="bad")]
    )
    report = check(content).report
    assert (4, "开放时间") in errors_at(report)


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("stations.xlsx", b"\x89PNG\r\n\x1a\n" + os.urandom(200), "图片"),
        ("stations.xlsx", os.urandom(2000), "不是有效的 Excel"),
        ("stations.csv", bytes(range(256)) * 8, "不是表格"),
        ("stations.xlsx", b"", "空的"),
        ("stations.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "另存为 .xlsx"),
        ("stations.docx", b"hello", "不支持的文件类型"),
        ("stations.csv", "驿站编号,名称\r\n".encode(), "缺少必填列"),
        ("stations.csv", ",".join(HEADER).encode() + b"\r\n", "没有数据行"),
    ],
)
def test_files_that_are_not_station_tables_are_refused_clearly(
    streets, filename, content, expected
):
    if (
        content
        and content[:4] not in (b"\x89PNG", b"\xd0\xcf\x11\xe0")
        and filename.endswith(".xlsx")
    ):
        content = b"\x00" + content  # random bytes must not look like a ZIP by chance
    station_import = check(content, filename=filename)
    assert station_import.status == StationImport.Status.INVALID
    assert expected in station_import.report["errors"][0]["message"]
    assert not Station.objects.exists()


def test_oversize_file_and_too_many_rows_are_refused(streets):
    big = check(b"x" * (10 * 1024 * 1024 + 1), filename="big.csv")
    assert "文件过大" in big.report["errors"][0]["message"]
    assert bytes(big.content) == b""
    lines = [",".join(HEADER)] + [
        f"R{i},驿站{i},固定,230102001,地址,126.6,45.7,24/7" for i in range(MAX_ROWS + 1)
    ]
    many = check("\r\n".join(lines).encode(), filename="many.csv")
    error = many.report["errors"][0]
    assert "超过 20000 行" in error["message"] and error["row"] == MAX_ROWS + 2
    assert not Station.objects.exists()


def test_formula_looking_cells_round_trip_as_text(registry):
    content = export("csv")
    assert "'=冬季送温暖" in content.decode("utf-8-sig")
    assert "'+86 451" in content.decode("utf-8-sig")
    assert "'=通江智能驿站" in content.decode("utf-8-sig")
    assert "'-通江街道规划驿站" in content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(export("xlsx")))
    headers = [c.value for c in book["驿站"][1]]
    cell = book["驿站"].cell(row=2, column=headers.index("一站一特色") + 1)
    assert cell.data_type == "s" and cell.value == "=冬季送温暖，姜汤"
    names = {c.value: c for c in book["驿站"]["B"]}
    assert names["=通江智能驿站"].data_type == "s"
    assert names["-通江街道规划驿站"].data_type == "s"


# ---------------------------------------------------------------------------
# All or nothing
# ---------------------------------------------------------------------------


def test_a_failure_in_the_middle_of_a_commit_leaves_nothing(streets, monkeypatch):
    station_import = check(xlsx([HEADER, good_row("A1"), good_row("A2"), good_row("A3")]))
    calls = {"n": 0}
    real = imports.station_upsert

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(imports, "station_upsert", flaky)
    with pytest.raises(RuntimeError):
        commit(station_import)
    assert not Station.objects.exists() and not StationChange.objects.exists()
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.VALID


def test_commit_rechecks_against_the_registry_as_it_is_now(streets, street_officer):
    scope = user_scope(user=street_officer)
    station_import = check(xlsx([HEADER, good_row("A1"), good_row("Z9")]), scope=scope)
    assert station_import.status == StationImport.Status.VALID
    # Meanwhile another officer registers Z9 in a street this officer does not cover.
    StationFactory(code="Z9", region=streets["230102010"])
    with pytest.raises(ValidationFailed):
        commit(station_import, scope=scope)
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.INVALID
    assert (3, "驿站编号") in errors_at(station_import.report)
    assert not Station.objects.filter(code="A1").exists()


# ---------------------------------------------------------------------------
# Region scope
# ---------------------------------------------------------------------------


def test_a_street_officer_cannot_import_rows_of_another_street(registry, street_officer):
    scope = user_scope(user=street_officer)
    content = xlsx(
        [
            HEADER,
            good_row("N1"),  # own street: fine
            good_row("N2", 区划代码="230102010"),  # new station in 通江
            good_row("HRB-DL-003", 区划代码="230102001"),  # 通江's station moved into 兆麟
        ]
    )
    station_import = check(content, user=street_officer, scope=scope)
    found = errors_at(station_import.report)
    assert "管辖范围" in found[(3, "区划代码")]
    assert "管辖范围" in found[(4, "驿站编号")]
    assert (2, "区划代码") not in found
    assert station_import.status == StationImport.Status.INVALID
    assert not Station.objects.filter(code__in=["N1", "N2"]).exists()
    assert Station.objects.get(code="HRB-DL-003").region.code == "230102010"


def test_import_refuses_a_status_change_the_lifecycle_forbids(registry):
    station = Station.objects.get(code="HRB-DL-004")  # planned
    content = xlsx(
        [
            [*HEADER, "状态", "状态说明"],
            [*good_row("HRB-DL-004", 名称=station.name, 区划代码="230102010"), "暂停", "测试"],
        ]
    )
    found = errors_at(check(content).report)
    assert "不能从“规划中”变为“暂停”" in found[(2, "状态")]


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


def test_geojson_is_rfc7946_wgs84_lon_lat(registry):
    content, content_type, filename = exports.stations_export(
        stations=Station.objects.all(), fmt="geojson", crs="wgs84"
    )
    assert content_type == "application/geo+json" and filename.endswith(".geojson")
    collection = json.loads(content)
    assert collection["type"] == "FeatureCollection"
    feature = next(f for f in collection["features"] if f["properties"]["code"] == "HRB-DL-001")
    assert feature["geometry"] == {"type": "Point", "coordinates": [126.6212345, 45.7801234]}
    props = feature["properties"]
    assert {
        "code",
        "name",
        "kind",
        "status",
        "region",
        "address",
        "opening_hours",
        "amenities",
        "services",
        "star_level",
    } <= props.keys()
    assert props["amenities"] == ["hot_water", "heater"]
    assert props["amenities_out_of_order"] == ["microwave", "charging"]
    assert props["star_level"] == 4 and props["region"] == "230102001"
    with pytest.raises(ApplicationError, match="RFC 7946"):
        exports.stations_export(stations=[], fmt="geojson", crs="gcj02")


def test_export_columns_and_crs_column(registry):
    book = openpyxl.load_workbook(io.BytesIO(export("xlsx", "gcj02")))
    assert book.sheetnames == ["驿站", "流动驿站时刻表", "填写说明"]
    rows = list(book["驿站"].iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in STATION_COLUMNS]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["坐标系"] == "GCJ02" and record["区划名称"] == "兆麟街道"
    glon, glat = from_wgs84(126.6212345, 45.7801234, "gcj02")
    assert record["经度"] == pytest.approx(glon, abs=1e-8)
    assert record["纬度"] == pytest.approx(glat, abs=1e-8)
    assert record["设施"] == "热水、微波炉（故障：门坏了、待修）、手机充电（故障）、暖气/取暖器"
    assert record["管理员"] == "李二、赵三" and record["管理员电话"] == "13800000002"
    stops = list(book["流动驿站时刻表"].iter_rows(values_only=True))
    assert len(stops) == 3 and stops[1][0] == "HRB-DL-002"


# ---------------------------------------------------------------------------
# 上图: the publishing pack
# ---------------------------------------------------------------------------


def _edit_address(code: str, address: str) -> None:
    station = stations_base().get(code=code)
    raw = {
        **station_snapshot(station),
        "code": code,
        "address": address,
        "amenities": [
            {"code": sa.amenity.code, "state": sa.state, "reason": sa.reason}
            for sa in station.station_amenities.all()
        ],
        "staff": [{"role": s.role, "name": s.name, "phone": s.phone} for s in station.staff.all()],
        "stops": None,
    }
    catalogue = Catalogue.load()
    data = station_data_clean(raw, catalogue=catalogue, scope=NATIONAL)
    station_upsert(data=data, user=None, catalogue=catalogue, scope=NATIONAL)


@pytest.mark.parametrize("platform", ["amap", "baidu"])
def test_listing_fields_for_the_platform(registry, platform):
    long_name = StationFactory(
        code="HRB-DL-005",
        name="哈尔滨市道里区总工会户外劳动者服务驿站（经纬街道兆麟公园北门）",
    )
    crs = {"amap": "gcj02", "baidu": "bd09"}[platform]
    for station in stations_base().filter(status="active"):
        fields = exports.listing_fields(station, platform)
        lon, lat = from_wgs84(station.lon, station.lat, crs)
        assert (fields["lon"], fields["lat"]) == (round(lon, 6), round(lat, 6))
        assert fields["category"] == exports.LISTING_CATEGORY
    # A name over the limit is sent whole, never cut (it is flagged: test_listing_names).
    fields = exports.listing_fields(stations_base().get(pk=long_name.pk), platform)
    assert fields["name"] == long_name.name
    park = exports.listing_fields(stations_base().get(code="HRB-DL-001"), platform)
    # A name that fits is the name; the "工会驿站（…店）" form is only ever a suggestion.
    assert park["name"] == "兆麟公园工会驿站"
    assert exports.listing_suggestion(stations_base().get(code="HRB-DL-001")) == (
        "工会驿站（兆麟公园店）"
    )
    assert park["facilities"] == ["热水", "暖气/取暖器"]
    assert (park["province"], park["city"], park["district"]) == ("黑龙江省", "哈尔滨市", "道里区")
    assert park["opening_hours"].startswith("周一至周五 08:00-18:00；法定节假日 休息")
    assert exports.listing_fingerprint(park) == exports.listing_fingerprint(dict(park))


def test_pending_list_follows_what_was_published(registry):
    stations = list(stations_base())
    active = {s.code for s in stations if s.status == "active"}
    pending = exports.listings_pending(stations=stations, platform="amap")
    assert {p.station.code for p in pending} == active
    assert {p.reason for p in pending} == {"未上图"}

    station_listings_mark(
        stations=[p.station for p in pending],
        platform="amap",
        fingerprints={p.station.pk: p.fingerprint for p in pending},
        user=None,
    )
    assert exports.listings_pending(stations=list(stations_base()), platform="amap") == []
    # Baidu is a separate listing.
    assert len(exports.listings_pending(stations=list(stations_base()), platform="baidu")) == 2

    _edit_address("HRB-DL-001", "哈尔滨市道里区兆麟街99号")
    pending = exports.listings_pending(stations=list(stations_base()), platform="amap")
    assert [(p.station.code, p.reason, p.changed) for p in pending] == [
        ("HRB-DL-001", "信息有变更", ("地址",))
    ]

    pack = exports.listing_pack(stations=stations_base(), platform="amap")
    listed = exports.read_sheet(pack, "上图清单")
    assert {row["驿站编号"] for row in listed} == active
    assert all(len(row["名称"]) <= 20 for row in listed)
    changed = exports.read_sheet(pack, "待上图或有变更")
    assert [(row["驿站编号"], row["原因"], row["变更内容"]) for row in changed] == [
        ("HRB-DL-001", "信息有变更", "地址")
    ]
    assert changed[0]["坐标系"] == "GCJ02"


def test_a_listed_station_that_closes_must_come_off_the_map(registry):
    station = stations_base().get(code="HRB-DL-001")
    fields = exports.listing_fields(station, "amap")
    station_listings_mark(
        stations=[station],
        platform="amap",
        fingerprints={station.pk: exports.listing_fingerprint(fields)},
        user=None,
    )
    Station.objects.filter(pk=station.pk).update(status="suspended", status_reason="装修")
    pending = exports.listings_pending(stations=list(stations_base()), platform="amap")
    withdraw = [p for p in pending if p.station.code == "HRB-DL-001"]
    assert withdraw and withdraw[0].reason == exports.REASON_WITHDRAW
    assert not withdraw[0].markable


# ---------------------------------------------------------------------------
# Console pages
# ---------------------------------------------------------------------------

IMPORT_URL = "admin:stations_station_import"
LISTING_URL = "admin:stations_station_listing"


def test_import_page_dry_run_then_confirm(
    client, streets, officer, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    url = reverse(IMPORT_URL)
    page = client.get(url)
    assert page.status_code == 200 and "默认坐标系" in page.content.decode()

    bad = io.BytesIO(xlsx([HEADER, good_row("A1"), good_row("A2", 开放时间="Mo-Fx")]))
    bad.name = "bad.xlsx"
    response = client.post(url, {"file": bad, "default_crs": "wgs84"}, follow=True)
    html = response.content.decode()
    assert "第 3 行" in html and "开放时间" in html and "无法解析开放时间" in html
    assert 'value="确认导入"' not in html
    assert not Station.objects.exists()

    good = io.BytesIO(xlsx([HEADER, good_row("A1"), good_row("A2")]))
    good.name = "good.xlsx"
    response = client.post(url, {"file": good, "default_crs": "wgs84"}, follow=True)
    assert 'value="确认导入"' in response.content.decode()
    station_import = StationImport.objects.filter(status="valid").get()
    assert not Station.objects.exists()
    # Confirming queues the commit for the task worker; the page shows progress and
    # refreshes itself until the worker is done.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"import_id": station_import.pk}, follow=True)
        html = response.content.decode()
        assert "正在导入" in html and '<meta http-equiv="refresh"' in html
        assert not Station.objects.exists()
    assert len(callbacks) == 1  # the worker (here: immediate backend) ran the commit
    done = client.get(url, {"id": station_import.pk}).content.decode()
    assert "新增 2" in done and "http-equiv" not in done
    assert Station.objects.count() == 2
    report = client.get(url, {"id": station_import.pk, "download": "report"})
    assert "A2" in report.content.decode("utf-8-sig")
    template = client.get(url, {"template": 1})
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[0] == "驿站"


def test_import_page_needs_add_and_change_permissions(client, streets):
    viewer = OfficerFactory(permissions=["stations.view_station"])
    client.force_login(viewer)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse(LISTING_URL)).status_code == 403


def test_another_officers_import_cannot_be_seen_or_committed(client, streets, officer):
    station_import = check(xlsx([HEADER, good_row("A1")]), user=officer)
    other = OfficerFactory()
    client.force_login(other)
    assert client.get(reverse(IMPORT_URL), {"id": station_import.pk}).status_code == 404
    assert client.get(reverse(IMPORT_URL), {"id": "1 or 1=1"}).status_code == 404
    assert client.post(reverse(IMPORT_URL), {"import_id": station_import.pk}).status_code == 404
    assert not Station.objects.exists()


def test_listing_page_lists_downloads_and_marks(client, registry, street_officer):
    client.force_login(street_officer)
    url = reverse(LISTING_URL)
    html = client.get(url, {"platform": "baidu"}).content.decode()
    assert "HRB-DL-001" in html and "HRB-DL-002" in html
    assert "HRB-DL-003" not in html  # another street
    pack = client.get(url, {"platform": "baidu", "download": 1})
    assert {r["驿站编号"] for r in exports.read_sheet(pack.content, "上图清单")} == {
        "HRB-DL-001",
        "HRB-DL-002",
    }
    pending = exports.listings_pending(
        stations=list(stations_base().filter(region__code="230102001")), platform="baidu"
    )
    form = {"platform": "baidu", "station": [str(p.station.pk) for p in pending]}
    form.update({f"fp-{p.station.pk}": p.fingerprint for p in pending})
    # A station of another street slipped into the form is ignored.
    other = Station.objects.get(code="HRB-DL-003")
    form["station"].append(str(other.pk))
    form[f"fp-{other.pk}"] = "0" * 64
    client.post(url, form)
    assert set(
        StationListing.objects.filter(platform="baidu").values_list("station__code", flat=True)
    ) == {"HRB-DL-001", "HRB-DL-002"}
    assert "都已上图" in client.get(url, {"platform": "baidu"}).content.decode()


def test_confirming_twice_queues_one_commit(streets, officer, django_capture_on_commit_callbacks):
    station_import = check(xlsx([HEADER, good_row("A1")]), user=officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        imports.station_import_enqueue(station_import=station_import, user=officer)
        with pytest.raises(ApplicationError, match="已在导入中"):
            imports.station_import_enqueue(station_import=station_import, user=officer)
    assert len(callbacks) == 1


def test_commit_reports_progress_up_to_every_row(streets, officer):
    rows = [good_row(f"A{i}") for i in range(60)]
    station_import = check(xlsx([HEADER, *rows]), user=officer)
    seen = []
    imports.station_import_commit(
        station_import=station_import,
        user=officer,
        scope=user_scope(user=officer),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 60) and seen[-1] == (60, 60)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_commit_that_fails_in_the_worker_writes_nothing_and_says_why(streets, street_officer):
    from yizhan.stations.tasks import station_import_commit_task

    scope = user_scope(user=street_officer)
    station_import = check(
        xlsx([HEADER, good_row("A1"), good_row("Z9")]), user=street_officer, scope=scope
    )
    StationImport.objects.filter(pk=station_import.pk).update(status="committing")
    # Meanwhile another officer registers Z9 in a street this officer does not cover.
    StationFactory(code="Z9", region=streets["230102010"])
    result = station_import_commit_task.call(import_id=station_import.pk, user_id=street_officer.pk)
    assert "error" in result
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.INVALID
    assert station_import.commit_error
    assert not Station.objects.filter(code="A1").exists()


def test_an_import_whose_worker_died_can_be_confirmed_again(
    streets, officer, django_capture_on_commit_callbacks
):
    station_import = check(xlsx([HEADER, good_row("A1")]), user=officer)
    with django_capture_on_commit_callbacks(execute=False):
        imports.station_import_enqueue(station_import=station_import, user=officer)
    # The worker died: the import stays "committing" with nothing written.
    long_ago = timezone.now() - imports.STALE_AFTER - dt.timedelta(minutes=1)
    StationImport.objects.filter(pk=station_import.pk).update(queued_at=long_ago)
    station_import.refresh_from_db()
    assert imports.import_is_stale(station_import)
    with django_capture_on_commit_callbacks(execute=True):
        imports.station_import_enqueue(station_import=station_import, user=officer)
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.COMMITTED
    assert Station.objects.filter(code="A1").exists()


def test_the_short_name_goes_out_with_the_export_and_comes_back(registry):
    Station.objects.filter(code="HRB-DL-001").update(short_name="工会驿站（中央大街店）")
    content = export("xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["驿站"]
    header = [c.value for c in sheet[1]]
    assert "上图简称" in header
    Station.objects.filter(code="HRB-DL-001").update(short_name="")
    report = check(content).report
    (row,) = [r for r in report["rows"] if r["code"] == "HRB-DL-001"]
    assert row["action"] == "update" and "上图简称" in row["changes"]
    commit(check(content))
    assert Station.objects.get(code="HRB-DL-001").short_name == "工会驿站（中央大街店）"
