"""Roles, permissions and password hashing."""

from __future__ import annotations

import pytest
from argon2 import Type, extract_parameters

from peernotes.auth import passwords
from peernotes.auth.roles import ROLE_PERMISSIONS, Permission, Role, has_permission


def test_every_role_has_an_explicit_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_only_admins_hold_admin_permissions() -> None:
    admin_perms = {p for p in Permission if p.value.startswith("admin:")}
    for role in Role:
        held = admin_perms & ROLE_PERMISSIONS[role]
        assert held == (admin_perms if role is Role.ADMIN else set()), role


def test_unknown_role_or_permission_raises_instead_of_denying_quietly() -> None:
    with pytest.raises(ValueError):
        has_permission("superuser", Permission.SESSION_USE)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        has_permission(Role.ADMIN, "admin:everything")  # type: ignore[arg-type]


def test_password_hash_is_argon2id_at_or_above_owasp_minimum() -> None:
    params = extract_parameters(passwords.hash_password("a long enough passphrase"))
    assert params.type is Type.ID
    assert params.time_cost >= 2
    assert params.memory_cost >= 19 * 1024  # KiB
    assert params.parallelism >= 1


def test_verify_accepts_the_right_password_only() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse battery!")
    assert not passwords.verify_password(None, "correct horse battery")
    assert not passwords.verify_password("not-a-hash", "anything")


@pytest.mark.parametrize(
    ("candidate", "ok"),
    [("short", False), ("exactly12chr", True), ("x" * 257, False), ("me@example.org", False)],
)
def test_password_policy(candidate: str, ok: bool) -> None:
    problem = passwords.policy_problem(candidate, email="me@example.org")
    assert (problem is None) is ok
