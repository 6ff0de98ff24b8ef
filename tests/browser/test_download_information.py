"""Browser journey: Alex finds "Download my information", reads what it holds, downloads the
zip, and the copy holds his notes and his record and reads as a page of its own."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _serious, _sign_in, _sign_out
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-results") / "screenshots"


def test_alex_downloads_his_information_and_opens_it(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _sign_in(page, live_server, demo_email("alex"))
    page.get_by_role("link", name="Download my information").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Download my information")
    expect(page.get_by_role("main")).to_contain_text("ask your coordinator")
    assert _serious(page) == []
    page.screenshot(path=SCREENSHOTS / "download-information-page.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my information").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "information.html", "information.json"]
        data = json.loads(archive.read("information.json"))
        (tmp_path / "information.html").write_bytes(archive.read("information.html"))
    assert data["person"]["name"] == "Alex Nguyen"
    assert any(e["title"] == "Care plan, spring" for e in data["record"])
    assert any(
        "I want to do this slowly." in s["text"] for n in data["notes"] for s in n["statements"]
    )

    # The readable copy, opened from the file as a person would: it stands alone.
    page.goto((tmp_path / "information.html").as_uri())
    expect(page.get_by_role("heading", level=1)).to_have_text("Your information from PeerNotes")
    expect(page.get_by_role("heading", name="Your record", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Who has looked at your information")).to_be_visible()
    assert _serious(page) == []
    page.screenshot(path=SCREENSHOTS / "download-information-copy.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=SCREENSHOTS / "download-information-copy-print.png", full_page=True)
    page.emulate_media(media="screen")
    page.goto(live_server)
    _sign_out(page)
