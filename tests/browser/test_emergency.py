"""Browser journey: a clinician breaks the glass, the consumer sees it, an auditor reviews it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LIVE_APPS
from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email, totp_code

pytestmark = pytest.mark.browser

REASON = "Maya was brought in by ambulance overnight; I need her current plan."


def test_clinician_uses_emergency_access_consumer_sees_it_auditor_reviews(
    browser: Browser, live_server: str
) -> None:
    clinician = browser.new_context().new_page()
    _sign_in(clinician, live_server, demo_email("dr.chen"))  # Maya is not in Dr Chen's care
    clinician.get_by_role("link", name="Emergency access").click()
    assert _serious(clinician) == []
    clinician.get_by_label("Whose record").select_option(label="Maya Thompson")
    # Too short a reason is refused, with the message beside the field.
    clinician.get_by_label("Why you need it now").fill("urgent")
    clinician.get_by_label("Your password, again").fill("peernotes-demo-2026")
    clinician.get_by_role("button", name="Open the record").click()
    expect(clinician.get_by_text("in at least 20 characters")).to_be_visible()
    assert _serious(clinician) == []

    clinician.get_by_label("Why you need it now").fill(REASON)
    clinician.get_by_label("Your password, again").fill("peernotes-demo-2026")
    # A fresh code, not the one just used to sign in.
    code = totp_code(LIVE_APPS[live_server], demo_email("dr.chen"))
    clinician.get_by_label("A fresh code from your authenticator app").fill(code)
    clinician.get_by_role("button", name="Open the record").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Maya Thompson's record")
    expect(clinician.get_by_role("note")).to_contain_text("You are using emergency access until")
    # Read-only: no way to write.
    expect(clinician.get_by_role("link", name="Write an entry")).to_have_count(0)

    consumer = browser.new_context().new_page()
    _sign_in(consumer, live_server, demo_email("maya"))
    consumer.get_by_role("link", name="Who has looked at my information").click()
    emergency = consumer.get_by_role("region", name="Emergency access to your record")
    expect(emergency).to_contain_text("Dr Mei Chen used emergency access")
    expect(emergency).to_contain_text(REASON)
    expect(emergency).to_contain_text("An auditor has not reviewed it yet.")
    expect(consumer.get_by_role("main")).to_contain_text(
        "Dr Mei Chen (clinician) opened your record with emergency access"
    )
    # The first try, refused for its short reason, opened nothing: it is not on Maya's page.
    expect(consumer.get_by_role("main")).not_to_contain_text("tried to open your record")
    assert _serious(consumer) == []

    auditor = browser.new_context().new_page()
    _sign_in(auditor, live_server, demo_email("auditor"))
    auditor.get_by_role("link", name="Emergency access reviews").click()
    assert _serious(auditor) == []
    waiting = auditor.get_by_role("region", name="Waiting for review")
    waiting.get_by_role("listitem").filter(has_text="Maya Thompson").get_by_role("link").click()
    expect(auditor.get_by_role("main")).to_contain_text(REASON)
    auditor.get_by_label("Not justified").check()
    auditor.get_by_label("Comment").fill("Maya was not admitted; the ward had no record of her.")
    auditor.get_by_role("button", name="Record the finding").click()
    expect(auditor.get_by_role("status")).to_contain_text("Your review is recorded.")
    reviewed = auditor.get_by_role("region", name="Reviewed")
    expect(reviewed).to_contain_text("Not justified")

    consumer.reload()
    expect(consumer.get_by_role("region", name="Emergency access to your record")).to_contain_text(
        "found it not justified"
    )
