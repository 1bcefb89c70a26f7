"""axe-core in a Playwright page: the WCAG 2.0 and 2.1 A and AA rules, serious and critical
findings only (what issue 18 asks: "no serious or critical finding").

    from tests.browser.axe import axe_problems

    page.goto("/staff/")
    assert not axe_problems(page)

axe-core comes from node_modules (``npm ci``; package.json pins it) and is evaluated in the
page through the DevTools protocol, not added as a script tag: the page's CSP stays on, so
the page is checked as a phone gets it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")
NODES_SHOWN = 4

_RUN = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
})"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical WCAG 2 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(_RUN, list(WCAG_TAGS))
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


@cache
def _axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci`", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def axe_problems(page: Page, where: str = "") -> list[str]:
    """One readable line per violation: where, the rule, its impact and help, and the
    first few elements (CSS selector and the first line of axe's reason)."""
    where = where or page.url
    lines = []
    for v in axe_violations(page):
        nodes = "; ".join(
            f"{' '.join(map(str, n['target']))} → {_first_reason(n)}"
            for n in v["nodes"][:NODES_SHOWN]
        )
        more = len(v["nodes"]) - NODES_SHOWN
        lines.append(
            f"{where}: {v['id']} ({v['impact']}) {v['help']}: {nodes}"
            + (f" (+{more} more)" if more > 0 else "")
        )
    return lines


def _first_reason(node: dict[str, Any]) -> str:
    summary = [s.strip() for s in str(node.get("failureSummary", "")).splitlines()]
    reasons = [s for s in summary if s and not s.startswith("Fix ")]
    return reasons[0] if reasons else ""
