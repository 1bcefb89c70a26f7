"""The anonymous worker of the QR pages, the worker pages and the mini-program API.

A worker is a random id in a long-lived signed cookie (HttpOnly, SameSite=Lax), with the
occupation category they chose, or the mini-program's ``X-Visitor`` header; only the id's
keyed hash reaches the database. `visitor_lock` takes that visitor's row for the rest of
the transaction, so one person's writes (feedback, lockers, the exchange) run one at a
time and their "once" checks hold."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from yizhan.core.errors import FieldError, ValidationFailed
from yizhan.core.occupation import Occupation
from yizhan.visitors.models import Visitor
from yizhan.visitors.selectors import visitor_hash, visitor_key_valid

COOKIE = "yz_visitor"
# The salts keep the names from when this lived in feedback: cookies already given out
# still verify.
COOKIE_SALT = "yizhan.feedback.visitor"
COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
# A worker's form posts per minute and address (feedback's pages and API).
WRITES_PER_MINUTE = 10
# The categories a worker may choose (not "unknown").
WORKER_OCCUPATIONS = [c for c in Occupation.choices if c[0]]


# The visitor of a request -------------------------------------------------------------------


def visitor_from(request: HttpRequest) -> tuple[str, str, bool]:
    """(visitor id, occupation, new) from the signed cookie; a fresh id when absent."""
    raw = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    key, _sep, occupation = str(raw).partition(":")
    if visitor_key_valid(key):
        return key, occupation if occupation in Occupation.values else "", False
    return secrets.token_urlsafe(18), "", True


def visitor_keep(response: HttpResponse, key: str, occupation: str) -> None:
    """Set (or renew) the visitor cookie on ``response``."""
    response.set_signed_cookie(
        COOKIE,
        f"{key}:{occupation}",
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def visitor_key_required(request: HttpRequest) -> str:
    """The API's visitor: the ``X-Visitor`` header, else the pages' cookie; a 422 naming
    ``X-Visitor`` when neither holds a well-formed id."""
    key = request.headers.get("X-Visitor", "")
    if not key:
        raw = request.get_signed_cookie(
            COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE
        )
        key = str(raw).partition(":")[0]
    if not visitor_key_valid(key):
        raise ValidationFailed(
            errors=[FieldError("X-Visitor", _("需要 16–64 位的访客标识（字母、数字、-、_）"))]
        )
    return key


# The visitor's row --------------------------------------------------------------------------


def visitor_lock(*, key: str, occupation: str, now: dt.datetime) -> Visitor:
    """The visitor row for ``key``, created if new, locked for this transaction."""
    if not visitor_key_valid(key):
        raise ValidationFailed(errors=[FieldError("visitor", _("访客标识无效"))])
    if occupation not in Occupation.values:
        raise ValidationFailed(
            errors=[FieldError("occupation", _("请选择职业类别"), value=occupation[:20])]
        )
    digest = visitor_hash(key)
    Visitor.objects.get_or_create(
        key_hash=digest,
        defaults={"occupation": occupation, "first_seen": now, "last_seen": now},
    )
    visitor = Visitor.objects.select_for_update().get(key_hash=digest)
    fields = ["last_seen"]
    visitor.last_seen = now
    if occupation and occupation != visitor.occupation:
        visitor.occupation = occupation
        fields.append("occupation")
    visitor.save(update_fields=fields)
    return visitor


@transaction.atomic
def visitor_occupation_set(*, key: str, occupation: str, now: dt.datetime | None = None) -> Visitor:
    """Remember a visitor's occupation category (the only thing asked of them)."""
    if not occupation:
        raise ValidationFailed(errors=[FieldError("occupation", _("请选择职业类别"))])
    return visitor_lock(key=key, occupation=occupation, now=now or timezone.now())
