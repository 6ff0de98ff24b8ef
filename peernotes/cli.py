"""The `peernotes` command line (a Flask CLI group)."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from config import Config, ConfigError, init_dev_secrets
from peernotes.backup.cli import backup_group
from peernotes.erasure.cli import retention_group
from peernotes.mfa.cli import mfa_group


def _app_from_env() -> Flask:
    from peernotes import create_app
    from peernotes.ops.logs import configure_logging

    try:
        config = Config.from_env()
    except ConfigError as exc:
        click.echo(f"peernotes: configuration error: {exc}", err=True)
        sys.exit(2)
    configure_logging(config.log_format)
    return create_app(config)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def cli_request_id() -> str:
    """Entries written by one command share an id, as a web request's do."""
    import secrets

    return f"cli-{secrets.token_hex(6)}"


def _fail(message: str, status: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


# Database ---------------------------------------------------------------------------------

db_group = AppGroup("db", help="Database schema.")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to date with the migrations."""
    from peernotes.crypto.seal_plaintext import seal_plaintext
    from peernotes.db import get_database
    from peernotes.migrate import upgrade

    def seal() -> None:
        # Texts older versions kept in plain text, sealed with the master key between the
        # revision that adds their sealed columns and the one that drops the plaintext.
        with get_database().session() as db:
            sealed = sum(seal_plaintext(db).values())
        if sealed:
            click.echo(f"Sealed {sealed} texts about people that were stored in plain text.")

    upgrade(_config().database_url, revision, seal=seal)
    click.echo(f"Database is at {revision}.")


# Users ------------------------------------------------------------------------------------

users_group = AppGroup("users", help="Accounts.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option(
    "--role",
    required=True,
    help="consumer, carer, consumer_peer_worker, carer_peer_worker, clinician, auditor or admin",
)
@click.option("--name", "display_name", default=None, help="Display name (defaults to the email).")
def users_create(email: str, role: str, display_name: str | None) -> None:
    """Create an account. The password is read from stdin, or prompted for on a terminal."""
    from peernotes.audit.writer import By
    from peernotes.auth.accounts import AccountError, create_user
    from peernotes.db import get_database

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with get_database().session() as session:
        try:
            user = create_user(
                session,
                email=email,
                display_name=display_name or email.split("@")[0],
                role=role,
                password=password,
                by=By(None, None, cli_request_id()),
            )
        except AccountError as exc:
            _fail(str(exc))
        session.commit()
        click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


# Demo -------------------------------------------------------------------------------------

demo_group = AppGroup("demo", help="Demonstration data (never in production).")


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, if accounts exist.")
def demo_load(if_empty: bool) -> None:
    """Load a small demo service into an empty database and print its logins."""
    from peernotes.auth.roles import MFA_REQUIRED_ROLES
    from peernotes.db import get_database
    from peernotes.demo.loader import (
        DEMO_PASSWORD,
        DemoNotEmpty,
        demo_totp_secret,
        is_empty,
        load_demo,
    )

    if _config().is_production:
        _fail("the demo is never loaded when PEERNOTES_ENV=production")
    with get_database().session() as session:
        if if_empty and not is_empty(session):
            click.echo("The database already has accounts; demo not loaded.")
            return
        try:
            people = load_demo(session, cli_request_id())
        except DemoNotEmpty as exc:
            _fail(str(exc), status=1)
        session.commit()
    click.echo("Demo loaded. Everyone's password is: " + DEMO_PASSWORD)
    width = max(len(p.email) for p in people)
    for person in people:
        click.echo(f"  {person.email:<{width}}  {person.role.label:<18} {person.name}")
    click.echo(
        "Two-step sign-in: clinicians, auditors and the coordinator need a code after the "
        "password. Add their key to an authenticator app (or run `peernotes demo code EMAIL`):"
    )
    for person in people:
        if person.role in MFA_REQUIRED_ROLES:
            click.echo(f"  {person.email:<{width}}  {demo_totp_secret(person.email)}")


@demo_group.command("generate")
@click.option("--consumers", default=100, show_default=True, type=click.IntRange(min=1))
@click.option("--notes", default=1000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same service.")
def demo_generate(consumers: int, notes: int, seed: int) -> None:
    """Generate a large, realistic service into an empty, migrated database (for benchmarks).

    One peer worker per 25 consumers, clinicians, carers, consent, notes in every state,
    record entries, contacts and their access-log entries, all sealed for real.
    """
    from peernotes.db import get_database
    from peernotes.demo.generate import GenerateRefused, generate

    if _config().is_production:
        _fail("generated data is never written when PEERNOTES_ENV=production")
    try:
        done = generate(
            get_database(), consumers, notes, seed, progress=lambda m: click.echo(f"  {m}")
        )
    except GenerateRefused as exc:
        _fail(str(exc), status=1)
    rows = done.rows
    click.echo(
        f"Generated {done.consumers:,} consumers, {rows.get('users', 0):,} accounts, "
        f"{done.notes:,} notes, {rows.get('record_entries', 0):,} record entries, "
        f"{rows.get('contacts', 0):,} contacts and {rows.get('audit_log', 0):,} log entries "
        f"in {done.seconds:.1f} s ({done.notes_per_second:,.0f} notes/s)."
    )
    click.echo("Notes by state: " + ", ".join(f"{k} {v:,}" for k, v in sorted(done.states.items())))
    click.echo(f"Everyone's password is: {done.password}")
    click.echo(f"  {done.consumer_email}  a consumer")
    click.echo(f"  {done.worker_email}   their peer worker")
    click.echo("Staff with two-step sign-in: `peernotes demo code EMAIL` prints their code.")


@demo_group.command("code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print the code a demo person's authenticator shows now (demo accounts only)."""
    from peernotes.demo.gen_people import GEN_DOMAIN
    from peernotes.demo.loader import DEMO_DOMAIN, demo_totp_code

    if _config().is_production:
        _fail("demo codes are never printed when PEERNOTES_ENV=production")
    # The demo's and the generator's accounts use the same public, derived secrets.
    if email.lower().rpartition("@")[2] not in (DEMO_DOMAIN, GEN_DOMAIN):
        _fail(
            f"only demo accounts (@{DEMO_DOMAIN}, @{GEN_DOMAIN}) have a known authenticator secret"
        )
    click.echo(demo_totp_code(email))


# Access log -------------------------------------------------------------------------------

audit_group = AppGroup("audit", help="The tamper-evident access log.")


@audit_group.command("checkpoint")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def audit_checkpoint(out: str) -> None:
    """Write the log's current head, signed with the checkpoint key, to FILE."""
    from pathlib import Path

    from peernotes.audit import checkpoint
    from peernotes.audit.log import head
    from peernotes.crypto.keys import KeyFileError, read_signing_key
    from peernotes.db import get_database, utcnow

    config = _config()
    if config.audit_signing_key_file is None:
        _fail("PEERNOTES_AUDIT_SIGNING_KEY_FILE is not set")
    try:
        key = read_signing_key(config.audit_signing_key_file)
    except KeyFileError as exc:
        _fail(str(exc))
    with get_database().session() as session:
        seq, mac = head(session)
    signed = checkpoint.sign(key, seq, mac, utcnow())
    Path(out).write_text(signed.to_json() + "\n", encoding="utf-8")
    click.echo(f"Checkpoint of entry {seq} written to {out}.")


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A signed checkpoint file to check the log against (repeatable).",
)
@click.option(
    "--primary",
    "on_primary",
    is_flag=True,
    help="Read the primary database even when a read replica is configured.",
)
def audit_verify(checkpoints: tuple[str, ...], on_primary: bool) -> None:
    """Recompute the whole chain. Exit 0 when intact, 1 when not, 2 on unusable input.

    With a read replica (PEERNOTES_REPLICA_DATABASE_URL) the chain is read there, off the
    primary; a failure found there is checked again on the primary before it is reported, since
    a replica that lags would show a newer checkpoint as a truncated log.
    """
    from pathlib import Path

    from peernotes.audit import checkpoint
    from peernotes.audit.verify import verify_database
    from peernotes.crypto.keyring import Keyring, read_chain_key
    from peernotes.crypto.keys import DecryptionFailed, KeyFileError, read_verify_key
    from peernotes.db import get_database

    config = _config()
    primary = get_database().engine.url.render_as_string(hide_password=False)
    url = config.replica_database_url if config.replica_database_url and not on_primary else primary
    try:
        # The stored chain key, not one derived from today's master key: it outlives rotations.
        key = read_chain_key(primary, Keyring(config.master_key_file))
        loaded = []
        if checkpoints:
            if config.audit_signing_key_file is None:
                _fail("PEERNOTES_AUDIT_SIGNING_KEY_FILE is not set")
            public = read_verify_key(config.audit_signing_key_file)
            loaded = [checkpoint.load(Path(p), public) for p in checkpoints]
    except (KeyFileError, checkpoint.CheckpointMalformed) as exc:
        _fail(str(exc))
    except DecryptionFailed:
        _fail("the access log's stored chain key will not open under the master key it names")
    except checkpoint.CheckpointSignatureInvalid as exc:
        _fail(str(exc), status=1)
    timed = verify_database(url, key, loaded)
    if not timed.verdict.ok and url != primary:
        url = primary
        timed = verify_database(url, key, loaded)
    verdict = timed.verdict
    if not verdict.ok:
        _fail(f"FAILED at entry {verdict.first_bad_seq}: {verdict.problem}", status=1)
    click.echo(
        f"OK: {verdict.count} entries verified in {timed.seconds:.2f} s "
        f"({timed.rate:,.0f} entries/s)"
        + (f"; {len(loaded)} checkpoint(s) match" if loaded else "")
        + (" on the read replica" if url != primary else "")
    )


# Keys -------------------------------------------------------------------------------------

keys_group = AppGroup("keys", help="The master key.")


@keys_group.command("rotate")
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Data keys re-wrapped per committed transaction.",
)
def keys_rotate(batch_size: int) -> None:
    """Introduce a new master key and re-wrap every data key under it.

    The service keeps running meanwhile. If it is interrupted, run it again: it finishes the
    job with the same new key.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from peernotes.crypto.keys import KeyFileError
    from peernotes.crypto.rotation import RotationError, rotate
    from peernotes.db import get_database

    try:
        done = rotate(get_database(), request_id=cli_request_id(), batch_size=batch_size)
    except (RotationError, KeyFileError) as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"database error, run it again to finish the rotation: {reason}")
    resumed = " (resumed)" if done.resumed else ""
    click.echo(
        f"Master key rotated{resumed}: {done.rewrapped} data keys re-wrapped, new key "
        f"{done.new_id}. The old key is in {done.retired_file}: destroy it once no backup "
        "needs it."
    )


# Mail -------------------------------------------------------------------------------------

mail_group = AppGroup("mail", help="Email notices (PEERNOTES_SMTP_URL).")


@mail_group.command("send-pending")
def mail_send_pending() -> None:
    """Send every email that is due now, retries included (for cron). Exit 1 if any failed."""
    from peernotes.db import get_database
    from peernotes.notifications.mail import EXTENSION_KEY, MailSender, outbox_summary

    sender: MailSender | None = current_app.extensions.get(EXTENSION_KEY)
    if sender is None:
        _fail("email is not set up: set PEERNOTES_SMTP_URL")
    report = sender.send_pending()
    with get_database().session() as session:
        counts = outbox_summary(session)
    click.echo(
        f"Sent {report.sent}, failed {report.failed}, held back {report.held}. "
        f"Waiting: {counts['waiting']}; given up: {counts['given_up']}."
    )
    if report.failed:
        sys.exit(1)


# Secrets (no app needed: it runs before there is a configuration) ------------------------


@click.group("secrets", help="Development secrets.")
def secrets_group() -> None:
    pass


@secrets_group.command("init")
def secrets_init() -> None:
    """Create the development secret key and master key in the instance folder, if missing."""
    import os
    from pathlib import Path

    from config import DEFAULT_INSTANCE

    if os.environ.get("PEERNOTES_ENV") == "production":
        _fail("production secrets are provisioned by you, never generated here")
    instance = Path(os.environ.get("PEERNOTES_INSTANCE_PATH") or DEFAULT_INSTANCE)
    created = init_dev_secrets(instance)
    for path in created:
        click.echo(f"Created {path.name} in the instance folder.")
    if not created:
        click.echo("Development secrets already exist.")


cli = FlaskGroup(
    name="peernotes",
    create_app=_app_from_env,
    load_dotenv=False,
    set_debug_flag=False,
    help="PeerNotes: case notes written with the people they are about.",
)
cli.add_command(db_group)
cli.add_command(users_group)
cli.add_command(demo_group)
cli.add_command(audit_group)
cli.add_command(keys_group)
cli.add_command(mail_group)
cli.add_command(secrets_group)
cli.add_command(backup_group)  # issue 14: backup and restore
cli.add_command(retention_group)
cli.add_command(mfa_group)


def main() -> None:
    cli.main(prog_name="peernotes")
