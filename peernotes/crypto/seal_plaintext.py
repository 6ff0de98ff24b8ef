"""Sealing the free texts about a person that older versions stored in plain text.

Until revision a5e41c0d7b21, emergency-access reasons and review comments, safety-flag reasons
and "not told because", risk-delay reasons, consent purposes, support-agreement places and a
coordinator's words on a worker request were plain columns. That revision adds the sealed
columns; this step (it needs the master key, so no Alembic revision can do it) seals every
plaintext row under its subject's data key, bound to its row exactly as the features bind what
they write, and empties the plaintext; the next revision (c3d9f2e8a614) drops the plaintext
columns, and refuses to run while any text is still unsealed.

`peernotes db upgrade` runs it between the two (`peernotes.migrate.upgrade`), so operators do
nothing but upgrade. It works on raw SQL, not the models (which no longer have the plaintext
columns), does nothing once those columns are gone, and can be run again after an interruption:
a row is sealed and emptied in one statement, and each table is committed on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from peernotes.crypto.texts import seal_text

#: The revision that adds the sealed columns: sealing runs at it, before the next drops the
#: plaintext. (`peernotes.migrate` stops there.)
SEALED_COLUMNS_REVISION = "a5e41c0d7b21"


@dataclass(frozen=True)
class PlainText:
    """A plaintext column sealed in place into `<column>_sealed` of the same row."""

    table: str
    #: The plaintext column, and the column name the sealed text is bound to.
    column: str
    #: What the plaintext becomes once sealed: "" for a NOT NULL column, else NULL.
    emptied: str | None


IN_PLACE = (
    PlainText("emergency_accesses", "reason", ""),
    PlainText("emergency_accesses", "review_comment", None),
    PlainText("safety_flags", "reason", ""),
    PlainText("safety_flags", "not_told_because", None),
    PlainText("support_agreements", "places", ""),
    PlainText("worker_requests", "decision_note", ""),
    PlainText("worker_requests", "handover_override_reason", ""),
)


def seal_plaintext(db: Session) -> dict[str, int]:
    """Seal every plaintext text left; how many were sealed, by "table.column". Commits."""
    columns = _columns(db)
    done: dict[str, int] = {}
    for spec in IN_PLACE:
        if spec.column in columns.get(spec.table, set()):
            done[f"{spec.table}.{spec.column}"] = _seal_in_place(db, spec)
            db.commit()
    if "purpose" in columns.get("consent_provisions", set()):
        done["consent_provisions.purpose"] = _seal_purposes(db)
        db.commit()
    if "delay_reason" in columns.get("risk_concerns", set()):
        done["risk_concerns.delay_reason"] = _seal_delays(db)
        db.commit()
    return done


def _columns(db: Session) -> dict[str, set[str]]:
    inspector = inspect(db.connection())
    tables = set(inspector.get_table_names())
    wanted = {s.table for s in IN_PLACE} | {"consent_provisions", "risk_concerns"}
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in wanted & tables}


def _seal_in_place(db: Session, spec: PlainText) -> int:
    # Table and column names come from IN_PLACE above, never from input.
    found = db.execute(
        text(
            f"SELECT id, subject_id, {spec.column} FROM {spec.table} "  # nosec B608
            f"WHERE {spec.column} IS NOT NULL AND {spec.column} <> ''"
        )
    ).all()
    for row_id, subject_id, plain in found:
        sealed = seal_text(db, subject_id, spec.table, spec.column, row_id, plain)
        db.execute(
            text(
                f"UPDATE {spec.table} SET {spec.column}_sealed = :sealed, "  # nosec B608
                f"{spec.column} = :emptied WHERE id = :id"
            ),
            {"sealed": sealed, "emptied": spec.emptied, "id": row_id},
        )
    return len(found)


def _seal_purposes(db: Session) -> int:
    """Provisions are append-only (a trigger refuses UPDATE): each purpose is sealed into its
    own row of `consent_provision_purposes`, and the next revision drops the column."""
    found = db.execute(
        text(
            "SELECT p.id, d.subject_id, p.purpose FROM consent_provisions p "
            "JOIN consent_directives d ON d.id = p.directive_id "
            "WHERE p.purpose <> '' AND NOT EXISTS "
            "(SELECT 1 FROM consent_provision_purposes s WHERE s.provision_id = p.id)"
        )
    ).all()
    for provision_id, subject_id, plain in found:
        sealed = seal_text(db, subject_id, "consent_provisions", "purpose", provision_id, plain)
        db.execute(
            text(
                "INSERT INTO consent_provision_purposes (provision_id, purpose_sealed) "
                "VALUES (:id, :sealed)"
            ),
            {"id": provision_id, "sealed": sealed},
        )
    return len(found)


def _seal_delays(db: Session) -> int:
    """A concern kept only its last delay reason: it becomes the first of its delays (its
    time was not stored, so `set_at` stays empty), and the old column is emptied."""
    found = db.execute(
        text(
            "SELECT id, subject_id, delay_reason, delay_until, delay_set_by_id "
            "FROM risk_concerns WHERE delay_reason IS NOT NULL AND delay_reason <> ''"
        )
    ).all()
    for concern_id, subject_id, plain, until, set_by_id in found:
        number = 1 + int(
            db.execute(
                text("SELECT count(*) FROM risk_concern_delays WHERE concern_id = :c"),
                {"c": concern_id},
            ).scalar_one()
        )
        key = f"{concern_id}.{number}"
        sealed = seal_text(db, subject_id, "risk_concern_delays", "reason", key, plain)
        db.execute(
            text(
                "INSERT INTO risk_concern_delays "
                "(concern_id, number, set_by_id, set_at, until, reason_sealed) "
                "VALUES (:c, :n, :by, NULL, :until, :sealed)"
            ),
            {"c": concern_id, "n": number, "by": set_by_id, "until": until, "sealed": sealed},
        )
        db.execute(
            text("UPDATE risk_concerns SET delay_reason = NULL WHERE id = :c"), {"c": concern_id}
        )
    return len(found)
