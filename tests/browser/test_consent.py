"""Browser journey: a consumer gives their peer worker `read` on their care plan for 30 days;
the worker reads it; the consumer revokes it and the worker's next click is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_share_care_plan_with_peer_worker_then_revoke(browser: Browser, live_server: str) -> None:
    consumer = browser.new_context().new_page()
    worker = browser.new_context().new_page()  # a separate browser, signed in throughout

    _sign_in(consumer, live_server, demo_email("alex"))
    consumer.get_by_role("link", name="Privacy and sharing").click()
    consumer.get_by_role("link", name="Change who you share with").first.click()
    assert _serious(consumer) == []
    consumer.get_by_label("Who").select_option(label="Sam Rivera (peer worker)")
    consumer.get_by_label("Care plan").check()
    consumer.get_by_label("What it is for").fill("so Sam can help me with my plan")
    consumer.get_by_label("For how many days").fill("30")
    consumer.get_by_role("button", name="Share").click()
    expect(consumer.get_by_role("status")).to_contain_text(
        "From now on, Sam Rivera (peer worker) can read your care plan until"
    )

    _sign_in(worker, live_server, demo_email("sam"))
    worker.get_by_role("link", name="Alex Nguyen", exact=True).click()
    # What is shared, and nothing about what is not (not even that there is more).
    expect(worker.get_by_role("link", name="Care plan")).to_have_count(1)
    expect(worker.get_by_role("main")).not_to_contain_text("not shared with you")
    expect(worker.get_by_role("link", name="Medication")).to_have_count(0)
    worker.get_by_role("link", name="Care plan").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Care plan, spring")
    entry_url = worker.url

    # Stop the care-plan share (the demo's own share of his letters stays).
    consumer.get_by_role("listitem").filter(has_text="care plan").get_by_role(
        "button", name="Stop sharing"
    ).click()
    expect(consumer.get_by_role("status")).to_contain_text("can no longer see care plan")

    # The worker's very next click, in the same live session: the care plan is gone from the
    # list (his letters, still shared, keep the list itself open), and the entry is refused.
    worker.get_by_role("link", name="Back to the record").click()
    expect(worker.get_by_role("link", name="Care plan")).to_have_count(0)
    worker.goto(entry_url)
    expect(worker.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    assert "part-time study" not in worker.content()


def test_stop_a_share_from_the_map(browser: Browser, live_server: str) -> None:
    """Alex opens the map, follows the cell of a share to stop it, and Sam's next read is
    refused."""
    consumer = browser.new_context().new_page()
    worker = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("alex"))
    consumer.get_by_role("link", name="Privacy and sharing").click()
    consumer.get_by_role("link", name="Change who you share with").first.click()
    consumer.get_by_label("Who").select_option(label="Sam Rivera (peer worker)")
    consumer.get_by_label("Medication").check()
    consumer.get_by_label("What it is for").fill("so Sam knows what I take")
    consumer.get_by_label("For how many days").fill("30")
    consumer.get_by_role("button", name="Share").click()

    _sign_in(worker, live_server, demo_email("sam"))
    worker.get_by_role("link", name="Alex Nguyen", exact=True).click()
    worker.get_by_role("link", name="Medication").click()
    entry_url = worker.url

    consumer.get_by_role("link", name="Privacy and sharing").click()
    assert _serious(consumer) == []
    row = consumer.get_by_role("row", name="Sam Rivera")
    expect(row).to_contain_text("you shared with them until")
    row.get_by_role("link", name="change or stop sharing your medication with Sam Rivera").click()
    share = consumer.locator("li:target")
    expect(share).to_contain_text("Sam Rivera")
    share.get_by_role("button", name="Stop sharing").click()
    expect(consumer.get_by_role("status")).to_contain_text("can no longer see medication")

    worker.goto(entry_url)
    expect(worker.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
