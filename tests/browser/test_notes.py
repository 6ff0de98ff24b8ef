"""Browser journey: a peer worker and a consumer write a note together. The consumer asks for a
change, then approves the revised note with one part kept between them; a clinician in their
care sees only the shared parts, a carer peer worker sees nothing, and the consumer's own words
travel with the note."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

JUST_US = "Jordan talked about the row with their brother and how hard the weekend was."
HELPING = "Walking to the river in the mornings, and the skills group on Thursdays."
FIRST_NEXT = "Jordan will phone the housing office on their own on Monday."
ASKED = "Please say I will phone the housing office with my mum, not on my own."
REVISED_NEXT = "Jordan will phone the housing office with their mum; we meet again next week."
CARE_TEAM = "Jordan would like the team to know they prefer afternoon appointments."
OWN_WORDS = "I want the team to know I am trying, even on the bad days."
NOT_FOUND = "We couldn't find that page"


def _notes_link(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Notes")
    )


def test_note_written_together_reviewed_changed_approved_and_read_by_the_care_team(
    browser: Browser, live_server: str
) -> None:
    # 1. Sam drafts a note with Jordan and shares it with Jordan for review.
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("sam"))
    worker.get_by_role("link", name="Write a note with Jordan Lee").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Note with Jordan Lee")
    worker.get_by_label("What we talked about").fill(JUST_US)
    worker.get_by_label("What is helping").fill(HELPING)
    worker.get_by_label("Next steps").fill(FIRST_NEXT)
    worker.get_by_label("For the care team").fill(CARE_TEAM)
    worker.get_by_role("button", name="Save", exact=True).click()
    expect(worker.get_by_role("status")).to_contain_text("Draft saved")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Note with Jordan Lee")
    assert _serious(worker) == []
    note_url = worker.url
    worker.get_by_role("button", name="Share for review with Jordan Lee").click()
    expect(worker.get_by_role("status")).to_contain_text("Shared for review.")

    # 2. Jordan sees it waiting, with the count in the navigation, and asks for a change.
    consumer = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("jordan"))
    expect(_notes_link(consumer)).to_have_text("Notes 1 waiting for you")
    _notes_link(consumer).click()
    # The note is listed by its first words, with who wrote it and where it stands.
    waiting = consumer.get_by_role("region", name=re.compile("^Waiting for you"))
    expect(waiting).to_contain_text("By Sam Rivera · waiting for your review · written")
    waiting.get_by_role("link", name=JUST_US).click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text("Note by Sam Rivera")
    expect(consumer.get_by_role("main")).to_contain_text(FIRST_NEXT)
    assert _serious(consumer) == []
    consumer.get_by_label("What would you like changed?").fill(ASKED)
    consumer.get_by_role("button", name="Ask for changes").click()
    expect(consumer.get_by_role("status")).to_contain_text("Your request is sent.")
    expect(_notes_link(consumer)).to_have_text("Notes")

    # 3. Sam sees the comment, edits the note and shares it again.
    worker.reload()
    expect(_notes_link(worker)).to_have_text("Notes 1 waiting for you")
    expect(worker.get_by_role("note")).to_contain_text(f"Jordan Lee asked for changes: {ASKED}")
    edit = worker.get_by_role("region", name="Edit")
    edit.get_by_role("textbox", name="Next steps").fill(REVISED_NEXT)
    edit.get_by_role("button", name="Save", exact=True).click()
    expect(worker.get_by_role("status")).to_contain_text("Saved as a new version.")
    worker.get_by_role("button", name="Share for review with Jordan Lee").click()
    expect(worker.get_by_role("status")).to_contain_text("Shared for review.")

    # 4. Jordan approves the new version: the first part just between them, the rest shared.
    consumer.reload()
    expect(_notes_link(consumer)).to_have_text("Notes 1 waiting for you")
    consumer.goto(note_url)
    expect(consumer.get_by_role("main")).to_contain_text(REVISED_NEXT)
    expect(consumer.get_by_role("main")).not_to_contain_text(FIRST_NEXT)
    approve = consumer.get_by_role("region", name="Approve, and choose who sees each part")
    approve.get_by_role("group", name="What we talked about").get_by_label("Just us").check()
    for heading in ("What is helping", "Next steps", "For the care team"):
        approve.get_by_role("group", name=heading).get_by_label("Care team too").check()
    assert _serious(consumer) == []
    approve.get_by_role("button", name="Approve").click()
    expect(consumer.get_by_role("status")).to_contain_text("Approved.")

    # 5. Dr Chen, in Jordan's care, sees only the shared parts.
    clinician = browser.new_context().new_page()
    _sign_in(clinician, live_server, demo_email("dr.chen"))
    clinician.get_by_role("listitem").filter(has_text="Jordan Lee").get_by_role(
        "link", name="Timeline"
    ).click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Jordan Lee's timeline")
    # The note reads as its first words the clinician may read: the first shared part.
    clinician.get_by_role("link", name=HELPING).click()
    expect(clinician).to_have_url(note_url)
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Note with Jordan Lee")
    main = clinician.get_by_role("main")
    expect(main).to_contain_text(CARE_TEAM)
    expect(main).to_contain_text(REVISED_NEXT)
    expect(main).to_contain_text("Some parts of this note are not shared with you.")
    assert JUST_US not in clinician.content()
    assert "What we talked about" not in clinician.content()
    assert _serious(clinician) == []
    # Back to the notes Jordan shared with him, then to his notes page: the note is on both.
    clinician.get_by_role("link", name="Back to notes Jordan Lee shared with you").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text(
        "Notes Jordan Lee shared with you"
    )
    expect(clinician.get_by_role("link", name=HELPING)).to_have_count(1)
    assert JUST_US not in clinician.content()
    clinician.get_by_role("link", name="Back to notes").click()
    shared = clinician.get_by_role("region", name="Shared with you")
    expect(shared.get_by_role("link", name=HELPING)).to_have_count(1)
    expect(shared).to_contain_text("About Jordan Lee · by Sam Rivera · shared")
    assert JUST_US not in clinician.content()
    assert _serious(clinician) == []
    clinician.get_by_role("link", name=HELPING).click()
    expect(clinician).to_have_url(note_url)

    # 6. Helen, a carer peer worker, gets the not-found page and none of the note.
    carer_worker = browser.new_context().new_page()
    _sign_in(carer_worker, live_server, demo_email("helen"))
    carer_worker.goto(note_url)
    expect(carer_worker.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    body = carer_worker.content()
    for text in (JUST_US, HELPING, REVISED_NEXT, CARE_TEAM, ASKED):
        assert text not in body

    # 7. Jordan adds their own words; Dr Chen then sees them with the note.
    consumer.get_by_role("group", name="What you are adding").get_by_label(
        "In my own words"
    ).check()
    consumer.get_by_label("Your words").fill(OWN_WORDS)
    consumer.get_by_role("button", name="Add", exact=True).click()
    expect(consumer.get_by_role("status")).to_contain_text("Added.")
    clinician.reload()
    expect(clinician.get_by_role("region", name="In Jordan Lee's own words")).to_contain_text(
        OWN_WORDS
    )
    assert JUST_US not in clinician.content()


OBSERVED = "Jordan said they had not slept for three nights and gave away their guitar."
WHY_NOW = "Giving things away is on Jordan's own crisis plan as an early warning sign."
DONE = "I stayed with Jordan, we called the crisis line together, and agreed I would tell the team."


def test_a_worker_raises_a_risk_concern_and_the_supervisor_cosigns_it(
    browser: Browser, live_server: str
) -> None:
    # 8. Sam raises a concern about Jordan; it goes to the care team at once.
    worker = browser.new_context().new_page()
    _sign_in(worker, live_server, demo_email("sam"))
    worker.get_by_role("link", name="Raise a risk concern about Jordan Lee").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Raise a concern about Jordan Lee")
    assert _serious(worker) == []
    worker.get_by_label("What was observed").fill(OBSERVED)
    worker.get_by_label("Why it matters now").fill(WHY_NOW)
    worker.get_by_label("What was done").fill(DONE)
    worker.get_by_role("button", name="Send to the care team").click()
    expect(worker.get_by_role("status")).to_contain_text("care team now")

    # Dr Chen supervises Sam: the concern waits for her co-signature, and she signs it.
    supervisor = browser.new_context().new_page()
    _sign_in(supervisor, live_server, demo_email("dr.chen"))
    supervisor.get_by_role("link", name="Risk concerns").click()
    waiting = supervisor.get_by_role("region", name=re.compile("^Waiting for your co-signature"))
    waiting.get_by_role("link", name="Jordan Lee").click()
    expect(supervisor.get_by_role("main")).to_contain_text(OBSERVED)
    assert _serious(supervisor) == []
    supervisor.get_by_role("button", name="Co-sign this concern").click()
    expect(supervisor.get_by_role("status")).to_contain_text("Co-signed.")

    # Jordan sees that it was raised, and what it says.
    consumer = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("jordan"))
    consumer.get_by_role("link", name="Concerns raised about me").click()
    consumer.get_by_role("link", name="Raised by Sam Rivera").first.click()
    expect(consumer.get_by_role("main")).to_contain_text(OBSERVED)
    assert _serious(consumer) == []
