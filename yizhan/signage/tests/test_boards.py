"""The responsibility board (公示牌): what it prints, who may print it, and a region's
batch printed one board a page in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import override_settings

from yizhan.accounts.models import User
from yizhan.signage.qr import qr_verify
from yizhan.signage.selectors import board_data
from yizhan.stations.models import StationStaff, StationStatus
from yizhan.stations.tests.factories import (
    OfficerFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
# A Monday of an ordinary week (no holiday, no 调休).
TODAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
SITE = "https://yizhan.example.cn"


@pytest.fixture(autouse=True)
def _clock_and_site(settings):
    settings.YIZHAN = {**settings.YIZHAN, "SITE_URL": SITE, "COMPLAINT_LINE": "12351"}
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def station():
    return StationFactory(
        code="HRB-DL-001",
        name="兆麟公园工会驿站",
        region=RegionFactory(code="230102001"),
        address="哈尔滨市道里区兆麟街1号",
        opening_hours="Mo-Fr 08:00-18:00; Sa 09:00-12:00; PH off",
        phone="0451-84611111",
        services=["legal_aid"],
        staff=[
            ("master", "王建国", "13800000001"),
            ("administrator", "李红", ""),
            ("butler", "赵管家", "13800000009"),
        ],
    )


def staff_user(station, role: str = "administrator") -> User:
    user = UserFactory(role="staff")
    StationStaff.objects.create(station=station, role=role, name="账户人员", user=user)
    return user


def officer(code: str = "230102") -> User:
    return OfficerFactory(role="officer", region=RegionFactory(code=code))


def svgs(html: str) -> int:
    return len(re.findall(r"<svg\b", html))


def sheets(html: str) -> list[str]:
    """The station codes of the boards on a page, in order."""
    return re.findall(r'<article class="sheet[^"]*"[^>]*data-code="([^"]+)"', html)


# --------------------------------------------------------------------------- data


def test_board_data_reads_like_the_wall_board(station):
    b = board_data(station)
    assert (b.name, b.code, b.kind) == ("兆麟公园工会驿站", "HRB-DL-001", "固定驿站")
    assert [(w.days, w.hours) for w in b.hours_week] == [
        ("周一至周五", "08:00–18:00"),
        ("周六", "09:00–12:00"),
        ("周日", "休息"),
    ]
    assert b.hours_note == "法定节假日：休息。"
    assert b.hours_rule == "Mo-Fr 08:00-18:00; Sa 09:00-12:00; PH off"
    # Master and administrator only; a person without a phone gets the station's.
    assert [(p.role, p.name, p.phone) for p in b.people] == [
        ("站长", "王建国", "13800000001"),
        ("管理员", "李红", "0451-84611111"),
    ]
    assert (b.union, b.direct_union) == ("道里区总工会", "兆麟街道工会")
    assert b.complaint_line == "12351"
    assert "热水" in "".join(b.amenities) and b.services
    assert [q.caption for q in b.qrs] == ["扫码签到", "扫码评价", "问题反映", "扫码入会"]
    for q in b.qrs:
        assert q.url.startswith(SITE + f"/q/{q.purpose}/HRB-DL-001/")
        assert qr_verify(*q.url.removeprefix(SITE).strip("/").split("/")[1:])


def test_week_summary_for_round_the_clock_and_workday_stations():
    smart = StationFactory(opening_hours="24/7", kind="smart")
    assert [(w.days, w.hours) for w in board_data(smart).hours_week] == [("每天", "24小时开放")]
    assert board_data(smart).hours_note == "法定节假日照常开放。"
    office = StationFactory(opening_hours="Mo-Fr 09:00-17:00", keeps_workday_hours=True)
    assert "调休上班日按工作日时间开放" in board_data(office).hours_note
    assert board_data(office).hours_week[0].days == "周一至周五"


def test_station_in_a_district_has_no_street_union():
    b = board_data(StationFactory(region=RegionFactory(code="230103")))
    assert (b.union, b.direct_union) == ("南岗区总工会", "")


# --------------------------------------------------------------------------- pages


def test_staff_prints_their_board(client, station):
    client.force_login(staff_user(station, role="butler"))
    response = client.get(f"/staff/boards/s/{station.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "工会驿站 · 公示牌",
        "兆麟公园工会驿站",
        "HRB-DL-001",
        "周一至周五",
        "08:00–18:00",
        "王建国",
        "13800000001",
        "李红",
        "0451-84611111",
        "道里区总工会",
        "兆麟街道工会",
        "监督电话",
        "12351",
        "打印",
    ):
        assert text in html, text
    assert "赵管家" not in html  # a butler is not the person in charge
    assert svgs(html) == 4
    for caption in ("扫码签到", "扫码评价", "问题反映", "扫码入会"):
        assert caption in html
    assert "size: A4 portrait; margin: 12mm" in html
    assert 'src="/static/signage/board.js"' in html and "<script>" not in html


def test_a3_board(client, station):
    client.force_login(staff_user(station))
    html = client.get(f"/staff/boards/s/{station.code}/?size=a3").content.decode()
    assert "size: A3 portrait" in html and 'class="size-a3"' in html


def test_staff_of_another_station_gets_404(client, station):
    other = StationFactory()
    client.force_login(staff_user(other))
    assert client.get(f"/staff/boards/s/{station.code}/").status_code == 404
    assert client.get(f"/staff/boards/s/{other.code}/").status_code == 200


def test_officer_outside_the_region_gets_404(client, station):
    client.force_login(officer("230103"))
    assert client.get(f"/staff/boards/s/{station.code}/").status_code == 404
    client.force_login(officer("230102"))
    assert client.get(f"/staff/boards/s/{station.code}/").status_code == 200


def test_signed_out_goes_to_sign_in(client, station):
    response = client.get(f"/staff/boards/s/{station.code}/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_english_board_keeps_its_structure(client, station):
    client.force_login(staff_user(station))
    response = client.get(f"/en/staff/boards/s/{station.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert svgs(html) == 4 and sheets(html) == ["HRB-DL-001"]
    assert "王建国" in html and "12351" in html and "08:00–18:00" in html
    assert 'href="/staff/boards/s/HRB-DL-001/"' in html  # the way back to Chinese


# --------------------------------------------------------------------------- batch


@pytest.fixture
def daoli():
    stations = [
        StationFactory(code="HRB-DL-013", region=RegionFactory(code="230102001")),
        StationFactory(code="HRB-DL-002", region=RegionFactory(code="230102010")),
        StationFactory(code="HRB-DL-007", region=RegionFactory(code="230102")),
    ]
    StationFactory(code="HRB-DL-050", status=StationStatus.SUSPENDED)
    StationFactory(code="HRB-NG-001", region=RegionFactory(code="230103"))
    return stations


def test_region_batch_prints_the_subtrees_active_stations_one_page_each(client, daoli):
    client.force_login(officer("230102"))
    response = client.get("/staff/boards/region/230102/")
    html = response.content.decode()
    assert response.status_code == 200
    assert sheets(html) == ["HRB-DL-002", "HRB-DL-007", "HRB-DL-013"]
    assert svgs(html) == 12
    assert "共 3 块公示牌" in html
    css = (__import__("pathlib").Path(__file__).parents[1] / "static/signage/board.css").read_text()
    assert "break-after: page" in css


def test_street_batch_and_scope(client, daoli):
    client.force_login(officer("230102001"))
    html = client.get("/staff/boards/region/230102001/").content.decode()
    assert sheets(html) == ["HRB-DL-013"]
    # Up the tree, a sibling, an unknown code: none of the street officer's business.
    for code in ("230102", "230102010", "230103", "999999"):
        assert client.get(f"/staff/boards/region/{code}/").status_code == 404


def test_station_staff_cannot_batch_print(client, daoli):
    user = staff_user(daoli[0])
    user.region = RegionFactory(code="230102")
    user.save()
    client.force_login(user)
    assert client.get("/staff/boards/region/230102/").status_code == 404


def test_superuser_prints_anywhere(client, daoli):
    client.force_login(User.objects.create_superuser("root", password="pw-root-12345"))
    html = client.get("/staff/boards/region/2301/").content.decode()
    assert len(sheets(html)) == 4


def test_region_batch_queries_do_not_grow_with_stations(client, django_assert_max_num_queries):
    street = RegionFactory(code="230102001")
    for i in range(40):
        StationFactory(
            region=street,
            staff=[("master", f"站长{i}", f"1380000{i:04d}"), ("administrator", f"管理{i}")],
            services=["legal_aid"],
        )
    client.force_login(officer("230102"))
    with django_assert_max_num_queries(12):
        response = client.get("/staff/boards/region/230102/")
    assert len(sheets(response.content.decode())) == 40


def test_index_lists_regions_in_scope_and_own_stations(client, station):
    RegionFactory(code="230102010")
    client.force_login(officer("230102"))
    html = client.get("/staff/boards/").content.decode()
    assert 'href="/staff/boards/region/230102/?size=a4"' in html
    assert 'href="/staff/boards/region/230102001/?size=a4"' in html
    assert 'href="/staff/boards/region/230102010/?size=a3"' in html
    assert "/staff/boards/region/230103/" not in html
    client.force_login(staff_user(station))
    html = client.get("/staff/boards/").content.decode()
    assert f'href="/staff/boards/s/{station.code}/?size=a4"' in html
    assert "/staff/boards/region/" not in html


# --------------------------------------------------------------------------- API


def test_api_returns_the_board_to_those_who_may_see_it(client, station):
    url = f"/api/v1/boards/{station.code}"
    assert client.get(url).status_code == 401
    client.force_login(staff_user(station))
    body = client.get(url).json()
    assert body["name"] == "兆麟公园工会驿站" and body["union"] == "道里区总工会"
    assert body["people"][0] == {"role": "站长", "name": "王建国", "phone": "13800000001"}
    assert [q["purpose"] for q in body["qrs"]] == ["checkin", "rate", "report", "join"]
    assert body["qrs"][0]["url"].startswith(SITE + "/q/checkin/HRB-DL-001/")
    assert "svg" not in body["qrs"][0]  # the client draws the codes from the URLs
    assert body["hours_week"][0] == {"days": "周一至周五", "hours": "08:00–18:00"}
    client.force_login(staff_user(StationFactory()))
    assert client.get(url).status_code == 404
    client.force_login(officer("230103"))
    assert client.get(url).status_code == 404
    client.force_login(officer("230102"))
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/boards/NOPE-001").status_code == 404


@override_settings(LANGUAGE_CODE="zh-hans")
def test_board_page_escapes_station_text(client):
    s = StationFactory(name="<b>驿站</b>", address="<script>x</script>")
    client.force_login(staff_user(s))
    html = client.get(f"/staff/boards/s/{s.code}/").content.decode()
    assert "<script>x</script>" not in html and "&lt;b&gt;驿站&lt;/b&gt;" in html


def test_a_full_board_is_set_smaller(client, station):
    assert not board_data(station).dense
    StationStaff.objects.create(station=station, role="administrator", name="周五", phone="")
    assert board_data(station).dense
    client.force_login(staff_user(station, role="contact"))
    html = client.get(f"/staff/boards/s/{station.code}/").content.decode()
    assert '<article class="sheet dense"' in html
