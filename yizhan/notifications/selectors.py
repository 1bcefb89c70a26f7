from __future__ import annotations

from django.db.models import QuerySet

from yizhan.accounts.models import User
from yizhan.notifications.models import Notification


def notifications_for(*, user: User, limit: int = 100) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
