"""Staff pages, walked with the Django test client as a station master, a volunteer and
officers would."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from yizhan.stations.tests.factories import RegionFactory, StationFactory
from yizhan.supplies.models import StockBatch, StockMovement
from yizhan.supplies.services import stock_restock

from .conftest import TODAY


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def client_id(html: str) -> str:
    return re.search(r'name="client_id" value="([0-9a-f-]{36})"', html).group(1)  # type: ignore[union-attr]


def usable(html: str, code: str) -> int:
    card = html.split(f'data-item="{code}"', 1)[1]
    return int(re.search(r"data-usable>(\d+)<", card).group(1))  # type: ignore[union-attr]


def test_master_restocks_and_volunteer_uses(world, item):
    master = signed_in(world.master)
    page = reverse("supplies:station", args=[world.station.code])
    assert "本站还没有登记物资" in master.get(page).content.decode()

    restock_url = reverse("supplies:restock", args=[world.station.code])
    form = master.get(restock_url + "?item=huoxiang").content.decode()
    assert 'type="date"' in form and 'value="huoxiang" selected' in form
    data = {
        "item": "huoxiang",
        "quantity": "12",
        "batch_no": "HX2607",
        "expires_on": (TODAY + dt.timedelta(days=90)).isoformat(),
        "client_id": client_id(form),
    }
    response = master.post(restock_url, data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page
    assert "已入库 藿香正气水 12盒" in html
    assert usable(html, "huoxiang") == 12
    # A double tap on the same form: still 12.
    master.post(restock_url, data)
    assert usable(master.get(page).content.decode(), "huoxiang") == 12

    volunteer = signed_in(world.volunteer)
    html = volunteer.get(page).content.decode()
    assert reverse("supplies:restock", args=[world.station.code]) not in html
    use_url = reverse("supplies:use", args=[world.station.code, "huoxiang"])
    cid = client_id(volunteer.get(use_url).content.decode())
    response = volunteer.post(use_url, {"quantity": "5", "client_id": cid}, follow=True)
    assert "已领用 藿香正气水 5盒" in response.content.decode()
    assert usable(response.content.decode(), "huoxiang") == 7
    volunteer.post(use_url, {"quantity": "5", "client_id": cid})
    assert usable(volunteer.get(page).content.decode(), "huoxiang") == 7

    # Too many: the error sits next to the quantity field and nothing changes.
    fresh = client_id(volunteer.get(use_url).content.decode())
    assert fresh != cid
    response = volunteer.post(use_url, {"quantity": "8", "client_id": fresh})
    assert response.status_code == 422
    assert re.search(r'data-field="quantity"><li>可用库存只有 7盒', response.content.decode())
    assert usable(volunteer.get(page).content.decode(), "huoxiang") == 7

    history = master.get(reverse("supplies:history", args=[world.station.code])).content.decode()
    assert history.count('data-kind="restock"') == 1 and history.count('data-kind="use"') == 1
    assert "-5 盒" in history and "+12 盒" in history


def test_restock_with_past_date_shows_the_error_at_the_date(world):
    master = signed_in(world.master)
    url = reverse("supplies:restock", args=[world.station.code])
    response = master.post(
        url,
        {"item": "band-aid", "quantity": "3", "expires_on": "2026-06-30", "client_id": ""},
    )
    assert response.status_code == 422
    assert 'data-field="expires_on"><li>有效期已过' in response.content.decode()
    assert not StockBatch.objects.exists()


def test_volunteer_cannot_open_restock_discard_or_count(world, item):
    batch = stock_restock(
        user=world.master, station=world.station, item=item("raincoat"), quantity=3
    ).batch
    volunteer = signed_in(world.volunteer)
    code = world.station.code
    assert volunteer.get(reverse("supplies:restock", args=[code])).status_code == 403
    discard = reverse("supplies:discard", args=[code, batch.pk])
    assert volunteer.post(discard, {f"discard-{batch.pk}-quantity": "1"}).status_code == 403
    assert volunteer.post(reverse("supplies:count", args=[code, batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.quantity == 3


def test_staff_of_another_station_get_404(world):
    other = signed_in(world.other_master)
    code = world.station.code
    for url in (
        reverse("supplies:station", args=[code]),
        reverse("supplies:history", args=[code]),
        reverse("supplies:use", args=[code, "water"]),
        reverse("supplies:restock", args=[code]),
    ):
        assert other.get(url).status_code == 404, url
    assert other.get(reverse("supplies:station", args=[world.other.code])).status_code == 200


def test_signed_out_goes_to_sign_in(world):
    response = Client().get(reverse("supplies:station", args=[world.station.code]))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_master_discards_an_expired_batch_from_the_item_page(world, item):
    batch = stock_restock(
        user=world.master,
        station=world.station,
        item=item("cold-medicine"),
        quantity=4,
        batch_no="GM1",
        expires_on=TODAY + dt.timedelta(days=3),
    ).batch
    StockBatch.objects.filter(pk=batch.pk).update(expires_on=TODAY - dt.timedelta(days=2))
    master = signed_in(world.master)
    station_html = master.get(reverse("supplies:station", args=[world.station.code])).content
    assert 'data-state="expired"' in station_html.decode()
    assert "1 项有过期" in station_html.decode()
    item_url = reverse("supplies:item", args=[world.station.code, "cold-medicine"])
    html = master.get(item_url).content.decode()
    assert "已过期 2 天" in html
    prefix = f"discard-{batch.pk}"
    cid = re.search(rf'name="{prefix}-client_id" value="([0-9a-f-]+)"', html).group(1)  # type: ignore[union-attr]
    bad = master.post(
        reverse("supplies:discard", args=[world.station.code, batch.pk]),
        {f"{prefix}-quantity": "5", f"{prefix}-reason": "已过期", f"{prefix}-client_id": cid},
    )
    assert bad.status_code == 422 and "该批次只剩 4盒" in bad.content.decode()
    response = master.post(
        reverse("supplies:discard", args=[world.station.code, batch.pk]),
        {f"{prefix}-quantity": "4", f"{prefix}-reason": "已过期", f"{prefix}-client_id": cid},
        follow=True,
    )
    assert "已报废 感冒药 4盒" in response.content.decode()
    assert StockMovement.objects.filter(kind="discard").get().quantity == -4
    batch.refresh_from_db()
    assert batch.quantity == 0


def test_stocktake_and_minimum_from_the_item_page(world, item):
    batch = stock_restock(
        user=world.master, station=world.station, item=item("raincoat"), quantity=10
    ).batch
    master = signed_in(world.master)
    code = world.station.code
    response = master.post(
        reverse("supplies:count", args=[code, batch.pk]),
        {f"count-{batch.pk}-counted": "8"},
        follow=True,
    )
    assert "差异 -2件 已记录" in response.content.decode()
    response = master.post(
        reverse("supplies:min_level", args=[code, "raincoat"]), {"min_level": "9"}, follow=True
    )
    html = master.get(reverse("supplies:station", args=[code])).content.decode()
    assert 'data-item="raincoat" data-state="low"' in html


@pytest.fixture
def expiring(world, item):  # type: ignore[no-untyped-def]
    """Stock expiring at the Daoli station, at a Nangang station and at a second Daoli
    street's station."""
    tongjiang = StationFactory(
        code="HRB-DL-T03", name="通江测试驿站", region=RegionFactory(code="230102010")
    )
    for station, code, days in (
        (world.station, "huoxiang", 5),
        (world.station, "water", 200),
        (tongjiang, "band-aid", 25),
        (world.other, "iodophor", 3),
    ):
        stock_restock(
            user=world.officer if station != world.other else world.other_officer,
            station=station,
            item=item(code),
            quantity=6,
            batch_no=f"{station.code}-{code}",
            expires_on=TODAY + dt.timedelta(days=days),
        )
    return tongjiang


def test_region_page_shows_only_the_officers_subtree(world, expiring):
    officer = signed_in(world.officer)
    url = reverse("supplies:region")
    html = officer.get(url).content.decode()
    assert "兆麟测试驿站" in html and "通江测试驿站" in html
    assert "花园测试驿站" not in html  # 南岗区: another officer's
    assert "饮用水" not in html  # 200 days away
    assert html.index("藿香正气水") < html.index("创可贴")  # soonest first
    week = officer.get(url, {"days": "7"}).content.decode()
    assert "藿香正气水" in week and "创可贴" not in week
    street = officer.get(url, {"region": "230102010"}).content.decode()
    assert "通江测试驿站" in street and "兆麟测试驿站" not in street
    # A region outside the scope is not offered and not applied.
    outside = officer.get(url, {"region": "230103001"}).content.decode()
    assert "花园测试驿站" not in outside

    nangang = signed_in(world.other_officer).get(url).content.decode()
    assert "花园测试驿站" in nangang and "兆麟测试驿站" not in nangang
    assert signed_in(world.master).get(url).status_code == 403


def test_region_export_has_the_rows(world, expiring):
    officer = signed_in(world.officer)
    response = officer.get(reverse("supplies:region"), {"days": "60", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("驿站编号", "驿站名称", "所属区划", "物资")
    body = rows[2:]
    assert [(r[0], r[3], r[7]) for r in body] == [
        ("HRB-DL-T01", "藿香正气水", 6),
        ("HRB-DL-T03", "创可贴", 6),
    ]
    assert body[0][5].date() == TODAY + dt.timedelta(days=5)
    assert body[0][9] == "临期"
