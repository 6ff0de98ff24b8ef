"""`peernotes demo generate`, and the commands around it, as an operator runs them."""

from __future__ import annotations

import pyotp
from sqlalchemy import func, select

from peernotes.auth.models import User
from peernotes.cli import audit_group, demo_group
from peernotes.db import get_database
from peernotes.demo.loader import demo_totp_secret
from tests.demo.conftest import MakeApp


def _accounts(app) -> int:  # type: ignore[no-untyped-def]
    with get_database(app).session() as db:
        return db.scalar(select(func.count()).select_from(User)) or 0


def test_generate_then_verify_and_a_staff_code(fresh: MakeApp) -> None:
    app, _url = fresh()
    runner = app.test_cli_runner()
    result = runner.invoke(demo_group, ["generate", "--consumers", "30", "--notes", "90"])
    assert result.exit_code == 0, result.output
    assert "Generated 30 consumers" in result.output
    assert "c00001@gen.peernotes.example" in result.output
    assert "w0001@gen.peernotes.example" in result.output
    verified = runner.invoke(audit_group, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK: ")
    # Staff codes for the generated domain too (w0004: after two peer workers and one carer
    # peer worker, the clinician of these 30 consumers).
    code = runner.invoke(demo_group, ["code", "w0004@gen.peernotes.example"])
    assert code.exit_code == 0, code.output
    totp = pyotp.TOTP(demo_totp_secret("w0004@gen.peernotes.example"))
    assert totp.verify(code.output.strip(), valid_window=1)
    assert runner.invoke(demo_group, ["code", "w0004@elsewhere.example"]).exit_code == 2
    again = runner.invoke(demo_group, ["generate", "--consumers", "3", "--notes", "3"])
    assert again.exit_code == 1
    assert "already has accounts" in again.output
    assert _accounts(app) == int(result.output.split(" accounts")[0].rsplit(" ", 1)[1])


def test_generate_refuses_in_production(fresh: MakeApp) -> None:
    app, _url = fresh(env="production")
    result = app.test_cli_runner().invoke(demo_group, ["generate", "--consumers", "3"])
    assert result.exit_code == 2
    assert "production" in result.output
    assert _accounts(app) == 0
