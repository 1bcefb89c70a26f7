"""The finder's pages as a phone without JavaScript gets them: the search form, the list
of cards with their state and directions, a station's page, the route page, English
under /en/, mistakes shown with their field, and station data always escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

from geoplan.crs import CRS, from_wgs84
from yizhan.finder.tests.conftest import ORIGIN_LAT, ORIGIN_LON, local, north
from yizhan.stations.models import StationClosure
from yizhan.stations.tests.factories import RegionFactory, StationFactory

pytestmark = pytest.mark.django_db
HERE = {"lat": ORIGIN_LAT, "lon": ORIGIN_LON}
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
PO = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> Iterator[None]:
    """English needs the compiled catalogue (build output, not committed)."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command(
            "compilemessages", ignore_patterns=[".venv", "node_modules", "var"], verbosity=0
        )
        trans_real._translations = {}
        trans_real._default = None
    yield


@pytest.fixture
def tuesday_night() -> Iterator[None]:
    """Tuesday 2026-03-10, 21:00 in Harbin: day stations have closed."""
    with time_machine.travel(local(2026, 3, 10, 21, 0)):
        yield


@pytest.fixture
def street(tuesday_night):
    StationFactory(
        code="HOME",
        name="中央大街驿站",
        address="道里区中央大街1号",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        opening_hours="Mo-Su 08:00-20:00",
        amenities=["charging", "hot_water"],
    )
    StationFactory(
        code="BROKEN",
        name="西十二道街驿站",
        address="道里区西十二道街5号",
        lat=north(200),
        lon=ORIGIN_LON,
        opening_hours="24/7",
        amenities=[("charging", "out_of_order", "插座烧了"), "hot_water"],
    )
    StationFactory(
        code="NOCHARGE",
        name="红专街驿站",
        address="道里区红专街8号",
        lat=north(300),
        lon=ORIGIN_LON,
        opening_hours="24/7",
        amenities=["hot_water"],
    )
    StationFactory(
        code="NIGHT",
        name="防洪纪念塔智能驿站",
        address="道里区斯大林公园",
        kind="smart",
        lat=north(500),
        lon=ORIGIN_LON,
        opening_hours="24/7",
        star_level=4,
        amenities=["charging", "toilet"],
    )
    StationFactory(
        code="GONE",
        name="已暂停驿站",
        status="suspended",
        lat=north(100),
        lon=ORIGIN_LON,
    )


def cards(html: str) -> list[str]:
    """The result cards of a page, in order."""
    return html.split('<li class="card ')[1:]


def card_codes(html: str) -> list[str]:
    return [re.search(r'<h3><a href="/(?:en/)?s/([^/]+)/">', c)[1] for c in cards(html)]


def hrefs(fragment: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', fragment)]


def page(client, path: str, params: dict | None = None, status: int = 200) -> str:
    response = client.get(path, params or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


# --------------------------------------------------------------------------- home


def test_home_without_a_location_shows_the_form(client, street):
    html = page(client, "/")
    assert '<form class="search" method="get" action="/" id="search-form">' in html
    assert "找最近的工会驿站" in html
    assert 'name="q"' in html
    assert 'value="charging"' in html and "手机充电" in html  # one-tap filter, in Chinese
    assert cards(html) == []


def test_open_now_with_charging(client, street):
    html = page(client, "/", {**HERE, "open_now": "1", "amenity": "charging"})
    # HOME has closed (20:00), BROKEN's charger is out of order, NOCHARGE has none.
    assert card_codes(html) == ["NIGHT"]
    (night,) = cards(html)
    assert night.startswith("state-open")
    assert "24小时开放" in night
    assert "500 米" in night
    # 500 m × 1.3 = 650 m: 8.7 → 9 min on foot, 2.6 → 3 min by e-bike.
    assert "步行约 9 分钟" in night and "电动车约 3 分钟" in night
    # The chips keep what was chosen.
    assert re.search(r'name="open_now" value="1" checked', html)
    assert re.search(r'name="amenity" value="charging" checked', html)


def test_cards_link_to_amap_baidu_and_any_map_app(client, street):
    html = page(client, "/", {**HERE, "open_now": "1", "amenity": "charging"})
    links = hrefs(cards(html)[0])
    lon, lat = ORIGIN_LON, north(500)
    amap = [h for h in links if h.startswith("https://uri.amap.com/")]
    baidu = [h for h in links if h.startswith("https://api.map.baidu.com/")]
    geo = [h for h in links if h.startswith("geo:")]
    assert len(amap) == len(baidu) == len(geo) == 1
    g_lon, g_lat = from_wgs84(lon, lat, CRS.GCJ02)
    to = parse_qs(urlparse(amap[0]).query)["to"][0]
    assert to == f"{g_lon:.6f},{g_lat:.6f},防洪纪念塔智能驿站"
    b_lon, b_lat = from_wgs84(lon, lat, CRS.BD09)
    assert parse_qs(urlparse(baidu[0]).query)["location"][0] == f"{b_lat:.6f},{b_lon:.6f}"
    assert geo[0].startswith(f"geo:{lat:.6f},{lon:.6f}")
    assert "/s/NIGHT/" in links


def test_all_stations_with_their_state(client, street):
    html = page(client, "/", HERE)
    assert card_codes(html) == ["HOME", "BROKEN", "NOCHARGE", "NIGHT"]  # GONE is suspended
    home, broken, _nocharge, _night = cards(html)
    assert home.startswith("state-closed")
    assert "已关门，明天 08:00 开门" in home
    # Out of order: listed, marked, with the reason.
    assert re.search(r'<li class="broken">手机充电<span class="why">（故障：插座烧了）', broken)
    assert "<li>热水</li>" in broken


def test_search_by_place_name(client, street):
    html = page(client, "/", {"q": "红专街驿站"})
    assert "“红专街驿站”附近" in html
    assert card_codes(html)[0] == "NOCHARGE"
    assert "0 米" in cards(html)[0]
    # Nearest to 红专街 (300 m north): BROKEN at 100 m, NIGHT and HOME at 200 and 300 m.
    assert card_codes(html) == ["NOCHARGE", "BROKEN", "NIGHT", "HOME"]


def test_search_for_an_unknown_place(client, street):
    html = page(client, "/", {"q": "火星基地"})
    assert "找不到“火星基地”" in html
    assert cards(html) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({**HERE, "radius_m": "abc"}, "radius_m"),
        ({**HERE, "radius_m": "0"}, "radius_m"),
        ({"lat": ORIGIN_LON, "lon": ORIGIN_LAT}, "lon"),
        ({"lat": "abc", "lon": ORIGIN_LON}, "lat"),
        ({**HERE, "amenity": "jacuzzi"}, "amenity"),
        ({**HERE, "at": "2026-03-01T10:00"}, "at"),
        ({**HERE, "limit": "500"}, "limit"),
    ],
)
def test_bad_input_names_the_field(client, street, params, field):
    html = page(client, "/", params, status=422)
    assert 'class="errors" role="alert"' in html
    assert f"<code>{field}</code>" in html
    assert cards(html) == []


# --------------------------------------------------------------------------- English


def chinese_outside(html: str, data: list[str]) -> set[str]:
    """Chinese left once the stations' own data (entered in Chinese) is taken out."""
    for text in sorted(data, key=len, reverse=True):
        html = html.replace(text, "")
    return set(CHINESE.findall(html)) - {"中文"}  # the switch names its language in it


STATION_DATA = [
    "中央大街驿站",
    "道里区中央大街1号",
    "西十二道街驿站",
    "道里区西十二道街5号",
    "插座烧了",
    "红专街驿站",
    "道里区红专街8号",
    "防洪纪念塔智能驿站",
    "道里区斯大林公园",
    "兆麟街道",
]


@pytest.mark.parametrize(
    "params",
    [{}, HERE, {**HERE, "open_now": "1", "amenity": "charging"}, {"lat": "x", "lon": "1"}],
)
def test_english_home(client, street, params):
    response = client.get("/en/", params)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Phone charging" in html
    assert chinese_outside(html, STATION_DATA) == set()


def test_english_cards_and_station_page(client, street):
    html = page(client, "/en/", HERE)
    assert card_codes(html) == ["HOME", "BROKEN", "NOCHARGE", "NIGHT"]
    home = cards(html)[0]
    assert "Closed, opens tomorrow 08:00" in home
    assert 'href="/en/s/HOME/"' in home
    station = page(client, "/en/s/BROKEN/")
    assert "Phone charging" in station
    assert chinese_outside(station, STATION_DATA) == set()
    assert re.search(r"<th scope=\"row\">03-10 Tue", station)


# --------------------------------------------------------------------------- station page


@pytest.fixture
def office(db):
    return StationFactory(
        code="W1",
        name="工会服务站",
        lat=ORIGIN_LAT,
        lon=ORIGIN_LON,
        opening_hours="Mo-Fr 09:00-17:00",
        keeps_workday_hours=True,
        amenities=["hot_water", ("microwave", "out_of_order", "门坏")],
        staff=[("master", "王站长")],
    )


def test_station_page_week_amenities_directions_share(client, office):
    StationClosure.objects.create(
        station=office,
        starts_at=local(2026, 9, 29, 12, 0),
        ends_at=local(2026, 9, 29, 15, 0),
        reason="培训",
    )
    with time_machine.travel(local(2026, 9, 28, 10, 0)):
        html = page(client, "/s/W1/")
    assert "<h1>工会服务站</h1>" in html
    assert "开放中，17:00 关门" in html
    table = html[html.index('<table class="week">') : html.index("</table>")]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</td>", table, re.S)
    assert len(rows) == 7
    assert rows[0].startswith("09-28 周一") and "(今天)" in rows[0]
    assert "09:00–17:00" in rows[0]
    assert "09:00–12:00, 15:00–17:00" in rows[1] and "临时关闭至 15:00：培训" in rows[1]
    assert "10-01 周四" in rows[3]
    assert "国庆节" in rows[3] and "不开放" in rows[3]
    assert re.search(r'<li class="broken">微波炉<span class="why">（故障：门坏）', html)
    contact = html[html.index('<ul class="contact">') :]
    contact = contact[: contact.index("</ul>")]
    assert "站长" in contact.replace("王站长", "") and "王站长" in contact
    share = re.search(r'<a href="([^"]+)" id="share-link">', html)
    assert share and share[1] == "http://testserver/s/W1/"
    links = hrefs(html)
    assert any(h.startswith("https://uri.amap.com/navigation?") for h in links)
    assert any(h.startswith(f"geo:{ORIGIN_LAT:.6f},{ORIGIN_LON:.6f}") for h in links)


def test_station_page_shows_the_make_up_working_day(client, office):
    with time_machine.travel(local(2026, 10, 4, 10, 0)):
        html = page(client, "/s/W1/")
    table = html[html.index('<table class="week">') : html.index("</table>")]
    saturday = re.search(r"10-10 周六.*?</td>", table, re.S)[0]
    assert "调休上班" in saturday and "09:00–17:00" in saturday


def test_station_page_404(client, street):
    for code in ("NOPE", "GONE"):
        assert client.get(f"/s/{code}/").status_code == 404


# --------------------------------------------------------------------------- route


@pytest.fixture
def corridor(tuesday):
    StationFactory(code="START", name="起点驿站", lat=ORIGIN_LAT, lon=ORIGIN_LON)
    StationFactory(code="FIVE", name="五公里驿站", lat=north(5000), lon=ORIGIN_LON + 0.001)
    StationFactory(code="TWO", name="两公里驿站", lat=north(2000), lon=ORIGIN_LON - 0.001)
    StationFactory(code="END", name="终点驿站", lat=north(8000), lon=ORIGIN_LON)
    StationFactory(code="ASIDE", name="远处驿站", lat=north(4000), lon=ORIGIN_LON + 0.05)


def test_route_between_two_places_in_route_order(client, corridor):
    html = page(client, "/route/", {"start": "起点驿站", "end": "终点驿站"})
    assert card_codes(html) == ["START", "TWO", "FIVE", "END"]
    assert "全程 8.0 公里，沿途 4 个驿站" in html
    start, two = cards(html)[:2]
    # How far along the route from its start, and how far off it (0.001° of longitude
    # here is 78 m): two different numbers, each said for what it is.
    assert "距起点 0 米处" in start and "就在路线上" in start
    assert "距起点 2.0 公里处" in two
    assert "离路线 78 米，拐过去步行约 2 分钟、电动车约 1 分钟" in two


def test_route_errors_are_sentences_not_field_names(client, corridor):
    html = page(client, "/route/", {"start": "火星基地", "end": "终点驿站"}, status=422)
    assert "没有找到“火星基地”，请换个说法或在地图上点选。" in html
    html = page(client, "/route/", {"route": f"{ORIGIN_LON},{ORIGIN_LAT}"}, status=422)
    assert "路线：至少需要起点和终点两个点" in html
    html = page(client, "/route/", {"route": "1,2;3,4", "max_off_m": "9999"}, status=422)
    assert "最多偏离路线：应在 10 到 3000 之间" in html
    assert "<code>" not in html and "max_off_m</" not in html


def test_route_page_without_a_route_shows_the_form(client, corridor):
    html = page(client, "/route/")
    assert 'id="route-form"' in html and cards(html) == []


# --------------------------------------------------------------------------- escaping

EVIL = '<script>alert("x")</script>驿站'


def test_station_names_are_escaped(client, tuesday):
    RegionFactory(code="230102001")
    StationFactory(code="EVIL", name=EVIL, address="<b>地址</b>", lat=ORIGIN_LAT, lon=ORIGIN_LON)
    for path, params in [
        ("/", HERE),
        ("/", {"q": "alert"}),
        ("/s/EVIL/", {}),
        ("/route/", {"route": f"{ORIGIN_LON},{ORIGIN_LAT};{ORIGIN_LON},{north(1000)}"}),
    ]:
        html = page(client, path, params)
        assert "<script>alert" not in html, path
        assert "<b>地址</b>" not in html, path
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;驿站" in html, path


def test_typed_text_is_escaped(client, tuesday):
    html = page(client, "/", {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = page(client, "/route/", {"start": "<img src=x onerror=alert(1)>", "end": "b"}, 422)
    assert "<img src=x" not in html


def test_route_between_places_ignores_the_drawn_routes_crs(client, corridor):
    """Place search answers in WGS-84; a crs left in the form by an earlier drawn route
    (GCJ-02 on Amap tiles) must not shift the start and end."""
    plain = page(client, "/route/", {"start": "起点驿站", "end": "终点驿站"})
    shifted = page(client, "/route/", {"start": "起点驿站", "end": "终点驿站", "crs": "gcj02"})
    assert card_codes(shifted) == card_codes(plain) == ["START", "TWO", "FIVE", "END"]


def test_unknown_hours_are_said_plainly(client, tuesday):
    from yizhan.stations.models import Station

    StationFactory(code="ODD", name="时间不明驿站", lat=ORIGIN_LAT, lon=ORIGIN_LON)
    Station.objects.filter(code="ODD").update(opening_hours="Mo-Fx 08:00-18:00")
    html = page(client, "/", HERE)
    (card,) = cards(html)
    assert card.startswith("state-unknown") and "开放时间未知" in card
    assert cards(page(client, "/", {**HERE, "open_now": "1"})) == []
    station = page(client, "/s/ODD/")
    assert "开放时间未知，请先电话确认。" in station


def test_station_page_words_its_hours_and_leaves_out_the_console(client, street):
    StationFactory(
        code="OWL",
        name="夜班驿站",
        lat=north(700),
        lon=ORIGIN_LON,
        opening_hours="Mo-Su 18:00-08:00; PH off",
    )
    html = page(client, "/s/OWL/")
    assert "每天 18:00–次日 08:00；法定节假日休息" in html
    assert "Mo-Su" not in html and "PH off" not in html
    assert "管理后台" not in html and "驿站工作人员入口" in html
    english = page(client, "/en/s/OWL/")
    assert "Daily 18:00–08:00 next day; public holidays closed" in english
