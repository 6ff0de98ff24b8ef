"""Browser journeys: "about me" and skills and resources.

1. Alex changes his "about me" (a new version; the old one kept), sees on "Privacy and sharing"
   that Sam reads it because he shared it with him, and Sam finds the new words on his caseload.
   Jordan writes one and shares it with Sam on his consent page; Sam then sees it too, and Dr
   Chen (in Jordan's care, not shared with) finds nothing of it.
2. Alex and Sam keep their skills list together: Sam adds a skill, Alex notes what worked (a new
   version, the earlier one kept), and puts a resource aside.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_alex_writes_his_about_me_and_sam_sees_it_on_his_caseload(
    browser: Browser, live_server: str
) -> None:
    alex = browser.new_context().new_page()
    _sign_in(alex, live_server, demo_email("alex"))
    alex.get_by_role("navigation", name="Main").get_by_role(
        "link", name="About me", exact=True
    ).click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("About me")
    alex.get_by_label("What upsets me").fill("x" * 601)
    alex.get_by_role("button", name="Save").click()
    expect(alex.get_by_role("main")).to_contain_text("can be up to 600 characters")
    alex.get_by_label("What upsets me").fill("Being talked about as if I'm not in the room.")
    alex.get_by_label("What I enjoy").fill("Drawing, Pepper my dog, and the beach at dawn.")
    alex.get_by_role("button", name="Save").click()
    expect(alex.get_by_role("status")).to_contain_text("Saved.")
    expect(alex.get_by_role("heading", level=2, name="Earlier versions")).to_be_visible()
    assert _serious(alex) == []

    # Who reads it: the map, computed from the decision, names Sam for "about me".
    alex.get_by_role("link", name="Privacy and sharing").first.click()
    sam_row = alex.get_by_role("row").filter(has_text="Sam Rivera")
    expect(sam_row).to_contain_text("you shared with them")
    expect(alex.get_by_role("columnheader", name="about me")).to_be_visible()

    sam = browser.new_context().new_page()
    _sign_in(sam, live_server, demo_email("sam"))
    sam.get_by_text("Alex Nguyen's “about me”, in their words").click()
    caseload = sam.get_by_role("main")
    expect(caseload).to_contain_text("the beach at dawn")
    expect(caseload).to_contain_text("Text first. Not before 10 in the morning.")
    assert _serious(sam) == []
    sam.screenshot(path="test-results/about-me-caseload.png", full_page=True)

    # Jordan writes his and shares it with Sam on his consent page.
    jordan = browser.new_context().new_page()
    _sign_in(jordan, live_server, demo_email("jordan"))
    jordan.get_by_role("navigation", name="Main").get_by_role(
        "link", name="About me", exact=True
    ).click()
    jordan.get_by_label("How I like to be contacted").fill("Email is best; no calls at work.")
    jordan.get_by_role("button", name="Save").click()
    expect(jordan.get_by_role("status")).to_contain_text("Saved.")
    jordan.get_by_role("link", name="your sharing settings").click()
    jordan.get_by_label("Who").select_option(label="Sam Rivera (peer worker)")
    jordan.get_by_label("About me").check()
    jordan.get_by_label("What it is for").fill("so Sam knows how to reach me")
    jordan.get_by_label("For how many days").fill("30")
    jordan.get_by_role("button", name="Share").click()
    expect(jordan.get_by_role("status")).to_contain_text(
        "From now on, Sam Rivera (peer worker) can read your about me until"
    )
    sam.reload()
    sam.get_by_text("Jordan Lee's “about me”, in their words").click()
    expect(sam.get_by_role("main")).to_contain_text("Email is best; no calls at work.")

    chen = browser.new_context().new_page()
    _sign_in(chen, live_server, demo_email("dr.chen"))
    expect(chen.get_by_role("main")).not_to_contain_text("Email is best")
    expect(chen.get_by_role("main")).not_to_contain_text("“about me”")


def test_alex_and_sam_keep_their_skills_list_together(browser: Browser, live_server: str) -> None:
    sam = browser.new_context().new_page()
    _sign_in(sam, live_server, demo_email("sam"))
    sam.get_by_role("link", name="Skills and resources with Alex Nguyen").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Skills and resources: Alex Nguyen")
    skills = sam.get_by_role("region", name="Skills being practised")
    expect(skills).to_contain_text("Opposite action")
    add = sam.get_by_role("region", name="Add a skill or resource")
    add.get_by_role("button", name="Add").click()
    expect(sam.get_by_role("region", name="Add a skill or resource")).to_contain_text(
        "Give it a name"
    )
    add = sam.get_by_role("region", name="Add a skill or resource")
    add.get_by_label("A skill I'm practising").check()
    add.get_by_label("Name").fill("Wise mind")
    add.get_by_label("What it is, or where to find it").fill("DBT core mindfulness")
    add.get_by_role("button", name="Add").click()
    expect(sam.get_by_role("status")).to_contain_text("Added to the list.")
    expect(sam.get_by_role("region", name="Skills being practised")).to_contain_text("Wise mind")
    assert _serious(sam) == []

    alex = browser.new_context().new_page()
    _sign_in(alex, live_server, demo_email("alex"))
    alex.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Skills and resources"
    ).click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Your skills and resources")
    alex.get_by_role("link", name="Change “Wise mind”").click()
    alex.get_by_label("What worked, and what didn't").fill(
        "Three breaths before answering my sister worked."
    )
    alex.get_by_role("button", name="Save the change").click()
    expect(alex.get_by_role("status")).to_contain_text("The earlier version is kept.")
    wise = alex.get_by_role("listitem").filter(has_text="Wise mind").first
    expect(wise).to_contain_text("Three breaths before answering my sister worked.")
    expect(wise.get_by_text("Earlier versions (1)")).to_be_visible()
    resources = alex.get_by_role("region", name="Resources")
    resources.get_by_role("listitem").filter(has_text="DBT skills group").get_by_role(
        "button", name="Put aside"
    ).click()
    expect(alex.get_by_role("status")).to_contain_text("Put aside.")
    expect(alex.get_by_role("region", name="Put aside")).to_contain_text("DBT skills group")
    assert _serious(alex) == []
    alex.screenshot(path="test-results/skills-list.png", full_page=True)

    sam.reload()
    expect(sam.get_by_role("main")).to_contain_text("Three breaths before answering my sister")
