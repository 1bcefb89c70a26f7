"""Uploads through the signed endpoint: what a device (and the officer reading the
evidence afterwards) sees."""

from __future__ import annotations

import datetime as dt
import json

import time_machine

from yizhan.devices.models import DeviceEvent
from yizhan.devices.services import device_deactivate, device_secret_rotate, person_hash
from yizhan.devices.tests.conftest import NOW, Kit, Post, door_event


def test_good_batch_is_stored_at_the_device_station(kit: Kit, post: Post) -> None:
    events = [door_event(n) for n in range(5)] + [
        {"event_id": "c-1", "kind": "count", "at": NOW.isoformat(), "count": 7},
        {"event_id": "h-1", "kind": "heartbeat", "at": int(NOW.timestamp())},
    ]
    r = post("DOOR-0001", kit.door_secret, events)
    assert r.status_code == 200, r.content
    assert r.json() == {"accepted": 7, "duplicates": 0, "rejected": [], "dropped": []}
    stored = DeviceEvent.objects.filter(device=kit.door)
    assert stored.count() == 7
    assert set(stored.values_list("station_id", flat=True)) == {kit.station.pk}
    assert stored.get(event_id="c-1").count == 7
    kit.door.refresh_from_db()
    assert kit.door.last_seen_at == NOW


def test_resent_batch_adds_nothing(kit: Kit, post: Post) -> None:
    events = [door_event(n) for n in range(10)]
    assert post("DOOR-0001", kit.door_secret, events).json()["accepted"] == 10
    again = post("DOOR-0001", kit.door_secret, events).json()
    assert again["accepted"] == 0 and again["duplicates"] == 10
    # Half old, half new; and an id twice in one batch counts once.
    mixed = [door_event(n) for n in range(5, 15)] + [door_event(14)]
    out = post("DOOR-0001", kit.door_secret, mixed).json()
    assert (out["accepted"], out["duplicates"]) == (5, 6)
    assert DeviceEvent.objects.count() == 15


def test_same_event_id_from_two_devices_are_two_events(kit: Kit, post: Post) -> None:
    post("DOOR-0001", kit.door_secret, [door_event(1)])
    out = post("CNT-0001", kit.counter_secret, [door_event(1)]).json()
    assert out["accepted"] == 1
    assert DeviceEvent.objects.count() == 2


def test_late_and_out_of_order_events_are_accepted(kit: Kit, post: Post) -> None:
    events = [
        door_event(1, at=NOW - dt.timedelta(days=29)),
        door_event(2, at=NOW),
        door_event(3, at=NOW - dt.timedelta(days=3)),
        door_event(4, at=NOW + dt.timedelta(minutes=4 + 4)),  # 4 min ahead of the server
    ]
    out = post("DOOR-0001", kit.door_secret, events).json()
    assert out["accepted"] == 4 and out["rejected"] == []


def test_future_and_too_old_events_are_rejected_with_index_and_field(kit: Kit, post: Post) -> None:
    events = [
        door_event(1),
        door_event(2, at=NOW - dt.timedelta(days=31)),
        door_event(3, at=NOW + dt.timedelta(hours=1)),
        {"event_id": "x", "kind": "door_open", "at": "2026-12-01T08:00:00"},
        {"event_id": "y", "kind": "teleport", "at": NOW.isoformat()},
        {"event_id": "z", "kind": "count", "at": NOW.isoformat(), "count": -1},
    ]
    out = post("DOOR-0001", kit.door_secret, events).json()
    assert out["accepted"] == 1
    fields = [(r["index"], r["field"]) for r in out["rejected"]]
    assert fields == [
        (1, "events[1].at"),
        (2, "events[2].at"),
        (3, "events[3].at"),
        (4, "events[4].kind"),
        (5, "events[5].count"),
    ]
    assert out["rejected"][1]["event_id"] == "d-3"
    assert "时钟" in out["rejected"][1]["message"]
    assert "时区" in out["rejected"][2]["message"]


def test_malformed_batch_is_422_naming_the_field(kit: Kit, post: Post) -> None:
    r = post("DOOR-0001", kit.door_secret, body=b"{not json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = post("DOOR-0001", kit.door_secret, body=json.dumps({"events": [{}] * 1001}).encode())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "events"


def test_bad_signature_is_401(kit: Kit, post: Post) -> None:
    r = post("DOOR-0001", "0" * 64, [door_event(1)])
    assert r.status_code == 401
    assert r.json() == {"detail": "设备认证失败"}
    # Signed for another path, or with the other device's secret: refused too.
    assert post("DOOR-0001", kit.door_secret, [door_event(1)], sign_path="/x").status_code == 401
    assert post("DOOR-0001", kit.counter_secret, [door_event(1)]).status_code == 401
    assert DeviceEvent.objects.count() == 0


def test_unknown_or_inactive_device_gets_the_same_401(kit: Kit, post: Post) -> None:
    unknown = post("NOPE-1", kit.door_secret, [door_event(1)])
    device_deactivate(user=None, device=kit.door)
    inactive = post("DOOR-0001", kit.door_secret, [door_event(1)])
    assert unknown.status_code == inactive.status_code == 401
    assert unknown.json() == inactive.json() == {"detail": "设备认证失败"}


def test_replayed_nonce_is_409(kit: Kit, post: Post) -> None:
    nonce = "n" * 24
    assert post("DOOR-0001", kit.door_secret, [door_event(1)], nonce=nonce).status_code == 200
    r = post("DOOR-0001", kit.door_secret, [door_event(2)], nonce=nonce)
    assert r.status_code == 409
    assert DeviceEvent.objects.count() == 1
    # The other device may use the same nonce.
    assert post("CNT-0001", kit.counter_secret, [door_event(3)], nonce=nonce).status_code == 200


def test_stale_timestamp_is_401(kit: Kit, post: Post) -> None:
    ts = int(NOW.timestamp())
    assert (
        post("DOOR-0001", kit.door_secret, [door_event(1)], timestamp=ts - 301).status_code == 401
    )
    assert (
        post("DOOR-0001", kit.door_secret, [door_event(1)], timestamp=ts + 301).status_code == 401
    )
    assert (
        post("DOOR-0001", kit.door_secret, [door_event(1)], timestamp=ts - 299).status_code == 200
    )


def test_rotated_secret_old_one_works_for_24_hours(
    kit: Kit, post: Post, clock: time_machine.Coordinates
) -> None:
    new = device_secret_rotate(user=None, device=kit.door)
    assert new != kit.door_secret
    assert post("DOOR-0001", kit.door_secret, [door_event(1)]).status_code == 200
    assert post("DOOR-0001", new, [door_event(2)]).status_code == 200
    clock.shift(dt.timedelta(hours=23, minutes=59))
    assert post("DOOR-0001", kit.door_secret, [door_event(3)]).status_code == 200
    clock.shift(dt.timedelta(minutes=2))
    assert post("DOOR-0001", kit.door_secret, [door_event(4)]).status_code == 401
    assert post("DOOR-0001", new, [door_event(5)]).status_code == 200


def test_second_rotation_retires_the_oldest_secret_at_once(kit: Kit, post: Post) -> None:
    second = device_secret_rotate(user=None, device=kit.door)
    third = device_secret_rotate(user=None, device=kit.door)
    assert post("DOOR-0001", kit.door_secret, [door_event(1)]).status_code == 401
    assert post("DOOR-0001", second, [door_event(2)]).status_code == 200
    assert post("DOOR-0001", third, [door_event(3)]).status_code == 200


def test_biometric_and_identity_data_is_refused_or_dropped(kit: Kit, post: Post) -> None:
    events = [
        door_event(1, face_image="base64..."),
        door_event(2, person="230102199001011234"),  # an ID card number
        door_event(3, person="13800138000"),  # a phone number
        door_event(4, payload={"door": "north", "faceFeature": [0.1, 0.2], "card_no": "123"}),
        door_event(5, person="张三"),
    ]
    out = post("DOOR-0001", kit.door_secret, events).json()
    assert [r["field"] for r in out["rejected"]] == [
        "events[0].face_image",
        "events[1].person",
        "events[2].person",
        "events[4].person",
    ]
    assert out["accepted"] == 1
    assert out["dropped"] == ["events[3].payload.faceFeature", "events[3].payload.card_no"]
    assert DeviceEvent.objects.get().payload == {"door": "north"}


def test_person_token_is_stored_only_as_a_keyed_hash_per_station(kit: Kit, post: Post) -> None:
    post(
        "DOOR-0001",
        kit.door_secret,
        [door_event(1, person="rider-abc"), door_event(2, person="rider-abc")],
    )
    stored = set(DeviceEvent.objects.values_list("person", flat=True))
    assert len(stored) == 1
    (hashed,) = stored
    assert "rider-abc" not in hashed and len(hashed) == 32
    # The same token at another station is another key; only the server's key links them.
    assert person_hash(station_id=kit.other_station.pk, token="rider-abc") != hashed
    assert person_hash(station_id=kit.station.pk, token="rider-abc") == hashed


def test_events_are_filed_at_the_device_station_whatever_they_claim(kit: Kit, post: Post) -> None:
    event = door_event(1, payload={"station": kit.other_station.code})
    event["station"] = kit.other_station.pk  # not a field: ignored
    out = post("DOOR-0001", kit.door_secret, [event]).json()
    assert out["accepted"] == 1
    assert DeviceEvent.objects.get().station_id == kit.station.pk
    assert not DeviceEvent.objects.filter(station=kit.other_station).exists()


def test_rate_limit_per_device(kit: Kit, post: Post, settings) -> None:  # type: ignore[no-untyped-def]
    settings.YIZHAN = {**settings.YIZHAN, "DEVICE_BATCHES_PER_MINUTE": 3}
    codes = [post("DOOR-0001", kit.door_secret, [door_event(n)]).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    # Another device at the same address is not held back.
    assert post("CNT-0001", kit.counter_secret, [door_event(9)]).status_code == 200
