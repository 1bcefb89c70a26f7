"""Hostile input answers 4xx with a sentence, never 500 (issue 19: on PostgreSQL a NUL byte
reached a query and answered 500; some of these answered 500 on both databases)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    [
        "/?q=a%00b",
        "/api/v1/stations?q=a%00b",
        "/api/v1/finder/places?q=x%00",
        "/en/?q%00=a",
    ],
)
def test_a_nul_byte_in_a_query_string_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "空字符" in response.content.decode() or "NUL" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_refused(client):
    response = client.post("/staff/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_a_nul_byte_in_a_json_body_is_refused_in_the_api_language(client):
    body = json.dumps({"token": "t", "kind": "other", "text": "坏了\u0000"})
    response = client.post(
        "/api/v1/feedback/report",
        body,
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request contains a character that is not allowed (a NUL byte); "
        "remove it and try again."
    }


def test_an_escaped_backslash_before_u0000_is_plain_text(client):
    body = json.dumps({"text": "C:\\u0000"}).encode()  # a backslash, then "u0000"
    response = client.post("/api/v1/feedback/report", body, content_type="application/json")
    assert response.status_code != 400 or "NUL" not in response.content.decode()
    assert response.status_code < 500


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stations?page=9223372036854775807",
        "/api/v1/stations?page=99999999999999999999999",
        "/api/v1/stations?page_size=9223372036854775807",
    ],
)
def test_out_of_range_integers_are_refused(client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stations?star_level=9223372036854775807",
        "/api/v1/stations?star_level=99999999999999999999999",
        "/api/v1/stations?region=99999999999999999999999",
        "/?page=9223372036854775807",
    ],
)
def test_other_huge_integers_never_answer_500(client, url):
    assert client.get(url).status_code < 500


def test_a_multipart_post_without_a_boundary_is_refused(client):
    response = client.post("/staff/login/", b"username=a", content_type="multipart/form-data")
    assert response.status_code == 400
    api = client.post("/api/v1/feedback/report", b"x", content_type="multipart/form-data")
    assert api.status_code == 400


def test_a_json_body_over_the_limit_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"text": "长" * 2000})
    response = client.post("/api/v1/feedback/report", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "提交的内容过大。"


def test_a_nul_byte_in_a_multipart_field_is_refused(client):
    response = client.post(
        "/staff/login/", {"username": "a\x00b", "file": b"x"}, format="multipart"
    )
    assert response.status_code == 400


def test_a_device_batch_refuses_a_nul_per_event_not_whole(client):
    # yizhan/devices/tests/test_review_fixes.py checks the batch keeps its good events;
    # here: the middleware lets the body through to the view (which answers 401 unsigned).
    body = json.dumps({"events": [{"payload": {"x": "a\u0000b"}}]})
    response = client.post("/api/v1/devices/events", body, content_type="application/json")
    assert response.status_code != 400 and response.status_code < 500
