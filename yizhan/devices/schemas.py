"""API shapes of device uploads."""

from __future__ import annotations

from ninja import Schema


class RejectedOut(Schema):
    index: int
    event_id: str
    field: str
    message: str


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[RejectedOut]
    dropped: list[str]
