"""The `peernotes` command line (a Flask CLI group)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from config import Config, ConfigError, init_dev_secrets


def _app_from_env() -> Flask:
    from peernotes import create_app

    try:
        return create_app(Config.from_env())
    except ConfigError as exc:
        click.echo(f"peernotes: configuration error: {exc}", err=True)
        sys.exit(2)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


# Database ---------------------------------------------------------------------------------

db_group = AppGroup("db", help="Database schema.")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to date with the migrations."""
    from peernotes.migrate import upgrade

    upgrade(_config().database_url, revision)
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
            )
        except AccountError as exc:
            _fail(str(exc))
            return
        session.commit()
        click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


# Demo -------------------------------------------------------------------------------------

demo_group = AppGroup("demo", help="Demonstration data (never in production).")


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, if accounts exist.")
def demo_load(if_empty: bool) -> None:
    """Load a small demo service into an empty database and print its logins."""
    from peernotes.db import get_database
    from peernotes.demo import DEMO_PASSWORD, DemoNotEmpty, is_empty, load_demo

    if _config().is_production:
        _fail("the demo is never loaded when PEERNOTES_ENV=production")
    with get_database().session() as session:
        if if_empty and not is_empty(session):
            click.echo("The database already has accounts; demo not loaded.")
            return
        try:
            people = load_demo(session)
        except DemoNotEmpty as exc:
            _fail(str(exc), status=1)
            return
        session.commit()
    click.echo("Demo loaded. Everyone's password is: " + DEMO_PASSWORD)
    width = max(len(p.email) for p in people)
    for person in people:
        click.echo(f"  {person.email:<{width}}  {person.role.label:<18} {person.name}")


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
cli.add_command(secrets_group)


def main() -> None:
    cli.main(prog_name="peernotes")
