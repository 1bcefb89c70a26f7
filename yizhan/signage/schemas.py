"""API shape of the responsibility board."""

from __future__ import annotations

from ninja import Schema


class WeekLineOut(Schema):
    days: str
    hours: str


class PersonOut(Schema):
    role: str
    name: str
    phone: str


class QrOut(Schema):
    purpose: str
    caption: str
    url: str


class BoardOut(Schema):
    name: str
    code: str
    kind: str
    address: str
    phone: str
    hours_rule: str
    hours_week: list[WeekLineOut]
    hours_note: str
    services: list[str]
    amenities: list[str]
    people: list[PersonOut]
    union: str
    direct_union: str
    complaint_line: str
    qrs: list[QrOut]
