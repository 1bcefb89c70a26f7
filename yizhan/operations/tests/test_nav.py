"""One home for officers (issue 18, point 1): one navigation across the console and the
staff pages, by role, and the officer's day with the figures that matter, each a link to
the list behind it, counted in the officer's region only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from yizhan.evaluation.models import Card, DelistingProposal
from yizhan.feedback import services as feedback
from yizhan.operations.models import Rectification
from yizhan.operations.nav import ENTRIES, Navigation, officer_day
from yizhan.stations.models import StationImport
from yizhan.stations.tests.factories import (
    OFFICER_PERMISSIONS,
    OfficerFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

from .conftest import START, District

pytestmark = pytest.mark.django_db

# A district officer with the console's registry, as the officers' group grants it.
CONSOLE = [*OFFICER_PERMISSIONS, "stations.view_stationimport"]

OFFICER_PAGES = (
    "/staff/evidence/",
    "/staff/evaluation/",
    "/staff/evaluation/proposals/",
    "/staff/planning/",
    "/staff/lockers/",
    "/staff/region/",
    "/staff/region/rectifications/",
    "/staff/region/spot/",
    "/staff/region/seasons/",
    "/staff/supplies/region/",
)


def _hrefs(user, path: str = "/staff/") -> set[str]:
    return set(Navigation(user, path).links[k].url for k in Navigation(user, path).links)


def _header(client: Client, url: str) -> str:
    """The header's navigation on a staff page, or the console's."""
    html = client.get(url).content.decode()
    found = re.search(r'<nav id="yz-nav".*?</nav>', html, re.S) or re.search(
        r'<header class="top">.*?</header>', html, re.S
    )
    assert found, url
    return found.group(0)


# ------------------------------------------------------------------------- who sees what


def test_a_station_master_sees_only_the_pages_they_may_open(daoli: District) -> None:
    hrefs = _hrefs(daoli.master)
    assert {"/staff/", "/staff/feedback/", "/staff/notices/", "/staff/boards/"} <= hrefs
    assert "/staff/shifts/" in hrefs
    assert not hrefs & set(OFFICER_PAGES)
    assert "/console/" not in hrefs
    client = Client()
    client.force_login(daoli.master)
    header = _header(client, "/staff/")
    assert 'href="/console/"' not in header and 'href="/staff/evidence/"' not in header
    assert "更多" in header and "督查" not in header
    # Nor is there an officer's section on their day.
    assert "工会督查" not in client.get("/staff/").content.decode()


def test_a_registered_worker_has_no_reports_or_officer_pages(daoli: District) -> None:
    hrefs = _hrefs(daoli.worker)
    assert "/staff/" in hrefs and "/staff/notices/" in hrefs
    assert "/staff/feedback/" not in hrefs and "/staff/boards/" not in hrefs
    assert not hrefs & set(OFFICER_PAGES) and "/console/" not in hrefs


def test_an_officer_without_the_console_sees_the_officer_pages_only(daoli: District) -> None:
    for user in (daoli.street_officer, daoli.inspector):
        hrefs = _hrefs(user)
        assert set(OFFICER_PAGES) <= hrefs, user
        assert "/console/" not in hrefs, user
        client = Client()
        client.force_login(user)
        header = _header(client, "/staff/")
        assert "督查" in header and 'href="/staff/evidence/"' in header
        assert 'href="/console/"' not in header


def test_an_officer_with_the_console_is_linked_both_ways(daoli: District) -> None:
    officer = OfficerFactory(username="daoli_console", region=daoli.district)
    client = Client()
    client.force_login(officer)
    # The staff pages link to the registry...
    staff = _header(client, "/staff/evidence/")
    assert 'href="/console/"' in staff and "驿站台账" in staff
    assert 'href="/staff/evidence/" aria-current="page"' in staff
    assert '<summary class="current">督查</summary>' in staff
    # ...and the console to the officer's day and every officer page.
    console = _header(client, "/console/")
    assert 'href="/staff/">今天</a>' in console
    for url in OFFICER_PAGES:
        assert f'href="{url}"' in console, url
    assert 'href="/console/" aria-current="page"' in console


def test_a_superuser_sees_every_entry(daoli: District) -> None:
    admin = UserFactory(username="root", is_superuser=True, is_staff=True, role="officer")
    hrefs = _hrefs(admin)
    assert len(hrefs) == len(ENTRIES)
    client = Client()
    client.force_login(admin)
    assert 'href="/staff/"' in _header(client, "/console/stations/station/")


def test_the_navigation_follows_the_language(daoli: District) -> None:
    officer = OfficerFactory(username="daoli_en", region=daoli.district)
    client = Client()
    client.force_login(officer)
    console = _header(client, "/en/console/")
    assert 'href="/en/staff/">Today</a>' in console and "Supervision" in console
    staff = _header(client, "/en/staff/")
    assert 'href="/en/console/">Registry</a>' in staff


def test_a_suspended_account_gets_no_navigation(daoli: District, rf) -> None:
    from yizhan.operations.nav import staff_nav

    daoli.master.is_active = False
    request = rf.get("/staff/")
    request.user = daoli.master
    assert staff_nav(request) == {}


# ---------------------------------------------------------------- the officer's day figures


def _order(station, *, deadline: dt.datetime, status: str = "open") -> Rectification:
    return Rectification.objects.create(
        station=station,
        title="门锁坏了",
        severity="high",
        source="officer",
        created_at=START - dt.timedelta(days=5),
        deadline=deadline,
        status=status,
    )


def _card(station, kind: str, status: str = "active") -> Card:
    return Card.objects.create(
        station=station,
        kind=kind,
        status=status,
        month=dt.date(2026, 10, 1),
        issued_at=START - dt.timedelta(days=20),
        deadline=dt.date(2026, 12, 31),
        reason="开放合规率低",
    )


def _import(user, *, queued_minutes_ago: int) -> StationImport:
    return StationImport.objects.create(
        filename="台账.xlsx",
        content=b"",
        status=StationImport.Status.COMMITTING,
        queued_at=START - dt.timedelta(minutes=queued_minutes_ago),
        uploaded_by=user,
    )


@pytest.fixture
def busy(daoli: District):
    """道里区 with things waiting, and 南岗区 next door with its own."""
    d = daoli
    # Orders: two open (one past its deadline), one fixed awaiting the check, one closed.
    _order(d.station, deadline=START - dt.timedelta(hours=2))
    _order(d.other, deadline=START + dt.timedelta(days=2))
    _order(d.station, deadline=START - dt.timedelta(days=1), status="fixed")
    _order(d.other, deadline=START - dt.timedelta(days=3), status="closed")
    # Reports: one made two days ago still 待受理 (overdue), one this morning, one acknowledged.
    late = feedback.report_submit(
        station=d.station,
        visitor_key="rider-aaaaaaaaaaaaaaaaaaaa",
        category="dirty",
        now=START - dt.timedelta(days=2),
    )
    feedback.report_submit(
        station=d.other,
        visitor_key="rider-bbbbbbbbbbbbbbbbbbbb",
        category="no_water",
        now=START - dt.timedelta(hours=1),
    )
    seen = feedback.report_submit(
        station=d.other,
        visitor_key="rider-cccccccccccccccccccc",
        category="broken_equipment",
        now=START - dt.timedelta(hours=3),
    )
    seen.status = "acknowledged"
    seen.save(update_fields=["status"])
    assert late.status == "open"
    # Cards and delisting: a yellow and a red card in force, one lifted; one proposal waiting.
    _card(d.station, "yellow", status="lifted")
    _card(d.other, "yellow")
    red = _card(d.station, "red")
    DelistingProposal.objects.create(
        station=d.station,
        card=red,
        month=dt.date(2026, 11, 1),
        created_at=START - dt.timedelta(days=1),
        respond_by=dt.date(2026, 12, 8),
        reason="红牌逾期未整改",
    )
    # Next door: 南岗区 has an overdue order, an overdue report and a red card of its own.
    nangang = RegionFactory(code="230103001")
    there = StationFactory(code="HRB-NG-001", region=nangang, lat=45.75, lon=126.65)
    _order(there, deadline=START - dt.timedelta(days=1))
    feedback.report_submit(
        station=there,
        visitor_key="rider-dddddddddddddddddddd",
        category="dirty",
        now=START - dt.timedelta(days=2),
    )
    _card(there, "red")
    return d


def test_the_figures_are_counted_in_the_officers_region(busy: District) -> None:
    officer = OfficerFactory(username="daoli_console", region=busy.district, permissions=CONSOLE)
    _import(officer, queued_minutes_ago=5)
    _import(officer, queued_minutes_ago=90)  # its worker died: not in progress
    _import(OfficerFactory(username="colleague", region=busy.district), queued_minutes_ago=5)
    groups = officer_day(user=officer, now=START)
    figures = {
        (link.url.split("?")[0], f.url, f.count, f.urgent, f.calm)
        for g in groups
        for link in g.links
        for f in link.figures
    }
    assert figures == {
        ("/staff/feedback/", "/staff/feedback/?status=open", 2, False, False),
        ("/staff/feedback/", "/staff/feedback/?status=open&overdue=1", 1, True, False),
        ("/staff/region/rectifications/", "/staff/region/rectifications/", 3, False, False),
        (
            "/staff/region/rectifications/",
            "/staff/region/rectifications/?overdue=1",
            1,
            True,
            False,
        ),
        ("/staff/evaluation/", "/staff/evaluation/", 1, False, False),
        ("/staff/evaluation/", "/staff/evaluation/", 1, True, False),
        ("/staff/evaluation/proposals/", "/staff/evaluation/proposals/", 1, False, False),
        # Both stations were declared open 08:00–20:00 yesterday and showed no sign of life.
        ("/staff/evidence/", "/staff/evidence/?start=2026-11-30&end=2026-11-30", 2, False, False),
        (
            "/console/",
            "/console/stations/stationimport/?status__exact=committing",
            1,
            False,
            False,
        ),
    }
    assert [g.key for g in groups] == ["orders", "flags", "checks", "services", "plans"]


def test_an_officer_of_another_district_sees_none_of_this_districts(busy: District) -> None:
    nangang = OfficerFactory(
        username="nangang", region=RegionFactory(code="230103"), permissions=CONSOLE
    )
    counts = {
        f.url: f.count
        for g in officer_day(user=nangang, now=START)
        for link in g.links
        for f in link.figures
    }
    assert counts["/staff/region/rectifications/"] == 1  # their own, not 道里's three
    assert counts["/staff/region/rectifications/?overdue=1"] == 1
    assert counts["/staff/feedback/?status=open"] == 1
    assert counts["/staff/feedback/?status=open&overdue=1"] == 1
    assert counts["/staff/evaluation/proposals/"] == 0
    assert counts["/staff/evidence/?start=2026-11-30&end=2026-11-30"] == 1
    assert counts["/console/stations/stationimport/?status__exact=committing"] == 0
    # And a street officer of 道里 counts only their street's station.
    street = {
        f.url: f.count
        for g in officer_day(user=busy.street_officer, now=START)
        for link in g.links
        for f in link.figures
    }
    assert street["/staff/region/rectifications/"] == 2
    assert street["/staff/feedback/?status=open"] == 1


def test_each_figure_matches_the_list_behind_it(busy: District) -> None:
    client = Client()
    client.force_login(busy.district_officer)
    overdue_orders = client.get("/staff/region/rectifications/?overdue=1").content.decode()
    assert overdue_orders.count('href="/staff/r/') == 1
    all_orders = client.get("/staff/region/rectifications/").content.decode()
    assert all_orders.count('href="/staff/r/') == 3
    open_reports = client.get("/staff/feedback/?status=open").content.decode()
    overdue_reports = client.get("/staff/feedback/?status=open&overdue=1").content.decode()
    assert open_reports.count("/status/") == 2
    assert overdue_reports.count("/status/") == 1
    evidence = client.get("/staff/evidence/?start=2026-11-30&end=2026-11-30").content.decode()
    assert re.search(r"被标记的驿站</dt><dd><strong[^>]*>2<", evidence)


def test_the_day_shows_zero_calmly_and_overdue_loudly(busy: District) -> None:
    client = Client()
    client.force_login(busy.district_officer)
    page = client.get("/staff/").content.decode()
    section = page[page.index('class="officer-day"') :]
    # Non-zero overdue: stands out.
    assert re.search(
        r'<a class="fig urgent" href="/staff/region/rectifications/\?overdue=1">'
        r'<span class="sr-only">未销号整改单：</span>已逾期 <strong>1</strong></a>',
        section,
    )
    # Nothing waiting: calm, whatever its kind (an officer of a quiet district).
    quiet = OfficerFactory(username="quiet", region=RegionFactory(code="230104"))
    client.force_login(quiet)
    page = client.get("/staff/").content.decode()
    assert 'class="fig calm" href="/staff/region/rectifications/?overdue=1"' in page
    assert 'class="fig calm" href="/staff/evaluation/proposals/"' in page
    assert "fig urgent" not in page
    # The old grid of eleven buttons is gone; the pages are grouped.
    assert '<div class="btns">\n  <a class="btn" href="/staff/evidence/">' not in page
    assert "整改与反映" in page and "评估与监测" in page


def test_the_officers_day_takes_a_bounded_number_of_queries(
    busy: District, django_assert_max_num_queries
) -> None:
    officer = OfficerFactory(username="daoli_console", region=busy.district, permissions=CONSOLE)
    client = Client()
    client.force_login(officer)
    client.get("/staff/")  # warm the caches a first request fills (content types, hours)
    # 28 today, whatever the number of stations and rows: the day's own reads, one count
    # per figure (orders, reports, cards, proposals, imports) and the evidence's one day
    # (a query per source of signs of life).
    with django_assert_max_num_queries(32):
        response = client.get("/staff/")
    assert response.status_code == 200
    assert "工会督查" in response.content.decode()


def test_the_officers_day_reads_in_english(busy: District) -> None:
    client = Client()
    client.force_login(busy.district_officer)
    page = client.get("/en/staff/").content.decode()
    assert "Orders and reports" in page and "Evaluation and monitoring" in page
    assert "Overdue <strong>1</strong>" in page
    assert "Red cards <strong>1</strong>" in page
    assert "Stations flagged yesterday" in page
