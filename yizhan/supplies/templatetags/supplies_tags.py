"""Small display helpers for the supplies pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def expiry_in(days: int | None) -> str:
    """ "还有 12 天", "今天到期", "已过期 3 天", or "" without an expiry date."""
    if days is None:
        return ""
    if days == 0:
        return _("今天到期")
    if days > 0:
        return ngettext("还有 %(n)d 天", "还有 %(n)d 天", days) % {"n": days}
    return ngettext("已过期 %(n)d 天", "已过期 %(n)d 天", -days) % {"n": -days}


@register.filter
def state_label(state: str) -> str:
    return {
        "expired": _("有过期"),
        "expiring": _("临期"),
        "low": _("库存不足"),
        "ok": _("正常"),
    }.get(state, state)
