"""Browser journeys for the access log: an auditor filters and exports; a consumer reads it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _serious, _sign_in, _sign_out
from tests.helpers import demo_email

pytestmark = pytest.mark.browser


def test_auditor_filters_and_exports_then_consumer_reads_it_in_plain_words(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    _sign_in(page, live_server, demo_email("auditor"))
    page.get_by_role("link", name="Access log").first.click()
    page.get_by_label("About").select_option(label="Alex Nguyen (consumer)")
    page.get_by_role("button", name="Show entries").click()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    for cell in rows.locator("td:nth-child(5)").all_inner_texts():
        assert cell == "Alex Nguyen"
    assert _serious(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these entries as CSV").click()
    target = tmp_path / "export.csv"
    download_info.value.save_as(target)
    exported = list(csv.DictReader(io.StringIO(target.read_text())))
    assert exported and {r["subject_name"] for r in exported} == {"Alex Nguyen"}
    assert "admin:assignment_create" in {r["action"] for r in exported}
    _sign_out(page)

    _sign_in(page, live_server, demo_email("alex"))
    page.get_by_role("link", name="Who has looked at my information").first.click()
    # One list per day now: the whole page holds them. Filtered to one person at a time (a
    # plain GET form), so that other tests' entries on the shared server push nothing off it.
    history = page.get_by_role("main")
    page.get_by_label("Who").select_option(label="Priya Raman (coordinator)")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(history).to_contain_text("Priya Raman (coordinator) set up your support with Sam Rivera")
    assert _serious(page) == []
    page.get_by_label("Only what other people did").check()
    page.get_by_label("Who").select_option(label="Graham Okafor (auditor)")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(history).to_contain_text("Graham Okafor (auditor) reviewed the access-log entries about you")
    lines = page.locator("ul.history li")
    expect(lines.first).to_be_visible()
    for line in lines.all_inner_texts():
        assert "Graham Okafor (auditor)" in line
    assert _serious(page) == []
    _sign_out(page)
