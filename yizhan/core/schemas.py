"""The API's one error shape: what `config/api.py` writes for every `ApplicationError`
(and for a type error the schema catches), so every endpoint documents its 4xx the same."""

from __future__ import annotations

from ninja import Field, Schema
from pydantic import ConfigDict


class FieldErrorOut(Schema):
    """One problem with one field (`yizhan.core.errors.FieldError`)."""

    row: int | None = Field(None, description="The row of an uploaded file, if any")
    field: str
    message: str
    value: str = ""


class ErrorOut(Schema):
    """``{"detail": ...}``; a 422 also names each field in `errors`. Some refusals add a
    key of their own (`reason`, `field`, `station`, `quota`, `used`, `retry_after`)."""

    model_config = ConfigDict(extra="allow")

    detail: str = Field(description="Safe to show to the user")
    errors: list[FieldErrorOut] = Field(default=[], description="422: each field and why")
