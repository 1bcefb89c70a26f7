"""Fixtures for every test in the repository."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language (Chinese). A request under /en/
    leaves English active in its thread, which would otherwise leak into the next test
    that calls code directly."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test starts with empty caches: the rate limits count per address, and every
    browser test comes from 127.0.0.1, so one test's scans and reports would otherwise
    count against the next test's (a 429 "扫码太频繁" that depends on test order)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
