"""Two-step sign-in in a real browser: a new clinician is sent to set it up right after the
password, scans (here: reads) the QR page, keeps the recovery codes, then signs in again with
a code. Axe runs on each page; screenshots of the QR page are kept.

The live server is shared by every browser test, so this one uses an account it creates
itself, never a demo person's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from peernotes.audit.writer import By
from peernotes.auth.accounts import create_user
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.mfa.service import INTERVAL, RECOVERY_CODE_COUNT
from tests.browser.conftest import LIVE_APPS
from tests.browser.test_journeys import _serious, _sign_out

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results/screenshots")
PASSWORD = "a clinician's own long password"


def _new_clinician(base: str) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    name, email = f"Dr Enrol {tag}", f"enrol-{tag}@peernotes.example"
    app = LIVE_APPS[base]
    with app.app_context(), get_database(app).session() as db:
        create_user(
            db,
            email=email,
            display_name=name,
            role=Role.CLINICIAN,
            password=PASSWORD,
            by=By(None, None, "browser-test"),
        )
        db.commit()
    return name, email


def _password_step(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_clinician_enrols_then_signs_in_with_a_code(page: Page, live_server: str) -> None:
    name, email = _new_clinician(live_server)
    _password_step(page, live_server, email)
    # Straight to setting it up: no other page opens first.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_text("Your role needs two-step sign-in")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/account/mfa/enrol")

    qr = page.locator("#mfa-qr svg")
    expect(qr).to_be_visible()
    assert page.locator("img").count() == 0  # drawn in the page, no image fetched
    assert _serious(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "mfa-enrol-qr.png"), full_page=True)

    totp = pyotp.TOTP(page.locator("#mfa-secret").inner_text(), interval=INTERVAL)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(RECOVERY_CODE_COUNT)
    assert _serious(page) == []
    page.screenshot(path=str(SCREENSHOTS / "mfa-recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="I have kept them safe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    _sign_out(page)

    _password_step(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert _serious(page) == []
    page.screenshot(path=str(SCREENSHOTS / "mfa-code-step.png"), full_page=True)
    # The code the app shows next: the one used to enrol is spent.
    next_step = datetime.now(UTC) + timedelta(seconds=INTERVAL)
    page.get_by_label("Code").fill(totp.at(next_step))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    _sign_out(page)
