"""Browser journeys of care for the peer workforce: Helen raises a workplace concern with the
coordinator instead of her supervisor; Priya reads it and answers in writing; Dr Walsh, Helen's
supervisor, neither sees it listed nor opens it; Helen reads the answer. And Sam, who asked to
see self-harm folded, meets the tagged letter in Alex's record collapsed behind its content
note, and opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from peernotes.db import get_database
from peernotes.demo.wellbeing import CALL_NOTES, LETTER
from peernotes.notes.models import Note
from tests.browser.conftest import LIVE_APPS
from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email, user_id

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results") / "screenshots"
CONCERN = "At the team meeting I was told my lived experience makes me 'too close' to carers."
ANSWER = "Thank you, Helen. I will talk with the team lead, with you, before anything is said."
NOT_FOUND = "We couldn't find that page"


def test_a_worker_raises_a_concern_with_the_coordinator_who_answers_and_the_supervisor_cannot(
    browser: Browser, live_server: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("helen"))
    worker.goto(f"{live_server}/")
    worker.get_by_role("link", name="Your wellbeing at work").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("My wellbeing at work")
    assert _serious(worker) == []
    worker.get_by_role("link", name="Raise a workplace concern").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Raise a workplace concern")
    # Her supervisor is offered first; she chooses the coordinator instead.
    expect(worker.get_by_label("Dr Fiona Walsh, my supervisor")).to_be_visible()
    worker.get_by_label("Priya Raman, coordinator").check()
    worker.get_by_label("What is it about").select_option("stigma")
    # First with nothing written: a plain message, and nothing is stored.
    worker.get_by_role("button", name="Raise it privately").click()
    expect(worker.get_by_role("main")).to_contain_text("Write what happened")
    assert _serious(worker) == []
    worker.get_by_label("Priya Raman, coordinator").check()
    worker.get_by_label("What is it about").select_option("stigma")
    worker.get_by_label("What happened, and what would help").fill(CONCERN)
    worker.get_by_role("button", name="Raise it privately").click()
    expect(worker.get_by_role("status")).to_contain_text("Your concern is with Priya Raman.")
    expect(worker.get_by_role("main")).to_contain_text(CONCERN)
    concern_id = worker.url.rstrip("/").rsplit("/", 1)[1]
    assert concern_id.isdigit()
    worker.screenshot(path=SCREENSHOTS / "wellbeing-concern-raised.png", full_page=True)
    assert _serious(worker) == []

    # Priya finds it waiting on her home page, reads it and acknowledges it in writing.
    coordinator = browser.new_context().new_page()
    _sign_in(coordinator, live_server, demo_email("admin"))
    coordinator.goto(f"{live_server}/")
    coordinator.get_by_role("link", name="1 workplace concern raised with you").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(
        "Workplace concerns raised with you"
    )
    coordinator.locator(f'a[href="/wellbeing/concerns/{concern_id}"]').click()
    expect(coordinator.get_by_role("main")).to_contain_text(CONCERN)
    coordinator.get_by_label("Your reply").fill(ANSWER)
    coordinator.get_by_role("button", name="Acknowledge with this reply").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Your reply is saved.")
    expect(coordinator.locator("#concern-status")).to_have_text("acknowledged")
    expect(coordinator.get_by_role("region", name="Replies")).to_contain_text(ANSWER)
    coordinator.screenshot(path=SCREENSHOTS / "wellbeing-concern-answered.png", full_page=True)
    assert _serious(coordinator) == []

    # Dr Walsh supervises Helen, and was not chosen: no link, and its address is missing.
    supervisor = browser.new_context().new_page()
    _sign_in(supervisor, live_server, demo_email("dr.walsh"))
    supervisor.goto(f"{live_server}/wellbeing/concerns")
    expect(supervisor.locator(f'a[href="/wellbeing/concerns/{concern_id}"]')).to_have_count(0)
    expect(supervisor.get_by_role("main")).not_to_contain_text("Helen Costa")
    supervisor.goto(f"{live_server}/wellbeing/concerns/{concern_id}")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    expect(supervisor.get_by_role("main")).not_to_contain_text(CONCERN)

    # Helen reads the answer.
    worker.goto(f"{live_server}/my/wellbeing/concerns/{concern_id}")
    expect(worker.get_by_role("region", name="Replies")).to_contain_text(ANSWER)
    expect(worker.locator("#concern-status")).to_have_text("acknowledged")


def test_sam_sees_a_tagged_entry_collapsed_and_opens_it(browser: Browser, live_server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("sam"))
    page.goto(f"{live_server}/my/wellbeing")
    expect(page.get_by_label("Self-harm")).to_be_checked()
    alex = user_id(LIVE_APPS[live_server], "alex")
    page.goto(f"{live_server}/people/{alex}/record")
    page.get_by_role("link", name="Letters").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Letter from the emergency department"
    )
    summary = page.locator("details.content-note summary")
    expect(summary).to_contain_text("Content note: self-harm")
    body = page.locator("details.content-note .entry-body")
    expect(body).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "wellbeing-content-note-collapsed.png", full_page=True)
    assert _serious(page) == []
    summary.click()
    expect(body).to_be_visible()
    expect(body).to_contain_text(LETTER[:60])
    page.screenshot(path=SCREENSHOTS / "wellbeing-content-note-opened.png", full_page=True)


def test_sam_sees_a_tagged_note_section_folded_and_opens_it(
    browser: Browser, live_server: str
) -> None:
    # The demo tags the first section of Sam's draft with Alex "self-harm", a topic Sam folds.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("sam"))
    app = LIVE_APPS[live_server]
    with app.app_context(), get_database(app).session() as db:
        note_id = db.scalar(
            select(Note.id).where(
                Note.author_id == user_id(app, "sam"),
                Note.subject_id == user_id(app, "alex"),
                Note.state == "draft",
            )
        )
    page.goto(f"{live_server}/notes/{note_id}")
    section = page.locator("section.note-section").first
    summary = section.locator("details.content-note summary")
    expect(summary).to_have_text("Content note: self-harm. Open to read this section.")
    body = section.locator("details.content-note .entry-body")
    expect(body).to_be_hidden()
    # The writer's form keeps the tag, so a revision does not drop it unnoticed.
    expect(page.get_by_label("Content note for this section (optional)").first).to_have_value(
        "self_harm"
    )
    page.screenshot(path=SCREENSHOTS / "note-content-note-collapsed.png", full_page=True)
    assert _serious(page) == []
    summary.click()
    expect(body).to_be_visible()
    expect(body).to_contain_text(CALL_NOTES[:40])
    page.screenshot(path=SCREENSHOTS / "note-content-note-opened.png", full_page=True)
