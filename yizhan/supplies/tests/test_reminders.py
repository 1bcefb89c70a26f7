"""Expiry and low-stock reminders: to the station's master and administrator, once each."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from yizhan.notifications.models import NoticeKind, Notification
from yizhan.supplies.services import (
    station_supply_set,
    stock_restock,
    stock_use,
    supplies_reminders_send,
)
from yizhan.supplies.tasks import supplies_reminders_task

from .conftest import NOW, TODAY, staff_user


def restock(world, item, code, qty, expires_in):  # type: ignore[no-untyped-def]
    return stock_restock(
        user=world.master,
        station=world.station,
        item=item(code),
        quantity=qty,
        batch_no=f"{code}-{qty}",
        expires_on=TODAY + dt.timedelta(days=expires_in) if expires_in is not None else None,
    )


def test_reminders_go_to_runners_once_per_tier(
    world, item, clock, django_capture_on_commit_callbacks
):

    world.master.email = "master@example.com"
    world.master.save()
    staff_user(world.station, "administrator", "admin1")
    restock(world, item, "huoxiang", 4, 20)  # expiring within 30 days
    restock(world, item, "water", 50, 300)  # fine

    with django_capture_on_commit_callbacks(execute=True):
        assert supplies_reminders_send(now=NOW) == 2
    notices = Notification.objects.filter(kind=NoticeKind.STOCK_EXPIRING)
    assert sorted(n.user.username for n in notices) == ["admin1", "master1"]
    assert "藿香正气水" in notices[0].title and "2026-07-21" in notices[0].title
    assert notices[0].url == f"/staff/supplies/s/{world.station.code}/"
    assert not Notification.objects.filter(user=world.volunteer).exists()
    assert len(mail.outbox) == 1 and "藿香正气水" in mail.outbox[0].subject

    # The next morning: nothing new to say.
    clock.shift(dt.timedelta(days=1))
    assert supplies_reminders_send(now=NOW + dt.timedelta(days=1)) == 0

    # 7 days before expiry: the urgent tier; after expiry: expired.
    clock.move_to(NOW + dt.timedelta(days=14))
    assert supplies_reminders_send(now=NOW + dt.timedelta(days=14)) == 2
    assert supplies_reminders_send(now=NOW + dt.timedelta(days=14)) == 0
    clock.move_to(NOW + dt.timedelta(days=20))  # the expiry day: still usable
    assert supplies_reminders_send(now=NOW + dt.timedelta(days=20)) == 0
    clock.move_to(NOW + dt.timedelta(days=21))
    assert supplies_reminders_send(now=NOW + dt.timedelta(days=21)) == 2
    assert Notification.objects.filter(user=world.master).count() == 3
    assert "已过期" in Notification.objects.filter(user=world.master).first().title


def test_low_stock_reminds_again_only_after_a_new_shortage(world, item):

    restock(world, item, "water", 30, 300)
    station_supply_set(user=world.master, station=world.station, item=item("water"), min_level=10)
    assert supplies_reminders_send(now=NOW) == 0
    stock_use(user=world.volunteer, station=world.station, item=item("water"), quantity=25)
    assert supplies_reminders_send(now=NOW) == 1
    assert Notification.objects.get().kind == NoticeKind.STOCK_LOW
    assert supplies_reminders_send(now=NOW) == 0
    restock(world, item, "water", 20, 300)
    stock_use(user=world.volunteer, station=world.station, item=item("water"), quantity=20)
    assert supplies_reminders_send(now=NOW) == 1


def test_out_of_season_items_do_not_nag_about_low_stock(world, item):

    station_supply_set(
        user=world.master, station=world.station, item=item("hand-warmer"), min_level=20
    )
    assert supplies_reminders_send(now=NOW) == 0  # July: hand warmers can wait
    winter = dt.datetime(2026, 11, 15, 9, 0, tzinfo=NOW.tzinfo)
    assert supplies_reminders_send(now=winter) == 1


def test_the_task_sends_the_reminders(world, item):
    restock(world, item, "band-aid", 3, 5)
    result = supplies_reminders_task.enqueue()
    assert result.return_value == 1
    assert Notification.objects.get(user=world.master).kind == NoticeKind.STOCK_EXPIRING
