"""Sign-in throttling (django-axes), keyed so that a stranger cannot lock an officer out.

Two rules, both checked before a password is even tried:

* a (username, address) pair that failed ``AXES_FAILURE_LIMIT`` times waits
  ``AXES_COOLOFF_TIME`` (axes itself: ``AXES_LOCKOUT_PARAMETERS = [["username",
  "ip_address"]]``), so the same officer can still sign in from any other address;
* an address that failed on ``YIZHAN_LOGIN_ADDRESS_ACCOUNTS`` different usernames within
  ``YIZHAN_LOGIN_ADDRESS_WINDOW`` waits that long after the last of them (axes has no such
  rule: this handler counts distinct usernames in axes' failure log).

An administrator lifts either lock by deleting the rows in the console (访问尝试 /
访问失败日志) or with ``manage.py axes_reset_username NAME`` / ``axes_reset_ip ADDRESS``,
which this handler extends to the failure log as well."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _address_rule() -> tuple[int, dt.timedelta]:
    return (
        int(getattr(settings, "YIZHAN_LOGIN_ADDRESS_ACCOUNTS", 20)),
        getattr(settings, "YIZHAN_LOGIN_ADDRESS_WINDOW", dt.timedelta(hours=1)),
    )


def address_locked_until(
    ip_address: str | None, *, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When an address that failed on too many accounts may try again; None if it may now."""
    if not ip_address:
        return None
    accounts, window = _address_rule()
    now = now or timezone.now()
    lasts = list(
        AccessFailureLog.objects.filter(
            ip_address=ip_address, attempt_time__gte=now - window, username__isnull=False
        )
        .values("username")
        .annotate(last=Max("attempt_time"))
        .order_by("-last")
        .values_list("last", flat=True)[:accounts]
    )
    if len(lasts) < accounts:
        return None
    # The lock lasts until fewer than `accounts` usernames remain in the window.
    return lasts[accounts - 1] + window


def pair_locked_until(username: str | None, ip_address: str | None) -> dt.datetime | None:
    cool_off = get_cool_off()
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .aggregate(last=Max("attempt_time"))
        .get("last")
    )
    if last is None or cool_off is None:
        return None
    return last + cool_off


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler plus the address-wide rule."""

    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_locked_until(getattr(request, "axes_ip_address", None)) is not None

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        # The failure log is what the address rule counts: lifting a lock clears it too.
        logs = AccessFailureLog.objects.all()
        if ip_address:
            logs = logs.filter(ip_address=ip_address)
        if username:
            logs = logs.filter(username=username)
        if ip_address or username:
            logs.delete()
        return count


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The 429 page: in the site's language, saying when to try again."""
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    username = get_client_username(request, credentials)
    now = timezone.now()
    candidates = [
        t
        for t in (pair_locked_until(username, ip_address), address_locked_until(ip_address))
        if t is not None and t > now
    ]
    until = max(candidates) if candidates else now + (get_cool_off() or dt.timedelta(minutes=15))
    response = render(request, "accounts/locked_out.html", {"until": until}, status=429)
    response["Retry-After"] = str(max(1, int((until - now).total_seconds())))
    return response
