"""A mini-program developer opens the API docs: Swagger UI must render offline, under
the site's Content-Security-Policy (no CDN, no inline script)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_api_docs_render(page: Page, transactional_db: None) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Yizhan")
    expect(page.get_by_text("/api/v1/stations/sync").first).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
