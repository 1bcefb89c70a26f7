"""Text people type never becomes a live formula in a download.

Each export that can carry typed text (station names and addresses in the registry, a
worker's report and survey answer, a rectification's title, a supply batch number, a red
card's reason and the master's answer to a delisting proposal, a planning scenario's
name…) is downloaded through its real URL by the officer who would download it. In XLSX
the cell is a string equal to what was typed; in CSV it is behind an apostrophe (which the
registry importer takes off again). No cell of any workbook is a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yizhan.accounts.selectors import user_scope
from yizhan.core.time import SHANGHAI
from yizhan.devices.services import device_register
from yizhan.evaluation.models import Card, DelistingProposal
from yizhan.evaluation.tests.conftest import (  # noqa: F401
    NOVEMBER,
    evaluate,
    model,
    staffed,
    visited,
)
from yizhan.feedback.models import Report, Survey, SurveyAnswer
from yizhan.feedback.services import report_submit
from yizhan.lockers.services import locker_register
from yizhan.operations import services as operations
from yizhan.operations.models import Rectification
from yizhan.operations.tests.conftest import _fresh_finder, clock, daoli  # noqa: F401
from yizhan.planning.models import Scenario
from yizhan.stations.io import imports
from yizhan.stations.models import Station
from yizhan.stations.tests.factories import OfficerFactory
from yizhan.supplies.models import StationSupply, StockBatch, SupplyItem

pytestmark = pytest.mark.django_db

TYPED = [
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1",
    "-1+2",
    "\t=1",
    "\r=1",
]


def xlsx_strings(content: bytes) -> list[Any]:
    """Every non-empty cell of every sheet; fails on any formula cell."""
    assert content[:2] == b"PK", content[:200]
    book = load_workbook(io.BytesIO(content))
    cells = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value is not None:
                    cells.append(cell)
    return cells


def assert_text_cell(content: bytes, typed: str) -> None:
    # XML reads a carriage return as a line feed (Excel does too): the one change.
    stored = typed.replace("\r", "\n")
    found = [c for c in xlsx_strings(content) if c.value == stored]
    assert found, typed
    for cell in found:
        assert cell.data_type == "s" and isinstance(cell.value, str)
        assert cell.quotePrefix  # Excel keeps it text even after the cell is edited


def assert_csv_cell(content: bytes, typed: str) -> None:
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert "'" + typed in cells
    assert typed not in cells


@pytest.fixture(params=TYPED, ids=["hyperlink", "at", "plus", "minus", "tab", "cr"])
def typed(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def named(daoli, typed):  # noqa: ANN001, F811
    """The district's station carries the typed text as its name and address."""
    Station.objects.filter(pk=daoli.station.pk).update(name=typed, address=typed)
    daoli.station.refresh_from_db()
    return daoli


def get(client: Client, user: Any, url: str) -> bytes:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def test_registry_exports(named, typed, client):
    officer = OfficerFactory(region=named.district)
    base = "/console/stations/station/export/?format="
    assert_text_cell(get(client, officer, base + "xlsx"), typed)
    content = get(client, officer, base + "csv")
    assert_csv_cell(content, typed)
    geo = json.loads(get(client, officer, base + "geojson"))
    assert typed in [f["properties"]["name"] for f in geo["features"]]
    for platform in ("amap", "baidu"):  # 上图: the pack handed to the map platforms
        url = f"/console/stations/station/listing/?platform={platform}&download=1"
        assert_text_cell(get(client, officer, url), typed)


def test_registry_import_report_csv(named, typed, client):
    """Export → import: the apostrophe comes off (every row unchanged), and the import's
    report, downloaded as CSV, puts it back on."""
    officer = OfficerFactory(region=named.district)
    content = get(client, officer, "/console/stations/station/export/?format=csv")
    station_import = imports.station_import_check(
        filename="stations.csv",
        content=content,
        default_crs="wgs84",
        user=officer,
        scope=user_scope(user=officer),
    )
    report = station_import.report
    # The importer trims cells as every form does, so a name can only start with = + - @.
    read = typed.strip()
    if read == typed:
        assert report["counts"]["unchanged"] == len(report["rows"]) == 2, report
    url = f"/console/stations/station/import/?id={station_import.pk}&download=report"
    assert_csv_cell(get(client, officer, url), read)


def test_feedback_reports_and_survey(named, typed, client):
    now = dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    report = report_submit(
        station=named.station, visitor_key="w1-aaaaaaaaaaaaaaaa", category="dirty", text="脏"
    )
    Report.objects.filter(pk=report.pk).update(text=typed)  # as typed, not trimmed
    assert_text_cell(get(client, named.district_officer, "/staff/feedback/?format=xlsx"), typed)
    survey = Survey.objects.create(
        title=typed,
        region=named.district,
        questions=[{"code": "q1", "text": typed, "kind": "text", "options": []}],
        opens_at=now,
        closes_at=now + dt.timedelta(days=9),
        created_by=named.district_officer,
        created_at=now,
    )
    SurveyAnswer.objects.create(
        survey=survey, visitor=report.visitor, station=named.station, answers={"q1": typed}, at=now
    )
    url = f"/staff/feedback/surveys/{survey.pk}/?format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)


def test_operations_exports(named, typed, client):
    operations.rectification_issue(
        user=named.inspector,
        station=named.station,
        title="标识缺失",
        severity="low",
        source="officer",
    )
    Rectification.objects.update(title=typed)
    url = "/staff/region/rectifications/?format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)
    url = "/staff/region/?start=2026-11-24&end=2026-11-30&format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)


def test_supplies_export(named, typed, client):
    item = SupplyItem.objects.create(code="typed", name="藿香正气水")
    supply = StationSupply.objects.create(station=named.station, item=item)
    StockBatch.objects.create(
        station_supply=supply,
        batch_no=typed,
        expires_on=dt.date(2026, 12, 5),
        quantity=3,
        received_on=dt.date(2026, 11, 1),
    )
    url = reverse("supplies:region") + "?days=60&format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)


def test_lockers_export(named, typed, client):
    device, _secret = device_register(
        user=None, station=named.station, kind="locker", serial="LOCKER-001"
    )
    locker_register(
        user=named.administrator, station=named.station, name="柜", sizes=["M"], device=device
    )
    assert_text_cell(get(client, named.district_officer, "/staff/lockers/?format=xlsx"), typed)


def test_evidence_export(named, typed, client):
    url = "/staff/evidence/?start=2026-11-30&end=2026-11-30&format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)


def test_evaluation_exports(named, typed, model, client):  # noqa: F811
    evaluate(named.district, NOVEMBER, named.district_officer)
    officer = named.district_officer
    assert_text_cell(get(client, officer, "/staff/evaluation/?month=2026-11&format=xlsx"), typed)
    now = dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    card = Card.objects.create(
        station=named.station,
        kind="red",
        month=NOVEMBER,
        issued_at=now,
        deadline=dt.date(2026, 12, 31),
        reason=typed,
    )
    DelistingProposal.objects.create(
        station=named.station,
        card=card,
        month=NOVEMBER,
        created_at=now,
        respond_by=dt.date(2026, 12, 15),
        reason=typed,
        response=typed,
    )
    url = "/staff/evaluation/bulletin/?region=230102&month=2026-11&format=xlsx"
    assert_text_cell(get(client, officer, url), typed)


def test_evaluation_rankings_export(named, typed, model, client):  # noqa: F811
    """A station staffed and well rated all month is a 最美驿站 candidate by name."""
    staffed(named.station, NOVEMBER, named.administrator)
    visited(named.station, NOVEMBER, per_day=3, stars=5)
    evaluate(named.district, NOVEMBER, named.district_officer)
    url = "/staff/evaluation/rankings/?month=2026-11&format=xlsx"
    assert_text_cell(get(client, named.district_officer, url), typed)


def test_planning_export(named, typed, client):
    s = Scenario.objects.create(
        region=named.district,
        name=typed,
        status="done",
        created_by=named.district_officer,
        result={
            "summary": {"stations": 1},
            "closures": [{"code": "HRB-DL-001", "name": typed, "loss_share": 0.1}],
        },
    )
    assert_text_cell(
        get(client, named.district_officer, f"/staff/planning/{s.pk}/export.xlsx"), typed
    )


def test_numbers_stay_numbers():
    from yizhan.core.csv import content as csv_content
    from yizhan.core.xlsx import Book

    book = Book()
    book.sheet("t", ["a", "b", "c"], [[-3, -1.5, "-3"]])
    sheet = load_workbook(io.BytesIO(book.content())).active
    a, b, c = sheet[2]
    assert (a.value, a.data_type) == (-3, "n") and (b.value, b.data_type) == (-1.5, "n")
    assert (c.value, c.data_type) == ("-3", "s")
    assert csv_content(["a", "b"], [[-3, "-3"]]).decode("utf-8-sig") == "a,b\r\n-3,'-3\r\n"
