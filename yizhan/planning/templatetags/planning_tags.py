from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from yizhan.planning import words
from yizhan.stations.hours import rule_words

register = template.Library()


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """0.8342 → "83.4%" (— when unknown)."""
    if value is None or value == "":
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def site_street(x: dict[str, Any]) -> str:
    """A suggested site's street (see `planning.words`)."""
    return words.site_street(x)


@register.filter
def site_near(x: dict[str, Any]) -> str:
    """A suggested site's nearest named place (see `planning.words`)."""
    return words.site_near(x)


@register.filter
def site_place(x: dict[str, Any]) -> str:
    """A suggested site's street and nearest place in one line."""
    return words.site_place(x)


@register.filter
def network_warnings(summary: dict[str, Any]) -> list[str]:
    """What the road network's fit says the officer must know first."""
    return words.network_warnings(summary or {})


@register.filter
def network_fit(fit: dict[str, Any]) -> str:
    """A road network that reaches only part of the region, in words ("" otherwise)."""
    return words.network_fit_words(fit or {})


@register.filter
def hours_words(rule: str) -> str:
    """A band's or a station's hours as a person reads them (每天 22:00–次日 06:00), in the
    page's language."""
    return rule_words(str(rule or ""), english=(get_language() or "").startswith("en"))
