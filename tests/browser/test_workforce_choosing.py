"""Browser journeys 1-3 of choosing a peer worker: a consumer states their wishes, sees matches
with reasons and asks for a different worker; the coordinator confirms; the new worker sees the
consumer on their caseload, and the previous one no longer does."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_consumer_chooses_coordinator_confirms_new_worker_sees_them(
    browser: Browser, live_server: str
) -> None:
    # 1. Alex states his wishes, sees matches with their reasons, and asks for Tui.
    consumer = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("alex"))
    consumer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Your peer worker"
    ).click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text("Your peer worker")
    consumer.get_by_role("link", name="your wishes").click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text(
        "What matters to you in a peer worker"
    )
    # The first language row: Vietnamese, a must-have this time.
    consumer.locator("#value-2").fill("Vietnamese")
    consumer.locator("input[name='importance-2'][value='must']").check()
    assert _serious(consumer) == []
    consumer.get_by_role("button", name="Save and see matches").click()
    expect(consumer.get_by_role("status")).to_contain_text("Your wishes are saved")
    match = consumer.get_by_role("listitem").filter(
        has=consumer.get_by_role("heading", name="Tui Henare")
    )
    expect(match).to_contain_text("speaks Vietnamese · lived experience of BPD · offers group")
    # Sam, his current worker, is not offered; nobody without Vietnamese is either.
    expect(consumer.get_by_role("button", name="Ask for Sam Rivera")).to_have_count(0)
    assert _serious(consumer) == []
    match.get_by_label("Sam Rivera may write a handover summary for Tui Henare").check()
    match.get_by_role("button", name="Ask for Tui Henare").click()
    expect(consumer.get_by_role("status")).to_contain_text("You asked for Tui Henare")
    expect(consumer.get_by_role("region", name="Your request")).to_contain_text("Tui Henare")

    # 2. The coordinator confirms it.
    admin = browser.new_context().new_page()
    _sign_in(admin, live_server, demo_email("admin"))
    admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Peer worker requests"
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Requests for a peer worker")
    assert _serious(admin) == []
    admin.get_by_role("button", name="Confirm Tui Henare for Alex Nguyen").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "Confirmed: Tui Henare supports Alex Nguyen from today."
    )

    # 3. Tui sees Alex on her caseload; Sam no longer does.
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("tui"))
    caseload = worker.get_by_role("region", name="People you support")
    expect(caseload).to_contain_text("Alex Nguyen")
    expect(caseload.get_by_role("link", name="Write a note with Alex Nguyen")).to_be_visible()
    assert _serious(worker) == []
    previous = browser.new_context().new_page()
    _sign_in(previous, live_server, demo_email("sam"))
    expect(previous.get_by_role("region", name="People you support")).not_to_contain_text(
        "Alex Nguyen"
    )
    consumer.reload()
    expect(consumer.get_by_role("region", name="Who supports you now")).to_contain_text(
        "Tui Henare"
    )
