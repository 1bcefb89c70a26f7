"""Sending notices: in the app always; e-mail to an address and SMS to a phone when the
user has one and the kind is worth interrupting someone for."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.notifications.models import NoticeKind, Notification, SmsDelivery, SmsStatus
from yizhan.notifications.sms import SmsError, TextMessage, mask_phone, sms_backend, sms_template

logger = logging.getLogger(__name__)

# Kinds that also go out by SMS: someone must act today. These are every SMS the platform
# sends (there is no other SMS call): each needs a template in YIZHAN_SMS_TEMPLATES when a
# gateway (Aliyun, Tencent) sends.
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
    user = notice.user
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
    notice.save(update_fields=["emailed_at"])
    if user.phone and notice.kind in SMS_KINDS:
        delivery = sms_queue(notice)
        if delivery.status == SmsStatus.QUEUED:
            from yizhan.notifications.tasks import sms_enqueue

            sms_enqueue(delivery.pk)


# SMS: one SmsDelivery row per notice, sent by the task worker (`tasks.sms_send_task`).

SMS_RETRY = "retry"
# Aliyun refuses template variables over 35 characters in notice templates.
SMS_PARAM_MAX = 35


@dataclass(frozen=True)
class SmsOutcome:
    status: str  # an SmsStatus value, or SMS_RETRY
    delay: timedelta | None = None


def sms_queue(notice: Notification) -> SmsDelivery:
    """The delivery row of ``notice``'s SMS: queued, or skipped at once when the gateway
    needs a template and none is configured for the kind (logged, never an error)."""
    backend = sms_backend()
    template = sms_template(notice.kind)
    delivery = SmsDelivery(
        notification=notice,
        kind=notice.kind,
        phone_masked=mask_phone(notice.user.phone),
        backend=type(backend).__name__.removesuffix("SmsBackend").lower()[:24],
        template=template[0] if template else "",
    )
    if backend.needs_template and template is None:
        delivery.status = SmsStatus.SKIPPED
        delivery.last_error = f"no SMS template configured for kind {notice.kind!r}"
        logger.warning("SMS notice %s not sent: %s", notice.pk, delivery.last_error)
    delivery.save()
    return delivery


def _sms_params(notice: Notification, fields: dict[str, str]) -> dict[str, str]:
    """Template variable → value: a notice field (title, body, url, site) or, for any other
    value, the text as written in the setting."""
    link = _absolute(notice.url) if notice.url else ""
    values = {
        "title": notice.title,
        "body": notice.body,
        "url": link,
        "site": str(settings.YIZHAN["SITE_URL"]),
    }
    out = {}
    for name, source in fields.items():
        value = values.get(source, source)
        out[name] = value if source == "url" else value[:SMS_PARAM_MAX]
    return out


def sms_retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base... capped at six hours."""
    base = float(settings.YIZHAN["SMS_RETRY_BASE_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def sms_attempt(delivery_id: int) -> SmsOutcome:
    """One attempt at sending a queued or failed SMS; the row records the outcome."""
    with transaction.atomic():
        delivery = (
            # Lock the delivery row only: PostgreSQL cannot lock the nullable side of the
            # outer join to its notice.
            SmsDelivery.objects.select_for_update(of=("self",))
            .select_related("notification__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (SmsStatus.QUEUED, SmsStatus.FAILED):
            return SmsOutcome(delivery.status if delivery else SmsStatus.GAVE_UP)
        notice = delivery.notification
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = None
        fields = ["attempts", "last_attempt_at", "next_attempt_at", "status", "last_error"]
        phone = notice.user.phone if notice and notice.user.is_active else ""
        backend = sms_backend()
        template = sms_template(delivery.kind)
        if not phone:
            delivery.status, delivery.last_error = SmsStatus.GAVE_UP, "no phone number"
        elif backend.needs_template and template is None:
            delivery.status = SmsStatus.SKIPPED
            delivery.last_error = f"no SMS template configured for kind {delivery.kind!r}"
        if delivery.status in (SmsStatus.GAVE_UP, SmsStatus.SKIPPED):
            delivery.save(update_fields=fields)
            return SmsOutcome(delivery.status)
        assert notice is not None
        code, params = template if template else ("", {})
        message = TextMessage(
            phone=phone,
            text=f"【驿站】{notice.title} {_absolute(notice.url) if notice.url else ''}".strip(),
            kind=delivery.kind,
            template=code,
            params=_sms_params(notice, params),
        )
        try:
            delivery.provider_message_id = backend.send(message)[:64]
        except Exception as error:  # a gateway down must not lose the notice
            permanent = isinstance(error, SmsError) and error.permanent
            delivery.last_error = str(error).replace(phone, delivery.phone_masked)[:300]
            max_attempts = int(settings.YIZHAN["SMS_MAX_ATTEMPTS"])
            if permanent or delivery.attempts >= max_attempts:
                delivery.status = SmsStatus.GAVE_UP
                outcome = SmsOutcome(SmsStatus.GAVE_UP)
            else:
                delay = sms_retry_delay(delivery.attempts)
                delivery.status = SmsStatus.FAILED
                delivery.next_attempt_at = now + delay
                outcome = SmsOutcome(SMS_RETRY, delay)
            logger.warning(
                "SMS %s (%s to %s) attempt %s: %s",
                delivery.pk,
                delivery.kind,
                delivery.phone_masked,
                delivery.attempts,
                delivery.last_error,
            )
            delivery.save(update_fields=fields)
            return outcome
        delivery.status, delivery.last_error, delivery.sent_at = SmsStatus.SENT, "", now
        delivery.save(update_fields=[*fields, "provider_message_id", "sent_at"])
        Notification.objects.filter(pk=notice.pk).update(texted_at=now)
        return SmsOutcome(SmsStatus.SENT)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read (all of them when ``ids`` is None)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
