"""Browser journeys for issue 17's recovery-oriented language for clinicians and carer peer
workers on call: Dr Chen writes an entry, sees a suggestion and it is saved all the same; the
coordinator adds a term for the service and it reaches the next entry; Robert's home shows
Helen on call beside the crisis lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_a_clinician_sees_a_suggestion_and_the_entry_is_saved(
    browser: Browser, live_server: str
) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("dr.chen"))
    page.get_by_role("link", name="Jordan Lee").first.click()
    page.get_by_role("link", name="Write an entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New entry for Jordan Lee")
    page.get_by_label("Kind of entry").select_option("clinical_note")
    page.get_by_label("Title", exact=True).fill("Phone review")
    page.get_by_label("Entry", exact=True).fill(
        "Jordan called twice today; the after-hours team said she was manipulative. She said"
        " she could not reach anyone and felt alone."
    )
    page.get_by_role("button", name="Save entry").click()
    # Saved, and the suggestion beside it: never instead of it.
    status = page.get_by_role("status")
    expect(status).to_contain_text("The entry is saved in the record.")
    expect(status).to_contain_text("[manipulative]")
    expect(status).to_contain_text("Describe what the person did and the need behind it")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phone review")
    # On the entry's page too, for him, who may amend it.
    expect(page.get_by_role("region", name="Language suggestions")).to_contain_text("manipulative")
    assert _serious(page) == []
    page.screenshot(path="test-results/language-clinician-entry.png", full_page=True)


def test_the_coordinator_adds_a_term_for_the_service(browser: Browser, live_server: str) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("admin"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Language list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery-oriented language")
    # The demo's own term is there already.
    terms = page.get_by_role("region", name="This service's terms")
    expect(terms).to_contain_text("revolving door")

    # A term the packaged list has already is refused, next to the field.
    add = page.get_by_role("region", name="Add a term for this service")
    add.get_by_label("Word or phrase to look for").fill("Attention-seeking")
    add.get_by_label("What to suggest instead").fill("Say what the person needed.")
    add.get_by_role("button", name="Add the term").click()
    expect(page.get_by_role("region", name="Add a term for this service")).to_contain_text(
        "is already checked"
    )

    add = page.get_by_role("region", name="Add a term for this service")
    add.get_by_label("Word or phrase to look for").fill("kicking off")
    add.get_by_label("What to suggest instead").fill(
        "Say what the person did and what they were upset about."
    )
    add.get_by_role("button", name="Add the term").click()
    expect(page.get_by_role("status")).to_contain_text("“kicking off” is checked from now on")
    expect(page.get_by_role("region", name="This service's terms")).to_contain_text("kicking off")
    assert _serious(page) == []
    page.screenshot(path="test-results/language-coordinator-term.png", full_page=True)


def test_a_carers_home_shows_helen_on_call_beside_the_crisis_lines(
    browser: Browser, live_server: str
) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("robert"))
    crisis = page.get_by_role("region", name="In a crisis")
    expect(crisis).to_contain_text("Helen Costa is on call all week")
    expect(crisis).to_contain_text("Call or text the carer line, 0400 111 222")
    expect(crisis).to_contain_text("Lifeline")
    expect(crisis.get_by_role("link", name="13 11 14")).to_have_attribute("href", "tel:131114")
    assert _serious(page) == []
    page.screenshot(path="test-results/oncall-carer-home.png", full_page=True)
