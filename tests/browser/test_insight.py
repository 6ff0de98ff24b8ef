"""The auditor's insight dashboard in the browser: from the navigation to a flag's entries, at a
desktop's width and a phone's, with axe on both pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _serious, _sign_in, _sign_out
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results") / "screenshots"


@pytest.mark.parametrize("width", [1280, 390])
def test_auditor_follows_a_flag_to_exactly_its_entries(
    page: Page, live_server: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, live_server, demo_email("auditor"))
    _open_menu(page)
    page.get_by_role("link", name="Insight", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insight into the access log")
    for name in ("Entries allowed and refused, per day", "Flagged patterns, by kind"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"auditor-insight-{width}.png", full_page=True)

    # The demo's emergency read: Dr Walsh read Alex's record, with no care assignment to him
    # (other journeys on this server may have had him read more of Alex's since).
    flags = page.locator("#table-flags-outside_caseload tbody tr")
    walsh = flags.filter(has_text="Dr Fiona Walsh").filter(has_text="Alex Nguyen").first
    link = walsh.get_by_role("link", name=re.compile(r"^See (this entry|these \d+ entries)$"))
    said = re.search(r"\d+", link.inner_text())
    count = int(said.group(0)) if said else 1
    link.click()

    rows = page.locator("table.audit-entries tbody tr")
    expect(rows).to_have_count(count)
    for row in rows.all():
        expect(row).to_contain_text("Dr Fiona Walsh")
        expect(row).to_contain_text("Alex Nguyen")
    expect(page.get_by_label("What happened")).to_have_value("reads")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    page.screenshot(path=SCREENSHOTS / f"auditor-log-flag-{width}.png", full_page=True)
    _open_menu(page)
    _sign_out(page)


def _open_menu(page: Page) -> None:
    """On a phone the navigation (and "Sign out") folds behind "Menu"."""
    menu = page.locator("nav.main-nav summary")
    if menu.is_visible():
        menu.click()
