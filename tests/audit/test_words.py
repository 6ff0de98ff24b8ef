"""The access log is a leaf: features tell it what their targets are in words, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import peernotes
from peernotes.audit import words
from peernotes.audit.models import AuditEntry
from peernotes.db import get_database
from tests.audit.helpers import rows
from tests.helpers import demo_email, sign_in, user_id

AUDIT = Path(peernotes.__file__).parent / "audit"
#: What the access log may import from the app.
ALLOWED = ("peernotes.audit", "peernotes.db", "peernotes.errors")


def test_the_audit_package_imports_no_feature() -> None:
    for path in sorted(AUDIT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name == "peernotes" or name.startswith("peernotes."):
                    assert name.startswith(ALLOWED), (path.name, name)


def _entry(seq: int, target_type: str | None, target_id: str | None) -> AuditEntry:
    return AuditEntry(seq=seq, target_type=target_type, target_id=target_id)


def test_each_type_is_asked_once_for_its_ids_and_unknown_targets_are_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(words, "_REGISTRY", {})
    asked: list[tuple[str, frozenset[int]]] = []

    def people(_session: Any, ids: frozenset[int]) -> dict[int, str]:
        asked.append(("person", ids))
        return {i: f"Person {i}" for i in ids if i != 404}

    def kinds(_session: Any, ids: frozenset[int]) -> dict[int, str]:
        asked.append(("kind", ids))
        return {i: "care plan" for i in ids}

    words.register("person", "other", people)
    words.register("kind", "category", kinds)
    entries = [
        _entry(1, "person", "7"),
        _entry(2, "person", "7"),
        _entry(3, "person", "404"),
        _entry(4, "kind", "9"),
        _entry(5, "unregistered", "1"),
        _entry(6, "person", "not-a-number"),
        _entry(7, None, None),
    ]
    assert words.describe(None, entries) == {  # type: ignore[arg-type]
        1: {"other": "Person 7"},
        2: {"other": "Person 7"},
        4: {"category": "care plan"},
    }
    assert sorted(asked) == [("kind", frozenset({9})), ("person", frozenset({7, 404}))]


def test_a_type_has_one_describer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(words, "_REGISTRY", {})

    def one(_session: Any, _ids: frozenset[int]) -> dict[int, str]:
        return {}

    def another(_session: Any, _ids: frozenset[int]) -> dict[int, str]:
        return {}

    words.register("person", "other", one)
    words.register("person", "other", one)  # importing a module twice changes nothing
    with pytest.raises(ValueError, match="already described"):
        words.register("person", "other", another)


def test_the_features_register_their_targets_when_the_app_is_built(app: Flask) -> None:
    assert {"user", "care_assignment", "carer_nomination", "record_entry"} <= set(words._REGISTRY)


def test_a_read_record_entry_is_named_by_its_kind_on_the_subject_page(
    app: Flask, signed_in
) -> None:  # type: ignore[no-untyped-def]
    alex = user_id(app, "alex")
    url = get_database(app).engine.url.render_as_string(hide_password=False)
    query = "SELECT id FROM record_entries WHERE subject_id = :s AND category = 'care_plan'"
    entry = rows(url, query, {"s": alex})[0][0]
    assert signed_in("dr.chen").get(f"/people/{alex}/record/{entry}").status_code == 200
    you = app.test_client()
    sign_in(you, demo_email("alex"))
    page = you.get("/my/access-log").get_data(as_text=True)
    # Dr Chen wrote it (the demo's), so that is the basis.
    assert (
        "Dr Mei Chen (clinician, your care team) read your care plan in your record,"
        " as its author." in page
    )
