"""Short free texts about a person (a reason, a purpose, a place) sealed in their own column.

Each text is sealed under its subject's data key and bound to its table, column and row, so
ciphertext copied to another row, another column or another person does not open. Features
seal after the row has its id (flush first) and open only after a permit, as with note bodies.
`None` stands for "no text" both ways, so optional texts need no placeholder ciphertext.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.crypto.sealing import seal_about, unseal_about


def text_aad(table: str, column: str, row: int | str, subject_id: int) -> bytes:
    """The associated data that binds one sealed text to its place.

    `row` is the row's id, or for append-only children sealed before they have one, a key
    that is unique in the table (for example "<concern id>.<number>")."""
    return f"{table}.{column}:{row}:{subject_id}".encode()


def seal_text(
    db: Session, subject_id: int, table: str, column: str, row: int | str, text: str | None
) -> bytes | None:
    """`text` sealed for `table.column` of `row` (None or "" stays None: nothing to seal)."""
    if not text:
        return None
    return seal_about(db, subject_id, text.encode(), text_aad(table, column, row, subject_id))


def open_text(
    db: Session, subject_id: int, table: str, column: str, row: int | str, sealed: bytes | None
) -> str | None:
    """What `seal_text` sealed. Call only after a permit.

    Raises:
        DecryptionFailed: the ciphertext does not belong to this row (or was altered).
    """
    if sealed is None:
        return None
    return unseal_about(db, subject_id, sealed, text_aad(table, column, row, subject_id)).decode()
