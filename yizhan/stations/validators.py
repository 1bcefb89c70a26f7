"""Django validators that wrap the pure rules, so model forms give the same messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from yizhan.core.photos import validate_photo
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


# The photo field validator lives with the photo rules in core; migrations name it here.
__all__ = ["validate_opening_hours", "validate_photo", "validate_station_code"]
