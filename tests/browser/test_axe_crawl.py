"""Axe on every page crawled: each demo person's pages, reached by links, pass axe.

For each demo person (the same people as the link crawl), sign in in the browser, then follow
every same-site link from the home page (GET only, never a form; not sign-out, static files,
CSV exports, the health check or anything marked as a download) and run axe on each page
reached. What fails a page is what fails it in test_journeys: serious and critical violations.
The failure lists every one: the page, the rule, its impact and the element.

To stay quick: one browser context per person, with axe (the copy axe_playwright_python ships)
injected into every page by the context rather than sent over once per page; of the links that
differ only in a pagination cursor (?before=, ?after=) at most one is followed; and at most
PER_PATTERN pages of one route pattern (the path with its numbers as N, and the names of its
query parameters), since two notes or two log entries render through the same template.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _sign_in
from tests.helpers import demo_email
from tests.web.test_link_crawl import LIMIT, PEOPLE, SKIP

pytestmark = pytest.mark.browser

#: As test_journeys' _serious: the impacts that fail a page.
ENFORCED_IMPACTS = ("serious", "critical")
#: Query parameters that only move through a list.
PAGINATION = frozenset({"before", "after"})
#: Pages of one route pattern checked per person.
PER_PATTERN = 2
#: Where the browser tests leave their screenshots (test_journeys' phone-home.png).
SCREENSHOTS = Path("test-results")

_AXE_SCRIPT = Axe().axe_script
_AXE_RUN = 'axe.run(document, {resultTypes: ["violations"]})'
_NUMBER = re.compile(r"\d+")
_LINKS = "links => links.filter(a => !a.hasAttribute('download')).map(a => a.href)"


def _pattern(path: str, query: str) -> tuple[str, int]:
    """The route a URL goes to (numbers as N, query values dropped, the pagination cursors as
    one), and how many of its URLs to check: one page beyond the first of a list, otherwise
    PER_PATTERN."""
    keys = {"(page)" if k in PAGINATION else k for k, _ in parse_qsl(query)}
    pattern = _NUMBER.sub("N", path) + "?" + "&".join(sorted(keys))
    return pattern, 1 if "(page)" in keys else PER_PATTERN


def _violations(page: Page, url: str) -> list[str]:
    found = []
    for rule in page.evaluate(_AXE_RUN)["violations"]:
        if rule.get("impact") not in ENFORCED_IMPACTS:
            continue
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            found.append(f"{url}  {rule['id']} ({rule['impact']})  {target}")
    return found


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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
        assert _local(page.url) == "/", page.url
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"axe-home-{who}.png", full_page=True)

        queued: set[str] = {"/"}
        per_pattern: dict[str, int] = {}
        queue: deque[str] = deque(["/"])
        while queue and len(checked) < LIMIT:
            url = queue.popleft()
            if url != "/":  # the home page is open already, after signing in
                response = page.goto(live_server + url)
                assert response is not None, url
                if response.status != 200 or "text/html" not in response.headers.get(
                    "content-type", ""
                ):
                    continue
            here = _local(page.url)
            assert urlsplit(page.url).path != "/login", f"{url} signed {who} out"
            if here in checked:  # redirected to a page checked already
                continue
            queued.add(here)
            checked.append(here)
            violations += _violations(page, here)
            for href in page.eval_on_selector_all("a[href]", _LINKS):
                href = urldefrag(href)[0]
                if not href.startswith(live_server + "/"):
                    continue
                link = _local(href)
                if link in queued or any(s in link for s in SKIP):
                    continue
                pattern, most = _pattern(urlsplit(link).path, urlsplit(link).query)
                if per_pattern.get(pattern, 0) >= most:
                    continue
                per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
                queued.add(link)
                queue.append(link)
    finally:
        context.close()
    assert len(checked) > 3, f"the crawl reached {who}'s pages: {checked}"
    assert violations == [], (
        f"{len(violations)} serious or critical axe violations on {who}'s pages "
        f"(page, rule, impact, element):\n" + "\n".join(violations)
    )
