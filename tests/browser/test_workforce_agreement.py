"""Browser journey 4: a peer worker proposes a support agreement to a consumer, the consumer
confirms it, and both see it in force. Tui and Maya: in the demo Tui has already proposed one,
which Maya has not confirmed; Tui proposes a changed version instead, and Maya confirms that."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_worker_proposes_consumer_confirms_both_see_it_in_force(
    browser: Browser, live_server: str
) -> None:
    # 1. Tui opens her agreement with Maya from her contacts page: nothing is in force yet.
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("tui"))
    worker.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Contacts")
    worker.get_by_role("link", name="No agreement yet with Maya Thompson").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(
        "Support agreement with Maya Thompson"
    )
    expect(worker.get_by_role("region", name="What you have agreed now")).to_contain_text(
        "No agreement yet"
    )

    # 2. Hours that make no sense are refused, in plain words, next to the field.
    propose = worker.get_by_role("region", name="Propose a changed version")
    propose.get_by_label("Until").fill("08:00")
    propose.get_by_role("button", name="Propose to Maya Thompson").click()
    expect(worker.get_by_role("region", name="Propose a changed version")).to_contain_text(
        "The end time (08:00) must be later than the start time (10:00)"
    )
    assert _serious(worker) == []

    # 3. Tui proposes: Tuesdays and Thursdays, 10:00 to 16:00, by phone, video or in person.
    propose = worker.get_by_role("region", name="Propose a changed version")
    propose.get_by_label("Until").fill("16:00")
    propose.get_by_label("Places").fill(
        "At the service, or by video when Maya would rather stay home."
    )
    propose.get_by_role("button", name="Propose to Maya Thompson").click()
    expect(worker.get_by_role("status")).to_contain_text("Proposed.")
    expect(worker.get_by_role("heading", level=1)).to_have_text(
        "Support agreement with Maya Thompson"
    )
    expect(worker.get_by_role("main")).to_contain_text("Waiting for Maya Thompson to confirm it.")
    expect(worker.get_by_role("button", name="Confirm this agreement")).to_have_count(0)
    assert _serious(worker) == []
    proposal_url = worker.url

    # 4. Maya finds it waiting on her support agreements page, reads it and confirms it.
    consumer = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("maya"))
    consumer.get_by_role("link", name="Support agreements").first.click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text("Your support agreements")
    waiting = consumer.get_by_role("listitem").filter(has_text="waiting for you to confirm")
    expect(waiting).to_have_count(1)
    waiting.get_by_role("link", name=re.compile(r"With Tui Henare, version \d+")).click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text(
        "Your support agreement with Tui Henare"
    )
    main = consumer.get_by_role("main")
    expect(main).to_contain_text("Tuesday and Thursday")
    expect(main).to_contain_text("10:00–16:00")
    expect(main).to_contain_text("Phone, in person or video call")
    expect(main).to_contain_text("by video when Maya would rather stay home")
    expect(main).to_contain_text("Waiting for you to confirm it.")
    expect(main).not_to_contain_text("Contacts outside the agreement")
    assert _serious(consumer) == []
    consumer.get_by_role("button", name="Confirm this agreement").click()
    expect(consumer.get_by_role("status")).to_contain_text("Confirmed.")
    expect(main).to_contain_text("In force. Both of you confirmed it.")
    consumer.get_by_role("link", name="Back to support agreements").click()
    expect(consumer.get_by_role("main")).to_contain_text("in force")
    expect(consumer.get_by_role("main")).not_to_contain_text("waiting for you to confirm")

    # 5. Tui sees it in force too, on the version and on her page for Maya.
    worker.goto(proposal_url)
    expect(worker.get_by_role("main")).to_contain_text("In force. Both of you confirmed it.")
    worker.get_by_role("link", name="Back to your agreement with Maya Thompson").click()
    now = worker.get_by_role("region", name="What you have agreed now")
    expect(now).to_contain_text("confirmed by you both")
    expect(now).to_contain_text("10:00–16:00")
    assert _serious(worker) == []
