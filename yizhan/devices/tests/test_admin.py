"""The device registry in the console, as an officer uses it."""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.test import Client

from yizhan.accounts.models import User
from yizhan.devices.models import Device, DeviceSecret
from yizhan.devices.tests.conftest import Kit, Post, door_event
from yizhan.stations.tests.factories import OfficerFactory, RegionFactory, StationFactory

SECRET_RE = re.compile(r"<code[^>]*>([0-9a-f]{64})</code>")


def officer(code: str) -> User:
    user: User = OfficerFactory(region=RegionFactory(code=code))
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="devices", codename__endswith="device")
    )
    return user


def test_officer_registers_a_device_and_sees_its_secret_once(
    kit: Kit, client: Client, post: Post
) -> None:
    client.force_login(officer("230102"))
    r = client.post(
        "/console/devices/device/add/",
        {"station": kit.station.pk, "kind": "door", "serial": "DOOR-0002", "name": "侧门"},
    )
    assert r.status_code == 200
    (secret,) = SECRET_RE.findall(r.content.decode())
    assert "只显示这一次" in r.content.decode()
    # The secret works for uploads, and the device's page does not show it again.
    assert post("DOOR-0002", secret, [door_event(1)]).status_code == 200
    device = Device.objects.get(serial="DOOR-0002")
    page = client.get(f"/console/devices/device/{device.pk}/change/").content.decode()
    assert secret not in page and "DOOR-0002" in page


def test_officer_sees_only_devices_in_their_region(kit: Kit, client: Client) -> None:
    far = StationFactory(code="HRB-NG-S001", region=RegionFactory(code="230103001"))
    Device.objects.create(station=far, kind="door", serial="FAR-1")
    client.force_login(officer("230102001"))
    listing = client.get("/console/devices/device/").content.decode()
    assert "DOOR-0001" in listing and "FAR-1" not in listing
    form = client.get("/console/devices/device/add/").content.decode()
    assert "HRB-NG-S001" not in form
    r = client.post(
        "/console/devices/device/add/", {"station": far.pk, "kind": "door", "serial": "X-1"}
    )
    assert r.status_code == 200 and not Device.objects.filter(serial="X-1").exists()


def test_rotate_and_deactivate_from_the_list(kit: Kit, client: Client, post: Post) -> None:
    client.force_login(officer("230102"))
    r = client.post(
        "/console/devices/device/",
        {"action": "rotate_secrets", "_selected_action": [kit.door.pk]},
    )
    (new,) = SECRET_RE.findall(r.content.decode())
    assert "24小时" in r.content.decode()
    assert post("DOOR-0001", new, [door_event(1)]).status_code == 200
    assert post("DOOR-0001", kit.door_secret, [door_event(2)]).status_code == 200
    client.post(
        "/console/devices/device/",
        {"action": "deactivate", "_selected_action": [kit.door.pk]},
    )
    assert post("DOOR-0001", new, [door_event(3)]).status_code == 401
    assert not DeviceSecret.objects.filter(device=kit.door, retired_at__isnull=True).exists()


def test_bad_serial_is_refused_at_its_field(kit: Kit, client: Client) -> None:
    client.force_login(officer("230102"))
    r = client.post(
        "/console/devices/device/add/",
        {"station": kit.station.pk, "kind": "door", "serial": "门 1"},
    )
    assert r.status_code == 200
    assert "序列号只能包含" in r.content.decode()
    assert not Device.objects.filter(serial="门 1").exists()
