"""Reading the dashboard and the access log as data: tables by id, charts as XML, seqs listed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass
class Cell:
    text: str = ""
    links: list[str] = field(default_factory=list)


@dataclass
class Table:
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)
    foot: list[list[Cell]] = field(default_factory=list)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.body]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self._table: Table | None = None
        self._part = "body"
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = self.tables.setdefault(str(attributes["id"]), Table())
        elif self._table is None:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
            getattr(self._table, self._part).append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = Cell()
            self._row.append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell.links.append(unescape(attributes.get("href") or ""))
        elif tag == "li" and self._cell is not None and self._cell.text:
            self._cell.text += " | "

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
            self._part = "body"
        elif tag in ("td", "th") and self._cell is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._in_caption:
            self._cell.text += data


def tables(html: str) -> dict[str, Table]:
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


def charts(html: str) -> dict[str, ET.Element]:
    """Every inline SVG on the page, parsed as XML (a parse error fails the test), by id."""
    found = {}
    for source in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        element = ET.fromstring(source)
        found[element.attrib["id"]] = element
    return found


def bar_titles(chart: ET.Element) -> list[str]:
    """The `<title>` of each bar, in order: "label: value[ series]"."""
    return [
        "".join(rect.find(f"{SVG_NS}title").itertext())  # type: ignore[union-attr]
        for rect in chart.iter(f"{SVG_NS}rect")
        if rect.find(f"{SVG_NS}title") is not None
    ]


def listed_seqs(page: str) -> list[int]:
    """The entry numbers an access-log page lists."""
    return [int(s) for s in re.findall(r'href="/audit/entries/(\d+)"', page)]
