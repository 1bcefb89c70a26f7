"""Small database expressions shared by apps."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, FloatField, Func


def epoch(field: str) -> Func:
    """Seconds since the epoch of a datetime column, computed by the database.

    Reading hundreds of thousands of timestamps (evidence over a city-month), turning a
    float into an aware datetime (`datetime.fromtimestamp(s, tz)`) costs a fraction of
    Django's per-row text parsing on SQLite."""
    if connection.vendor == "postgresql":
        template = "EXTRACT(EPOCH FROM %(expressions)s)"
    else:
        # SQLite stores "YYYY-MM-DD HH:MM:SS[.ffffff]" text: whole seconds plus the
        # fraction. "%%%%s" is "%s" after the template's and the SQLite cursor's own
        # placeholder rewriting (a bare "%s" would become a query parameter).
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
            " + COALESCE(CAST(substr(%(expressions)s, 20) AS REAL), 0))"
        )
    return Func(F(field), template=template, output_field=FloatField())
