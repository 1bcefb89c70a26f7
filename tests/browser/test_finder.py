"""A rider on a 360-px phone finds a station the way the issue describes it: locate,
tap "open now" and "charging", open the nearest station, follow a directions link —
in Chinese and in English. Screenshots go to var/test-screenshots/finder-*.png."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.management import call_command
from playwright.sync_api import Page, Route, expect

from geoplan.crs import CRS, from_wgs84
from yizhan.core.time import SHANGHAI
from yizhan.stations.models import Station

pytestmark = pytest.mark.browser
# Central Street (中央大街), Harbin: the demo city's busiest corner.
HERE = {"latitude": 45.7733, "longitude": 126.6175}

WORDS = {
    "zh": {
        "prefix": "",
        "locate": "使用我的位置",
        "results": "附近驿站",
        "open_now": "现在开放",
        "charging": "手机充电",
        "amap": "高德导航",
        "week": "未来一周开放时间",
    },
    "en": {
        "prefix": "/en",
        "locate": "Use my location",
        "results": "Stations nearby",
        "open_now": "Open now",
        "charging": "Phone charging",
        "amap": "Amap directions",
        "week": "Opening hours, coming week",
    },
}


@pytest.fixture
def demo(transactional_db: None, tmp_path: Path) -> None:
    # A transactional test's flush removes what data migrations seeded: seed it again.
    seed = importlib.import_module("yizhan.stations.migrations.0002_amenity_service_catalogue")
    seed.seed(django_apps, None)
    call_command(
        "demo_city", "--seed", "7", "--registry-only", "--credentials-file", str(tmp_path / "c.txt")
    )


def no_tiles(page: Page) -> None:
    # No internet here; the list must work without tiles anyway.
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rider_finds_open_station_with_charging_and_gets_directions(
    mobile_page: Page, demo: None, lang: str, screenshot: Callable[[Page, str], Path]
) -> None:
    page, w = mobile_page, WORDS[lang]
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(HERE)
    no_tiles(page)

    page.goto(w["prefix"] + "/")
    page.get_by_role("button", name=w["locate"]).click()
    expect(page.get_by_role("heading", name=w["results"])).to_be_visible()
    assert "lat=45.773" in page.url
    screenshot(page, f"finder-{lang}-1-located")

    for chip in (w["open_now"], w["charging"]):
        with page.expect_navigation():
            page.locator("label.chip", has_text=chip).first.click()
    query = parse_qs(urlparse(page.url).query)
    assert query["open_now"] == ["1"] and query["amenity"] == ["charging"]
    cards = page.locator("ol.cards > li")
    expect(cards.first).to_be_visible()
    count = cards.count()
    assert count >= 1
    # Every result is open now and has a working charger (not struck through).
    assert page.locator("ol.cards > li.state-open").count() == count
    for i in range(count):
        working = cards.nth(i).locator("ul.amenities li:not(.broken)", has_text=w["charging"])
        expect(working).to_have_count(1)
    # The 360-px page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"finder-{lang}-2-open-charging")

    first = cards.first.locator("h3 a")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name=w["week"])).to_be_visible()
    expect(page.locator("table.week tbody tr")).to_have_count(7)
    screenshot(page, f"finder-{lang}-3-station")

    # Directions open Amap with the station in Amap's own coordinates (GCJ-02).
    station = Station.objects.get(name=name)
    g_lon, g_lat = from_wgs84(station.lon, station.lat, CRS.GCJ02)
    asked: list[str] = []

    def amap(route: Route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Amap</title>")

    page.route("https://uri.amap.com/**", amap)
    page.get_by_role("link", name=w["amap"]).first.click()
    page.wait_for_url("https://uri.amap.com/**")
    to = parse_qs(urlparse(asked[0]).query)["to"][0].split(",")
    assert abs(float(to[0]) - g_lon) < 1e-5 and abs(float(to[1]) - g_lat) < 1e-5
    assert to[2] == name


def test_list_works_without_javascript(browser, live_server, demo: None) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto("/?q=中央大街")
    expect(page.locator("ol.cards > li").first).to_be_visible()
    page.locator("label.chip", has_text="现在开放").click()
    page.get_by_role("button", name="筛选").click()
    assert "open_now=1" in page.url
    context.close()


def test_rider_draws_a_route_on_the_map_and_gets_stations_in_route_order(
    mobile_page: Page, demo: None, screenshot: Callable[[Page, str], Path]
) -> None:
    page = mobile_page
    no_tiles(page)
    page.goto("/route/")
    page.get_by_text("或在地图上画路线").click()
    drawing = page.locator("#draw-map")
    expect(drawing).to_be_visible()
    box = drawing.bounding_box()
    assert box is not None
    # Two taps across the middle of the map (the demo city's centre): a west–east route.
    page.mouse.click(box["x"] + 30, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + box["height"] / 2)
    assert page.locator("#route").input_value().count(";") == 1
    page.get_by_label("最多偏离路线（米）").select_option("2000")
    page.get_by_role("button", name="查找沿途驿站").click()
    expect(page.get_by_role("heading", name=re.compile("全程"))).to_be_visible()
    cards = page.locator("ol.cards > li")
    expect(cards.first).to_be_visible()
    # "距起点 850 米处" / "距起点 1.2 公里处": how far along the route from its start; in
    # route order within the open stations, and within the folded rest.
    for group in ("ol.cards[aria-labelledby=open-title]", "details.later-group ol.cards"):
        along = from_start(page.locator(f"{group} > li .dist").all_text_contents())
        assert along == sorted(along)
    screenshot(page, "finder-zh-4-route")


def from_start(labels: list[str]) -> list[float]:
    """Metres from the route's start in "距起点 1.2 公里处" or "1.2 km from the start"."""
    out = []
    for label in labels:
        m = re.search(r"([\d.]+) (米|公里|m|km)", label)
        assert m, label
        out.append(float(m[1]) * (1000 if m[2] in ("公里", "km") else 1))
    return out


ROUTE_WORDS = {
    "zh": {
        "prefix": "",
        "wrong": "哈尔滨东站",
        "not_found": "没有找到“哈尔滨东站”，请换个说法或在地图上点选。",
        "suggestion": "哈尔滨站",
        "found": "找到：哈尔滨站",
        "go": "查找沿途驿站",
        "later": "到达时关门或时间不明",
        "hours": "开放时间：",
    },
    "en": {
        "prefix": "/en",
        "wrong": "Harbin East Station",
        "not_found": "“Harbin East Station” was not found. Try other words, or tap the place",
        "suggestion": "Harbin Railway Station",
        "found": "Found: Harbin Railway Station",
        "go": "Find stations on the route",
        "later": "Closed or hours unknown when you get there",
        "hours": "Hours: ",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rider_goes_from_a_landmark_to_a_station_and_sees_open_ones_first(
    mobile_page: Page, demo: None, lang: str, screenshot: Callable[[Page, str], Path]
) -> None:
    """哈尔滨站 is not a station of the registry but a landmark it keeps: typed as people
    type it, it starts the route; the end is a station by its name. At lunchtime on a
    working day some stations are closed for lunch or open only at night: the open ones
    come first, in route order, and the rest are folded away saying when they open."""
    page, w = mobile_page, ROUTE_WORDS[lang]
    no_tiles(page)
    # The end: the demo station nearest 防洪纪念塔, about 2.5 km from the railway station.
    end = min(
        Station.objects.filter(status="active", kind="fixed"),
        key=lambda s: (s.lon - 126.6183) ** 2 + (s.lat - 45.7790) ** 2,
    )
    today = dt.datetime.now(SHANGHAI).date()
    wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)
    with time_machine.travel(dt.datetime.combine(wednesday, dt.time(12, 20), SHANGHAI)):
        page.goto(w["prefix"] + "/route/")
        page.locator("#start").fill(w["wrong"])
        page.locator("#end").fill(end.name)
        page.locator("#max_off_m").select_option("1000")
        page.get_by_role("button", name=w["go"]).click()
        # Not found: a sentence in the page's language, and near misses to tap.
        said = page.locator("#start-said")
        expect(said).to_contain_text(w["not_found"])
        expect(page.locator("#start")).to_have_attribute("aria-invalid", "true")
        screenshot(page, f"finder-{lang}-5-route-not-found")
        said.get_by_role("link", name=w["suggestion"]).first.click()
        expect(page.get_by_text(w["found"])).to_be_visible()
        expect(page.locator("#end")).to_have_value(end.name)
        open_cards = page.locator("ol.cards[aria-labelledby=open-title] > li")
        expect(open_cards.first).to_be_visible()
        assert open_cards.count() == page.locator("li.card.state-open").count()
        assert from_start(open_cards.locator(".dist").all_inner_texts()) == sorted(
            from_start(open_cards.locator(".dist").all_inner_texts())
        )
        # The end station is on the route, open or folded away.
        assert end.name in page.locator("ol.cards > li h3").all_text_contents()
        later = page.locator("details.later-group")
        expect(later.locator("summary")).to_contain_text(w["later"])
        expect(later.locator("ol.cards > li").first).to_be_hidden()  # folded
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, f"finder-{lang}-6-route-from-landmark")

        later.locator("summary").click()
        closed = later.locator("ol.cards > li").first
        expect(closed).to_be_visible()
        assert "state-open" not in (closed.get_attribute("class") or "")
        expect(closed.locator(".hours-words")).to_contain_text(w["hours"])
        closed.scroll_into_view_if_needed()
        screenshot(page, f"finder-{lang}-7-route-closed-unfolded")


def test_volunteer_signs_up_on_a_phone_checks_in_by_position_and_the_finder_says_so(
    mobile_page: Page, live_server, transactional_db: None, screenshot: Callable[..., None]
) -> None:
    """A rider volunteers to keep a weekday station open: 报名 on the shifts page, 签到
    with the phone's position (near the station: no flag), and the worker's station page
    shows the shift as volunteer-staffed."""
    import datetime as dt

    from django.utils import timezone

    from yizhan.stations.tests.factories import StationFactory, UserFactory
    from yizhan.volunteers.models import Shift

    station = StationFactory(
        code="VOL-1",
        name="志愿者驿站",
        lat=HERE["latitude"],
        lon=HERE["longitude"],
        opening_hours="Mo-Fr 09:00-17:00",
        amenities=[],
    )
    starts = timezone.now() + dt.timedelta(minutes=10)
    Shift.objects.create(
        station=station,
        role="butler",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        slots=1,
        extends_hours=True,
    )
    UserFactory(username="rider7", role="worker", password="pw-rider-7")
    page = mobile_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(
        {"latitude": HERE["latitude"] + 0.0005, "longitude": HERE["longitude"]}
    )
    page.goto("/staff/shifts/")
    page.get_by_label("用户名").fill("rider7")
    page.get_by_label("密码").fill("pw-rider-7")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="志愿值班")).to_be_visible()
    page.get_by_role("button", name="报名").click()
    expect(page.get_by_text("剩余名额 0 / 1")).to_be_visible()
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("已签到。")).to_be_visible()
    expect(page.get_by_text("不在驿站")).to_have_count(0)
    screenshot(page, "finder-volunteer-checked-in")
    page.goto("/s/VOL-1/")
    expect(page.get_by_role("heading", name="志愿者值守")).to_be_visible()
    expect(page.get_by_text("名额已满")).to_be_visible()


# ---------------------------------------------------------------- the first screen

FIRST_SCREEN = {
    "zh": {
        **WORDS["zh"],
        "free": "免费物资",
        "more": "更多筛选",
        "fixed": "固定驿站",
        "map": "在地图上查看",
        "exchange": "爱心互献",
        "codes": "我的取件码",
        "chosen": "已选 1 项",
    },
    "en": {
        **WORDS["en"],
        "free": "Free supplies",
        "more": "More filters",
        "fixed": "Fixed station",
        "map": "Show on the map",
        "exchange": "Donations",
        "codes": "My codes",
        "chosen": "1 chosen",
    },
}


def _hands_out_supplies(code: str) -> None:
    """The station's locker holds a supply (the finder marks it 免费物资)."""
    from django.utils import timezone

    from yizhan.lockers.models import Compartment, Locker
    from yizhan.supplies.models import SupplyItem

    noodles, _new = SupplyItem.objects.get_or_create(
        code="noodles", defaults={"name": "方便面", "name_en": "Instant noodles"}
    )
    locker = Locker.objects.create(
        station=Station.objects.get(code=code), name="1号爱心柜", created_at=timezone.now()
    )
    Compartment.objects.create(locker=locker, number=1, item=noodles, available=5)


def _on_first_screen(page: Page, shot: Path) -> None:
    """The first result's top edge is inside the phone's first 740 px, unscrolled."""
    assert page.evaluate("window.scrollY") == 0
    box = page.locator("ol.cards > li").first.bounding_box()
    assert box is not None and box["y"] < 740, box
    page.screenshot(path=str(shot.with_name(shot.stem + "-screen.png")))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_station_is_on_the_first_screen_after_locating_and_after_each_filter(
    mobile_page: Page, demo: None, lang: str, screenshot: Callable[[Page, str], Path]
) -> None:
    """Issue 18, point 3: at 360×740 the list leads (the map folds under its heading),
    the quick filters are one row that scrolls sideways, and a tap on any filter reloads
    with the first station on the screen. Stations that hand out free supplies say so,
    and the page links the free supplies, the exchange and the worker's codes."""
    from yizhan.finder.selectors import stations_nearby_codes

    page, w = mobile_page, FIRST_SCREEN[lang]
    nearest = stations_nearby_codes(lat=HERE["latitude"], lon=HERE["longitude"], limit=1)[0]
    _hands_out_supplies(nearest)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(HERE)
    no_tiles(page)

    page.goto(w["prefix"] + "/")
    also = page.locator("nav.also")
    expect(also.get_by_role("link", name=w["exchange"])).to_be_visible()
    codes = also.get_by_role("link", name=w["codes"])
    expect(codes).to_have_attribute("href", w["prefix"] + "/my/")
    with page.expect_navigation():
        page.get_by_role("button", name=w["locate"]).click()
    expect(page.get_by_role("heading", name=w["results"])).to_be_visible()
    _on_first_screen(page, screenshot(page, f"finder-{lang}-5-located"))
    # The map is folded, not in the list's way.
    expect(page.locator("#map")).to_be_hidden()

    # Free supplies: the nearest station is marked and its mark opens its free page; the
    # quick filter keeps only such stations.
    cards = page.locator("ol.cards > li")
    mark = cards.first.locator("a.badge.free")
    expect(mark).to_have_text(w["free"])
    assert mark.get_attribute("href") == f"{w['prefix']}/s/{nearest}/free/"
    expect(page.locator("ol.cards a.badge.free")).to_have_count(1)
    with page.expect_navigation():
        page.locator(".chips.quick label.chip", has_text=w["free"]).click()
    expect(cards).to_have_count(1)
    _on_first_screen(page, screenshot(page, f"finder-{lang}-6-free"))
    with page.expect_navigation():
        page.locator(".chips.quick label.chip", has_text=w["free"]).click()
    assert "free_supplies" not in page.url

    # Quick filters, one tap each: the first station stays on the first screen.
    for chip in (w["open_now"], w["charging"]):
        with page.expect_navigation():
            page.locator(".chips.quick label.chip", has_text=chip).click()
        _on_first_screen(page, screenshot(page, f"finder-{lang}-7-{chip.replace(' ', '-')}"))
    query = parse_qs(urlparse(page.url).query)
    assert query["open_now"] == ["1"] and query["amenity"] == ["charging"]
    # The row scrolls sideways inside the page, which itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row = page.locator(".chips.quick")
    assert row.evaluate("r => r.scrollWidth > r.clientWidth")

    # A filter under "more filters": after the reload the fold is closed and counts it.
    page.get_by_text(w["more"]).click()
    with page.expect_navigation():
        page.locator(".more label.chip", has_text=w["fixed"]).click()
    expect(page.locator("details.more > summary")).to_contain_text(w["chosen"])
    _on_first_screen(page, screenshot(page, f"finder-{lang}-8-more"))
    assert parse_qs(urlparse(page.url).query)["kind"] == ["fixed"]

    # The map, opened, is a working Leaflet map of the results.
    page.get_by_text(w["map"]).click()
    the_map = page.locator("#map.leaflet-container")
    expect(the_map).to_be_visible()
    box = the_map.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    expect(page.locator("#map .yz-here")).to_have_count(1)
    assert page.locator("#map .yz-pin, #map .yz-cluster").count() >= 1
    screenshot(page, f"finder-{lang}-9-map")
    # Opened once, it stays open on the next page (the rider asked for it).
    with page.expect_navigation():
        page.locator(".chips.quick label.chip", has_text=w["free"]).click()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
