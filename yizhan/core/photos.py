"""Uploaded photos: checked for type, size and pixel count, re-encoded so that no metadata
(GPS, camera, owner) survives, turned upright and shrunk to a size a phone screen needs.

Every photo the platform stores goes through here, whatever wrote it: each model keeps its
photos in a `PhotoField`, whose file object cleans the content on its way to the storage
(`PhotoFieldFile.save`, which Django calls for every assignment saved with the model, so the
console's forms, the staff and worker pages, services and scripts are all covered; see
docs/photos.md). `tests/test_photos.py` checks that no model keeps an image or file in any
other kind of field."""

from __future__ import annotations

import io
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.forms import ImageField as ImageFormField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from yizhan.core.errors import FieldError, ValidationFailed

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
# The longer side after shrinking, unless settings.YIZHAN["PHOTO_MAX_SIDE_PX"] says otherwise.
PHOTO_MAX_SIDE_PX = 1600
PHOTO_JPEG_QUALITY = 85
# Decompression bombs: a small file that unpacks to gigapixels. 40 MP is a 7700 × 5200
# photo, beyond any phone camera; anything larger is refused before its pixels are read.
PIXELS_MAX = 40_000_000


def photo_max_side() -> int:
    return int(getattr(settings, "YIZHAN", {}).get("PHOTO_MAX_SIDE_PX", PHOTO_MAX_SIDE_PX))


class CleanPhoto(ContentFile):  # type: ignore[type-arg]
    """A photo `photo_clean` has already re-encoded: stored as it is, not cleaned twice."""


def _too_many_pixels() -> str:
    return _("照片像素过多：最多 4000 万像素，请缩小后再上传")


def photo_clean(upload: IO[bytes], *, field: str = "photo", size: int | None = None) -> CleanPhoto:
    """The photo with no metadata, upright, at most `photo_max_side()` px on its longer side:
    a JPEG, or a PNG when it has transparent pixels. `ValidationFailed` naming ``field`` when
    it is too large (bytes or pixels), not an image, or not JPEG / PNG / WebP."""
    if isinstance(upload, CleanPhoto):
        return upload
    if size is None:
        size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        raise ValidationFailed(
            errors=[
                FieldError(field, _("照片过大：最大 8 MB"), value=f"{size / 1024 / 1024:.1f} MB")
            ]
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    try:
        # Pillow refuses past 2 × MAX_IMAGE_PIXELS (179 MP) itself, from the header;
        # our own, lower limit follows (no warnings filter: that is process-wide state).
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
            raise ValidationFailed(
                errors=[
                    FieldError(field, _too_many_pixels(), value=f"{image.width}×{image.height}")
                ]
            )
        image.load()
    except Image.DecompressionBombError as exc:
        raise ValidationFailed(errors=[FieldError(field, _too_many_pixels())]) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(errors=[FieldError(field, _("文件不是可识别的图片"))]) from exc
    # Turn the pixels as the camera meant (EXIF orientation), then drop EXIF altogether:
    # a new image from the pixels alone carries no EXIF, XMP, ICC comment or text chunk.
    image = ImageOps.exif_transpose(image)
    side = photo_max_side()
    image.thumbnail((side, side))
    out = io.BytesIO()
    if _has_alpha(image):
        image = image.convert("RGBA")
        bare = Image.new("RGBA", image.size)
        bare.paste(image)
        bare.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        image = image.convert("L" if image.mode in ("L", "1") else "RGB")
        bare = Image.new(image.mode, image.size)
        bare.paste(image)
        bare.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
        extension = "jpg"
    return CleanPhoto(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        # One band: (lowest, highest) alpha; any pixel below 255 is see-through.
        extrema = alpha.getextrema()
        return isinstance(extrema[0], int) and extrema[0] < 255
    return False


def _photo_error(exc: ValidationFailed) -> ValidationError:
    return ValidationError([error.message for error in exc.errors], code="photo")


STORED_PHOTO_MAX_BYTES = PHOTO_MAX_BYTES
STORED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


def validate_photo(file) -> None:  # type: ignore[no-untyped-def]
    """The model field validator for photos: JPEG, PNG or WebP, at most 8 MB and 40 MP
    (ImageField has already checked it is an image at all)."""
    if file.size is not None and file.size > STORED_PHOTO_MAX_BYTES:
        raise ValidationError(
            gettext_lazy("照片过大：%(size).1f MB，最大 8 MB"),
            code="photo_size",
            params={"size": file.size / 1024 / 1024},
        )
    image = getattr(file, "image", None)
    if image is not None and image.format not in STORED_PHOTO_FORMATS:
        raise ValidationError(gettext_lazy("照片须为 JPEG、PNG 或 WebP 格式"), code="photo_format")
    if image is not None and image.width * image.height > PIXELS_MAX:
        raise ValidationError(_too_many_pixels(), code="photo_pixels")


class PhotoFieldFile(ImageFieldFile):
    """Cleans whatever is saved into it (`photo_clean`) before the storage sees a byte.
    `FileField.pre_save` calls `save` for every new file, whether assigned by a form, the
    console, a service or a script."""

    def save(self, name: str, content: Any, save: bool = True) -> None:
        try:
            cleaned = photo_clean(content, field=self.field.name)
        except ValidationFailed as exc:
            raise _photo_error(exc) from exc
        super().save(cleaned.name or name, cleaned, save)


class PhotoFormField(ImageFormField):
    """The form field of a `PhotoField`: a decompression bomb is refused with a sentence
    (Django's own field calls it "not a valid image")."""

    def to_python(self, data: Any) -> Any:
        if data not in self.empty_values and hasattr(data, "seek"):
            refusal = _pixel_refusal(data)
            if refusal is not None:
                raise ValidationError(refusal, code="photo_pixels")
        return super().to_python(data)


def _pixel_refusal(data: Any) -> str | None:
    """A sentence when the upload's header promises too many pixels, else None."""
    try:
        data.seek(0)
        with Image.open(data) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        return _too_many_pixels()
    except Exception:  # noqa: BLE001 - not an image at all: Django's field says so
        return None
    finally:
        data.seek(0)
    return _too_many_pixels() if width * height > PIXELS_MAX else None


class PhotoField(models.ImageField):
    """An ImageField whose every stored file is cleaned (`PhotoFieldFile`) and checked
    (`validate_photo`); the only kind of file field models may use."""

    attr_class = PhotoFieldFile
    default_validators = [validate_photo]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})
