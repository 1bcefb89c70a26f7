"""Django validators that wrap the pure rules, so model forms give the same messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from yizhan.stations import hours
from yizhan.stations.rules import RuleError, check_code


def validate_opening_hours(value: str) -> None:
    try:
        hours.validate(value)
    except hours.InvalidOpeningHours as exc:
        raise ValidationError(str(exc), code="opening_hours") from exc


def validate_station_code(value: str) -> None:
    try:
        check_code(value)
    except RuleError as exc:
        raise ValidationError(exc.message, code="code") from exc


PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(file) -> None:  # type: ignore[no-untyped-def]
    """Photos: JPEG, PNG or WebP, at most 5 MB (ImageField has already checked it is an
    image at all)."""
    if file.size is not None and file.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            "照片过大：%(size).1f MB，最大 5 MB",
            code="photo_size",
            params={"size": file.size / 1024 / 1024},
        )
    image = getattr(file, "image", None)
    if image is not None and image.format not in PHOTO_FORMATS:
        raise ValidationError("照片须为 JPEG、PNG 或 WebP 格式", code="photo_format")
