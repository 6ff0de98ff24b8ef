"""Every page at phone width: nothing scrolls sideways; the menu folds away; screenshots to look at.

For one demo person of each role (the axe crawl walks every demo person; people of one role
reach the same kinds of page, and one per role keeps this near a minute), sign in at 390 px wide
and follow the links from home (the same walk as the axe crawl, `tests/browser/crawl.py`),
measuring on each page whether the document is wider than the window. The failure lists every
page that scrolls sideways, with both widths.

For the same people, the main pages (home, with the menu shut and open, the first page of each
area of their navigation, and the crisis lines) are saved at desktop and phone widths under
test-results/screenshots/<role>/<page>-<width>.png, for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.crawl import crawl, local
from tests.browser.test_journeys import ONE_PER_ROLE, _sign_in
from tests.helpers import demo_email

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path("test-results") / "screenshots"
#: One demo person of each role (test_journeys' choice: the first of each in the demo).
ROLES = {person.key: person.role.value for person in ONE_PER_ROLE}

_OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"
_NAME = re.compile(r"[^a-z0-9]+")


def _menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def _overflow(page: Page) -> tuple[int, int] | None:
    """(document width, window width) when the page scrolls sideways, else None."""
    scroll_width, inner_width = page.evaluate(_OVERFLOW)
    return (scroll_width, inner_width) if scroll_width > inner_width else None


@pytest.mark.parametrize("who", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(browser: Browser, live_server: str, who: str) -> None:
    context = browser.new_context(viewport=PHONE)
    checked: list[str] = []
    offenders: list[str] = []
    try:
        page = context.new_page()
        _sign_in(page, live_server, demo_email(who))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
        for here in crawl(page, live_server, who):
            checked.append(here)
            wide = _overflow(page)
            if wide:
                offenders.append(f"{here}  {wide[0]} px wide in a {wide[1]} px window")
        _photograph(page, live_server, ROLES[who])
    finally:
        context.close()
    assert len(checked) > 3, f"the crawl reached {who}'s pages: {checked}"
    assert offenders == [], (
        f"{len(offenders)} of {who}'s {len(checked)} pages scroll sideways at "
        f"{PHONE['width']} px:\n" + "\n".join(offenders)
    )


def _photograph(page: Page, base: str, role: str) -> None:
    """Home (menu shut, and open on the phone), each area's first page and the crisis lines,
    at both widths."""
    folder = SCREENSHOTS / role
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/")
    firsts = _menu(page).locator(".area-links > li:first-child > a[href]")
    pages = ["/", *(local(href) for href in firsts.evaluate_all("as => as.map(a => a.href)"))]
    pages.append("/help")
    for width in (DESKTOP, PHONE):
        page.set_viewport_size(width)
        for url in dict.fromkeys(pages):
            page.goto(base + url)
            name = _NAME.sub("-", url.lower()).strip("-") or "home"
            page.screenshot(path=folder / f"{name}-{width['width']}.png", full_page=True)
    page.goto(base + "/")
    _menu(page).get_by_text("Menu").click()
    page.screenshot(path=folder / f"home-menu-open-{PHONE['width']}.png")
    assert _overflow(page) is None, "the open menu widens the page"


def test_the_menu_folds_away_on_a_phone_and_stays_open_on_a_desktop(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        _sign_in(page, live_server, demo_email("alex"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
        # On a phone: "Menu" and the crisis link, and not a single area's link until asked.
        menu = _menu(page).get_by_text("Menu")
        privacy = _menu(page).get_by_role("link", name="Who has looked at my information")
        expect(menu).to_be_visible()
        expect(privacy).to_be_hidden()
        expect(page.get_by_role("link", name="Need help now?")).to_be_visible()
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 120, header
        # Opened from the keyboard, it shows every area, the account and sign out.
        menu.focus()
        page.keyboard.press("Enter")
        expect(privacy).to_be_visible()
        for area in ("Notes and records", "Privacy and sharing", "Peer support", "Your account"):
            expect(_menu(page).get_by_role("list", name=area, exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        privacy.click()
        expect(page).to_have_url(re.compile(r"/my/access-log"))

        # On a desktop every link shows at once, and there is no "Menu" to open.
        page.set_viewport_size(DESKTOP)
        page.goto(live_server + "/")
        expect(menu).to_be_hidden()
        expect(privacy).to_be_visible()
        expect(_menu(page).get_by_role("link", name="Password")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        context.close()
