from __future__ import annotations

import pytest
from django.core.cache import cache, caches


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()
