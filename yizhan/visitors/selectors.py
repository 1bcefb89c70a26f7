"""Reading the anonymous worker: the keyed hash of a raw visitor id, whether an id is
well formed, and the stored visitor for an id."""

from __future__ import annotations

import re

from django.utils.crypto import salted_hmac

from yizhan.visitors.models import Visitor

VISITOR_KEY_MIN = 16
VISITOR_KEY_MAX = 64
VISITOR_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
# The HMAC salt of the stored hash; changing it would orphan every stored visitor.
HASH_SALT = "yizhan.feedback.visitor"


def visitor_hash(key: str) -> str:
    """The keyed hash stored for a raw visitor id (HMAC-SHA256 under SECRET_KEY)."""
    return salted_hmac(HASH_SALT, key, algorithm="sha256").hexdigest()


def visitor_key_valid(key: str) -> bool:
    return VISITOR_KEY_MIN <= len(key) <= VISITOR_KEY_MAX and bool(VISITOR_KEY_RE.match(key))


def visitor_by_key(*, key: str) -> Visitor | None:
    """The stored visitor for a raw id; None when the id is malformed or never wrote."""
    if not visitor_key_valid(key):
        return None
    return Visitor.objects.filter(key_hash=visitor_hash(key)).first()
