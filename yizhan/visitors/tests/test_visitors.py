"""The anonymous worker: the cookie, the header, the keyed hash and the locked row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from yizhan.core.errors import ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.visitors.models import Visitor
from yizhan.visitors.selectors import visitor_by_key, visitor_hash, visitor_key_valid
from yizhan.visitors.services import (
    COOKIE,
    visitor_from,
    visitor_keep,
    visitor_key_required,
    visitor_lock,
    visitor_occupation_set,
)

KEY = "v" * 24
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


def _with_cookie(response: HttpResponse) -> RequestFactory:
    factory = RequestFactory()
    factory.cookies[COOKIE] = response.cookies[COOKIE].value
    return factory


def test_the_stored_hash_is_the_one_feedback_stored():
    """Moving the code must not orphan a stored visitor: same salt, same digest."""
    assert visitor_hash(KEY) == "2d4b6cb07a5c6ab146a7e51d20c28d2acf480792458b7095fa15cdbd9b87aacc"


def test_keys_are_16_to_64_url_safe_characters():
    assert visitor_key_valid("a" * 16) and visitor_key_valid("a-_" * 21)
    assert not visitor_key_valid("a" * 15) and not visitor_key_valid("a" * 65)
    assert not visitor_key_valid("a" * 15 + "!")


def test_cookie_round_trip_keeps_the_id_and_the_occupation():
    key, occupation, new = visitor_from(RequestFactory().get("/"))
    assert new and occupation == "" and visitor_key_valid(key)
    response = HttpResponse()
    visitor_keep(response, key, "rider")
    morsel = response.cookies[COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    again = visitor_from(_with_cookie(response).get("/"))
    assert again == (key, "rider", False)


def test_a_tampered_cookie_is_a_new_visitor():
    factory = RequestFactory()
    factory.cookies[COOKIE] = f"{KEY}:rider"
    key, _occupation, new = visitor_from(factory.get("/"))
    assert new and key != KEY


def test_the_api_takes_the_header_then_the_cookie():
    assert visitor_key_required(RequestFactory().get("/", HTTP_X_VISITOR=KEY)) == KEY
    response = HttpResponse()
    visitor_keep(response, "c" * 20, "")
    assert visitor_key_required(_with_cookie(response).get("/")) == "c" * 20
    with pytest.raises(ValidationFailed) as caught:
        visitor_key_required(RequestFactory().get("/", HTTP_X_VISITOR="short"))
    assert caught.value.errors[0].field == "X-Visitor"


@pytest.mark.django_db
def test_lock_creates_then_updates_one_row():
    with transaction.atomic():
        first = visitor_lock(key=KEY, occupation="", now=NOW)
    assert first.key_hash == visitor_hash(KEY) and first.first_seen == NOW
    later = NOW + dt.timedelta(days=1)
    visitor_occupation_set(key=KEY, occupation="courier", now=later)
    row = Visitor.objects.get()
    assert (row.occupation, row.first_seen, row.last_seen) == ("courier", NOW, later)
    assert visitor_by_key(key=KEY) == row
    assert visitor_by_key(key="w" * 24) is None and visitor_by_key(key="bad") is None


@pytest.mark.django_db
def test_lock_refuses_a_bad_id_or_occupation():
    with pytest.raises(ValidationFailed):
        visitor_lock(key="bad", occupation="", now=NOW)
    with pytest.raises(ValidationFailed):
        visitor_lock(key=KEY, occupation="pilot", now=NOW)
    with pytest.raises(ValidationFailed):
        visitor_occupation_set(key=KEY, occupation="", now=NOW)
    assert not Visitor.objects.exists()


def test_the_table_did_not_move():
    assert Visitor._meta.db_table == "feedback_visitor"
