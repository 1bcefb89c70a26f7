"""A submission sent twice records once; the same ``client_id`` from someone else is
refused by name; two sends racing each other end with the first one's row."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError
from django.utils import timezone

from yizhan.core.errors import ValidationFailed
from yizhan.core.idempotency import created_once, replayed, replayed_rows
from yizhan.operations.models import OpeningLog
from yizhan.stations.tests.factories import StationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():
    return StationFactory()


def _log(station, user, client_id):
    return OpeningLog.objects.create(
        station=station, action="opened", at=timezone.now(), user=user, client_id=client_id
    )


def test_no_client_id_or_an_unused_one_replays_nothing(station):
    user = UserFactory()
    assert replayed(OpeningLog.objects, None, owner={"user_id": user.pk}) is None
    assert replayed(OpeningLog.objects, uuid.uuid4(), owner={"user_id": user.pk}) is None


def test_a_retry_gets_the_first_row(station):
    user, cid = UserFactory(), uuid.uuid4()
    first = _log(station, user, cid)
    assert replayed(OpeningLog.objects, cid, owner={"user_id": user.pk}) == first
    assert replayed_rows(OpeningLog.objects, cid, owner={"user_id": user.pk}) == [first]


def test_an_id_someone_else_used_is_refused_by_name(station):
    cid = uuid.uuid4()
    _log(station, UserFactory(), cid)
    other = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        replayed(OpeningLog.objects, cid, owner={"user_id": other.pk})
    assert refused.value.status_code == 422
    assert refused.value.errors[0].field == "client_id"
    assert refused.value.errors[0].message == "请求编号已被使用"
    assert refused.value.errors[0].value == ""
    with pytest.raises(ValidationFailed) as refused:
        replayed(
            OpeningLog.objects,
            cid,
            owner={"user_id": other.pk},
            refusal="提交编号已被使用",
            show_value=True,
        )
    assert refused.value.errors[0].message == "提交编号已被使用"
    assert refused.value.errors[0].value == str(cid)


def test_owner_walks_related_rows(station):
    user, cid = UserFactory(), uuid.uuid4()
    _log(station, user, cid)
    rows = OpeningLog.objects.select_related("station")
    assert replayed(rows, cid, owner={"station__code": station.code, "user_id": user.pk})
    with pytest.raises(ValidationFailed):
        replayed(rows, cid, owner={"station__code": "elsewhere"})


def test_a_create_that_lost_the_race_returns_the_winner(station):
    """Both sends checked before either wrote; the other one wrote first. Ours breaks
    the unique key inside its savepoint and gets the winner's row; the transaction goes on."""
    user, cid = UserFactory(), uuid.uuid4()
    mine = {"user_id": user.pk}
    assert replayed(OpeningLog.objects, cid, owner=mine) is None
    winner = _log(station, user, cid)
    got = created_once(lambda: _log(station, user, cid), OpeningLog.objects, cid, owner=mine)
    assert got == winner
    assert OpeningLog.objects.filter(client_id=cid).count() == 1
    assert OpeningLog.objects.count() == 1  # the transaction is still usable
    wrapped = created_once(
        lambda: ("created", _log(station, user, cid)),
        OpeningLog.objects,
        cid,
        owner=mine,
        replay=lambda row: ("replayed", row),
    )
    assert wrapped == ("replayed", winner)


def test_a_race_with_someone_else_is_refused(station):
    cid = uuid.uuid4()
    _log(station, UserFactory(), cid)
    me = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        created_once(
            lambda: _log(station, me, cid), OpeningLog.objects, cid, owner={"user_id": me.pk}
        )
    assert refused.value.errors[0].field == "client_id"


def test_another_broken_key_is_not_swallowed(station):
    user = UserFactory()

    def broken():
        raise IntegrityError("some other unique key")

    with pytest.raises(IntegrityError):
        created_once(broken, OpeningLog.objects, uuid.uuid4(), owner={"user_id": user.pk})
    assert (
        created_once(
            lambda: _log(station, user, None), OpeningLog.objects, None, owner={}
        ).client_id
        is None
    )
