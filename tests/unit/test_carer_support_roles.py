"""Who may support whom (issue 17): the pairings, and what the service setting changes for new
work. Pure."""

from __future__ import annotations

import pytest

from peernotes.auth.roles import (
    ASSIGNABLE,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    may_support,
    newly_assignable,
)

CPW, CAPW = Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER


@pytest.mark.parametrize(
    ("worker", "subject", "expected"),
    [
        (CPW, Role.CONSUMER, True),
        (CPW, Role.CARER, True),
        (CAPW, Role.CARER, True),
        (CAPW, Role.CONSUMER, False),
        (Role.CLINICIAN, Role.CONSUMER, True),
        (Role.CLINICIAN, Role.CARER, False),
        (Role.ADMIN, Role.CONSUMER, False),
        (Role.CONSUMER, Role.CARER, False),
        (None, Role.CARER, False),
        (CPW, None, False),
    ],
)
def test_pairings(worker: Role | None, subject: Role | None, expected: bool) -> None:
    assert may_support(worker, subject) is expected


def test_the_setting_only_takes_carers_from_consumer_peer_workers_new_work() -> None:
    for role in ASSIGNABLE:
        on = newly_assignable(role, consumer_peer_workers_support_carers=True)
        off = newly_assignable(role, consumer_peer_workers_support_carers=False)
        assert on == ASSIGNABLE[role]
        assert off == (ASSIGNABLE[role] - {Role.CARER} if role is CPW else ASSIGNABLE[role])
    assert newly_assignable(None, consumer_peer_workers_support_carers=True) == frozenset()


def test_only_coordinators_change_the_services_settings() -> None:
    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.ADMIN_SETTINGS in perms}
    assert holders == {Role.ADMIN}
