"""Browser journeys of issue 17, part A: the coordinator turns "consumer peer workers may support
carers" off and on again; Sam (a consumer peer worker) finds Robert (a carer) on his caseload and
writes a carer-support note with him; Linh (a carer who asked for someone who has lived it) is
offered a consumer peer worker, with the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results") / "screenshots"


def test_the_coordinator_turns_the_setting_off_and_on(browser: Browser, live_server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("admin"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Service settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service settings")
    card = page.get_by_role("region", name="Consumer peer workers may support carers")
    expect(card.get_by_test_id("setting-consumer_peer_workers_support_carers-state")).to_have_text(
        "on"
    )
    # What turning it off does to what exists, and the existing support listed.
    expect(card).to_contain_text("What already exists continues until it is ended")
    expect(card.get_by_role("table")).to_contain_text("Sam Rivera")
    expect(card.get_by_role("table")).to_contain_text("Robert Thompson")
    assert _serious(page) == []
    card.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("status")).to_contain_text(
        "“Consumer peer workers may support carers” is now off."
    )
    card = page.get_by_role("region", name="Consumer peer workers may support carers")
    expect(card.get_by_test_id("setting-consumer_peer_workers_support_carers-state")).to_have_text(
        "off"
    )
    expect(card).to_contain_text("changed by Priya Raman")
    page.screenshot(path=SCREENSHOTS / "carers-support-setting-off.png", full_page=True)
    # On again: the other journeys (sharing this server) expect the service's default.
    card.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_contain_text("is now on.")


def test_sam_writes_a_carer_support_note_with_robert(browser: Browser, live_server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("sam"))
    robert = page.get_by_role("listitem").filter(has_text="Robert Thompson")
    expect(robert).to_contain_text("carer")
    robert.get_by_role("link", name="Write a note with Robert Thompson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Note with Robert Thompson")
    page.get_by_label("What we talked about").fill(
        "What I learnt in DBT about validation, and how it felt to be on the other side."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Note with Robert Thompson")
    expect(page.get_by_role("main")).to_contain_text("how it felt to be on the other side")
    assert _serious(page) == []
    page.screenshot(path=SCREENSHOTS / "carers-support-sam-note.png", full_page=True)


def test_a_carer_is_offered_someone_who_has_lived_it(browser: Browser, live_server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context().new_page()
    _sign_in(page, live_server, demo_email("linh"))
    page.goto(f"{live_server}/my/peer-worker")
    # A consumer peer worker is offered, saying why (which one depends on who supports Alex,
    # Linh's son, at this point of the shared server's journeys: he or she is left out).
    lived_it = page.get_by_role("listitem").filter(
        has_text="has lived it: a consumer peer worker who can share what helped them"
    )
    expect(lived_it.first).to_be_visible()
    expect(lived_it.first.get_by_role("heading", level=3)).to_have_text(
        re.compile(r"^(Tui Henare|Sam Rivera)$")
    )
    assert _serious(page) == []
    page.screenshot(path=SCREENSHOTS / "carers-support-linh-matches.png", full_page=True)
    # Her wishes page offers the wish, as a must-have or a nice-to-have.
    page.get_by_role("link", name="your wishes").first.click()
    expect(page.get_by_role("group", name="Someone who has lived it", exact=True)).to_be_visible()
