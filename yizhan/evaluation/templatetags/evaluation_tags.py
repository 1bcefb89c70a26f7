"""Template filters of the evaluation pages: results' codes in people's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from yizhan.evaluation import explain

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    return None if mapping is None else mapping.get(key)


@register.filter
def decision(code: str) -> str:
    return explain.decision_text(code or "")


@register.filter
def triggers(items: Any) -> str:
    return explain.triggers_text(items or [])


@register.filter
def indicator(code: str) -> str:
    return explain.indicator_label(code)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
