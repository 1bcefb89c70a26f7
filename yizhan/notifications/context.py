"""`unread_notices` for the staff pages' header: counted only when a template shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yizhan.notifications.selectors import unread_count


def notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": lambda: unread_count(user=user)}  # type: ignore[arg-type]
