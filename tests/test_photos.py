"""Every stored photo is cleaned in one place (`PhotoField`): EXIF and GPS gone, turned
upright, shrunk; bombs refused. The console and S3: yizhan/stations/tests/test_photo_uploads.py."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import Image

from tests.photo_samples import assert_clean, bomb_png, gps_jpeg, gps_jpeg_bytes
from yizhan.core.errors import ValidationFailed
from yizhan.core.photos import PhotoField, PhotoFieldFile, photo_clean


def _photo_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("yizhan.")
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def test_every_file_field_of_every_model_is_a_photo_field():
    """The guarantee that cannot be bypassed by a new form: a new upload field that is a
    plain ImageField/FileField fails here."""
    fields = _photo_fields()
    assert len(fields) >= 6  # stations, inspections, rectifications, reports ×2, donations
    plain = [f"{m._meta.label}.{f.name}" for m, f in fields if not isinstance(f, PhotoField)]
    assert not plain, f"use yizhan.core.photos.PhotoField for {plain}"


def test_a_phone_photo_loses_exif_and_gps_and_shrinks():
    cleaned = photo_clean(gps_jpeg())
    image = assert_clean(cleaned.read())
    assert image.format == "JPEG" and image.size == (1600, 1200)
    assert cleaned.name.endswith(".jpg") and "IMG_0001" not in cleaned.name


def test_orientation_is_applied_before_exif_is_dropped():
    # Orientation 6: the camera was turned, the pixels lie 90° off; kept upright.
    image = assert_clean(photo_clean(gps_jpeg(size=(800, 600), orientation=6)).read())
    assert image.size == (600, 800)


def test_the_longest_side_is_a_setting(settings):
    settings.YIZHAN = {**settings.YIZHAN, "PHOTO_MAX_SIDE_PX": 640}
    assert_clean(photo_clean(gps_jpeg()).read(), max_side=640)


def test_a_transparent_png_stays_a_png_with_its_alpha():
    raw = io.BytesIO()
    picture = Image.new("RGBA", (3000, 100), (0, 0, 0, 0))
    picture.info["Comment"] = "owner"
    picture.save(raw, "PNG")
    raw.seek(0)
    cleaned = photo_clean(raw)
    image = assert_clean(cleaned.read())
    assert image.format == "PNG" and image.mode == "RGBA" and cleaned.name.endswith(".png")
    assert image.getchannel("A").getextrema() == (0, 0)


@pytest.mark.parametrize("side", [30_000, 7_500])  # Pillow's own limit; 56 MP, under it
def test_a_decompression_bomb_is_refused_with_a_sentence(side):
    with pytest.raises(ValidationFailed) as refused:
        photo_clean(bomb_png(side=side))
    assert refused.value.errors[0].message == "照片像素过多：最多 4000 万像素，请缩小后再上传"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "label", ["stations.StationPhoto", "operations.InspectionPhoto", "operations.Rectification",
              "feedback.Report", "feedback.ReportEcho", "lockers.Donation"]
)  # fmt: skip
def test_saving_into_any_photo_field_cleans_it_even_without_a_form(label):
    """What a service or script that forgets `photo_clean` would store is cleaned too."""
    model = apps.get_model(label)
    field = next(f for f in model._meta.get_fields() if isinstance(f, PhotoField))
    instance = model()
    file = getattr(instance, field.name)
    assert isinstance(file, PhotoFieldFile)
    file.save("IMG_0001.jpg", ContentFile(gps_jpeg_bytes()), save=False)
    with file.storage.open(file.name) as stored:
        assert_clean(stored.read())
    assert "IMG_0001" not in file.name
    with pytest.raises(ValidationError, match="像素过多"):
        getattr(model(), field.name).save("bomb.png", bomb_png(), save=False)
