"""Following links in the browser, as a person would: the walk the axe crawl and the phone-width
crawl share.

From the page the person is on (their home page, after signing in), every same-site link is
followed (GET only, never a form; not sign-out, static files, CSV exports, the health check or
anything marked as a download). To stay quick, of the links that differ only in a pagination
cursor (?before=, ?after=) at most one is followed, and at most PER_PATTERN pages of one route
pattern (the path with its numbers as N, and the names of its query parameters), since two
notes or two log entries render through the same template.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from urllib.parse import parse_qsl, urldefrag, urlsplit

from playwright.sync_api import Page

from tests.web.test_link_crawl import LIMIT, SKIP

#: Query parameters that only move through a list.
PAGINATION = frozenset({"before", "after"})
#: Pages of one route pattern visited per person.
PER_PATTERN = 2

_NUMBER = re.compile(r"\d+")
_LINKS = "links => links.filter(a => !a.hasAttribute('download')).map(a => a.href)"


def pattern(path: str, query: str) -> tuple[str, int]:
    """The route a URL goes to (numbers as N, query values dropped, the pagination cursors as
    one), and how many of its URLs to visit: one page beyond the first of a list, otherwise
    PER_PATTERN."""
    keys = {"(page)" if k in PAGINATION else k for k, _ in parse_qsl(query)}
    found = _NUMBER.sub("N", path) + "?" + "&".join(sorted(keys))
    return found, 1 if "(page)" in keys else PER_PATTERN


def local(url: str) -> str:
    """The path and query of a URL, as the crawl names pages."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(page: Page, base: str, who: str, limit: int = LIMIT) -> Iterator[str]:
    """Walk the pages reachable by links from the page open now (the person's home, "/").

    Yields each page's local URL while `page` shows it, once per page (a redirect to a page seen
    already is skipped). Pages that answer other than 200 with HTML are passed over, but a
    server error fails the walk.
    """
    queued: set[str] = {"/"}
    visited: list[str] = []
    per_pattern: dict[str, int] = {}
    queue: deque[str] = deque(["/"])
    while queue and len(visited) < limit:
        url = queue.popleft()
        if url != "/":  # the home page is open already, after signing in
            response = page.goto(base + url)
            assert response is not None, url
            # A link that ends in a server error is a broken page, never one to pass over.
            assert response.status < 500, f"{url} answered {response.status} to {who}"
            if response.status != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
        here = local(page.url)
        assert urlsplit(page.url).path != "/login", f"{url} signed {who} out"
        if here in visited:  # redirected to a page visited already
            continue
        queued.add(here)
        visited.append(here)
        yield here
        for href in page.eval_on_selector_all("a[href]", _LINKS):
            href = urldefrag(href)[0]
            if not href.startswith(base + "/"):
                continue
            link = local(href)
            if link in queued or any(s in link for s in SKIP):
                continue
            route, most = pattern(urlsplit(link).path, urlsplit(link).query)
            if per_pattern.get(route, 0) >= most:
                continue
            per_pattern[route] = per_pattern.get(route, 0) + 1
            queued.add(link)
            queue.append(link)
