"""A fixed-window rate limit for anonymous pages (the API has ninja's throttles).

Counts per client address and scope in the "ratelimit" cache: shared by every app
server on PostgreSQL deployments (database cache), per process with SQLite."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw (``YIZHAN_NUM_PROXIES``)."""
    proxies = int(getattr(settings, "NINJA_NUM_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return str(hops[-min(proxies, len(hops))])
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limited(request: HttpRequest, *, scope: str, per_minute: int) -> bool:
    """Count this request; True when the address has gone over ``per_minute`` in the
    current minute."""
    cache = caches["ratelimit"]
    window = int(time.time() // 60)
    key = f"rl:{scope}:{client_address(request)}:{window}"
    if cache.add(key, 1, timeout=90):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=90)
        return False
    return count > per_minute
