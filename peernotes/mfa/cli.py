"""`peernotes mfa reset EMAIL`: an operator's reset of a person's two-step sign-in, for when no
other coordinator can do it on the Accounts page (a lone coordinator's own lost phone)."""

from __future__ import annotations

import secrets
import sys

import click
from flask.cli import AppGroup

mfa_group = AppGroup("mfa", help="Two-step sign-in (MFA).")


@mfa_group.command("reset")
@click.argument("email")
def mfa_reset(email: str) -> None:
    """End EMAIL's authenticator and sessions; they enrol anew at their next sign-in."""
    from peernotes.audit.writer import By
    from peernotes.auth.accounts import find_by_email
    from peernotes.db import get_database
    from peernotes.mfa import service as mfa

    with get_database().session() as session:
        user = find_by_email(session, email)
        if user is None:
            click.echo("error: no account has that email", err=True)
            sys.exit(2)
        try:
            # The same request-id shape as `peernotes.cli.cli_request_id` (not imported: that
            # module imports the whole app).
            mfa.reset(session, By(None, None, f"cli-{secrets.token_hex(6)}"), user)
        except mfa.MfaError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        session.commit()
    click.echo(f"Two-step sign-in reset for {user.email}; they set it up at their next sign-in.")
