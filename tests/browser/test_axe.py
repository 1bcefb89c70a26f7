"""axe (WCAG 2.0/2.1 A and AA) on every worker and staff page, in Chinese and in English,
with the demo city behind them: no serious or critical finding (issue 18).

Worker pages are checked on a 360-px phone; staff pages at 360 px and again at 1280 px
(the same page, resized: tables that scroll sideways on a phone fit on a desk).

`PAGES` lists each page once or more (a state worth checking: a mobile and a 24-hour
station, a QR scan before and after the worker says what they do, a code just reserved…).
`test_every_page_is_checked_or_excused` walks the URL conf: a new named URL under the
worker or staff pages fails it until it is in `PAGES` or in `NOT_PAGES` with a reason.

The demo city is generated once for the module (about half a minute) and committed, served
by this module's own live server, and flushed afterwards (as a transactional test leaves
the database). One browser context per language and role, signed in once, is reused by
every page. Rerun with ``pytest tests/browser/test_axe.py`` (``-k en-officer`` for a
part); a failure lists each finding with its elements and saves a screenshot under
var/test-screenshots/axe-*.png.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
from django.apps import apps as django_apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern

from config import env
from tests.browser.axe import axe_problems

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

SCREENSHOTS = env.VAR_DIR / "test-screenshots"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
LANGS = {"zh": ("", "zh-CN"), "en": ("/en", "en-US")}
# Who looks at the page: an anonymous worker's phone, a station master (HRB-DL-F001), the
# district officer (道里区), a registered worker who volunteers, and a phone that has never
# scanned a code (for the first scan's question).
ROLES = {
    "worker": "",
    "newcomer": "",
    "master": "zhanzhang",
    "officer": "daoli",
    "volunteer": "volunteer1",
}
SEEDS = (
    "yizhan.stations.migrations.0002_amenity_service_catalogue",
    "yizhan.operations.migrations.0002_inspection_regime_seed",
    "yizhan.supplies.migrations.0002_supplies_catalogue_seed",
    "yizhan.lockers.migrations.0002_welcome_pack_item",
    "yizhan.evaluation.migrations.0002_default_model_seed",
)
STATION = "HRB-DL-F001"  # zhanzhang and guanli run it; the demo's busiest station
MOBILE = "HRB-DL-M01"
SMART = "HRB-DL-S01"  # 24 hours, with a locker
STREET = "230102001"  # 兆麟街道
DISTRICT = "230102"  # 道里区
# The worker's pages (outside /staff/), looked at on a phone only.
WORKER_NAMESPACES = {"finder", "qr", "worker_feedback", "lockers_worker"}
OFF_SITE = re.compile(r"^https?://(?!localhost[:/])")


# ---------------------------------------------------------------------------- the demo site


@dataclass
class Site:
    url: str
    ids: dict[str, Any]


def _demo_ids() -> dict[str, Any]:
    """The demo's rows the pages need (and a survey and a delisting proposal, which the demo
    does not make), as the values `Spec.path` is formatted with."""
    from django.utils import timezone

    from yizhan.accounts.models import User
    from yizhan.evaluation.models import Card, CardKind, DelistingProposal
    from yizhan.feedback.models import Report
    from yizhan.feedback.services import survey_create
    from yizhan.lockers.models import Donation
    from yizhan.operations.models import Inspection, InspectionAssignment, Rectification
    from yizhan.planning.models import Scenario
    from yizhan.regions.models import Region
    from yizhan.signage.qr import PURPOSES, qr_path
    from yizhan.stations.models import Station

    now = timezone.now()
    officer = User.objects.get(username=ROLES["officer"])
    station = Station.objects.get(code=STATION)
    survey = survey_create(
        user=officer,
        title="冬季驿站需求调研",
        region=Region.objects.get(code=DISTRICT),
        questions_text="单选|冬天最需要什么？|热水/暖气/充电\n多选|常在什么时候来？|早上/中午/晚上\n"
        "填空|还有什么建议？",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=14),
        now=now,
    )
    month = (now.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    card = Card.objects.create(
        station=station,
        kind=CardKind.RED,
        month=month,
        issued_at=now - dt.timedelta(days=30),
        deadline=now.date() - dt.timedelta(days=1),
        reason="连续两个月开放合规率低于 60%",
    )
    proposal = DelistingProposal.objects.create(
        station=station,
        card=card,
        month=month,
        created_at=now,
        respond_by=now.date() + dt.timedelta(days=7),
        reason="红牌整改期满仍未达标",
    )
    orders = Rectification.objects.filter(station=station).order_by("pk")
    listed = list(
        Donation.objects.filter(status="listed").order_by("pk").values_list("pk", flat=True)
    )
    mystery = InspectionAssignment.objects.filter(
        tier="mystery", assignee__username=ROLES["volunteer"], status="open"
    ).select_related("station")[0]
    scenarios = list(
        Scenario.objects.filter(result__isnull=False).order_by("pk").values_list("pk", flat=True)
    )
    reports = Report.objects.order_by("pk")
    ids: dict[str, Any] = {
        "station": STATION,
        "mobile": MOBILE,
        "smart": SMART,
        "street": STREET,
        "inspection": Inspection.objects.filter(station=station).order_by("-pk")[0].pk,
        "order_open": orders.exclude(status="fixed")[0].pk,
        "order_fixed": orders.filter(status="fixed")[0].pk,
        "survey": survey.pk,
        "proposal": proposal.pk,
        "scenario_a": scenarios[0],
        "scenario_b": scenarios[1],
        "donation": listed[0],
        # each language claims its own donation
        "claim_zh": listed[1],
        "claim_en": listed[2],
        "follow": (reports.filter(status="in_progress").first() or reports[0]).follow_token,
        "mystery_station": mystery.station.code,
        "mystery": mystery.pk,
    }
    for purpose in PURPOSES:
        ids[f"qr_{purpose}"] = qr_path(STATION, purpose)
    ids["qr_smart_checkin"] = qr_path(SMART, "checkin")
    return ids


@pytest.fixture(scope="module")
def site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The full demo city (operations, feedback, lockers, evaluation, planning), committed
    and served by a live server of this module's own; flushed afterwards."""
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        from django.db import connection

        test_db = str(connection.settings_dict["NAME"])
        assert "memory" in test_db or "test" in test_db, f"not a test database: {test_db}"
        for name in SEEDS:  # a transactional test's flush removed what migrations seeded
            importlib.import_module(name).seed(django_apps, None)
        credentials = tmp_path_factory.mktemp("axe") / "demo-credentials.txt"
        call_command("demo_city", "--seed", "7", "--credentials-file", str(credentials))
        ids = _demo_ids()
        server = LiveServer("localhost")
    hosts = modify_settings(ALLOWED_HOSTS={"append": "localhost"})
    hosts.enable()
    try:
        yield Site(url=server.url, ids=ids)
    finally:
        hosts.disable()
        with django_db_blocker.unblock():
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
        for cache in caches.all():
            cache.clear()


@pytest.fixture
def db(site: Site, django_db_blocker: Any) -> Iterator[Site]:
    """This module's own `db`: naming it is how a test asks pytest-django for the test
    database, but unlike pytest-django's it wraps nothing in a transaction. The demo is
    committed once for the module, what the pages write (sessions, a worker's codes) stays
    until the module's flush, and the live server's thread may read while the test runs."""
    with django_db_blocker.unblock():
        yield site


# ---------------------------------------------------------------------------- the browsers


@dataclass
class Tab:
    """One signed-in page per language and role, and what was made with it (a worker's
    reservation, …) so that a page that needs it makes it once."""

    page: Page
    prefix: str
    made: dict[str, str] = field(default_factory=dict)


class Tabs:
    def __init__(self, browser: Browser, site: Site) -> None:
        self.browser, self.site = browser, site
        self.tabs: dict[tuple[str, str], Tab] = {}
        self.contexts: list[BrowserContext] = []

    def get(self, lang: str, role: str) -> Tab:
        if (lang, role) not in self.tabs:
            prefix, locale = LANGS[lang]
            context = self.browser.new_context(
                base_url=self.site.url,
                locale=locale,
                timezone_id="Asia/Shanghai",
                viewport=PHONE,
            )
            context.set_default_timeout(20_000)
            # Nothing but the site itself (map tiles and the like fail fast, as offline).
            context.route(OFF_SITE, lambda route: route.abort())
            self.contexts.append(context)
            if ROLES[role]:
                context.add_cookies([self._session(ROLES[role])])
            self.tabs[lang, role] = Tab(context.new_page(), prefix)
        return self.tabs[lang, role]

    def _session(self, username: str) -> Any:
        """Signed in as the test client signs in (the sign-in page has its own check)."""
        from django.conf import settings
        from django.test import Client

        from yizhan.accounts.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        name = settings.SESSION_COOKIE_NAME
        return {"name": name, "value": client.cookies[name].value, "url": self.site.url}

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def tabs(browser: Browser, site: Site) -> Iterator[Tabs]:
    made = Tabs(browser, site)
    yield made
    made.close()


# ---------------------------------------------------------------------------- the pages


Prepare = Callable[[Tab, Site], str]


@dataclass(frozen=True)
class Spec:
    """A page to check: its URL name, the path (formatted with `Site.ids`; the language
    prefix is added), who looks, and a name for the state when one name has several."""

    name: str
    path: str
    role: str = "worker"
    state: str = ""
    # Leads the page to its state; returns the path to open (with the language prefix),
    # or "" when the page it led to is the one to check (a form's answer to a POST).
    prepare: Prepare | None = None
    status: tuple[int, ...] = (200,)

    @property
    def staff(self) -> bool:
        return self.name.split(":")[0] not in WORKER_NAMESPACES

    @property
    def id(self) -> str:
        return "-".join(p for p in (self.role, self.name, self.state) if p)


def _go(tab: Tab, path: str) -> None:
    response = tab.page.goto(tab.prefix + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"


def _occupation_chosen(tab: Tab, site: Site) -> None:
    """The worker said what they do (the first scan's one question), once per phone."""
    if "occupation" in tab.made:
        return
    _go(tab, site.ids["qr_checkin"])
    form = tab.page.locator("form#occupation")
    if form.count():
        form.locator("input[name=occupation]").first.check()
        with tab.page.expect_navigation():
            form.locator("button[type=submit]").click()
    tab.made["occupation"] = "1"


def _checked_in(tab: Tab, site: Site) -> str:
    """Checked in at the station: the page thanks them and offers the open survey."""
    _occupation_chosen(tab, site)
    _go(tab, site.ids["qr_checkin"])
    with tab.page.expect_navigation(url="**done=checkin**"):
        tab.page.locator("#checkin button[type=submit]").click()
    assert tab.page.locator("form#survey").count() == 1, "the survey is offered"
    return _path(tab.page.url)


def _reserved(tab: Tab, site: Site) -> str:
    """A worker reserved the first free item in the 24-hour station's locker."""
    if "reservation" not in tab.made:
        _go(tab, f"/s/{SMART}/free/")
        with tab.page.expect_navigation(url="**/my/r/**"):
            tab.page.locator("ul.offers form button[type=submit]").first.click()
        tab.made["reservation"] = _path(tab.page.url)
    return tab.made["reservation"]


def _claimed(tab: Tab, site: Site) -> str:
    """A worker asked for a donated item (each language its own)."""
    if "claim" not in tab.made:
        lang = "en" if tab.prefix else "zh"
        _go(tab, f"/exchange/{site.ids['claim_' + lang]}/")
        with tab.page.expect_navigation(url="**/my/c/**"):
            tab.page.locator("main form button[type=submit]").first.click()
        tab.made["claim"] = _path(tab.page.url)
    return tab.made["claim"]


def _codes_kept(tab: Tab, site: Site) -> str:
    _reserved(tab, site)
    _claimed(tab, site)
    return tab.prefix + "/my/"


def _path(url: str) -> str:
    parts = urlparse(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


WORKER = [
    Spec("finder:home", "/", state="start"),
    Spec("finder:home", "/?lat=45.7733&lon=126.6175", state="located"),
    Spec("finder:home", "/?q=中央大街&open_now=1&amenity=charging", state="filtered"),
    Spec("finder:home", "/?q=没有这个地方", state="not-found"),
    Spec("finder:station", "/s/{station}/", state="fixed"),
    Spec("finder:station", "/s/{mobile}/", state="mobile"),
    Spec("finder:station", "/s/{smart}/", state="smart-24h"),
    Spec("finder:route", "/route/", state="form"),
    Spec("finder:route", "/route/?start=中央大街&end=群力大道", state="answer"),
    # Places not found (the form again, with a sentence), near misses to tap, and a name
    # with several places to choose from: 200 or 422, the page is the same form.
    Spec(
        "finder:route",
        "/route/?start=没有这个地方&end=群力大道",
        state="not-found",
        status=(200, 422),
    ),
    Spec(
        "finder:route",
        "/route/?start=哈尔滨东站&end=哈尔滨站",
        state="near-miss",
        status=(200, 422),
    ),
    Spec("finder:route", "/route/?start=哈尔滨&end=中央大街", state="choose", status=(200, 422)),
    Spec("qr:scan", "{qr_checkin}", role="newcomer", state="first-scan"),
    Spec(
        "qr:scan", "{qr_checkin}", state="checkin", prepare=lambda t, s: _occupied(t, s, "checkin")
    ),
    Spec("qr:scan", "{qr_rate}", state="rate", prepare=lambda t, s: _occupied(t, s, "rate")),
    Spec("qr:scan", "{qr_report}", state="report", prepare=lambda t, s: _occupied(t, s, "report")),
    Spec("qr:scan", "", state="checked-in-survey", prepare=_checked_in),
    Spec("qr:scan", "{qr_join}", state="join"),
    Spec("qr:scan", "{qr_smart_checkin}", state="smart-checkin"),
    Spec("qr:scan", "/q/checkin/{station}/{station}-not-signed-0000/", state="bad", status=(404,)),
    Spec("finder:offline", "/offline/"),
    Spec("worker_feedback:follow", "/f/{follow}/"),
    Spec("lockers_worker:free", "/s/{smart}/free/", state="locker"),
    Spec("lockers_worker:free", "/s/{station}/free/", state="no-locker"),
    Spec("lockers_worker:reservation", "", prepare=_reserved),
    Spec("lockers_worker:claim", "", prepare=_claimed),
    Spec("lockers_worker:mine", "", state="with-codes", prepare=_codes_kept),
    Spec("lockers_worker:mine", "/my/", role="newcomer", state="empty"),
    Spec("lockers_worker:exchange", "/exchange/"),
    Spec("lockers_worker:exchange", "/exchange/?lat=45.7733&lon=126.6175", state="near"),
    Spec("lockers_worker:donation", "/exchange/{donation}/"),
]


def _signed_in_wrongly(tab: Tab, site: Site) -> str:
    """The sign-in page's answer to a wrong password."""
    _go(tab, "/staff/login/")
    tab.page.locator("#id_username").fill(ROLES["master"])
    tab.page.locator("#id_password").fill("not-the-password")
    with tab.page.expect_navigation():
        tab.page.locator("main button[type=submit]").click()
    assert tab.page.locator("[role=alert]").count() == 1, "the page says it went wrong"
    return ""


def _occupied(tab: Tab, site: Site, purpose: str) -> str:
    _occupation_chosen(tab, site)
    return tab.prefix + site.ids[f"qr_{purpose}"]


STAFF = [
    Spec("operations:login", "/staff/login/", role="newcomer"),
    Spec("operations:login", "", role="newcomer", state="failed", prepare=_signed_in_wrongly),
    # A station master's day at HRB-DL-F001.
    Spec("operations:home", "/staff/", role="master"),
    Spec("operations:station", "/staff/s/{station}/", role="master"),
    Spec("operations:inspect", "/staff/s/{station}/inspect/daily/", role="master", state="daily"),
    Spec("operations:inspect", "/staff/s/{station}/inspect/weekly/", role="master", state="weekly"),
    Spec(
        "operations:inspect", "/staff/s/{station}/inspect/monthly/", role="master", state="monthly"
    ),
    Spec("operations:inspection", "/staff/inspections/{inspection}/", role="master"),
    Spec("operations:rectification", "/staff/r/{order_open}/", role="master", state="open"),
    Spec("operations:rectification", "/staff/r/{order_fixed}/", role="master", state="fixed"),
    Spec("supplies:station", "/staff/supplies/s/{station}/", role="master"),
    Spec("supplies:history", "/staff/supplies/s/{station}/history/", role="master"),
    Spec("supplies:restock", "/staff/supplies/s/{station}/restock/", role="master"),
    Spec("supplies:item", "/staff/supplies/s/{station}/i/water/", role="master"),
    Spec("supplies:use", "/staff/supplies/s/{station}/i/water/use/", role="master"),
    Spec("volunteers:station", "/staff/shifts/s/{station}/", role="master"),
    Spec("signage:index", "/staff/boards/", role="master"),
    Spec("signage:board", "/staff/boards/s/{station}/", role="master"),
    Spec("lockers:exchange_desk", "/staff/lockers/s/{station}/exchange/", role="master"),
    Spec("evaluation:station", "/staff/evaluation/s/{station}/", role="master"),
    Spec("evaluation:proposal", "/staff/evaluation/proposals/{proposal}/", role="master"),
    Spec("feedback:index", "/staff/feedback/", role="master"),
    Spec("notifications:list", "/staff/notices/", role="master"),
    # The district officer (道里区).
    Spec("operations:home", "/staff/", role="officer"),
    Spec("operations:station", "/staff/s/{smart}/", role="officer", state="smart"),
    Spec("operations:station", "/staff/s/{mobile}/", role="officer", state="mobile"),
    Spec("operations:inspect", "/staff/s/{station}/inspect/spot/", role="officer", state="spot"),
    Spec("operations:compliance", "/staff/region/", role="officer"),
    Spec("operations:rectifications", "/staff/region/rectifications/", role="officer"),
    Spec("operations:seasons", "/staff/region/seasons/", role="officer"),
    Spec("operations:spot", "/staff/region/spot/", role="officer"),
    Spec("supplies:region", "/staff/supplies/region/", role="officer"),
    Spec("volunteers:list", "/staff/shifts/", role="officer"),
    Spec("signage:region", "/staff/boards/region/{street}/", role="officer"),
    Spec("evidence:dashboard", "/staff/evidence/", role="officer"),
    Spec("evidence:station", "/staff/evidence/s/{station}/", role="officer"),
    Spec("evaluation:month", "/staff/evaluation/", role="officer"),
    Spec("evaluation:rankings", "/staff/evaluation/rankings/", role="officer"),
    Spec("evaluation:station", "/staff/evaluation/s/{smart}/", role="officer"),
    Spec("evaluation:model", "/staff/evaluation/model/", role="officer"),
    Spec("evaluation:proposals", "/staff/evaluation/proposals/", role="officer"),
    Spec("evaluation:proposal", "/staff/evaluation/proposals/{proposal}/", role="officer"),
    Spec("evaluation:bulletin", "/staff/evaluation/bulletin/", role="officer"),
    Spec("planning:index", "/staff/planning/", role="officer"),
    Spec("planning:scenario", "/staff/planning/{scenario_a}/", role="officer"),
    Spec(
        "planning:compare", "/staff/planning/compare/?a={scenario_a}&b={scenario_b}", role="officer"
    ),
    Spec("lockers:region", "/staff/lockers/", role="officer"),
    Spec("lockers:station", "/staff/lockers/s/{smart}/", role="officer"),
    Spec("feedback:index", "/staff/feedback/", role="officer"),
    Spec("feedback:surveys", "/staff/feedback/surveys/", role="officer"),
    Spec("feedback:survey", "/staff/feedback/surveys/{survey}/", role="officer"),
    Spec("notifications:list", "/staff/notices/", role="officer"),
    # A registered worker who volunteers (and was sent on a mystery visit).
    Spec("operations:home", "/staff/", role="volunteer"),
    Spec("volunteers:list", "/staff/shifts/", role="volunteer"),
    Spec(
        "operations:inspect",
        "/staff/s/{mystery_station}/inspect/mystery/?assignment={mystery}",
        role="volunteer",
        state="mystery",
    ),
]
PAGES = WORKER + STAFF

# Named URLs that are not pages to look at, and why.
NOT_PAGES = {
    "service_worker": "the worker pages' service worker script (/sw.js)",
    "healthz": "the health check for monitoring, JSON (/healthz)",
    "operations:logout": "POST only (signs out and goes to the sign-in page)",
    "operations:opening": "POST only (the 已开门/已关门 buttons on the station page)",
    "operations:equipment": "POST only (the equipment form on the station page)",
    "operations:mystery": "POST only (sends a mystery visit; the form is on the spot page)",
    "evidence:rectify": "POST only (orders a rectification from the station's evidence page)",
    "evaluation:run": "POST only (starts a month's evaluation; the button is on the month page)",
    "evaluation:run_progress": "JSON for the month page's progress bar",
    "evaluation:six_have": "POST only (the six-haves check on the station's evaluation page)",
    "evaluation:card_lift": "POST only (lifts a card; the form is on the station's page)",
    "planning:progress": "JSON for the scenario page's progress bar",
    "planning:export_xlsx": "a file download (the scenario as a spreadsheet)",
    "planning:export_geojson": "a file download (the scenario as GeoJSON)",
    "feedback:report_status": "POST only (a report's status; the form is on the feedback page)",
    "notifications:read": "POST only (marks notices read; the button is on the notices page)",
    "supplies:min_level": "POST only (the item page's minimum-stock form)",
    "supplies:discard": "POST only (the item page's discard-batch form)",
    "supplies:count": "POST only (the item page's stock-count form)",
    "volunteers:signup": "POST only (报名 on the shifts page)",
    "volunteers:cancel": "POST only (a station cancels a shift on its shifts page)",
    "volunteers:signup_cancel": "POST only (a volunteer withdraws on the shifts page)",
    "volunteers:check_in": "POST only (签到 on the shifts page)",
    "volunteers:check_out": "POST only (签退 on the shifts page)",
    "lockers_worker:reserve": "POST only (the free-supplies page's reserve buttons)",
}
# Whole parts of the URL conf that are neither worker nor staff pages.
NOT_PAGE_PREFIXES = {
    "api/": "the JSON API (its docs page has its own browser test)",
    "i18n/": "Django's set_language view (POST only)",
    "console/": "the registry console is Django's admin, outside the worker and staff pages",
}


def _named_urls() -> dict[str, str]:
    """Every named URL in the project's URL conf: 'namespace:name' → its route."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], route: str, namespaces: tuple[str, ...]) -> None:
        for p in patterns:
            here = "" if isinstance(p.pattern, LocalePrefixPattern) else str(p.pattern)
            if isinstance(p, URLResolver):
                names = (*namespaces, p.namespace) if p.namespace else namespaces
                walk(p.url_patterns, route + here, names)
            elif isinstance(p, URLPattern) and p.name:
                found[":".join((*namespaces, p.name))] = route + here

    walk(get_resolver().url_patterns, "", ())
    return found


def test_every_page_is_checked_or_excused() -> None:
    """A named worker or staff URL with neither an axe run nor a reason fails here."""
    named = _named_urls()
    pages = {
        name: route
        for name, route in named.items()
        if not route.startswith(tuple(NOT_PAGE_PREFIXES))
    }
    checked = {spec.name for spec in PAGES}
    missing = sorted(set(pages) - checked - set(NOT_PAGES))
    assert not missing, f"pages with no axe run in PAGES and no reason in NOT_PAGES: {missing}"
    stale = sorted((checked | set(NOT_PAGES)) - set(pages))
    assert not stale, f"names in PAGES or NOT_PAGES that the URL conf no longer has: {stale}"
    assert not checked & set(NOT_PAGES), "a page is both checked and excused"
    # Worker pages are looked at on a phone only; everything under /staff/ on both.
    for name in checked:
        route, staff = pages[name], name.split(":")[0] not in WORKER_NAMESPACES
        assert staff == route.startswith("staff/"), f"{name} ({route}): add to WORKER_NAMESPACES?"


@pytest.mark.parametrize("spec", PAGES, ids=[s.id for s in PAGES])
@pytest.mark.parametrize("lang", LANGS)
def test_page_passes_axe(tabs: Tabs, db: Site, lang: str, spec: Spec) -> None:
    tab = tabs.get(lang, spec.role)
    page = tab.page
    page.set_viewport_size(PHONE)
    path = spec.prepare(tab, db) if spec.prepare else tab.prefix + spec.path.format(**db.ids)
    try:
        if path:
            response = page.goto(path)
            assert response is not None and response.status in spec.status, (
                f"{path}: HTTP {response and response.status}"
            )
        path = path or _path(page.url)
        if spec.name != "operations:login":
            assert "/staff/login/" not in page.url, f"{path}: sent to sign in"
        assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
        problems = axe_problems(page, f"{path} at 360 px")
        if spec.staff:
            page.set_viewport_size(DESK)
            problems += axe_problems(page, f"{path} at 1280 px")
        if problems:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"axe-{lang}-{spec.id}.png"), full_page=True)
        assert not problems, "\n".join(problems)
    finally:
        page.goto("about:blank")  # no page script polls the server between tests
