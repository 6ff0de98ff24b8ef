"""The import graph has no cycles between modules, and the layering contracts hold.

import-linter (run by `make test`) holds the layers; this test holds what its contracts cannot
say of a graph whose access layer reads the features' tables: no module imports, directly or
through others, a module that imports it back. A cycle is how a layer starts to leak (the
database layer once reached the keyring, which reached the records, which reached the
database layer), so each one is named when it appears.
"""

from __future__ import annotations

import grimp
import pytest
from importlinter.api import read_configuration


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = edges.get(node, [])
            if child < len(children):
                work.append((node, child + 1))
                nxt = children[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            for parent, _ in work[-1:]:
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.one", "a.two", "a.three"):
        graph.add_module(name)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.three")
    graph.add_import(importer="a.three", imported="a.one")
    assert _cycles(graph) == [["a.one", "a.three", "a.two"]]


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("peernotes", cache_dir=None)
    assert _cycles(graph) == []


@pytest.mark.parametrize("name", ["The access log is a leaf", "Pure modules import no Flask"])
def test_the_layering_contracts_are_configured(name: str) -> None:
    """The contracts `make test` runs are the ones the README describes (not quietly dropped)."""
    contracts = read_configuration()["contracts_options"]
    assert any(c["name"].startswith(name) for c in contracts)
