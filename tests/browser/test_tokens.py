"""Apps and tokens, in a real browser: Robert makes a token for his app, sees it once, the app
uses it, he revokes it, and the app is refused. Axe runs on each page, and screenshots are kept
at desktop and phone widths."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results/screenshots")
WIDTHS = {"desktop": 1280, "phone": 390}


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"tokens-{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def _app_calls(base: str, path: str, token: str) -> tuple[int, dict[str, object]]:
    """The app's own request: its token, no browser and no cookie."""
    request = urllib.request.Request(
        f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # nosec B310: our server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_token_made_used_and_revoked(browser: Browser, live_server: str) -> None:
    # Robert: a demo person no other browser test signs in as.
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("robert"))
    page.goto(f"{live_server}/account/sessions")
    page.get_by_role("link", name="Apps and tokens").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apps and tokens")
    expect(page.get_by_text("You have no tokens")).to_be_visible()
    assert _serious(page) == []
    _shoot(page, "empty")

    page.get_by_label("What it is for").fill("My carer diary")
    page.get_by_label("Read and make changes").check()
    page.get_by_label("For how many days").fill("30")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new token")
    expect(page.get_by_text("This is the only time it is shown.")).to_be_visible()
    token = page.get_by_label("Your token").input_value()
    assert token.startswith("pn_")
    assert _serious(page) == []
    _shoot(page, "shown-once")

    status, me = _app_calls(live_server, "/me", token)
    assert status == 200 and me["display_name"] == "Robert Thompson"
    assert me["token"] == {  # type: ignore[comparison-overlap]
        **me["token"],  # type: ignore[dict-item]
        "name": "My carer diary",
        "scope": "write",
    }
    status, _consent = _app_calls(live_server, "/consent", token)
    assert status == 200

    page.get_by_role("link", name="back to Apps and tokens").click()
    row = page.get_by_role("row", name="My carer diary")
    expect(row).to_contain_text("Read and make changes")
    expect(row).not_to_contain_text("Never")  # the app's use shows as its last use
    assert token not in page.content()  # never shown again
    _shoot(page, "listed")

    row.get_by_role("button", name="Revoke My carer diary").click()
    expect(page.get_by_text("That token is revoked")).to_be_visible()
    expect(page.get_by_role("row", name="My carer diary")).to_contain_text("Revoked")
    assert _serious(page) == []
    _shoot(page, "revoked")

    status, refused = _app_calls(live_server, "/me", token)
    assert status == 401
    assert refused["error"]["code"] == "unauthenticated"  # type: ignore[index]
    page.context.close()
