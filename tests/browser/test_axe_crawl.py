"""Axe on every page crawled: each demo person's pages, reached by links, pass axe.

For each demo person (the same people as the link crawl), sign in in the browser, then follow
every same-site link from the home page (`tests/browser/crawl.py`: GET only, never a form, at
most a couple of pages per route pattern) and run axe on each page reached. What fails a page is
what fails it in test_journeys: serious and critical violations. The failure lists every one:
the page, the rule, its impact and the element.

To stay quick: one browser context per person, with axe (the copy axe_playwright_python ships)
injected into every page by the context rather than sent over once per page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.crawl import crawl, local
from tests.browser.test_journeys import _sign_in
from tests.helpers import demo_email
from tests.web.test_link_crawl import PEOPLE

pytestmark = pytest.mark.browser

#: As test_journeys' _serious: the impacts that fail a page.
ENFORCED_IMPACTS = ("serious", "critical")
#: Where the browser tests leave their screenshots (test_journeys' phone-home.png).
SCREENSHOTS = Path("test-results")

_AXE_SCRIPT = Axe().axe_script
_AXE_RUN = 'axe.run(document, {resultTypes: ["violations"]})'


def _violations(page: Page, url: str) -> list[str]:
    found = []
    for rule in page.evaluate(_AXE_RUN)["violations"]:
        if rule.get("impact") not in ENFORCED_IMPACTS:
            continue
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            found.append(f"{url}  {rule['id']} ({rule['impact']})  {target}")
    return found


@pytest.mark.parametrize("who", PEOPLE)
def test_axe_passes_on_every_page_the_person_reaches(
    browser: Browser, live_server: str, who: str
) -> None:
    context = browser.new_context()
    checked: list[str] = []
    violations: list[str] = []
    try:
        context.add_init_script(script=_AXE_SCRIPT)
        page = context.new_page()
        _sign_in(page, live_server, demo_email(who))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
        assert local(page.url) == "/", page.url
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"axe-home-{who}.png", full_page=True)
        for here in crawl(page, live_server, who):
            checked.append(here)
            violations += _violations(page, here)
    finally:
        context.close()
    assert len(checked) > 3, f"the crawl reached {who}'s pages: {checked}"
    assert violations == [], (
        f"{len(violations)} serious or critical axe violations on {who}'s pages "
        f"(page, rule, impact, element):\n" + "\n".join(violations)
    )
