"""Uploaded photos: checked for type and size, re-encoded so that no metadata (GPS, camera,
owner) survives, and shrunk to a size a phone screen needs."""

from __future__ import annotations

import io
import uuid
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from yizhan.core.errors import FieldError, ValidationFailed

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
PHOTO_MAX_SIDE_PX = 2048
# Decompression bombs: a small file that unpacks to gigapixels.
PIXELS_MAX = 40_000_000


def photo_clean(
    upload: IO[bytes], *, field: str = "photo", size: int | None = None
) -> ContentFile[bytes]:
    """A JPEG with no metadata, at most 2048 px on its longer side, or `ValidationFailed`
    naming ``field``: too large, not an image, or not JPEG / PNG / WebP."""
    if size is None:
        size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        raise ValidationFailed(
            errors=[
                FieldError(field, _("照片过大：最大 8 MB"), value=f"{size / 1024 / 1024:.1f} MB")
            ]
        )
    try:
        opened = Image.open(upload)
        image: Image.Image = opened
        if opened.format not in PHOTO_FORMATS:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        field, _("照片须为 JPEG、PNG 或 WebP 格式"), value=str(opened.format)
                    )
                ]
            )
        if image.width * image.height > PIXELS_MAX:
            raise ValidationFailed(errors=[FieldError(field, _("照片像素过多"))])
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(errors=[FieldError(field, _("文件不是可识别的图片"))]) from exc
    # Turn the pixels as the camera meant (EXIF orientation), then drop EXIF altogether.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PHOTO_MAX_SIDE_PX, PHOTO_MAX_SIDE_PX))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


STORED_PHOTO_MAX_BYTES = 5 * 1024 * 1024
STORED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(file) -> None:  # type: ignore[no-untyped-def]
    """The model field validator for stored photos: JPEG, PNG or WebP, at most 5 MB
    (ImageField has already checked it is an image at all)."""
    if file.size is not None and file.size > STORED_PHOTO_MAX_BYTES:
        raise ValidationError(
            "照片过大：%(size).1f MB，最大 5 MB",
            code="photo_size",
            params={"size": file.size / 1024 / 1024},
        )
    image = getattr(file, "image", None)
    if image is not None and image.format not in STORED_PHOTO_FORMATS:
        raise ValidationError("照片须为 JPEG、PNG 或 WebP 格式", code="photo_format")
