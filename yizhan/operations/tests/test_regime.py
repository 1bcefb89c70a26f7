"""The regime's rules: lateness, position, who may do what, bad input, officers' views."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yizhan.core.errors import PermissionDenied, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.notifications.models import Notification
from yizhan.operations import selectors, services
from yizhan.operations.models import Inspection, SeasonalMode
from yizhan.stations.models import StationAmenity
from yizhan.stations.tests.factories import StationFactory

from .conftest import START, jpeg

pytestmark = pytest.mark.django_db

OK = {
    "door_open": "yes",
    "water_temp": "90",
    "chargers_work": "yes",
    "clean": "yes",
    "sign_visible": "yes",
    "medicine_in_date": "yes",
}


def daily(d, *, user=None, station=None, **kw):
    return services.inspection_submit(
        user=user or d.administrator,
        station=station or d.station,
        tier="daily",
        answers=kw.pop("answers", OK),
        client_id=kw.pop("client_id", uuid.uuid4()),
        **kw,
    )


def test_a_missed_day_makes_the_next_check_late_never_back_dated(daoli, clock):
    first = daily(daoli).inspection  # nothing on 30 November
    assert first.late and first.period_start == dt.date(2026, 12, 1)
    assert first.submitted_at == START
    clock.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    assert not daily(daoli).inspection.late


def test_a_check_away_from_the_station_is_flagged(daoli):
    far = services.Position(45.7823, 126.6175, 20)  # 1 km north
    result = daily(daoli, position=far)
    assert result.inspection.away and round(result.inspection.distance_m) == 1001
    near = daily(daoli, position=services.Position(45.7740, 126.6175, 30))
    assert not near.inspection.away
    none = daily(daoli)
    assert none.inspection.no_position and not none.inspection.away


def test_staff_cannot_act_on_another_station(daoli, client):
    with pytest.raises(PermissionDenied):
        daily(daoli, user=daoli.other_admin)
    with pytest.raises(PermissionDenied):
        services.opening_log_record(
            user=daoli.other_admin,
            station=daoli.station,
            action="opened",
            position=services.Position(),
        )
    client.force_login(daoli.other_admin)
    assert client.get("/staff/s/HRB-DL-001/").status_code == 404
    assert client.post("/staff/s/HRB-DL-001/opening/", {"action": "opened"}).status_code == 404
    assert client.get("/staff/s/HRB-DL-002/").status_code == 200


def test_who_does_which_tier(daoli):
    with pytest.raises(PermissionDenied):  # weekly is the station master's
        services.inspection_submit(
            user=daoli.administrator,
            station=daoli.station,
            tier="weekly",
            answers={},
            client_id=uuid.uuid4(),
        )
    with pytest.raises(PermissionDenied):  # monthly is the district union's
        services.inspection_submit(
            user=daoli.master,
            station=daoli.station,
            tier="monthly",
            answers={},
            client_id=uuid.uuid4(),
        )
    with pytest.raises(PermissionDenied):  # spot checks only by assignment
        services.inspection_submit(
            user=daoli.city_officer,
            station=daoli.station,
            tier="spot",
            answers={},
            client_id=uuid.uuid4(),
        )


def test_bad_answers_and_photos_name_the_field_and_write_nothing(daoli):
    with pytest.raises(ValidationFailed) as bad:
        daily(daoli, answers={**OK, "water_temp": "hot", "door_open": ""})
    assert {e.field for e in bad.value.errors} == {"water_temp", "door_open"}
    fake = SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as not_image:
        daily(daoli, answers={**OK, "door_open": "no"}, photos=[("door_open", fake)])
    assert not_image.value.errors[0].field == "photo:door_open"
    assert not Inspection.objects.exists()


def test_photos_lose_their_metadata(daoli):
    from PIL import Image

    raw = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    Image.new("RGB", (40, 30)).save(raw, "JPEG", exif=exif)
    raw.seek(0)
    result = daily(daoli, answers={**OK, "clean": "no"}, photos=[("clean", raw)])
    stored = result.inspection.photos.get().image
    stored.open()
    assert not Image.open(stored).getexif()


def test_equipment_out_of_order_shows_in_the_finder(daoli, client, clock):
    url = "/api/v1/finder/nearby?lat=45.7733&lon=126.6175&amenity=microwave&radius_m=500"
    assert [s["code"] for s in client.get(url).json()["items"]] == ["HRB-DL-001"]
    with pytest.raises(ValidationFailed) as no_reason:
        services.amenity_state_set(
            user=daoli.administrator, station=daoli.station, amenity_code="microwave", working=False
        )
    assert no_reason.value.errors[0].field == "reason"
    services.amenity_state_set(
        user=daoli.administrator,
        station=daoli.station,
        amenity_code="microwave",
        working=False,
        reason="加热管烧坏",
        expected_fix_on=dt.date(2026, 12, 5),
    )
    assert client.get(url).json()["items"] == []
    card = client.get("/api/v1/finder/stations/HRB-DL-001").json()
    broken = [a for a in card["amenities"] if a["code"] == "microwave"][0]
    assert broken["working"] is False and broken["reason"] == "加热管烧坏"
    clock.shift(dt.timedelta(hours=4))  # mended in the afternoon
    services.amenity_state_set(
        user=daoli.master, station=daoli.station, amenity_code="microwave", working=True
    )
    assert [s["code"] for s in client.get(url).json()["items"]] == ["HRB-DL-001"]
    assert StationAmenity.objects.get(station=daoli.station, amenity__code="microwave").reason == ""


def test_seasonal_modes_may_not_overlap_on_one_region(daoli):
    services.seasonal_mode_set(
        user=daoli.district_officer,
        region=daoli.district,
        season="winter",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2027, 3, 31),
    )
    with pytest.raises(ValidationFailed) as overlap:
        services.seasonal_mode_set(
            user=daoli.district_officer,
            region=daoli.district,
            season="summer",
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2027, 9, 1),
        )
    assert overlap.value.errors[0].field == "starts_on"
    with pytest.raises(PermissionDenied):  # the city is above this officer
        services.seasonal_mode_set(
            user=daoli.district_officer,
            region=daoli.city,
            season="summer",
            starts_on=dt.date(2027, 6, 1),
            ends_on=dt.date(2027, 9, 1),
        )


def test_spot_checks_are_drawn_at_random_and_done_by_assignment(daoli):
    drawn = services.spot_checks_draw(
        user=daoli.city_officer,
        region=daoli.district,
        count=1,
        due_on=dt.date(2026, 12, 10),
        assignees=[daoli.inspector],
        seed=7,
    )
    assert len(drawn) == 1 and drawn[0].assignee == daoli.inspector
    assert (
        Notification.objects.filter(user=daoli.inspector, kind="inspection_assigned").count() == 1
    )
    # The stations still open for a spot check are not drawn twice.
    second = services.spot_checks_draw(
        user=daoli.city_officer, region=daoli.city, count=5, due_on=dt.date(2026, 12, 10), seed=7
    )
    assert {a.station_id for a in second}.isdisjoint({drawn[0].station_id})
    task = drawn[0]
    with pytest.raises(PermissionDenied):
        services.inspection_submit(
            user=daoli.city_officer,
            station=task.station,
            tier="spot",
            answers={},
            client_id=uuid.uuid4(),
            assignment=task,
        )
    spot_items = selectors.checklist_items_for(
        checklist=selectors.checklist_current(tier="spot"), season="winter"
    )
    answers = {i.code: ("yes" if i.kind == "yes_no" else "1") for i in spot_items}
    answers["water_temp"] = "90"
    result = services.inspection_submit(
        user=daoli.inspector,
        station=task.station,
        tier="spot",
        answers=answers,
        client_id=uuid.uuid4(),
        assignment=task,
    )
    task.refresh_from_db()
    assert (
        task.status == "done"
        and result.inspection.assignment == task
        and not result.inspection.late
    )


def test_a_mystery_visit_goes_to_a_registered_worker(daoli, client):
    with pytest.raises(ValidationFailed):
        services.mystery_visit_assign(
            user=daoli.district_officer,
            station=daoli.station,
            worker=daoli.master,
            due_on=dt.date(2026, 12, 8),
        )
    task = services.mystery_visit_assign(
        user=daoli.district_officer,
        station=daoli.station,
        worker=daoli.worker,
        due_on=dt.date(2026, 12, 8),
    )
    client.force_login(daoli.worker)
    home = client.get("/staff/").content.decode()
    assert "暗访" in home and "兆麟1号工会驿站" in home
    form = client.get(f"/staff/s/HRB-DL-001/inspect/mystery/?assignment={task.pk}")
    assert form.status_code == 200 and "能接到热水" in form.content.decode()
    posted = client.post(
        f"/staff/s/HRB-DL-001/inspect/mystery/?assignment={task.pk}",
        {
            "item_door_open": "no",
            "photo_door_open": jpeg(),
            "item_hot_water": "yes",
            "item_charged": "yes",
            "item_staff_friendly": "yes",
            "item_clean": "yes",
            "item_comment": "中午门锁着",
            "assignment": task.pk,
            "client_id": str(uuid.uuid4()),
        },
    )
    assert posted.status_code == 302
    order = daoli.station.rectifications.get()
    assert order.title == "到达时驿站开放、可以进入" and order.issued_by == daoli.worker


def test_compliance_view_and_export_follow_the_officers_region(daoli, client, clock):
    clock.move_to(dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    daily(daoli)
    clock.move_to(START)
    client.force_login(daoli.district_officer)
    page = client.get("/staff/region/?start=2026-11-24&end=2026-11-30")
    text = page.content.decode()
    assert "兆麟1号工会驿站" in text and "HRB-DL-002" in text
    export = client.get("/staff/region/?start=2026-11-24&end=2026-11-30&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content))["按驿站"]
    rows = {(r[0], r[3]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("HRB-DL-001", "日巡")][4:6] == (7, 1)  # 7 open days, 1 checked
    assert rows[("HRB-DL-002", "日巡")][4:6] == (7, 0)
    # A street officer sees only the street; another district is not theirs.
    client.force_login(daoli.street_officer)
    text = client.get("/staff/region/").content.decode()
    assert "HRB-DL-001" in text and "HRB-DL-002" not in text
    assert client.get("/staff/region/?region=230103").status_code == 404
    client.force_login(daoli.administrator)
    assert client.get("/staff/region/").status_code == 403


def test_open_rectifications_by_age_with_export(daoli, client, clock):
    clock.move_to(dt.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI))
    services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="标识缺失",
        severity="low",
        source="officer",
    )
    clock.move_to(START)
    services.rectification_issue(
        user=daoli.inspector,
        station=daoli.other,
        title="热水器坏",
        severity="medium",
        source="officer",
    )
    nobody = StationFactory(code="HRB-DL-009", region=daoli.street)  # no staff: no assignee
    services.rectification_issue(
        user=daoli.inspector, station=nobody, title="无人值守", severity="low", source="officer"
    )
    client.force_login(daoli.district_officer)
    page = client.get("/staff/region/rectifications/").content.decode()
    assert page.index("标识缺失") < page.index("热水器坏")  # oldest first
    sheet = load_workbook(
        io.BytesIO(client.get("/staff/region/rectifications/?format=xlsx").content)
    ).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[4], r[12], r[13]) for r in rows] == [
        ("标识缺失", 30, "是"),
        ("热水器坏", 0, "否"),
        ("无人值守", 0, "否"),
    ]


def test_reminders_tell_the_people_in_charge_once(daoli):
    assert services.inspection_reminders_send() >= 1  # yesterday's daily check was missed
    assert Notification.objects.filter(user=daoli.administrator, kind="inspection_due").exists()
    count = Notification.objects.count()
    services.inspection_reminders_send()
    assert Notification.objects.count() == count


def test_password_guessing_is_slowed_down(daoli, client):
    # django-axes (yizhan.accounts.lockout): the 5th failure locks this name from here.
    for _ in range(4):
        assert (
            client.post("/staff/login/", {"username": "admin1", "password": "wrong"}).status_code
            == 200
        )
    assert (
        client.post("/staff/login/", {"username": "admin1", "password": "wrong"}).status_code == 429
    )
    blocked = client.post("/staff/login/", {"username": "admin1", "password": "pw-yizhan-1"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 60
    assert "密码错误次数过多" in blocked.content.decode()


def test_officers_see_the_modes_that_reach_them_and_withdraw_their_own(daoli, client):
    city_mode = services.seasonal_mode_set(
        user=daoli.city_officer,
        region=daoli.city,
        season="winter",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2027, 3, 31),
    )
    with pytest.raises(ValidationFailed) as past:
        services.seasonal_mode_set(
            user=daoli.district_officer,
            region=daoli.district,
            season="summer",
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 8, 31),
        )
    assert past.value.errors[0].field == "ends_on"
    client.force_login(daoli.district_officer)
    page = client.get("/staff/region/seasons/").content.decode()
    assert "哈尔滨市" in page and "生效中" in page and "上级设置" in page
    assert client.post("/staff/region/seasons/", {"delete": city_mode.pk}).status_code == 302
    assert SeasonalMode.objects.filter(pk=city_mode.pk).exists()  # not theirs to withdraw
    own = services.seasonal_mode_set(
        user=daoli.district_officer,
        region=daoli.district,
        season="summer",
        starts_on=dt.date(2027, 6, 1),
        ends_on=dt.date(2027, 8, 31),
    )
    client.post("/staff/region/seasons/", {"delete": own.pk})
    assert not SeasonalMode.objects.filter(pk=own.pk).exists()


def test_compliance_export_shares_are_percentages_and_the_list_can_show_only_overdue(daoli, client):
    daily(daoli, station=daoli.other, user=daoli.other_admin)  # HRB-DL-002 done today
    client.force_login(daoli.district_officer)
    page = client.get("/staff/region/?overdue=1").content.decode()
    stations = page[page.index("按驿站") :]
    assert '<td class="bad">逾期</td>' in stations
    assert "已完成</td>" not in stations and "待完成</td>" not in stations
    export = client.get("/staff/region/?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content))["按驿站"]
    share = sheet.cell(row=2, column=7)
    assert isinstance(share.value, int | float) and share.number_format == "0.0%"


def test_a_mystery_visit_to_an_unknown_station_says_so(daoli, client):
    client.force_login(daoli.district_officer)
    answer = client.post(
        "/staff/region/mystery/",
        {"station": "hrb-dl-999", "worker": daoli.worker.pk, "due_on": "2026-12-08"},
        follow=True,
    )
    assert "没有编号为 HRB-DL-999 的驿站" in answer.content.decode()
    ok = client.post(
        "/staff/region/mystery/",
        {"station": "hrb-dl-001", "worker": daoli.worker.pk, "due_on": "2026-12-08"},
        follow=True,
    )
    assert "暗访任务已派发" in ok.content.decode()
