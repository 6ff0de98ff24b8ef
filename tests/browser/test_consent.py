"""Browser journey: a consumer shares their care plan with their peer worker, then stops."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_share_care_plan_with_peer_worker_then_revoke(browser: Browser, live_server: str) -> None:
    consumer = browser.new_context().new_page()
    worker = browser.new_context().new_page()  # a separate browser, signed in throughout

    _sign_in(consumer, live_server, demo_email("jordan"))
    consumer.get_by_role("link", name="Your consent").click()
    assert _serious(consumer) == []
    consumer.get_by_label("Who").select_option(label="Sam Rivera (peer worker)")
    consumer.get_by_label("Clinical notes").check()
    consumer.get_by_label("What it is for").fill("so Sam knows how my first appointment went")
    consumer.get_by_label("For how many days").fill("30")
    consumer.get_by_role("button", name="Share").click()
    expect(consumer.get_by_role("status")).to_contain_text(
        "From now on, Sam Rivera (peer worker) can read your clinical notes until"
    )

    _sign_in(worker, live_server, demo_email("sam"))
    worker.get_by_role("link", name="Jordan Lee").click()
    worker.get_by_role("link", name="Clinical notes").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("First appointment")
    entry_url = worker.url

    consumer.get_by_role("button", name="Stop sharing").click()
    expect(consumer.get_by_role("status")).to_contain_text("can no longer see clinical notes")

    worker.goto(entry_url)  # the very next request, same live session
    expect(worker.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    assert "First appointment" not in worker.content()
