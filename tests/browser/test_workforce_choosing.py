"""Browser journeys 1-3 of choosing a peer worker, with the handover: a consumer states their
wishes, sees matches with reasons and asks for a different worker, agreeing to a handover; the
coordinator sees the handover pending and cannot confirm yet; the previous worker writes it;
the coordinator confirms; the new worker sees the consumer on their caseload and reads the
handover, and the previous one no longer sees the consumer.

Each step leaves a screenshot at desktop and phone widths under test-results/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results/screenshots")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SUMMARY = "Alex likes to walk while we talk; mornings are best. We were working on sleep."


def _shoot(page: Page, name: str) -> None:
    """The page as it is now, at desktop and phone widths (whole page); back to desktop."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"handover-{name}-{label}.png", full_page=True)


def test_consumer_chooses_handover_holds_the_change_until_written_new_worker_reads_it(
    browser: Browser, live_server: str
) -> None:
    # 1. Alex states his wishes, sees matches with their reasons, and asks for Tui.
    consumer = browser.new_context(viewport=DESKTOP).new_page()
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
    expect(consumer.get_by_role("status")).to_contain_text(
        "You asked for Tui Henare. The coordinator will confirm it once Sam Rivera has written"
        " the handover."
    )
    request = consumer.get_by_role("region", name="Your request")
    expect(request).to_contain_text("Tui Henare")
    # He is told the change waits for the handover, and how not to wait.
    expect(request).to_contain_text("the coordinator waits for it before confirming the change")
    expect(request.get_by_role("button", name="No handover after all")).to_be_visible()
    _shoot(consumer, "1-consumer-asked")

    # 2. The coordinator sees the handover pending, and cannot confirm yet.
    admin = browser.new_context(viewport=DESKTOP).new_page()
    _sign_in(admin, live_server, demo_email("admin"))
    admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Peer worker requests"
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Requests for a peer worker")
    alex_item = (
        admin.get_by_role("region", name="Waiting for you")
        .get_by_role("listitem")
        .filter(has_text="Alex Nguyen asked for Tui Henare")
    )
    expect(alex_item).to_contain_text("Handover pending.")
    expect(alex_item).to_contain_text("Sam Rivera is to write it; Alex Nguyen agreed on")
    expect(
        admin.get_by_role("button", name="Confirm Tui Henare for Alex Nguyen", exact=True)
    ).to_have_count(0)
    assert _serious(admin) == []
    _shoot(admin, "2-coordinator-list-held")
    alex_item.get_by_role("link", name="Open Alex Nguyen's request").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "Alex Nguyen's request for Tui Henare"
    )
    expect(admin.get_by_role("region", name="Confirming waits for the handover")).to_contain_text(
        "Sam Rivera writes the handover"
    )
    expect(
        admin.get_by_role("button", name="Confirm Tui Henare for Alex Nguyen", exact=True)
    ).to_have_count(0)
    # Confirming without the handover needs a reason: without one it is refused, plainly.
    override = admin.get_by_role("region", name="If the change can't wait")
    override.get_by_role(
        "button", name="Confirm Tui Henare for Alex Nguyen without the handover"
    ).click()
    expect(admin.get_by_role("region", name="If the change can't wait")).to_contain_text(
        "Please say why the change can't wait for the handover"
    )
    assert _serious(admin) == []
    _shoot(admin, "3-coordinator-request-held")

    # 3. Sam finds the handover to write from his home page, and writes it.
    previous = browser.new_context(viewport=DESKTOP).new_page()
    _sign_in(previous, live_server, demo_email("sam"))
    previous.get_by_role("link", name="Write a handover summary").first.click()
    expect(previous.get_by_role("heading", level=1)).to_have_text(
        "Handover summary for Alex Nguyen"
    )
    expect(previous.get_by_role("main")).to_contain_text("The change waits for your handover")
    previous.get_by_label("Handover summary").fill(SUMMARY)
    assert _serious(previous) == []
    _shoot(previous, "4-old-worker-writes")
    previous.get_by_role("button", name="Save the handover").click()
    expect(previous.get_by_role("status")).to_contain_text("The handover summary is saved")
    expect(previous.get_by_role("link", name="Write a handover summary")).to_have_count(0)

    # 4. The coordinator sees it written, and confirms.
    admin.get_by_role("link", name="All requests for a peer worker").click()
    alex_item = (
        admin.get_by_role("region", name="Waiting for you")
        .get_by_role("listitem")
        .filter(has_text="Alex Nguyen asked for Tui Henare")
    )
    expect(alex_item).to_contain_text("Sam Rivera wrote the handover on")
    expect(alex_item).not_to_contain_text("Handover pending")
    _shoot(admin, "5-coordinator-list-written")
    alex_item.get_by_role("button", name="Confirm Tui Henare for Alex Nguyen").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "Confirmed: Tui Henare supports Alex Nguyen from today."
    )
    assert _serious(admin) == []
    _shoot(admin, "6-coordinator-confirmed")

    # 5. Tui sees Alex on her caseload and reads the handover; Sam no longer sees Alex.
    worker = browser.new_context(viewport=DESKTOP).new_page()
    _sign_in(worker, live_server, demo_email("tui"))
    caseload = worker.get_by_role("region", name="People you support")
    expect(caseload).to_contain_text("Alex Nguyen")
    expect(caseload.get_by_role("link", name="Write a note with Alex Nguyen")).to_be_visible()
    assert _serious(worker) == []
    worker.get_by_role("link", name="Handover summary for Alex Nguyen").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Handover summary for Alex Nguyen")
    expect(worker.get_by_role("main")).to_contain_text(SUMMARY)
    expect(worker.get_by_role("main")).to_contain_text("shared with you because Alex Nguyen agreed")
    assert _serious(worker) == []
    _shoot(worker, "7-new-worker-reads")
    previous.goto(live_server + "/")
    expect(previous.get_by_role("region", name="People you support")).not_to_contain_text(
        "Alex Nguyen"
    )
    consumer.reload()
    expect(consumer.get_by_role("region", name="Who supports you now")).to_contain_text(
        "Tui Henare"
    )
    expect(consumer.get_by_role("region", name="Handover summaries")).to_contain_text(
        "Tui Henare may read it."
    )
    _shoot(consumer, "8-consumer-after")
