"""`peernotes retention run`: carry out the erasures that are due (for cron, daily)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from config import Config

retention_group = AppGroup("retention", help="Retention and erasure.")


@retention_group.command("run")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (to rehearse; defaults to today, UTC).",
)
def retention_run(today: datetime | None) -> None:
    """Carry out what is due, and nothing twice.

    1. Removes from the key vault any peer-space key an erasure recorded but a stopped process
       did not yet remove.
    2. For each pending erasure request whose person is no longer in care and whose last
       contact is more than PEERNOTES_RETENTION_YEARS ago: destroys their data key (their
       record entries, shared notes and everything else sealed about them can no longer be
       read; the rows stay), makes their remaining notes tombstones, and marks the request
       complete, with one access-log entry.
    """
    from peernotes.audit.writer import By
    from peernotes.db import get_database, utcnow
    from peernotes.erasure import service

    config: Config = current_app.config["PEERNOTES"]
    day: date = today.date() if today is not None else utcnow().date()
    with get_database().session() as session:
        report = service.run(
            session,
            By(None, None, f"cli-{secrets.token_hex(6)}"),
            today=day,
            years=config.retention_years,
        )
        session.commit()
    click.echo(
        f"Retention run for {day.isoformat()}: {len(report.erased)} people erased at the end "
        f"of retention; {len(report.waiting)} requests still waiting; "
        f"{report.vault_entries_finished} unfinished key removals finished."
    )
    for subject_id, due in report.waiting:
        click.echo(f"  person {subject_id}: due after {due.isoformat()}")
