"""Where you're signed in, in a real browser: a person signed in on a phone and a laptop ends
the laptop's session from the phone, and the laptop is signed out on its next page. Axe runs on
the page, and screenshots are kept at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results/screenshots")
WIDTHS = {"desktop": 1280, "phone": 390}
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
LAPTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"sessions-{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_ending_a_session_from_another_device(browser: Browser, live_server: str) -> None:
    # Maya: a demo person no other browser test signs in as while this one runs.
    laptop = browser.new_context(user_agent=LAPTOP_UA).new_page()
    _sign_in(laptop, live_server, demo_email("maya"))
    phone = browser.new_context(user_agent=PHONE_UA).new_page()
    _sign_in(phone, live_server, demo_email("maya"))

    phone.goto(f"{live_server}/account/sessions")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Where you are signed in")
    expect(phone.get_by_text("Chrome on Android (this browser)")).to_be_visible()
    assert _serious(phone) == []
    _shoot(phone, "list")

    phone.get_by_role("button", name="End session on Firefox on Windows").first.click()
    expect(phone.get_by_text("That session has ended")).to_be_visible()
    expect(phone.get_by_role("button", name="End session on Firefox on Windows")).to_have_count(0)

    laptop.goto(f"{live_server}/")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(laptop.get_by_text("you were signed out")).to_be_visible()
    for page in (laptop, phone):
        page.context.close()
