"""Two more messy ledgers, row by row (issue 16): a city union's CSV summary in GB18030
and a street's workbook with a two-row header, merged street cells, its own numbering
for some stations, a van with its stops on a second sheet, and a station the registry
already has under another spelling of nothing but its columns.

(The third, written by a colleague before the reader existed, is test_ledger_colleague.)
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from geoplan.crs import from_wgs84, to_wgs84
from yizhan.accounts.models import User
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.hours import OpeningHours
from yizhan.stations.models import Station
from yizhan.stations.tests.test_ledger_colleague import at

pytestmark = pytest.mark.django_db

EXTRA_STREETS = [
    ("230102011", "新阳路街道", "230102"),
    ("230103001", "花园街道", "230103"),
    ("230103002", "大成街道", "230103"),
    ("230102014", "花园街道", "230102"),  # the same name in two districts
]


@pytest.fixture
def city(regions) -> dict[str, Region]:
    for code, name, parent in EXTRA_STREETS:
        regions[code] = Region.objects.create(
            code=code, name=name, level=RegionLevel.STREET, parent=regions[parent]
        )
    return regions


def officer(username: str, region: Region) -> User:
    user = User.objects.create_user(
        username=username, password=f"pw-{username}-1", is_staff=True, region=region
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations",
            codename__in=["add_station", "change_station", "view_station"],
        )
    )
    return user


def run(path: Path, user: User, region: str, *options: str) -> dict[str, Any]:
    report = path.parent / f"{path.stem}-report.json"
    args = [str(path), "--region", region, "--as", user.username, "--json", str(report)]
    call_command("import_stations", *args, *options, stdout=io.StringIO(), stderr=io.StringIO())
    return json.loads(report.read_text(encoding="utf-8"))


def row(report: dict[str, Any], number: int) -> dict[str, Any]:
    (found,) = [e for e in report["rows"] if e["row"] == number]
    return found


def columns(entry: dict[str, Any]) -> set[str]:
    return {m["column"] for m in entry["messages"]}


def text(entry: dict[str, Any]) -> str:
    return " ".join(m["text"] for m in entry["messages"])


# ---------------------------------------------------------------------------
# A city union's summary: CSV in GB18030, districts and streets by name
# ---------------------------------------------------------------------------

# Baidu points for the stations below (the city's staff picked them on map.baidu.com).
HUAYUAN = from_wgs84(126.6420, 45.7590, "bd09")
DACHENG = from_wgs84(126.6650, 45.7560, "bd09")
DAOLI_HUAYUAN = from_wgs84(126.6010, 45.7650, "bd09")
CITY_CSV = [
    ["哈尔滨市总工会户外劳动者服务站点汇总表", "", "", "", "", "", "", ""],
    ["", "", "", "", "", "", "", ""],
    ["序号", "县(市、区)", "街道(乡镇)", "阵地名称", "位置", "服务时段", "配套", "坐标（百度）"],
    [
        "1",
        "南岗区",
        "花园街道",
        "花园街快递驿站",
        "南岗区花园街218号",
        "星期一至星期六9:00～19:00",
        "饮水机、充电、座椅、报刊",
        f"{HUAYUAN[0]:.6f},{HUAYUAN[1]:.6f}",
    ],
    [
        "2",
        "南岗区",
        "大成",
        "大成街环卫驿站",
        "南岗区大成街45号",
        "早6晚8",
        "热水、厕所",
        f"{DACHENG[0]:.6f}，{DACHENG[1]:.6f}",
    ],
    [
        "3",
        "道里区",
        "花园街道",
        "道里花园街驿站",
        "道里区花园街3号",
        "周一至周五 08:30-17:00，法定节假日休息",
        "热水",
        f"{DAOLI_HUAYUAN[0]:.6f} {DAOLI_HUAYUAN[1]:.6f}",
    ],
    [
        "4",
        "",
        "花园街道",
        "花园街道第二驿站",
        "花园街99号",
        "每天8:00-20:00",
        "热水",
        f"{HUAYUAN[0]:.6f},{HUAYUAN[1]:.6f}",
    ],
    ["5", "南岗区", "大成街道", "大成街第二驿站", "南岗区大成街100号", "每天8点-20点", "热水", ""],
    ["合计", "5个", "", "", "", "", "", ""],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows).encode(
        "gb18030"
    )


def test_a_city_summary_in_gb18030_reads_districts_streets_and_baidu_cells(city, tmp_path):
    user = officer("city", city["2301"])
    path = tmp_path / "哈尔滨市汇总.csv"
    path.write_bytes(csv_bytes(CITY_CSV))

    report = run(path, user, "2301")

    assert [row(report, n)["status"] for n in (1, 2, 3)] == ["skipped"] * 3
    assert row(report, 9)["status"] == "skipped"  # 合计
    assert (row(report, 4)["status"], row(report, 4)["action"]) == ("new", "create")
    assert row(report, 4)["code"].startswith("230103001-")  # 南岗区 花园街道
    assert row(report, 6)["code"].startswith("230102014-")  # 道里区 花园街道
    # 花园街道 with no district: two streets of that name in the city, both named.
    no_district = row(report, 7)
    assert no_district["status"] == "error"
    assert "街道(乡镇)" in columns(no_district)
    assert "230103001" in text(no_district) and "230102014" in text(no_district)
    # 大成 (no suffix) is 大成街道; 早6晚8 is 06:00-20:00.
    assert row(report, 5)["code"].startswith("230103002-")
    # The one-cell Baidu coordinates, whichever separator, come back to the WGS-84 point.
    assert (row(report, 4)["wgs84"]["lon"], row(report, 4)["wgs84"]["lat"]) == pytest.approx(
        (126.6420, 45.7590), abs=2e-5
    )
    assert row(report, 5)["wgs84"]["lon"] == pytest.approx(126.6650, abs=2e-5)
    assert row(report, 6)["wgs84"]["lat"] == pytest.approx(45.7650, abs=2e-5)
    # A station without a point is refused naming the coordinate column.
    assert "坐标（百度）" in columns(row(report, 8))
    assert report["not_imported"] == ["序号"]
    # 饮水机 / 充电 / 座椅 / 报刊 are the catalogue's drinking water, charging, seats, books.
    assert "warning" not in {row(report, n)["status"] for n in (4, 5, 6)}

    with pytest.raises(CommandError):
        run(path, user, "2301", "--commit")
    assert not Station.objects.exists()
    done = run(path, user, "2301", "--commit", "--skip-errors")
    assert done["committed"]["created"] == 3
    huayuan = Station.objects.get(name="花园街快递驿站")
    assert set(huayuan.station_amenities.values_list("amenity__code", flat=True)) == {
        "drinking_water",
        "charging",
        "seats",
        "books",
    }
    hours = OpeningHours(huayuan.opening_hours)
    assert hours.is_open(at(2026, 3, 14, 18)) and not hours.is_open(at(2026, 3, 15, 12))
    dacheng = OpeningHours(Station.objects.get(name="大成街环卫驿站").opening_hours)
    assert dacheng.is_open(at(2026, 3, 15, 6, 30)) and not dacheng.is_open(at(2026, 3, 15, 20, 30))
    daoli = Station.objects.get(name="道里花园街驿站")
    assert not OpeningHours(daoli.opening_hours).is_open(at(2026, 10, 1, 10))


def test_a_district_officer_cannot_import_the_city_summary_into_another_district(city, tmp_path):
    user = officer("daoli", city["230102"])
    path = tmp_path / "汇总.csv"
    path.write_bytes(csv_bytes(CITY_CSV))
    with pytest.raises(CommandError, match="管辖范围"):
        run(path, user, "2301")
    report = run(path, user, "230102")
    # 南岗区 is not among the regions the officer's streets are matched in.
    assert row(report, 4)["status"] == "error" and "南岗区" in text(row(report, 4))
    assert row(report, 6)["status"] == "new"


# ---------------------------------------------------------------------------
# A street's workbook: two-row header, merged street cells, its own numbers, a van
# ---------------------------------------------------------------------------


def street_book(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["兆麟街道、新阳路街道驿站情况统计表"])
    ws.merge_cells("A1:J1")
    ws.append(
        [
            "街道",
            "编号",
            "驿站名称",
            "详细地址",
            "开放时间",
            "设施",
            "类型",
            "星级",
            "坐标（WGS84）",
            None,
        ]
    )
    ws.append([None, None, None, None, None, None, None, None, "经度", "纬度"])
    ws.merge_cells("I2:J2")
    rows = [
        # row 4 – 6: one street written once, merged down
        [
            "兆麟街道",
            "ZL-01",
            "兆麟公园驿站",
            "兆麟街158号",
            "早8晚6",
            "热水、药箱",
            "阵地",
            "四星",
            "126°37′3″",
            "45°46′24″",
        ],
        [
            None,
            None,
            "中央大街驿站",
            "道里区中央大街1号",
            "每日 08:00—20:00 午休12:00—13:00",
            "热水、爱心伞（坏了）",
            "固定",
            "★★★★",
            126.6175,
            45.7733,
        ],
        [
            None,
            None,
            "兆麟流动服务车",
            "兆麟街道各点巡回",
            "周六、周日 10:00-16:00",
            "热水",
            "流动服务车",
            None,
            None,
            None,
        ],
        [
            "新阳路街道",
            "",
            "新阳路驿站",
            "新阳路209号",
            "周一至周五8:30-17:30",
            "热水,手机充电",
            "固定",
            "",
            "45.7690",
            "126.6120",
        ],
        [
            "新阳路街道",
            "XY-02",
            "新阳路第二驿站",
            "新阳路300号",
            "全年无休 24小时",
            "空调 、 热水",
            "智能驿站(24小时)",
            "五星",
            "126.6000",
            "45.7700",
        ],
    ]
    for values in rows:
        ws.append(values)
    ws.merge_cells("A4:A6")
    ws.append([None] * 10)
    ws.append(["注：流动服务车停靠点见“流动驿站时刻表”"])
    ws.merge_cells("A10:J10")
    stops = book.create_sheet("流动驿站时刻表")
    stops.append(["驿站名称", "停靠点", "经度", "纬度", "停靠时间"])
    stops.append(["兆麟流动服务车", "兆麟公园北门", 126.6190, 45.7660, "Sa 10:00-16:00"])
    stops.append(["兆麟流动服务车", "中央大街防洪纪念塔", 126.6200, 45.7800, "周日 10:00-16:00"])
    book.save(path)
    return path


def test_a_street_workbook_with_merged_cells_two_row_header_and_a_van(
    regions, make_station, tmp_path
):
    Region.objects.create(
        code="230102011", name="新阳路街道", level=RegionLevel.STREET, parent=regions["230102"]
    )
    # The registry already has 中央大街驿站 at that address, under a code of its own.
    existing = make_station("HRB-DL-001", name="中央大街驿站", address="道里区中央大街1号")
    user = officer("street", regions["230102"])
    path = street_book(tmp_path / "街道统计.xlsx")

    report = run(path, user, "230102")

    assert [row(report, n)["status"] for n in (1, 2, 3, 9, 10)] == ["skipped"] * 5
    park = row(report, 4)
    assert (park["status"], park["code"]) == ("new", "ZL-01")  # the street's own number kept
    assert park["wgs84"]["lon"] == pytest.approx(126.6175, abs=1e-4)  # 126°37′3″
    assert park["wgs84"]["lat"] == pytest.approx(45.7733, abs=1e-4)  # 45°46′24″
    # No code, same name and address as a registry station: that station, not a new one.
    central = row(report, 5)
    assert central["code"] == existing.code and central["action"] == "update"
    van = row(report, 6)
    assert (van["status"], van["action"]) == ("new", "create")
    assert van["code"].startswith("230102001-")  # merged 兆麟街道 reaches the van's row
    assert van["wgs84"] == {"lon": 126.619, "lat": 45.766}  # its first stop
    swapped = row(report, 7)
    assert swapped["status"] == "error"
    assert "经度" in text(swapped) and "纬度" in text(swapped) and "对调" in text(swapped)
    assert row(report, 8)["status"] == "new"

    done = run(path, user, "230102", "--commit", "--skip-errors")
    assert done["committed"] == {"created": 3, "updated": 1, "unchanged": 0, "left": 1}
    existing.refresh_from_db()
    assert existing.star_level == 4
    states = dict(existing.station_amenities.values_list("amenity__code", "state"))
    assert states == {"hot_water": "working", "umbrella": "out_of_order"}
    lunch = OpeningHours(existing.opening_hours)
    assert lunch.is_open(at(2026, 3, 15, 11)) and not lunch.is_open(at(2026, 3, 15, 12, 30))
    van_station = Station.objects.get(name="兆麟流动服务车")
    assert van_station.kind == "mobile"
    assert [s.place_name for s in van_station.stops.order_by("id")] == [
        "兆麟公园北门",
        "中央大街防洪纪念塔",
    ]
    smart = Station.objects.get(code="XY-02")
    assert (smart.kind, smart.star_level, smart.opening_hours) == ("smart", 5, "24/7")
    assert Station.objects.get(code="ZL-01").kind == "fixed"

    again = run(path, user, "230102", "--commit", "--skip-errors")
    assert again["committed"]["created"] == 0 and again["committed"]["updated"] == 0
    assert row(again, 6)["code"] == van["code"]


def test_a_gcj02_point_in_a_wgs84_worded_header_is_converted_by_the_header(regions, tmp_path):
    user = officer("gcj", regions["230102"])
    lon, lat = from_wgs84(126.6175, 45.7733, "gcj02")
    book = Workbook()
    book.active.append(["站点名称", "地址", "服务时间", "经纬度(高德)"])
    book.active.append(["高德点驿站", "兆麟街1号", "每天8:00-18:00", f"{lon:.7f},{lat:.7f}"])
    path = tmp_path / "gcj.xlsx"
    book.save(path)
    report = run(path, user, "230102", "--crs", "bd09")  # the header's own word wins
    point = row(report, 2)["wgs84"]
    assert (point["lon"], point["lat"]) == pytest.approx((126.6175, 45.7733), abs=1e-6)
    assert to_wgs84(lon, lat, "gcj02") == pytest.approx((126.6175, 45.7733), abs=1e-6)


def test_a_regions_summer_months_decide_how_ledgers_read_summer_and_winter(
    client, regions, tmp_path
):
    user = officer("seasons", regions["230102"])
    client.force_login(user)
    url = f"/console/regions/region/{regions['230102'].pk}/change/"
    page = client.post(url, {"summer_from": "6", "summer_to": ""})
    assert "须同时填写" in page.content.decode()
    client.post(url, {"summer_from": "6", "summer_to": "8"})
    regions["230102"].refresh_from_db()
    assert (regions["230102"].summer_from, regions["230102"].summer_to) == (6, 8)
    assert regions["230102"].name == "道里区"
    # Another district's months are not this officer's to set.
    assert client.post(
        f"/console/regions/region/{regions['230103'].pk}/change/",
        {"summer_from": "4", "summer_to": "10"},
    ).status_code in (302, 403, 404)
    regions["230103"].refresh_from_db()
    assert regions["230103"].summer_from is None

    book = Workbook()
    book.active.append(["站点名称", "地址", "服务时间", "经度", "纬度"])
    book.active.append(["季节驿站", "兆麟街1号", "夏季6:00-20:00，冬季8:00-17:00", 126.6, 45.77])
    path = tmp_path / "seasons.xlsx"
    book.save(path)
    run(path, user, "230102001", "--commit")
    hours = OpeningHours(Station.objects.get(name="季节驿站").opening_hours)
    assert hours.is_open(at(2026, 6, 15, 6, 30))  # June: summer here
    assert not hours.is_open(at(2026, 5, 15, 6, 30))  # May: already winter hours here
    assert hours.is_open(at(2026, 9, 15, 8, 30)) and not hours.is_open(at(2026, 9, 15, 6, 30))


def test_docs_list_every_word_the_reader_knows():
    """docs/registry.md's synonym tables are the officers' reference: no word missing."""
    from django.conf import settings

    from yizhan.stations.io.vocabulary import AMENITY_WORDS, HEADER_SYNONYMS, KIND_WORDS

    docs = (Path(settings.BASE_DIR) / "docs" / "registry.md").read_text(encoding="utf-8").lower()
    words = [
        *(w for key, ws in HEADER_SYNONYMS.items() if key != "region_name" for w in ws),
        *(w for ws in KIND_WORDS.values() for w in ws),
        *(w for code, ws in AMENITY_WORDS.items() for w in ws if w != "暖气/取暖器"),
    ]
    missing = [w for w in words if not w.isascii() and w.lower() not in docs]
    assert not missing, missing
