"""The one family of domain errors. Services raise these; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ApplicationError(Exception):
    """A domain rule refused the request. `message` is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    status_code = 404


class PermissionDenied(ApplicationError):
    status_code = 403


class Conflict(ApplicationError):
    """The thing asked for is gone or taken (the last unit, an item someone claimed)."""

    status_code = 409


class TooManyRequests(ApplicationError):
    status_code = 429


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, optionally in one row of an uploaded file."""

    field: str
    message: str
    row: int | None = None
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message, "value": self.value}


@dataclass
class ValidationFailed(ApplicationError):
    """Input failed validation; `errors` names each field (and row) and why."""

    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        first = self.errors[0] if self.errors else None
        summary = f"{first.field}: {first.message}" if first else "invalid input"
        ApplicationError.__init__(
            self, summary, extra={"errors": [e.as_dict() for e in self.errors]}
        )

    status_code = 422


class RuleError(ValueError):
    """A pure input rule broken (a coordinate, a code, a name): the field and the words
    that forms, the API and spreadsheet imports all show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
