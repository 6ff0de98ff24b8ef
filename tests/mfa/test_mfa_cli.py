"""The demo's printed authenticator keys, `peernotes demo code`, and `peernotes mfa reset`."""

from __future__ import annotations

import pyotp

from peernotes.demo.loader import demo_totp_secret
from tests.helpers import demo_email
from tests.test_cli import _peernotes, cli_env  # noqa: F401  (the fixture)


def test_demo_prints_staff_keys_codes_match_and_an_operator_resets(
    cli_env: dict[str, str],  # noqa: F811
) -> None:
    loaded = _peernotes(["demo", "load"], cli_env)
    assert loaded.returncode == 0, loaded.stderr
    for key in ("admin", "auditor", "dr.chen", "dr.walsh"):
        assert demo_totp_secret(demo_email(key)) in loaded.stdout
    assert demo_totp_secret(demo_email("alex")) not in loaded.stdout  # optional for consumers

    code = _peernotes(["demo", "code", demo_email("dr.chen")], cli_env)
    assert code.returncode == 0
    assert pyotp.TOTP(demo_totp_secret(demo_email("dr.chen"))).verify(
        code.stdout.strip(), valid_window=1
    )
    assert _peernotes(["demo", "code", "someone@example.org"], cli_env).returncode == 2

    reset = _peernotes(["mfa", "reset", demo_email("dr.chen")], cli_env)
    assert reset.returncode == 0, reset.stderr
    again = _peernotes(["mfa", "reset", demo_email("dr.chen")], cli_env)
    assert again.returncode == 2 and "no authenticator" in again.stderr
