"""The one CSV writer: UTF-8 with a byte-order mark (so Excel picks the right encoding),
CRLF line ends, and text that a spreadsheet would run as a formula (``= + - @``, a tab or a
carriage return first) prefixed with an apostrophe. ``unprotect`` takes that apostrophe off
again, so an export read back by an importer comes in unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise

from yizhan.core.time import SHANGHAI
from yizhan.core.xlsx import FORMULA_STARTS

CSV = "text/csv; charset=utf-8"


def safe(value: Any) -> str:
    """A value as CSV text: dates ISO, floats exact, formula-like text behind an ``'``."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, dt.datetime):
        at: dt.datetime = value
        if at.tzinfo is not None:
            at = at.astimezone(SHANGHAI).replace(tzinfo=None)
        return at.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unprotect(text: str) -> str:
    """Undo ``safe``'s apostrophe (and only that one: "'abc" stays as typed)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def content(header: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows (an empty one for a blank line) under an optional header, as CSV bytes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([safe(h) for h in header])
    for row in rows:
        writer.writerow([safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def response(data: bytes, filename: str) -> HttpResponse:
    """A CSV download."""
    out = HttpResponse(data, content_type=CSV)
    out["Content-Disposition"] = f'attachment; filename="{filename}"'
    return out
