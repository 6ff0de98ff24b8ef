"""The coordinator's reset link in a real browser: issued from Accounts, handed over, used once
in another browser, then the person signs in with the password they chose. Axe runs on each
page of the flow, and screenshots are kept at desktop and phone widths.

The live server is shared by every browser test, so this one resets an account it creates
itself, never a demo person's.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results/screenshots")
WIDTHS = {"desktop": 1280, "phone": 390}
NEW_PASSWORD = "seven green doors in a row"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"reset-{name}-{label}.png"), full_page=True)
        # Nothing scrolls sideways at either width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_a_coordinator_issues_a_reset_link_that_works_once(
    browser: Browser, live_server: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    name, email = f"Reset Person {tag}", f"reset-{tag}@peernotes.example"

    coordinator = browser.new_context().new_page()
    _sign_in(coordinator, live_server, demo_email("admin"))
    coordinator.goto(f"{live_server}/admin/accounts")
    coordinator.get_by_label("Name").fill(name)
    coordinator.get_by_label("Email").fill(email)
    coordinator.get_by_label("Role").select_option("consumer")
    coordinator.get_by_label("First password").fill("a first password nobody remembers")
    coordinator.get_by_role("button", name="Create account").click()
    expect(coordinator.get_by_text(f"Account created for {name}")).to_be_visible()

    coordinator.get_by_role("button", name=f"Reset link for {name}").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Reset link for {name}")
    link = coordinator.get_by_label("One-time link").input_value()
    assert link.startswith(f"{live_server}/password/reset/")
    assert _serious(coordinator) == []
    _shoot(coordinator, "issued")
    coordinator.get_by_role("link", name="Back to accounts").click()
    assert link not in coordinator.content()

    person = browser.new_context().new_page()
    person.goto(link)
    expect(person.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert _serious(person) == []
    # A mismatch is refused next to the field, and the link still works afterwards.
    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password again").fill(NEW_PASSWORD + " and more")
    person.get_by_role("button", name="Save my new password").click()
    expect(person.get_by_text("The two new passwords don't match.")).to_be_visible()
    assert _serious(person) == []
    _shoot(person, "form-error")
    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password again").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Save my new password").click()
    expect(person.get_by_text("Your new password is set")).to_be_visible()
    expect(person.get_by_role("heading", level=1)).to_have_text("Sign in")

    _sign_in(person, live_server, email, NEW_PASSWORD)
    expect(person.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")

    used = browser.new_context().new_page()
    used.goto(link)
    expect(used.get_by_role("alert")).to_contain_text("This link doesn't work any more")
    assert _serious(used) == []
    _shoot(used, "used")
    for page in (coordinator, person, used):
        page.context.close()


def test_forgot_your_password_leads_to_the_coordinator_without_email(
    page: Page, live_server: str
) -> None:
    """The shared live server has no SMTP: the sign-in page's link says what will happen."""
    page.goto(f"{live_server}/login")
    expect(page.get_by_text("Your coordinator can give you a link")).to_be_visible()
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    expect(page.get_by_text("Please ask your coordinator.")).to_be_visible()
    assert _serious(page) == []
    _shoot(page, "forgot")
