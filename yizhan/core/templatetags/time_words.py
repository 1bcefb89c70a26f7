"""``{% load time_words %}``: deadlines in words on worker pages.

``{{ r.expires_at|when }}`` says "今天 18:00", "明天 09:00", "周六 09:00" (English "today
18:00", "tomorrow 09:00", "Sat 09:00"), through `core.time.when_words`, the one helper
every deadline a worker reads goes through; a date says the day only ("明天")."""

from __future__ import annotations

import datetime as dt

from django import template

from yizhan.core.time import when_words

register = template.Library()


@register.filter
def when(at: dt.datetime | dt.date | None) -> str:
    if not at:  # None, or "" for a missing value in a template
        return ""
    return when_words(at)
