"""Sending notices: in the app always; e-mail to an address and SMS to a phone when the
user has one and the kind is worth interrupting someone for."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.notifications.models import NoticeKind, Notification
from yizhan.notifications.sms import TextMessage, sms_backend

logger = logging.getLogger(__name__)

# Kinds that also go out by SMS: someone must act today.
SMS_KINDS = frozenset(
    {
        NoticeKind.RECTIFICATION_ASSIGNED,
        NoticeKind.RECTIFICATION_OVERDUE,
        NoticeKind.SHIFT_REMINDER,
        NoticeKind.INSPECTION_ASSIGNED,
        NoticeKind.REPORT_NEW,
        NoticeKind.REPORT_OVERDUE,
    }
)


def notify(
    *, user: User, kind: str, title: str, key: str, body: str = "", url: str = ""
) -> Notification | None:
    """Notify ``user`` once per ``key``; None when they were already told.

    E-mail and SMS go out after the surrounding transaction commits (never for a change
    that was rolled back); a failing channel is logged, and the in-app notice stays."""
    if not user.is_active:
        return None
    try:
        with transaction.atomic():
            notice = Notification.objects.create(
                user=user, kind=kind, title=title[:120], body=body, url=url[:300], key=key[:120]
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _deliver(notice.pk))
    return notice


def _absolute(url: str) -> str:
    return f"{settings.YIZHAN['SITE_URL']}{url}" if url.startswith("/") else url


def _deliver(notice_id: int) -> None:
    notice = Notification.objects.select_related("user").get(pk=notice_id)
    user, text = notice.user, notice.title
    link = _absolute(notice.url) if notice.url else ""
    now = timezone.now()
    if user.email:
        try:
            send_mail(
                subject=f"[驿站] {notice.title}",
                message="\n\n".join(p for p in (notice.body, link) if p),
                from_email=None,
                recipient_list=[user.email],
            )
            notice.emailed_at = now
        except Exception:  # a mail server down must not lose the notice
            logger.exception("e-mail notice %s to %s failed", notice.pk, user.pk)
    if user.phone and notice.kind in SMS_KINDS:
        try:
            sms_backend().send(TextMessage(user.phone, f"【驿站】{text} {link}".strip()))
            notice.texted_at = now
        except Exception:
            logger.exception("SMS notice %s to %s failed", notice.pk, user.pk)
    notice.save(update_fields=["emailed_at", "texted_at"])


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read (all of them when ``ids`` is None)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
