"""Anonymous pages slow down a client that asks too often, per address."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.test import RequestFactory

from yizhan.core.ratelimit import client_address, rate_limited


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    caches["ratelimit"].clear()
    yield
    cache.clear()
    caches["ratelimit"].clear()


@pytest.mark.django_db
def test_over_the_limit_only_for_that_address():
    rf = RequestFactory()
    a = rf.get("/", REMOTE_ADDR="10.0.0.1")
    b = rf.get("/", REMOTE_ADDR="10.0.0.2")
    assert [rate_limited(a, scope="t", per_minute=3) for _ in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    assert rate_limited(b, scope="t", per_minute=3) is False


def test_forwarded_for_is_trusted_only_behind_configured_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8"
    )
    settings.NINJA_NUM_PROXIES = 0
    assert client_address(request) == "10.0.0.9"
    settings.NINJA_NUM_PROXIES = 1
    assert client_address(request) == "5.6.7.8"


@pytest.mark.django_db
def test_finder_page_says_slow_down_with_429(client, settings):
    settings.YIZHAN = {**settings.YIZHAN, "FINDER_PAGE_RATE_PER_MINUTE": 2}
    codes = [client.get("/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/en/")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many searches" in response.content.decode()
