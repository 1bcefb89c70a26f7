"""Rectification orders have owners (issue 17, point 4): an inspection's findings are all
listed, a repeat finding says what was found again and when it was first found, every
order has a responsible person, and an order moves up one union level at a time, only
after its deadline has passed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages

from yizhan.core.errors import PermissionDenied, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.feedback.services import report_submit
from yizhan.notifications.models import Notification
from yizhan.operations import services
from yizhan.operations.models import Rectification, RectificationEvent
from yizhan.stations.models import StaffRole, StationStaff
from yizhan.stations.tests.factories import StationFactory, UserFactory

from .conftest import jpeg

pytestmark = pytest.mark.django_db

DAILY_OK = {
    "item_door_open": "yes",
    "item_water_temp": "92",
    "item_chargers_work": "yes",
    "item_clean": "yes",
    "item_sign_visible": "yes",
    "item_medicine_in_date": "yes",
}


def _at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hh, mm, tzinfo=SHANGHAI)


def _post_daily(client, **failed: str):
    """The administrator's daily check through the page, with a photo for each failure."""
    answers = {**DAILY_OK, **{f"item_{k}": v for k, v in failed.items()}}
    photos = {f"photo_{k}": jpeg() for k in failed}
    return client.post(
        "/staff/s/HRB-DL-001/inspect/daily/",
        {**answers, **photos, "client_id": str(uuid.uuid4()), "lat": "45.7733", "lon": "126.6175"},
    )


# ---------------------------------------------------------------- every finding listed


def test_two_failed_items_are_two_findings_named_in_the_message_and_the_inspection(
    client, daoli, clock
):
    """Yesterday's expired medicine is still open; today it is found again together with
    cold water. The message says 2 problems and names both; the inspection lists both
    orders (the repeat too, marked as such); each order lists its findings."""
    client.force_login(daoli.administrator)
    _post_daily(client, medicine_in_date="no")
    medicine = Rectification.objects.get()

    clock.move_to(_at(2, 9, 10))
    done = _post_daily(client, medicine_in_date="no", water_temp="72")
    assert done.status_code == 302
    message = [str(m) for m in get_messages(done.wsgi_request)][-1]
    assert "发现 2 项问题" in message
    assert "药箱药品均在有效期内" in message and "饮水机热水温度" in message
    assert "再次发现" in message  # the medicine joined yesterday's order

    water = Rectification.objects.exclude(pk=medicine.pk).get()
    page = client.get(done.url).content.decode()
    assert f"/staff/r/{medicine.pk}/" in page and f"/staff/r/{water.pk}/" in page

    # One order per finding (each its own severity and deadline): the medicine's order
    # lists both times it was found; the water's, its one finding with the reading.
    assert [f.at for f in medicine.findings.all()] == [_at(1, 8, 30), _at(2, 9, 10)]
    assert medicine.deadline == _at(1, 8, 30) + dt.timedelta(days=3)  # the first finding's
    order_page = client.get(f"/staff/r/{medicine.pk}/").content.decode()
    assert order_page.count("药箱药品均在有效期内") >= 3  # the title and both findings
    water_page = client.get(f"/staff/r/{water.pk}/").content.decode()
    assert "72°C" in water_page


def test_a_retried_submission_returns_every_order_it_found(daoli):
    answers = {k.removeprefix("item_"): v for k, v in DAILY_OK.items()}
    first = services.inspection_submit(
        user=daoli.administrator,
        station=daoli.station,
        tier="daily",
        answers={**answers, "medicine_in_date": "no"},
        photos=[("medicine_in_date", jpeg())],
        client_id=uuid.uuid4(),
    )
    client_id = uuid.uuid4()
    kwargs = {
        "user": daoli.administrator,
        "station": daoli.station,
        "tier": "daily",
        "answers": {**answers, "medicine_in_date": "no", "clean": "no"},
        "photos": [("medicine_in_date", jpeg()), ("clean", jpeg())],
        "client_id": client_id,
    }
    second = services.inspection_submit(**kwargs)
    retry = services.inspection_submit(**{**kwargs, "photos": []})
    assert not retry.created
    assert {o.pk for o in retry.rectifications} == {o.pk for o in second.rectifications}
    assert len(second.rectifications) == 2
    assert second.again == {first.rectifications[0].pk} == retry.again


# ---------------------------------------------------------------- a repeat finding


def test_a_repeat_finding_says_what_was_found_again_and_when_it_was_first_found(
    client, daoli, clock
):
    services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="药箱药品均在有效期内",
        severity="high",
        source="inspection",
        source_ref="item:medicine_in_date",
    )
    clock.move_to(_at(2, 10, 0))
    again = services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="药箱药品均在有效期内",
        severity="high",
        source="inspection",
        source_ref="item:medicine_in_date",
    )
    event = again.events.get(action=RectificationEvent.Action.AGAIN)
    assert event.note == ""  # nothing was written: the page names the finding itself
    client.force_login(daoli.master)
    page = client.get(f"/staff/r/{again.pk}/").content.decode()
    assert "再次发现：<" not in page and "再次发现：</li>" not in page
    history = page.split("处理记录", 1)[1]
    assert "再次发现" in history
    assert "药箱药品均在有效期内" in history
    assert "首次发现于 12-01 08:30" in history


def test_a_second_worker_report_joins_the_order_with_its_words(daoli, clock):
    report_submit(
        station=daoli.station, visitor_key="rider-a" * 3, category="door_locked", text="门锁着"
    )
    report_submit(
        station=daoli.station,
        visitor_key="rider-b" * 3,
        category="door_locked",
        text="",
        now=_at(4, 12, 0),  # a new report (past the 72-hour merge): same open order
    )
    order = Rectification.objects.get()
    assert order.findings.count() == 2
    assert order.findings.first().detail == "门锁着"
    assert order.events.filter(action="again").count() == 1


# ---------------------------------------------------------------- a responsible person


def test_the_station_master_is_responsible_by_default_and_sees_it_in_their_day(client, daoli):
    order = services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="公示牌褪色",
        severity="low",
        source="officer",
    )
    assert (order.assignee, order.assignee_basis) == (daoli.master, "master")
    client.force_login(daoli.master)
    day = client.get("/staff/").content.decode()
    assert "公示牌褪色" in day
    page = client.get(f"/staff/r/{order.pk}/").content.decode()
    assert "王站长" in page and "站长" in page.split("责任人", 1)[1]
    api = client.get("/api/v1/operations/my-day").json()
    assert api["to_fix"][0]["assignee"] == "王站长"


def test_without_a_master_the_administrator_is_responsible(daoli):
    order = services.rectification_issue(
        user=daoli.inspector,
        station=daoli.other,
        title="地面湿滑",
        severity="low",
        source="officer",
    )
    assert (order.assignee, order.assignee_basis) == (daoli.other_admin, "administrator")


def test_a_station_without_accounts_the_issuer_is_responsible_named_as_such(client, daoli):
    """The registry knows the master by name and phone but they cannot sign in: the
    inspector who issued the order keeps it (shown as such, with the master's phone to
    call), and it is in the inspector's day."""
    bare = StationFactory(code="HRB-DL-009", region=daoli.street)
    StationStaff.objects.create(
        station=bare, role=StaffRole.MASTER, name="钱站长", phone="13811112222"
    )
    order = services.rectification_issue(
        user=daoli.inspector, station=bare, title="门上锁", severity="critical", source="officer"
    )
    assert (order.assignee, order.assignee_basis) == (daoli.inspector, "issuer")
    client.force_login(daoli.inspector)
    assert "门上锁" in client.get("/staff/").content.decode()
    page = client.get(f"/staff/r/{order.pk}/").content.decode()
    assert "下发人代管" in page
    assert "钱站长" in page and "13811112222" in page


def test_without_accounts_and_issuer_the_nearest_union_officer_is_responsible(daoli):
    """A worker's report opens an order by itself: no issuer. The street's officer holds
    it; where the street has no officer on the platform, the district's."""
    bare = StationFactory(code="HRB-DL-009", region=daoli.street)
    report_submit(station=bare, visitor_key="rider-a" * 3, category="door_locked", text="锁门")
    order = Rectification.objects.get(station=bare)
    assert (order.assignee, order.assignee_basis) == (daoli.street_officer, "officer")
    far = StationFactory(code="HRB-DL-010", region=daoli.other_street)
    report_submit(station=far, visitor_key="rider-b" * 3, category="door_locked", text="锁门")
    assert Rectification.objects.get(station=far).assignee == daoli.district_officer


def test_the_issuer_or_an_officer_changes_who_is_responsible_with_history(client, daoli, clock):
    order = services.rectification_issue(
        user=daoli.inspector,
        station=daoli.station,
        title="药品过期",
        severity="high",
        source="officer",
    )
    # The station's own staff may not hand it on; nor may it go to an outsider.
    with pytest.raises(PermissionDenied):
        services.rectification_reassign(
            user=daoli.master, rectification=order, assignee=daoli.administrator
        )
    with pytest.raises(ValidationFailed):
        services.rectification_reassign(
            user=daoli.inspector, rectification=order, assignee=daoli.other_admin
        )
    clock.move_to(_at(1, 10, 0))
    client.force_login(daoli.inspector)
    page = client.get(f"/staff/r/{order.pk}/").content.decode()
    assert 'name="assignee"' in page
    done = client.post(
        f"/staff/r/{order.pk}/",
        {"action": "reassign", "assignee": daoli.administrator.pk, "note": "站长休假"},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.assignee, order.assignee_basis) == (daoli.administrator, "chosen")
    event = order.events.get(action="reassigned")
    assert event.user == daoli.inspector and event.at == _at(1, 10, 0)
    assert "王站长" in event.note and "李管理" in event.note and "站长休假" in event.note
    assert Notification.objects.filter(
        user=daoli.administrator, kind="rectification_assigned", url=f"/staff/r/{order.pk}/"
    ).exists()
    client.force_login(daoli.administrator)
    assert "药品过期" in client.get("/staff/").content.decode()
    # A supervising officer (not the issuer) may also change it.
    services.rectification_reassign(
        user=daoli.district_officer, rectification=order, assignee=daoli.street_officer
    )
    order.refresh_from_db()
    assert order.assignee == daoli.street_officer


# ---------------------------------------------------------------- escalation


def _critical(daoli, station=None) -> Rectification:
    return services.rectification_issue(
        user=daoli.inspector,
        station=station or daoli.station,
        title="门上锁",
        severity="critical",
        source="officer",
    )


def test_an_order_escalates_only_after_its_deadline_and_keeps_it(daoli, clock):
    order = _critical(daoli)
    deadline = order.deadline
    assert deadline == _at(2, 8, 30)
    clock.move_to(deadline - dt.timedelta(minutes=1))
    assert services.rectifications_escalate() == 0
    clock.move_to(deadline)
    assert services.rectifications_escalate() == 0  # at the deadline is not past it
    clock.move_to(deadline + dt.timedelta(minutes=15))
    assert services.rectifications_escalate() == 1
    order.refresh_from_db()
    assert order.level == 1
    assert order.deadline == deadline  # the station's deadline does not move
    assert order.escalated_at > order.deadline
    # The street has its own day before the district is asked.
    assert order.level_deadline == order.escalated_at + dt.timedelta(days=1)


def test_one_level_at_a_time_even_after_days_without_a_run(daoli, clock):
    order = _critical(daoli)
    clock.move_to(_at(9, 9, 0))  # the reminders did not run for a week
    services.rectifications_escalate()
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.level == 1
    clock.move_to(_at(10, 9, 30))
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.level == 2


def test_a_street_without_an_officer_is_a_level_too_and_the_district_is_told(daoli, clock):
    """HRB-DL-002's street has no union officer on the platform: the order still goes to
    the street level first (no jump to the district), and the district officer is told
    so that somebody hears of it."""
    order = _critical(daoli, station=daoli.other)
    clock.move_to(_at(2, 9, 0))
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.level == 1
    assert Notification.objects.filter(user=daoli.district_officer, kind="rectification_overdue")
    assert not Notification.objects.filter(user=daoli.city_officer)
    clock.move_to(_at(3, 9, 30))
    services.rectifications_escalate()
    order.refresh_from_db()
    assert order.level == 2


def test_the_order_page_shows_the_missed_deadline_and_the_next_step(client, daoli, clock):
    order = _critical(daoli)
    clock.move_to(_at(2, 9, 0))
    services.rectifications_escalate()
    client.force_login(daoli.street_officer)
    page = client.get(f"/staff/r/{order.pk}/").content.decode()
    assert "12-02 08:30" in page  # the deadline that was missed
    assert "已逾期" in page
    assert "12-03 09:00" in page  # when it goes to the district if still not fixed


def test_the_console_shows_an_orders_findings_and_owner(client, daoli):
    order = _critical(daoli)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(f"/console/operations/rectification/{order.pk}/change/")
    assert page.status_code == 200
    assert "发现记录" in page.content.decode()
    listing = client.get("/console/operations/rectification/?assignee_basis=master")
    assert "门上锁" in listing.content.decode()
