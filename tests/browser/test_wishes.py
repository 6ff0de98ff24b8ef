"""Browser journey: Maya writes her wishes for a discharge and sends them to her care team;
Dr Walsh (in Maya's care) reads them on Maya's record and replies in writing; Maya reads the
reply. A draft is nobody's but Maya's until she sends it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_journeys import _serious, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results") / "screenshots"


def test_maya_writes_discharge_wishes_dr_walsh_replies_maya_reads_it(
    browser: Browser, live_server: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # 1. Maya opens her record, then her wishes, and starts a new statement.
    maya = browser.new_context().new_page()
    _sign_in(maya, live_server, demo_email("maya"))
    maya.goto(f"{live_server}/my/record")
    maya.get_by_role("link", name="My wishes for an admission or a discharge").click()
    expect(maya.get_by_role("heading", level=1)).to_have_text(
        "My wishes for an admission or a discharge"
    )
    maya.get_by_role("link", name="Write my wishes").click()
    expect(maya.get_by_role("heading", level=1)).to_have_text("Write my wishes")

    # 2. Nothing written: refused in plain words, next to the field; nothing stored.
    maya.get_by_label("A discharge").check()
    maya.get_by_role("button", name="Save and send to my care team").click()
    expect(maya.get_by_role("main")).to_contain_text("Write at least one of the three parts.")
    assert _serious(maya) == []

    # 3. She writes it with Tui, and saves it without sending: only a draft.
    maya.get_by_label("A discharge").check()
    maya.get_by_label("Write it with").select_option(label="Tui Henare (my peer worker)")
    maya.get_by_label("What I want the team to know").fill(
        "Please do not send me home before my new medication has settled."
    )
    maya.get_by_label("Who to call").fill("My dad, Robert.")
    maya.get_by_role("button", name="Save without sending").click()
    expect(maya.get_by_role("status")).to_contain_text("Nobody in your care team reads it")
    draft_url = maya.url

    # 4. Dr Walsh cannot open the draft: it answers like a missing page.
    walsh = browser.new_context().new_page()
    _sign_in(walsh, live_server, demo_email("dr.walsh"))
    response = walsh.goto(draft_url)
    assert response is not None and response.status == 404

    # 5. Maya sends it.
    maya.get_by_role("button", name="Send the newest version to my care team").click()
    expect(maya.get_by_role("status")).to_contain_text("Sent to your care team.")
    assert _serious(maya) == []

    replied = re.compile("A clinician replied to wishes")
    maya.goto(f"{live_server}/notifications")
    told_before = maya.get_by_role("main").get_by_text(replied).count()
    maya.go_back()

    # 6. Dr Walsh's home says it waits for a reply; she finds it on Maya's record, reads it
    # and replies.
    walsh.goto(f"{live_server}/")
    expect(
        walsh.locator('[data-kind="wishes-to-answer"]').get_by_role(
            "link", name=re.compile(r"^Maya Thompson sent their wishes for a discharge on ")
        )
    ).to_be_visible()
    walsh.get_by_role("link", name="Maya Thompson", exact=True).first.click()
    record = walsh.get_by_role(
        "region", name="Maya Thompson's wishes for an admission or a discharge"
    )
    expect(record).to_contain_text("sent to the care team")
    walsh.screenshot(path=SCREENSHOTS / "wishes-on-the-record.png", full_page=True)
    record.get_by_role("link", name="For a discharge").first.click()
    expect(walsh.get_by_role("heading", level=1)).to_have_text(
        "Maya Thompson's wishes for a discharge"
    )
    main = walsh.get_by_role("main")
    expect(main).to_contain_text("new medication has settled")
    walsh.get_by_label("Your reply").fill(
        "We will wait until your medication has settled, and ring Robert before you leave."
    )
    walsh.get_by_role("button", name="Send the reply").click()
    expect(walsh.get_by_role("status")).to_contain_text("Your reply is added.")
    assert _serious(walsh) == []
    walsh.screenshot(path=SCREENSHOTS / "wishes-clinician-reply.png", full_page=True)

    # 7. Maya reads the reply beside her wishes.
    maya.reload()
    replies = maya.get_by_role("region", name="Replies from the care team")
    expect(replies).to_contain_text("ring Robert before you leave")
    expect(replies).to_contain_text("Dr Fiona Walsh")
    assert _serious(maya) == []
    maya.screenshot(path=SCREENSHOTS / "wishes-maya-reads-reply.png", full_page=True)

    # 8. Maya was told in her notifications; Dr Walsh's home no longer asks for a reply.
    maya.goto(f"{live_server}/notifications")
    expect(maya.get_by_role("main").get_by_text(replied)).to_have_count(told_before + 1)
    walsh.goto(f"{live_server}/")
    expect(walsh.locator('[data-kind="wishes-to-answer"]')).to_have_count(0)
