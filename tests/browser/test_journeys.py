"""Browser journeys: sign in as each role, a wrong password, sign out and Back, accessibility."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from peernotes.demo.loader import DEMO_PASSWORD, PEOPLE, DemoPerson
from tests.browser.conftest import LIVE_APPS
from tests.helpers import demo_email, enrol_if_required, totp_code

pytestmark = pytest.mark.browser

# What each role's home page shows first.
FIRST_THING = {
    "consumer": "Your notes",
    "carer": "Your notes",
    "consumer_peer_worker": "People you support",
    "carer_peer_worker": "Carers you support",
    "clinician": "People in your care",
    "auditor": "Access log",
    "admin": "Care assignments",
}

ONE_PER_ROLE: list[DemoPerson] = list({p.role: p for p in reversed(PEOPLE)}.values())


def _sign_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Both steps, as a person would: the password, then (for anyone with two-step sign-in)
    the code their authenticator shows now."""
    enrol_if_required(LIVE_APPS[base], email)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if urlsplit(page.url).path == "/login/code":
        page.get_by_label("Code").fill(totp_code(LIVE_APPS[base], email))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.email)
def test_every_demo_login_reaches_its_role_home_page(
    page: Page, live_server: str, person: DemoPerson
) -> None:
    _sign_in(page, live_server, person.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.name}")
    expect(
        page.get_by_role("heading", name=FIRST_THING[person.role.value], exact=True)
    ).to_be_visible()
    _sign_out(page)


def test_wrong_password_shows_the_error(page: Page, live_server: str) -> None:
    _sign_in(page, live_server, demo_email("alex"), "not my password at all")
    expect(page.get_by_role("alert")).to_contain_text("don't match an active account")
    expect(page).to_have_url(f"{live_server}/login")


def test_back_after_sign_out_shows_no_personal_information(page: Page, live_server: str) -> None:
    _sign_in(page, live_server, demo_email("alex"))
    page.get_by_role("link", name="Who can see my information").first.click()
    expect(page.get_by_text("Linh Nguyen")).to_be_visible()
    _sign_out(page)
    page.go_back()
    page.wait_for_load_state()
    body = page.content()
    for private in ("Alex Nguyen", "Linh Nguyen", "Dr Mei Chen", "Sam Rivera"):
        assert private not in body, f"{private} visible after sign-out and Back"
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_login_page_is_accessible(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    assert _serious(page) == []
    # And with an error showing.
    _sign_in(page, live_server, "nobody@peernotes.example", "wrong password here")
    assert _serious(page) == []


@pytest.mark.parametrize("person", ONE_PER_ROLE, ids=lambda p: p.role.value)
def test_each_home_page_is_accessible(page: Page, live_server: str, person: DemoPerson) -> None:
    _sign_in(page, live_server, person.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert _serious(page) == []
    _sign_out(page)


def test_home_is_readable_on_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, live_server, demo_email("alex"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    page.screenshot(path="test-results/phone-home.png", full_page=True)
