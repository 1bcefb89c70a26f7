"""The import console page with officers' own ledgers (issue 16): 所属区划 on upload, the
列对应 step remembered per officer, duplicates decided on the page, hours read from text
confirmed, the good rows imported and the rest downloaded, and 台账用语 picked up.

The ledgers are the colleague's (`test_ledger_colleague`), plus one whose name and
address headers no synonym knows ("驿站叫啥", "在哪儿")."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from geoplan.crs import to_wgs84
from yizhan.accounts.models import User
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.io import imports
from yizhan.stations.io.vocabulary import norm
from yizhan.stations.models import LedgerColumn, LedgerWord, Station, StationImport
from yizhan.stations.tests.test_ledger_colleague import (
    DUPLICATE,
    ERRORS,
    EXISTING_CODE,
    EXISTING_NAME,
    GOOD,
    HEADER,
    ROWS,
    SHEET,
    STREETS,
    write_ledger,
)

URL = "admin:stations_station_import"
_ROW_IDS = re.compile(r'<tr id="row-(\d+)"')
_LINKS = re.compile(r'href="([^"]+)"')
# A Tuesday in an ordinary week (no holiday): the week grids below are of 9–15 March.
TUESDAY = "2026-03-10 10:00"


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture
def district(regions) -> Region:
    daoli = regions["230102"]
    for code, name in STREETS:
        Region.objects.create(code=code, name=name, level=RegionLevel.STREET, parent=daoli)
    return daoli


def _officer(username: str, region: Region | None, *extra: str) -> User:
    user = User.objects.create_user(
        username=username, password=f"pw-{username}-1", is_staff=True, region=region
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations",
            codename__in=["add_station", "change_station", "view_station", *extra],
        )
    )
    return user


@pytest.fixture
def clerk(district) -> User:
    """王丽, who keeps 道里区's ledger."""
    return _officer("wangli", district)


@pytest.fixture
def colleague(district) -> User:
    """Another officer of the same district, with the same permissions."""
    return _officer("zhaoqiang", district)


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_ledger(tmp_path / "道里区驿站台账2024.xlsx")


# The colleague's ledger with two headers no synonym knows.
ODD_HEADERS = {"驿站名称": "驿站叫啥", "详细地址": "在哪儿"}


@pytest.fixture
def odd_ledger(tmp_path) -> Path:
    path = write_ledger(tmp_path / "台账（自己的表头）.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    for cell in sheet[3]:
        if cell.value in ODD_HEADERS:
            cell.value = ODD_HEADERS[cell.value]
    book.save(path)
    return path


def template_file() -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "驿站"
    sheet.append(["驿站编号", "名称", "类型", "区划代码", "地址", "经度", "纬度", "开放时间"])
    sheet.append(
        ["A1", "测试驿站", "固定", "230102001", "道里区中央大街1号", 126.6175, 45.7733, "24/7"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "template.xlsx"
    return buffer


def upload(client, path: Path | io.BytesIO, **fields: str) -> StationImport:
    """Upload as the logged-in officer; returns the import the page redirected to."""
    handle = path.open("rb") if isinstance(path, Path) else path
    with handle:
        data = {"file": handle, "default_crs": "gcj02", **fields}
        response = client.post(reverse(URL), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return StationImport.objects.get(pk=int(response["Location"].rsplit("=", 1)[1]))


def page(client, station_import: StationImport, **params: Any) -> str:
    response = client.get(reverse(URL), {"id": station_import.pk, **params})
    assert response.status_code == 200
    return response.content.decode()


def post(client, station_import: StationImport, action: str, **data: Any):
    return client.post(reverse(URL), {"import_id": station_import.pk, "action": action, **data})


class _Form(HTMLParser):
    """The selects and checked radios of a page: {name: selected value}."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "select":
            self.select = a.get("name") or ""
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "radio" and "checked" in a:
            self.values[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = ""


def selected(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return parser.values


def columns_post(client, station_import: StationImport, **by_header: str):
    """确认列对应 with what the page pre-selected, except the headers given."""
    html = page(client, station_import, columns="1")
    assert 'id="import-columns"' in html
    values = {k: v for k, v in selected(html).items() if k.startswith("col-")}
    letters = _column_indexes(station_import)
    for header, key in by_header.items():
        values[f"col-{letters[header]}"] = key
    return post(
        client,
        station_import,
        "columns",
        default_crs=values.pop("default_crs", "gcj02"),
        **values,
    )


def _column_indexes(station_import: StationImport) -> dict[str, int]:
    book = openpyxl.load_workbook(io.BytesIO(bytes(station_import.content)))
    row = next(book[SHEET].iter_rows(min_row=3, max_row=3, values_only=True))
    return {str(v): i for i, v in enumerate(row) if v}


def confirmed(client, station_import: StationImport, **by_header: str) -> StationImport:
    response = columns_post(client, station_import, **by_header)
    assert response.status_code == 302, response.content.decode()[:3000]
    station_import.refresh_from_db()
    assert imports.import_options(station_import).columns_confirmed
    return station_import


def row(station_import: StationImport, number: int) -> dict[str, Any]:
    (found,) = [r for r in station_import.report["rows"] if r["row"] == number]
    return found


# ---------------------------------------------------------------------------
# 列对应
# ---------------------------------------------------------------------------


def test_the_mapping_step_comes_first_for_a_ledger_and_never_for_the_template(
    client, clerk, ledger
):
    client.force_login(clerk)
    station_import = upload(client, ledger)
    html = page(client, station_import)
    assert 'id="import-columns"' in html and "确认列对应" in html
    # Every column once, as written, with values from under it.
    for header in HEADER:
        assert f">{header}</th>" in html, header
    assert "兆麟街道中央大街户外劳动者驿站" in html  # a sample under 驿站名称
    # 站长 and 站长电话 are people: not imported unless the officer says so.
    pre = selected(html)
    assert pre[f"col-{HEADER.index('站长电话')}"] == ""
    assert pre[f"col-{HEADER.index('驿站名称')}"] == "name"
    assert pre[f"col-{HEADER.index('建设年份')}"] == ""
    assert pre["default_crs"] == "gcj02"
    # The rows come after the columns are confirmed; nothing to commit before.
    assert 'id="import-rows"' not in html and "确认导入" not in html

    response = client.post(reverse(URL), {"file": template_file(), "default_crs": "wgs84"})
    template = StationImport.objects.get(pk=int(response["Location"].rsplit("=", 1)[1]))
    html = page(client, template)
    assert 'id="import-columns"' not in html
    assert 'value="确认导入"' in html


def test_a_confirmed_mapping_is_remembered_for_the_same_officer_only(
    client, clerk, colleague, odd_ledger
):
    client.force_login(clerk)
    first = upload(client, odd_ledger)
    # Without 名称 and 地址 the sheet cannot be read: the page asks which columns they are.
    assert first.report["rows"] == []
    html = page(client, first)
    assert "还没有对应到" in html and "名称" in html and "地址" in html
    assert ">驿站叫啥</th>" in html and ">在哪儿</th>" in html

    confirmed(client, first, 驿站叫啥="name", 在哪儿="address")
    assert LedgerColumn.objects.get(user=clerk, header=norm("驿站叫啥")).key == "name"
    assert LedgerColumn.objects.get(user=clerk, header=norm("在哪儿")).key == "address"
    assert not LedgerColumn.objects.filter(user=colleague).exists()

    # Next time the same officer's ledger is read with it, and the step shows it chosen.
    again = upload(client, odd_ledger)
    assert len(again.report["rows"]) == len(first.report["rows"]) > 0
    html = page(client, again)
    indexes = _column_indexes(again)
    pre = selected(html)
    assert pre[f"col-{indexes['驿站叫啥']}"] == "name"
    assert pre[f"col-{indexes['在哪儿']}"] == "address"
    assert "按您上次的选择" in html

    # Another officer's upload knows nothing of it.
    client.force_login(colleague)
    theirs = upload(client, odd_ledger)
    assert theirs.report["rows"] == []
    pre = selected(page(client, theirs))
    assert pre[f"col-{indexes['驿站叫啥']}"] == ""


def test_confirming_the_mapping_checks_the_rows_again(client, clerk, odd_ledger):
    client.force_login(clerk)
    station_import = upload(client, odd_ledger)
    assert station_import.report["rows"] == []

    station_import = confirmed(client, station_import, 驿站叫啥="name", 在哪儿="address")
    assert {r["row"] for r in station_import.report["rows"]} >= GOOD | ERRORS
    assert row(station_import, 4)["status"] == "new"
    assert row(station_import, 5)["status"] == "warning"  # 按摩椅
    html = page(client, station_import)
    assert 'id="import-columns"' not in html and 'id="import-rows"' in html
    assert "未导入的列" in html and html.count("建设年份") == 1

    # 服务设施 read as "not imported": the 按摩椅 warning goes, and 服务设施 is listed.
    response = columns_post(client, station_import, 服务设施="")
    assert response.status_code == 302
    station_import.refresh_from_db()
    assert row(station_import, 5)["status"] == "new"
    assert "服务设施" in station_import.report["not_imported"]


def test_two_columns_read_as_the_same_thing_are_refused(client, clerk, odd_ledger):
    client.force_login(clerk)
    station_import = upload(client, odd_ledger)
    response = columns_post(client, station_import, 驿站叫啥="name", 在哪儿="name")
    assert response.status_code == 200
    assert "每项只能对应一列" in response.content.decode()
    assert not LedgerColumn.objects.exists()


# ---------------------------------------------------------------------------
# 所属区划
# ---------------------------------------------------------------------------


def test_the_region_is_one_of_the_officers_own_and_defaults_to_theirs(client, clerk, ledger):
    client.force_login(clerk)
    html = client.get(reverse(URL)).content.decode()
    pre = selected(html)
    assert pre["region"] == "230102"
    assert 'value="230103"' not in html  # 南岗区: another district
    assert 'value="230102001"' not in html  # streets are matched by name, not picked

    with ledger.open("rb") as handle:
        response = client.post(
            reverse(URL), {"file": handle, "default_crs": "gcj02", "region": "230103"}
        )
    assert response.status_code == 200 and not StationImport.objects.exists()


def test_a_national_officer_picks_the_region_for_streets_by_name(client, district, ledger):
    admin = User.objects.create_superuser("national", password="pw-national-1")
    client.force_login(admin)
    with ledger.open("rb") as handle:
        response = client.post(reverse(URL), {"file": handle, "default_crs": "gcj02"})
    assert response.status_code == 200
    assert "请选择所属区划" in response.content.decode()
    assert not StationImport.objects.exists()

    station_import = upload(client, ledger, region="230102")
    station_import = confirmed(client, station_import)
    assert row(station_import, 4)["status"] == "new"


# ---------------------------------------------------------------------------
# Rows, hours, duplicates
# ---------------------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_every_row_with_its_status_messages_and_the_week_its_hours_mean(client, clerk, ledger):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    html = page(client, station_import)
    for label in ("有错误", "重复", "提示", "新增"):
        assert f">{label}</span>" in html, label
    # Errors first, then the duplicate, then rows whose hours were read from text.
    order = [int(n) for n in _ROW_IDS.findall(html)]
    assert order[: len(ERRORS)] == sorted(ERRORS)
    assert order[len(ERRORS)] == DUPLICATE
    # Messages by the sheet's own column.
    assert "<strong>开放时间</strong>：" in html and "有人就开" in html
    # Row 4: the text, the rule, and Monday to Friday 8–18 drawn on the week of 9 March.
    typed = ROWS[0][6]
    assert typed in html
    rule = row(station_import, 4)["hours"]["rule"]
    assert rule in html
    grid = html[html.index('id="row-4"') :]
    grid = grid[: grid.index("</svg>")]
    assert grid.count('class="on" x="54" ') == 5  # 8:00 → x = 14 + 8 × 5
    assert 'width="50"' in grid  # ten hours
    assert "3月9日起这一周" in grid


def test_hours_read_from_text_must_be_confirmed_before_the_import(
    client, clerk, ledger, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    hours_rows = [
        r for r in station_import.report["rows"] if r["hours"] and r["action"] == "create"
    ]
    html = page(client, station_import)
    assert f"我已核对自动识别的开放时间（{len(hours_rows)} 行）" in html

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, station_import, "partial")
    assert not callbacks
    follow = client.get(response["Location"]).content.decode()
    assert "请先核对并勾选确认" in follow
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.INVALID
    assert not Station.objects.exists()


@pytest.fixture
def existing(make_station, district) -> Station:
    """The registry's own 通江街道环卫工人驿站, 10 m from the ledger's row 5."""
    lon, lat = to_wgs84(126.6301, 45.7852, "bd09")
    return make_station(
        EXISTING_CODE,
        name=EXISTING_NAME,
        region_code="230102010",
        address="道里区通江街88号",
        lon=lon,
        lat=lat + 0.00009,
    )


def test_duplicate_decisions_change_what_the_import_does(client, clerk, ledger, existing):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    assert (row(station_import, 5)["status"], row(station_import, 5)["action"]) == (
        "duplicate",
        "left",
    )
    html = page(client, station_import)
    assert "还有 2 行未决定处理方式" in html
    assert f"更新已有驿站 {EXISTING_CODE}“{EXISTING_NAME}”（相距 10 米）" in html
    assert "以本行为准更新第 4 行" in html and "两个都保留" in html and "跳过" in html

    post(client, station_import, "decide", **{"dup-5": "update", f"dup-{DUPLICATE}": "skip"})
    station_import.refresh_from_db()
    assert row(station_import, 5)["action"] == "update"
    assert row(station_import, 5)["code"] == EXISTING_CODE
    assert row(station_import, DUPLICATE)["action"] == "left"
    assert imports.import_options(station_import).decisions == {5: "update", DUPLICATE: "skip"}
    html = page(client, station_import)
    assert "未决定处理方式" not in html
    assert selected(html)["dup-5"] == "update"

    # Changed mind: keep both; the other decision stays.
    post(client, station_import, "decide", **{"dup-5": "keep"})
    station_import.refresh_from_db()
    assert row(station_import, 5)["action"] == "create"
    assert row(station_import, 5)["code"] != EXISTING_CODE
    assert imports.import_options(station_import).decisions[DUPLICATE] == "skip"

    # Nothing but the choices offered.
    response = post(client, station_import, "decide", **{"dup-5": "merge"})
    assert "请从列出的处理方式中选择" in client.get(response["Location"]).content.decode()
    station_import.refresh_from_db()
    assert row(station_import, 5)["action"] == "create"


def test_the_duplicates_not_decided_row_by_row_can_be_decided_at_once(
    client, clerk, ledger, existing
):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    post(client, station_import, "decide", **{f"dup-{DUPLICATE}": "skip", "rest": "keep"})
    station_import.refresh_from_db()
    assert row(station_import, 5)["action"] == "create"  # kept beside HRB-DL-050
    assert row(station_import, DUPLICATE)["action"] == "left"  # its own choice wins
    assert imports.import_options(station_import).on_duplicate == "keep"
    assert selected(page(client, station_import))["rest"] == "keep"


# ---------------------------------------------------------------------------
# Partial import and the rows left
# ---------------------------------------------------------------------------


def _left_sheet(content: bytes) -> tuple[list[Any], list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_importing_the_good_rows_leaves_the_rest_to_download(
    client, clerk, ledger, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    html = page(client, station_import)
    button = f"导入无误的 {len(GOOD)} 行，留下有错误的 {len(ERRORS)} 行"
    assert button in html
    assert 'value="确认导入"' not in html  # all or nothing stays the default: refused here
    post(client, station_import, "commit", hours_confirmed="1")
    assert not Station.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, station_import, "partial", hours_confirmed="1")
    assert response.status_code == 302 and len(callbacks) == 1
    station_import.refresh_from_db()
    assert station_import.status == StationImport.Status.COMMITTED
    assert Station.objects.count() == len(GOOD)
    assert set(Station.objects.values_list("name", flat=True)) == {ROWS[n - 4][1] for n in GOOD}
    html = page(client, station_import)
    assert f"留下 {len(ERRORS) + 1} 行未导入" in html  # the errors and the undecided duplicate
    assert "下载未导入的行（含错误说明）" in html

    download = client.get(reverse(URL), {"id": station_import.pk, "download": "left"})
    assert download.status_code == 200
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert ".xlsx" in download["Content-Disposition"]
    header, body = _left_sheet(download.content)
    assert header[: len(HEADER)] == HEADER
    assert header[len(HEADER)] == "错误说明"
    assert [r[-1] for r in body] == sorted(ERRORS | {DUPLICATE})
    explained = {r[-1]: r[len(HEADER)] for r in body}
    assert "有人就开" in explained[14]
    assert "第 4 行" in explained[DUPLICATE]
    for number, values in zip(sorted(ERRORS | {DUPLICATE}), body, strict=True):
        assert values[1] == ROWS[number - 4][1]  # the officer's own row, cell for cell


def test_the_left_rows_can_be_downloaded_before_the_commit(client, clerk, ledger):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    download = client.get(reverse(URL), {"id": station_import.pk, "download": "left"})
    _header, body = _left_sheet(download.content)
    assert {r[-1] for r in body} == ERRORS | {DUPLICATE}


# ---------------------------------------------------------------------------
# Scoping
# ---------------------------------------------------------------------------


def test_another_officer_cannot_see_recheck_decide_or_download_an_import(
    client, clerk, colleague, ledger
):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    before = station_import.report

    client.force_login(colleague)
    url = reverse(URL)
    assert client.get(url, {"id": station_import.pk}).status_code == 404
    assert client.get(url, {"id": station_import.pk, "download": "left"}).status_code == 404
    assert client.get(url, {"id": station_import.pk, "download": "report"}).status_code == 404
    for action, data in [
        ("recheck", {}),
        ("decide", {f"dup-{DUPLICATE}": "keep"}),
        ("columns", {"col-1": "", "default_crs": "wgs84"}),
        ("partial", {"hours_confirmed": "1"}),
    ]:
        assert post(client, station_import, action, **data).status_code == 404, action
    station_import.refresh_from_db()
    assert station_import.report == before
    assert not LedgerColumn.objects.filter(user=colleague).exists()
    assert not Station.objects.exists()


# ---------------------------------------------------------------------------
# 台账用语
# ---------------------------------------------------------------------------


def test_an_amenity_word_added_from_the_report_is_picked_up_on_recheck(client, clerk, ledger):
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_ledgerword", "view_ledgerword"])
    )
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    warning = [m for m in row(station_import, 5)["messages"] if "按摩椅" in m["text"]]
    assert warning and warning[0]["level"] == "warning"
    html = page(client, station_import)
    assert "把“按摩椅”加入台账用语" in html
    add = reverse("admin:stations_ledgerword_add")
    back = f"{reverse(URL)}?id={station_import.pk}"
    link = next(a for a in _LINKS.findall(html) if a.startswith(add) and "word=" in a)
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    assert 'value="按摩椅"' in form.content.decode()  # prefilled

    response = client.post(
        link.replace("&amp;", "&"), {"what": "amenity", "word": "按摩椅", "code": "seats"}
    )
    assert response.status_code == 302 and response["Location"] == back
    word = LedgerWord.objects.get(word="按摩椅")
    assert (word.what, word.code, word.added_by) == ("amenity", "seats", clerk)

    post(client, station_import, "recheck")
    station_import.refresh_from_db()
    assert row(station_import, 5)["status"] == "new"
    assert not any("按摩椅" in m["text"] for m in row(station_import, 5)["messages"])


def test_only_officers_granted_it_edit_ledger_words(client, clerk, ledger):
    client.force_login(clerk)
    station_import = confirmed(client, upload(client, ledger))
    html = page(client, station_import)
    assert "按摩椅" in html and "加入台账用语" not in html
    add = reverse("admin:stations_ledgerword_add")
    assert client.get(add).status_code == 403
    assert (
        client.post(add, {"what": "amenity", "word": "按摩椅", "code": "seats"}).status_code == 403
    )
    assert not LedgerWord.objects.exists()


def test_a_ledger_word_must_mean_a_kind_or_an_amenity_of_its_own_list(client, district):
    admin = User.objects.create_superuser("national", password="pw-national-1")
    client.force_login(admin)
    add = reverse("admin:stations_ledgerword_add")
    html = client.get(add).content.decode()
    assert "固定驿站" in html and "热水" in html  # kinds and the catalogue, in groups
    response = client.post(add, {"what": "kind", "word": "休息点", "code": "seats"})
    assert response.status_code == 200 and not LedgerWord.objects.exists()
    client.post(add, {"what": "kind", "word": "休息点", "code": "fixed"})
    assert LedgerWord.objects.get(word="休息点").code == "fixed"
