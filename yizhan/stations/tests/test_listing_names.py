"""Names and the 上图 pack (issue 16, item 6): a name over the registry's limit is refused
naming the limit; the pack never shortens a name, it flags it and lets the officer enter
the 上图简称 on the page; missing fields the platforms need are warned about."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from yizhan.accounts.selectors import Scope, user_scope
from yizhan.core.errors import PermissionDenied, ValidationFailed
from yizhan.stations.io import exports
from yizhan.stations.models import Station, StationChange, StationListing, StationPhoto
from yizhan.stations.selectors import stations_base
from yizhan.stations.services import (
    Catalogue,
    station_data_clean,
    station_listings_mark,
    station_short_name_set,
    station_upsert,
)
from yizhan.stations.tests.conftest import station_raw

pytestmark = pytest.mark.django_db

NATIONAL = Scope(national=True, region=None)
LISTING_URL = "admin:stations_station_listing"
LONG = "哈尔滨市道里区总工会户外劳动者服务驿站（经纬街道兆麟公园北门）"  # 31 characters
SUGGESTED = "工会驿站（经纬街道兆麟公园北门店）"


@pytest.fixture
def long_named(make_station) -> Station:
    station = make_station("L1", name=LONG, phone="0451-84600001")
    StationPhoto.objects.create(station=station, image="stations/2026/03/l1.jpg")
    return station


@pytest.fixture
def fits(make_station) -> Station:
    station = make_station("F1", name="兆麟公园工会驿站", phone="0451-84600002")
    StationPhoto.objects.create(station=station, image="stations/2026/03/f1.jpg")
    return station


def pending(platform: str = "amap") -> dict[str, exports.PendingListing]:
    found = exports.listings_pending(stations=list(stations_base()), platform=platform)
    return {p.station.code: p for p in found}


def pack_sheets(platform: str = "amap") -> tuple[list[dict], list[dict], bytes]:
    pack = exports.listing_pack(stations=stations_base(), platform=platform)
    return (
        exports.read_sheet(pack, exports.LISTING_SHEET),
        exports.read_sheet(pack, exports.PENDING_SHEET),
        pack,
    )


def all_cells(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
    finally:
        book.close()


# ---------------------------------------------------------------------------
# The pack
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["amap", "baidu"])
def test_a_long_name_is_not_cut_and_is_flagged(long_named, fits, platform):
    p = pending(platform)["L1"]
    assert p.fields["name"] == LONG
    assert p.needs_short_name and not p.markable
    [warning] = [w for w in p.warnings if w.blocking]
    assert "31 个字" in warning.text and "20 个字上限" in warning.text
    assert "上图简称" in warning.text
    assert p.suggestion == SUGGESTED  # offered, not used
    assert pending(platform)["F1"].warnings == ()

    listed, todo, pack = pack_sheets(platform)
    # Kept out of the sheet handed to the platform, never with a cut name.
    assert [row["驿站编号"] for row in listed] == ["F1"]
    assert [row["名称"] for row in listed] == ["兆麟公园工会驿站"]
    [row] = [row for row in todo if row["驿站编号"] == "L1"]
    assert row["名称"] == LONG and "不会自动截短" in row["提示"]
    cells = all_cells(pack)
    assert not any(SUGGESTED in cell for cell in cells)  # the suggestion is never sent
    assert any("1 个驿站名称超过 20 个字且没有上图简称" in cell for cell in cells)  # the guide


def test_the_short_name_is_what_the_platform_gets(long_named, officer):
    assert station_short_name_set(
        station=long_named, short_name=" 工会驿站（兆麟公园北门店） ", user=officer, scope=NATIONAL
    )
    p = pending()["L1"]
    assert p.fields["name"] == "工会驿站（兆麟公园北门店）"
    assert p.warnings == () and p.markable
    listed, _todo, _pack = pack_sheets()
    assert [row["名称"] for row in listed] == ["工会驿站（兆麟公园北门店）"]
    change = StationChange.objects.filter(station=long_named).first()
    assert change.changes == {"short_name": ["", "工会驿站（兆麟公园北门店）"]}
    assert change.changed_by == officer
    # Saving the same again writes nothing.
    assert not station_short_name_set(
        station=long_named, short_name="工会驿站（兆麟公园北门店）", user=officer, scope=NATIONAL
    )


def test_missing_phone_photos_and_hours_are_warned(make_station):
    make_station("N1", name="兆麟无电话驿站", phone="")
    p = pending()["N1"]
    texts = [w.text for w in p.warnings]
    assert texts == ["缺少联系电话", "缺少照片（平台要求门头或内景照片）"]
    # Warnings only: the station is in the pack and can be marked as listed.
    assert p.markable and not p.needs_short_name
    listed, todo, _pack = pack_sheets()
    assert [row["驿站编号"] for row in listed] == ["N1"]
    assert todo[0]["提示"] == "缺少联系电话；缺少照片（平台要求门头或内景照片）"

    station = Station.objects.get(code="N1")
    Station.objects.filter(pk=station.pk).update(opening_hours="", address="")
    texts = [w.text for w in pending()["N1"].warnings]
    assert texts[:2] == ["缺少地址", "缺少联系电话"] and "缺少营业时间" in texts


def test_a_station_listed_under_the_old_derived_name_is_named_and_offered_it(fits, officer):
    """Before short names the pack sent "工会驿站（兆麟公园店）" for this station. Its listing
    says what changed (the name) and offers the old name as its 上图简称."""
    station = stations_base().get(code="F1")
    fields = exports.listing_fields(station, "amap")
    old = {**fields, "name": "工会驿站（兆麟公园店）"}
    station_listings_mark(
        stations=[station],
        platform="amap",
        fingerprints={station.pk: exports.listing_fingerprint(old)},
        user=None,
    )
    p = pending()["F1"]
    assert p.reason == exports.REASON_CHANGED and p.changed == ("名称",)
    assert p.suggestion == "工会驿站（兆麟公园店）"
    assert "上次以“工会驿站（兆麟公园店）”上图" in p.warning_text
    assert p.markable  # the full name fits: submitting it is a choice too

    station_short_name_set(
        station=station, short_name="工会驿站（兆麟公园店）", user=officer, scope=NATIONAL
    )
    assert "F1" not in pending()


# ---------------------------------------------------------------------------
# The registry's own limits, and history
# ---------------------------------------------------------------------------


def test_a_name_over_60_is_refused_naming_60(regions):
    with pytest.raises(ValidationFailed) as caught:
        station_data_clean(
            station_raw("X1", name="驿" * 61), catalogue=Catalogue.load(), scope=NATIONAL
        )
    [error] = caught.value.errors
    assert error.field == "name" and error.message == "名称过长：61 个字，最多 60 个字"
    with pytest.raises(ValidationFailed) as caught:
        station_data_clean(
            station_raw("X1", short_name="驿" * 21), catalogue=Catalogue.load(), scope=NATIONAL
        )
    assert caught.value.errors[0].message == "上图简称过长：21 个字，最多 20 个字"


def test_the_console_form_refuses_long_names_naming_the_limit(client, long_named, officer):
    from yizhan.stations.tests.test_console import _form

    client.force_login(officer)
    url = f"/console/stations/station/{long_named.pk}/change/"
    page = client.get(url).content.decode()
    assert "上图简称" in page and "向高德、百度地图上图使用的名称" in page
    assert 'maxlength="20"' not in page  # a browser would cut a pasted name silently
    response = client.post(url, _form(long_named, name="驿" * 61, short_name="驿" * 21))
    html = response.content.decode()
    assert response.status_code == 200
    assert "名称过长：61 个字，最多 60 个字" in html
    assert "上图简称过长：21 个字，最多 20 个字" in html

    response = client.post(url, _form(long_named, short_name="工会驿站（北门店）"))
    assert response.status_code == 302
    change = StationChange.objects.filter(station=long_named).first()
    assert change.changes["short_name"] == ["", "工会驿站（北门店）"]
    assert change.changed_by == officer


def test_an_import_without_the_column_keeps_the_short_name(long_named, officer):
    station_short_name_set(
        station=long_named, short_name="工会驿站（北门店）", user=None, scope=NATIONAL
    )
    catalogue = Catalogue.load()
    raw = station_raw("L1", name=LONG, phone="0451-84600001", address="道里区中央大街2号")
    data = station_data_clean(raw, catalogue=catalogue, scope=NATIONAL)
    assert data.short_name is None
    _station, outcome = station_upsert(data=data, user=None, catalogue=catalogue, scope=NATIONAL)
    assert outcome == "updated"
    long_named.refresh_from_db()
    assert long_named.short_name == "工会驿站（北门店）"
    assert "short_name" not in StationChange.objects.filter(station=long_named).first().changes


def test_the_api_gives_the_short_name(client, long_named):
    station_short_name_set(
        station=long_named, short_name="工会驿站（北门店）", user=None, scope=NATIONAL
    )
    body = client.get("/api/v1/stations/L1").json()
    assert (body["name"], body["short_name"]) == (LONG, "工会驿站（北门店）")


# ---------------------------------------------------------------------------
# The 上图 page
# ---------------------------------------------------------------------------


def test_entering_the_short_name_on_the_page_puts_it_in_the_pack(
    client, long_named, fits, street_officer
):
    client.force_login(street_officer)
    url = reverse(LISTING_URL)
    html = client.get(url, {"platform": "baidu"}).content.decode()
    assert "名称 31 个字，超过百度地图的 20 个字上限" in html
    assert "1 个驿站名称超过 20 个字且没有上图简称" in html
    # The suggestion is in the input, for the officer to accept or edit.
    assert f'name="short_name" value="{SUGGESTED}"' in html
    assert f'form="short-name-form-{long_named.pk}"' in html
    # Not markable yet: no checkbox for it.
    assert f'name="station" value="{long_named.pk}"' not in html
    assert f'name="station" value="{fits.pk}"' in html

    response = client.post(
        url,
        {"platform": "baidu", "short_name_for": long_named.pk, "short_name": "工会驿站（北门店）"},
        follow=True,
    )
    html = response.content.decode()
    assert "已保存 L1 的上图简称“工会驿站（北门店）”" in html
    assert "没有上图简称" not in html
    assert f'name="station" value="{long_named.pk}"' in html
    change = StationChange.objects.filter(station=long_named).first()
    assert change.changes == {"short_name": ["", "工会驿站（北门店）"]}
    assert change.changed_by == street_officer

    pack = client.get(url, {"platform": "baidu", "download": 1})
    names = {r["驿站编号"]: r["名称"] for r in exports.read_sheet(pack.content, "上图清单")}
    assert names == {"L1": "工会驿站（北门店）", "F1": "兆麟公园工会驿站"}


def test_the_page_refuses_a_short_name_naming_the_limit(client, long_named, street_officer):
    client.force_login(street_officer)
    url = reverse(LISTING_URL)
    too_long = "工会驿站（经纬街道兆麟公园北门东侧服务店）"  # 21
    response = client.post(
        url, {"platform": "amap", "short_name_for": long_named.pk, "short_name": too_long}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"上图简称过长：{len(too_long)} 个字，最多 20 个字" in html
    assert f'value="{too_long}"' in html  # what was typed stays in the box
    response = client.post(
        url, {"platform": "amap", "short_name_for": long_named.pk, "short_name": "  "}
    )
    assert "请填写上图简称" in response.content.decode()
    long_named.refresh_from_db()
    assert long_named.short_name == ""


def test_another_regions_officer_cannot_set_a_short_name(client, make_station, street_officer):
    other = make_station("T1", region_code="230102010", name=LONG)
    client.force_login(street_officer)
    response = client.post(
        reverse(LISTING_URL),
        {"platform": "amap", "short_name_for": other.pk, "short_name": "工会驿站（通江店）"},
    )
    assert response.status_code == 404
    assert LONG not in client.get(reverse(LISTING_URL)).content.decode()
    other.refresh_from_db()
    assert other.short_name == ""
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied):
        station_short_name_set(
            station=other,
            short_name="工会驿站（通江店）",
            user=street_officer,
            scope=user_scope(user=street_officer),
        )
    assert not StationListing.objects.exists()


def test_saving_a_short_name_needs_the_csrf_token(long_named, street_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(street_officer)
    response = client.post(
        reverse(LISTING_URL),
        {"platform": "amap", "short_name_for": long_named.pk, "short_name": "工会驿站（北门店）"},
    )
    assert response.status_code == 403
    long_named.refresh_from_db()
    assert long_named.short_name == ""


def test_the_page_says_the_packs_words():
    from yizhan.stations.admin_views import WARNING_TEXTS

    assert {k: str(v) for k, v in WARNING_TEXTS.items()} == exports.WARNING_TEXTS


def test_a_ledgers_short_name_column_is_read_and_checked(regions):
    from yizhan.stations.io import imports
    from yizhan.stations.tests.test_import_export import HEADER, good_row, xlsx

    def check(rows):
        return imports.station_import_check(
            filename="ledger.xlsx",
            content=xlsx(rows),
            default_crs="wgs84",
            user=None,
            scope=NATIONAL,
        )

    refused = check(
        [
            [*HEADER, "上图简称"],
            [*good_row("A1", 名称=LONG), "驿" * 21],
            [*good_row("A2", 名称="驿" * 61), ""],
        ]
    )
    messages = {(e["row"], e["column"]): e["message"] for e in refused.report["errors"]}
    assert messages == {
        (2, "上图简称"): "上图简称过长：21 个字，最多 20 个字",
        (3, "名称"): "名称过长：61 个字，最多 60 个字",
    }
    good = check([[*HEADER, "上图简称"], [*good_row("A1", 名称=LONG), "工会驿站（北门店）"]])
    imports.station_import_commit(station_import=good, user=None, scope=NATIONAL)
    assert Station.objects.get(code="A1").short_name == "工会驿站（北门店）"
    # A later ledger without the column leaves it as it is.
    again = check([HEADER, good_row("A1", 名称=LONG, 地址="道里区中央大街9号")])
    imports.station_import_commit(station_import=again, user=None, scope=NATIONAL)
    station = Station.objects.get(code="A1")
    assert (station.short_name, station.address) == ("工会驿站（北门店）", "道里区中央大街9号")
