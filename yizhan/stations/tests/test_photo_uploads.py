"""Photos through the console's station form: EXIF and GPS gone, shrunk, bombs refused with
a sentence; and the S3 path (django-storages) against moto's S3 server."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from django.contrib.auth.models import Permission

from tests.photo_samples import assert_clean, bomb_png, gps_jpeg
from yizhan.stations.models import Station, StationPhoto
from yizhan.stations.tests.test_console import _form, change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(officer):
    """The district officer, allowed to add a station's photos."""
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_stationphoto", "view_stationphoto"])
    )
    return officer


def _post_photo(client, station: Station, upload):
    form = _form(station)
    form.update({"photos-TOTAL_FORMS": "1", "photos-0-image": upload, "photos-0-sort_order": "0"})
    return client.post(change_url(station.code), form)


def test_a_console_photo_with_gps_is_stored_without_exif_and_shrunk(client, make_station, officer):
    station = make_station("Z1", name="兆麟驿站")
    client.force_login(officer)
    response = _post_photo(client, station, gps_jpeg())
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = StationPhoto.objects.get(station=station)
    with photo.image.open() as stored:
        assert_clean(stored.read())
    assert "IMG_0001" not in photo.image.name


def test_a_console_decompression_bomb_is_refused_with_a_sentence(client, make_station, officer):
    station = make_station("Z1", name="兆麟驿站")
    client.force_login(officer)
    response = _post_photo(client, station, bomb_png())
    assert response.status_code == 200
    assert "照片像素过多：最多 4000 万像素，请缩小后再上传" in response.content.decode()
    assert not StationPhoto.objects.exists()


# ------------------------------------------------------------------ S3 (moto's server)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings, monkeypatch):
    """The media storage as production configures it for a MinIO-like server (path-style
    addressing, signed URLs), pointing at a fresh bucket."""
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket = f"yizhan-{_free_port()}"
    client.create_bucket(Bucket=bucket)
    from config.settings import base

    monkeypatch.setattr(base.env, "MEDIA_STORAGE", "s3")
    monkeypatch.setattr(base.env, "S3_BUCKET", bucket)
    monkeypatch.setattr(base.env, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setattr(base.env, "S3_REGION", "us-east-1")
    monkeypatch.setattr(base.env, "S3_ACCESS_KEY", "test")
    monkeypatch.setattr(base.env, "S3_SECRET_KEY", "test")
    monkeypatch.setattr(base.env, "S3_ADDRESSING_STYLE", "path")
    settings.STORAGES = {**settings.STORAGES, "default": base.media_storage()}
    return client, bucket


def test_a_station_photo_lands_in_the_bucket_stripped_and_its_signed_url_serves_it(
    s3_bucket, client, make_station, officer
):
    s3, bucket = s3_bucket
    station = make_station("Z1", name="兆麟驿站")
    client.force_login(officer)
    response = _post_photo(client, station, gps_jpeg())
    assert response.status_code == 302, response.content.decode()[:2000]

    photo = StationPhoto.objects.get(station=station)
    key = f"media/{photo.image.name}"
    assert photo.image.name.startswith("stations/")
    stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert_clean(stored)
    assert stored[:2] == b"\xff\xd8"

    url = photo.image.url  # signed: a private bucket
    assert url.startswith(s3_bucket[0].meta.endpoint_url) and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as served:
        assert served.read() == stored

    # Deleting the record keeps the object (Django never deletes files with rows; backups
    # and PIPL erasure deal with files on their own, docs/photos.md).
    photo.delete()
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == stored


def test_oss_and_cos_settings_give_virtual_hosted_urls(monkeypatch):
    from config.settings import base

    monkeypatch.setattr(base.env, "MEDIA_STORAGE", "s3")
    monkeypatch.setattr(base.env, "S3_BUCKET", "yizhan-photos")
    monkeypatch.setattr(base.env, "S3_ENDPOINT_URL", "https://oss-cn-beijing.aliyuncs.com")
    monkeypatch.setattr(base.env, "S3_REGION", "oss-cn-beijing")
    monkeypatch.setattr(base.env, "S3_ACCESS_KEY", "id")
    monkeypatch.setattr(base.env, "S3_SECRET_KEY", "secret")
    monkeypatch.setattr(base.env, "S3_SIGNED_URLS", False)
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**base.media_storage()["OPTIONS"])
    assert storage.url("stations/a.jpg") == (
        "https://yizhan-photos.oss-cn-beijing.aliyuncs.com/media/stations/a.jpg"
    )
    monkeypatch.setattr(base.env, "S3_ADDRESSING_STYLE", "bucket")
    with pytest.raises(Exception, match="virtual"):
        base.media_storage()
