"""Fixtures shared by the cross-app tests under tests/, and the browser-test harness.

Browser tests are marked ``@pytest.mark.browser`` and drive Debian's Chromium through
Playwright's sync API against pytest-django's ``live_server`` (a real server thread on a
transactional test database; static files are served by the staticfiles handler)::

    @pytest.mark.browser
    def test_something(page, live_server):
        page.goto("/console/")          # relative to live_server.url

Fixtures: ``browser`` (one Chromium for the session), ``page`` (desktop, 1280x800, zh-CN)
and ``mobile_page`` (a 360x740 phone). When a test that used one of the pages fails, a
full-page screenshot and the page's console errors are saved under
var/test-screenshots/<test name>.png / .log.

Chromium comes from Debian (scripts/setup-system installs it); never `playwright
install`. Without it the browser tests are skipped, unless YIZHAN_REQUIRE_BROWSER=1
(set by .ci/run), where a missing browser is an error rather than a silent skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from config import env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright

SCREENSHOT_DIR: Path = env.VAR_DIR / "test-screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
BROWSER_FIXTURES = {"browser", "page", "mobile_page"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses a browser fixture, and run those tests last.

    Playwright's sync API keeps an asyncio loop "running" in the main thread from the first
    browser test until the session ends. Running browser tests last keeps that loop (and
    DJANGO_ALLOW_ASYNC_UNSAFE) away from every other test, so those still catch async misuse.
    """
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the item so fixtures can tell, at teardown, that it failed.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = (
        "Debian's chromium is not installed: run scripts/setup-system "
        "(as root; `make test` does it) to install it. Never `playwright install`."
    )
    if env.env_bool("YIZHAN_REQUIRE_BROWSER"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    # The sync API runs an event loop in this thread; Django would otherwise refuse every
    # database query made from the test body (pytest-django documents this setting).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session."""
    executable = _chromium_path()
    browser = _playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _safe_name(nodeid: str) -> str:
    """tests/browser/test_x.py::test_y[a] -> test_x--test_y-a (no dots: no false suffixes)."""
    path, _, name = nodeid.partition("::")
    return re.sub(r"[^\w-]+", "-", f"{Path(path).stem}--{name}").strip("-")[:150]


def _open_page(
    request: pytest.FixtureRequest, browser: Browser, base_url: str, options: dict[str, Any]
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **options,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type in {"error", "warning"}:
            problems.append(f"console.{msg.type}: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    yield page
    failed = any(
        getattr(getattr(request.node, f"_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = _safe_name(request.node.nodeid)
        png, log = SCREENSHOT_DIR / f"{name}.png", SCREENSHOT_DIR / f"{name}.log"
        try:
            page.screenshot(path=str(png), full_page=True)
        except Exception as exc:  # never mask the test's own failure
            problems.append(f"screenshot failed: {exc}")
        log.write_text(
            f"{request.node.nodeid}\nurl: {page.url}\n" + "\n".join(problems) + "\n",
            encoding="utf-8",
        )
        print(f"\nbrowser: failure screenshot saved to {png}")
    context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_server: Any) -> Iterator[Page]:
    """A desktop page (1280x800, zh-CN, Asia/Shanghai) whose relative URLs hit live_server."""
    yield from _open_page(request, browser, live_server.url, DESKTOP)


@pytest.fixture
def mobile_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[Page]:
    """A phone-sized page (360x740, touch, zh-CN), the way workers see the finder."""
    yield from _open_page(request, browser, live_server.url, PHONE)


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as var/test-screenshots/<name>.png and return its path."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
