"""scripts/backup and scripts/restore: a backup, a wipe and a restore find every station,
photo and device event again (on SQLite, and on PostgreSQL when DATABASE_URL points at one:
the .ci/run PostgreSQL pass), with the media files and the key; a restore refuses to
overwrite data without --force."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from yizhan.core import backup
from yizhan.devices.models import DeviceEvent, DeviceKind, EventKind
from yizhan.devices.services import device_register
from yizhan.stations.models import Station, StationPhoto
from yizhan.stations.tests.factories import RegionFactory, StationFactory

ROOT = Path(__file__).resolve().parent.parent


def _stored(photo: Any) -> bytes:
    with photo.image.open("rb") as f:
        data: bytes = f.read()
    return data


def _png() -> bytes:
    """A small real PNG: uploads are decoded and re-encoded (EXIF gone), so it must be one."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 20)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def _dataset() -> dict[str, Any]:
    street = RegionFactory(code="230102001")
    stations = [StationFactory(code=f"HRB-DL-B{i:03}", region=street) for i in range(3)]
    photos = []
    for i, station in enumerate(stations):
        photo = StationPhoto(station=station, caption=f"门口{i}")
        photo.image.save(f"front-{i}.png", ContentFile(PNG), save=True)
        photos.append(photo)
    door, _secret = device_register(
        user=None, station=stations[0], kind=DeviceKind.DOOR, serial="DOOR-B001"
    )
    now = timezone.now()
    for i in range(5):
        DeviceEvent.objects.create(
            device=door, station=stations[0], event_id=f"e{i}", kind=EventKind.COUNT, at=now
        )
    return {
        "stations": sorted(Station.objects.values_list("code", flat=True)),
        "photos": {p.image.name: p.station.code for p in photos},
        "bytes": {p.image.name: _stored(p) for p in photos},
        "events": sorted(DeviceEvent.objects.values_list("event_id", flat=True)),
    }


def _wipe(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media)
    assert not Station.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_wipe_restore_finds_every_station_photo_and_event(
    media: Path, tmp_path: Path
) -> None:
    before = _dataset()
    dest = tmp_path / "backup"
    call_command("backup", str(dest), stdout=io.StringIO())

    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["counts"]["stations.station"] == 3
    assert manifest["counts"]["stations.stationphoto"] == 3
    assert manifest["counts"]["devices.deviceevent"] == 5
    assert manifest["counts"]["devices.devicesecret"] == 1
    assert manifest["media"]["files"] == 3
    assert (dest / "keys.env").read_text().endswith("DJANGO_SECRET_KEY=test-only-key\n")
    assert (dest / "keys.env").stat().st_mode & 0o077 == 0
    assert dest.stat().st_mode & 0o077 == 0

    _wipe(media)
    out = io.StringIO()
    call_command("restore", str(dest), stdout=out, stderr=io.StringIO())
    assert "every model's row count matches the manifest" in out.getvalue()

    assert sorted(Station.objects.values_list("code", flat=True)) == before["stations"]
    assert sorted(DeviceEvent.objects.values_list("event_id", flat=True)) == before["events"]
    for photo in StationPhoto.objects.select_related("station"):
        assert before["photos"][photo.image.name] == photo.station.code
        assert _stored(photo) == before["bytes"][photo.image.name]  # the same file, byte for byte
    assert len(before["photos"]) == StationPhoto.objects.count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_database_with_data_unless_forced(media: Path, tmp_path: Path) -> None:
    _dataset()
    dest = tmp_path / "backup"
    call_command("backup", str(dest), stdout=io.StringIO())
    StationFactory(code="HRB-DL-NEW", region=RegionFactory(code="230102001"))

    with pytest.raises(CommandError, match="holds data"):
        call_command("restore", str(dest), stdout=io.StringIO())
    assert Station.objects.filter(code="HRB-DL-NEW").exists()

    call_command("restore", str(dest), "--force", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Station.objects.filter(code="HRB-DL-NEW").exists()
    assert Station.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_refuses_a_non_empty_destination_and_restore_warns_on_another_key(
    media: Path, tmp_path: Path, settings: Any
) -> None:
    _dataset()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(busy), stdout=io.StringIO())

    dest = tmp_path / "backup"
    call_command("backup", str(dest), stdout=io.StringIO())
    _wipe(media)
    settings.SECRET_KEY = "another-key"
    err = io.StringIO()
    call_command("restore", str(dest), stdout=io.StringIO(), stderr=err)
    assert "DJANGO_SECRET_KEY differs" in err.getvalue()
    with pytest.raises(backup.BackupError, match="manifest.json"):
        backup.read_manifest(tmp_path)


def test_the_scripts_print_their_usage() -> None:
    for name in ("backup", "restore"):
        result = subprocess.run([ROOT / "scripts" / name], capture_output=True, text=True)
        assert result.returncode == 2
        assert f"usage: scripts/{name}" in result.stderr
