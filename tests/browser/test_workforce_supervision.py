"""Browser journeys 5 and 6 of the peer workforce: Dr Chen logs a supervision session with Sam,
and Sam reads it on his own supervision page; Tui, another peer worker, does not see it listed,
and its address answers her as a missing page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from peernotes.db import utcnow
from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

TOPICS = "Saying no to a late-night call without feeling like I let Alex down."
WELLBEING = "Sam said he is tired this week, and glad to have a plan for Friday."
ACTIONS = "Sam will take Friday afternoon off calls; we meet again in four weeks."
NOT_FOUND = "We couldn't find that page"


def test_a_supervisor_logs_a_session_the_worker_reads_it_and_another_worker_does_not(
    browser: Browser, live_server: str
) -> None:
    # 5. Dr Chen opens her supervision dashboard and logs a session with Sam.
    supervisor = browser.new_context().new_page()
    _sign_in(supervisor, live_server, demo_email("dr.chen"))
    supervisor.goto(f"{live_server}/supervision")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Supervision")
    expect(supervisor.get_by_role("heading", name=re.compile("^Sam Rivera"))).to_be_visible()
    assert _serious(supervisor) == []
    supervisor.get_by_role("link", name="Log a session with Sam Rivera").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Log a session with Sam Rivera")
    assert _serious(supervisor) == []
    # First with nothing written: a plain message, and nothing is logged.
    supervisor.get_by_label("Date of the session").fill(utcnow().date().isoformat())
    supervisor.get_by_role("button", name="Log the session").click()
    expect(supervisor.get_by_role("main")).to_contain_text("Write at least one of")
    assert _serious(supervisor) == []
    supervisor.get_by_label("Date of the session").fill(utcnow().date().isoformat())
    supervisor.get_by_label("What you talked about").fill(TOPICS)
    supervisor.get_by_label("Wellbeing check-in").fill(WELLBEING)
    supervisor.get_by_label("What you agreed to do").fill(ACTIONS)
    supervisor.get_by_role("button", name="Log the session").click()
    expect(supervisor.get_by_role("status")).to_contain_text("The session is logged.")
    expect(supervisor.get_by_role("main")).to_contain_text(TOPICS)
    session_id = supervisor.url.rstrip("/").rsplit("/", 1)[1]
    assert session_id.isdigit()
    assert _serious(supervisor) == []

    # Sam sees it on his page, with who supervises him, and reads it.
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("sam"))
    worker.goto(f"{live_server}/my/supervision")
    expect(worker.get_by_role("heading", level=1)).to_have_text("My supervision")
    expect(worker.get_by_role("main")).to_contain_text("Dr Mei Chen is your supervisor.")
    assert _serious(worker) == []
    own_link = worker.locator(f'a[href="/my/supervision/{session_id}"]')
    expect(own_link).to_have_count(1)
    own_link.click()
    expect(worker.get_by_role("heading", level=1)).to_contain_text("Supervision with Dr Mei Chen")
    expect(worker.get_by_role("region", name="What we talked about")).to_contain_text(TOPICS)
    expect(worker.get_by_role("region", name="Wellbeing check-in")).to_contain_text(WELLBEING)
    expect(worker.get_by_role("region", name="What we agreed to do")).to_contain_text(ACTIONS)
    assert _serious(worker) == []

    # 6. Tui, another peer worker supervised by Dr Chen too, does not see it.
    other = browser.new_context().new_page()
    _sign_in(other, live_server, demo_email("tui"))
    other.goto(f"{live_server}/my/supervision")
    expect(other.get_by_role("heading", level=1)).to_have_text("My supervision")
    expect(other.locator(f'a[href="/my/supervision/{session_id}"]')).to_have_count(0)
    expect(other.get_by_role("main")).not_to_contain_text(TOPICS)
    other.goto(f"{live_server}/my/supervision/{session_id}")
    expect(other.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    expect(other.get_by_role("main")).not_to_contain_text(TOPICS)
