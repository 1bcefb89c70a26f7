"""The service worker's script and the offline page (issue 18, point 6); the walk through
them offline is tests/browser/test_offline.py."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def config(body: str) -> dict:
    found = re.search(r"^var CONFIG = (.*);$", body, re.MULTILINE)
    assert found
    return json.loads(found.group(1))


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/javascript; charset=utf-8"
    assert r["Service-Worker-Allowed"] == "/" and r["Cache-Control"] == "no-cache"
    # Under the site's CSP: a script from the site itself, nothing inline.
    assert "script-src 'self'" in r["Content-Security-Policy"]
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304 and not again.content
    assert client.get("/en/sw.js").status_code == 404  # one worker, one scope


def test_only_worker_pages_are_kept_in_both_languages(client):
    c = config(client.get("/sw.js").content.decode())
    rules = [(rule["kind"], re.compile(rule["re"])) for rule in c["pages"]]

    def kind(path: str) -> str | None:
        return next((k for k, pattern in rules if pattern.search(path)), None)

    assert kind("/") == kind("/en/") == kind("/route/") == "finder"
    assert kind("/s/HRB-DL-001/") == kind("/en/s/HRB-DL-001/") == "station"
    assert kind("/q/report/HRB-DL-001/abcdefgh/") == kind("/en/q/rate/X/abc/") == "qr"
    assert kind("/f/token123/") == "follow" and kind("/my/r/3/") == "mine"
    assert kind("/offline/") == kind("/en/offline/") == "offline"
    for never in (
        "/staff/",
        "/en/staff/feedback/",
        "/console/",
        "/api/v1/finder/nearby",
        "/exchange/",
        "/i18n/setlang/",
        "/media/x.jpg",
    ):
        assert kind(never) is None, never
    assert c["offline"] == {"zh": "/offline/", "en": "/en/offline/", "en_prefix": "/en/"}
    assert "/static/finder/offline-store.js" in c["precache"]
    assert c["outbox_script"] == "/static/finder/offline-store.js"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/offline/", "这个页面还没有保存在手机上"),
        ("/en/offline/", "has not been saved on this phone"),
    ],
)
def test_the_offline_page_in_each_language(client, path, words):
    body = client.get(path).content.decode()
    assert words in body and 'id="offline-pages"' in body


def test_every_worker_page_registers_it_by_one_script_and_no_inline_code(client):
    body = client.get("/").content.decode()
    assert 'id="offline-js"' in body and 'data-sw="/sw.js"' in body
    assert re.search(r'<script src="/static/finder/offline.js" nonce="[^"]+" defer', body)
    english = client.get("/en/").content.decode()
    assert 'data-w-waiting="Waiting to be sent: {n} — sent automatically' in english
