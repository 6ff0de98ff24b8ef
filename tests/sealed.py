"""Reading sealed texts straight from the database, as an attacker with a copy would, and
opening them as the app does: for the tests that check a text is sealed and bound to its row."""

from __future__ import annotations

from flask import Flask

from peernotes.crypto.keys import DecryptionFailed
from peernotes.crypto.sealing import MissingDataKey
from peernotes.crypto.texts import open_text
from peernotes.db import get_database
from tests.helpers import query


def raw(app: Flask, table: str, column: str, row: int | str, key: str = "id") -> bytes | None:
    """The stored bytes of one sealed column, read with SQL."""
    found = query(app, f"SELECT {column} FROM {table} WHERE {key} = :r", {"r": row})
    assert len(found) == 1, found
    value = found[0][0]
    return None if value is None else bytes(value)  # type: ignore[arg-type]


def opens(
    app: Flask, subject_id: int, table: str, column: str, row: int | str, sealed: bytes | None
) -> str | None:
    """`sealed` opened as if it were `table.column` of `row`; None when it does not open."""
    with get_database(app).session() as db:
        try:
            return open_text(db, subject_id, table, column, row, sealed)
        except (DecryptionFailed, MissingDataKey):
            return None


def assert_sealed(
    app: Flask,
    *,
    subject_id: int,
    table: str,
    column: str,
    row: int | str,
    other_row: int | str,
    words: str,
    stored: bytes | None = None,
    sealed_column: str | None = None,
) -> None:
    """The words are not in the row in plain text; the ciphertext opens to them as its own row,
    and not as another row, another column or another person."""
    sealed = (
        stored if stored is not None else raw(app, table, sealed_column or f"{column}_sealed", row)
    )
    assert sealed is not None
    assert words.encode() not in sealed
    assert opens(app, subject_id, table, column, row, sealed) == words
    assert opens(app, subject_id, table, column, other_row, sealed) is None
    assert opens(app, subject_id, table, "some_other_column", row, sealed) is None
    assert opens(app, subject_id + 1, table, column, row, sealed) is None


def no_plaintext_anywhere(app: Flask, words: str) -> None:
    """`words` appear in no text column of any table (a dump of every row, as strings)."""
    from sqlalchemy import inspect

    from peernotes.db import make_engine
    from tests.helpers import app_database_url

    engine = make_engine(app_database_url(app))
    tables = inspect(engine).get_table_names()
    engine.dispose()
    for table in tables:
        dumped = repr(query(app, f"SELECT * FROM {table}"))  # nosec B608 - table names from the schema
        assert words not in dumped, f"{words!r} in plain text in {table}"
