"""Defects a review found: odd signatures and payloads must be refused cleanly, and only a
door controller's heartbeat says a station is open."""

from __future__ import annotations

import datetime as dt
import json

from yizhan.devices import signing
from yizhan.devices.selectors import life_events
from yizhan.devices.tests.conftest import NOW, PATH, Kit, Post


def test_a_non_hex_signature_is_a_401_not_a_crash(kit: Kit, client) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"events": []}).encode()
    headers = signing.sign_request(
        serial="DOOR-0001", secret=kit.door_secret, method="POST", path=PATH, body=body
    )
    headers["X-Signature"] = "签" * 64
    response = client.post(PATH, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401


def test_a_nul_in_a_payload_refuses_that_event_only(kit: Kit, post: Post) -> None:
    ok = {"event_id": "hb-1", "kind": "heartbeat", "at": NOW.isoformat()}
    bad = {
        "event_id": "hb-2",
        "kind": "heartbeat",
        "at": NOW.isoformat(),
        "payload": {"x": "a\u0000b"},
    }
    response = post("DOOR-0001", kit.door_secret, [ok, bad])
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1 and body["rejected"][0]["field"] == "events[1].payload"


def test_only_a_door_controllers_heartbeat_keeps_a_station_alive(kit: Kit, post: Post) -> None:
    at = (NOW - dt.timedelta(minutes=30)).isoformat()
    post("CNT-0001", kit.counter_secret, [{"event_id": "hb-c", "kind": "heartbeat", "at": at}])
    events = list(
        life_events(station_ids=[kit.station.pk], start=NOW - dt.timedelta(hours=1), end=NOW)
    )
    assert [e.source for e in events] == []  # a powered counter proves nothing
    post("DOOR-0001", kit.door_secret, [{"event_id": "hb-d", "kind": "heartbeat", "at": at}])
    events = list(
        life_events(station_ids=[kit.station.pk], start=NOW - dt.timedelta(hours=1), end=NOW)
    )
    assert [e.source for e in events] == ["heartbeat"]
