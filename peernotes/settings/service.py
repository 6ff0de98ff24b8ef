"""The service's settings: what each one is, its value now, and changing it. Flushes, never
commits.

Generic on purpose: a setting is a key with a typed value and a default (`SETTINGS`); only the
keys listed there exist, and a value of the wrong type is refused. Every change is one entry on
the access log (`Action.SETTING_CHANGE`, its target the key), with who and when on the row.

One setting so far, and the one place it is applied: `may_newly_support`. The study's
participants mostly wanted consumer peer workers able to support carers, some wanted the roles
kept distinct; so it is on by default and a service can turn it off. Off stops NEW assignments,
matches and group facilitation only: what already exists continues until it is ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from peernotes.access.authorize import holds_or_logged
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import SETTING_GATED, Permission, Role, newly_assignable
from peernotes.care.models import CareAssignment
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.settings.models import ServiceSetting

#: Consumer peer workers may support carers (new assignments, matches and facilitation).
CONSUMER_PEER_WORKERS_SUPPORT_CARERS = "consumer_peer_workers_support_carers"


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    #: What it means, in the coordinator's words, shown on the settings page.
    description: str
    kind: type[bool]
    default: bool


SETTINGS: dict[str, SettingSpec] = {
    CONSUMER_PEER_WORKERS_SUPPORT_CARERS: SettingSpec(
        CONSUMER_PEER_WORKERS_SUPPORT_CARERS,
        "Consumer peer workers may support carers",
        "Carers can be matched with, and assigned, a consumer peer worker (someone who has "
        "lived it), and consumer peer workers can facilitate carer groups.",
        bool,
        True,
    ),
}


class SettingsError(Refused):
    """A setting change was refused; the message is safe to show."""


def value_of(db: Session, key: str) -> bool:
    """The setting's value now: its row's, or its default when nobody changed it.

    Raises KeyError for a key that is not a setting (a typo is never a policy)."""
    spec = SETTINGS[key]
    row = db.get(ServiceSetting, key)
    return spec.default if row is None else bool(row.value)


def row_of(db: Session, key: str) -> ServiceSetting | None:
    """Who changed the setting last, and when (None: never changed, the default holds)."""
    return db.get(ServiceSetting, key)


@step
def change(db: Session, by: Acting, key: str, value: object) -> ServiceSetting:
    """A coordinator sets a setting.

    Raises:
        SettingsError: not a coordinator (logged), an unknown key, a value of the wrong type,
            or the value it already has; nothing changes then.
    """
    # The route checks the permission too; the service does not rely on it (as language and
    # on-call services do not).
    target = Target("service_setting", key)
    if not holds_or_logged(db, by, Permission.ADMIN_SETTINGS, Action.SETTING_CHANGE, target):
        raise SettingsError("Only a coordinator can change the service's settings.")
    spec = SETTINGS.get(key)
    if spec is None:
        raise SettingsError("There is no such setting.")
    if not isinstance(value, spec.kind):
        raise SettingsError(f"“{spec.label}” is either on or off.", key)
    if value == value_of(db, key):
        raise SettingsError(
            f"“{spec.label}” is already {'on' if value else 'off'}; nothing changed.", key
        )
    row = db.get(ServiceSetting, key)
    if row is None:
        row = ServiceSetting(key=key)
        db.add(row)
    row.value = value
    row.changed_by_id = by.id
    row.changed_at = utcnow()
    db.flush()
    record_event(
        db,
        by,
        Action.SETTING_CHANGE,
        None,
        Target("service_setting", key),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return row


# The one place the support setting is applied -------------------------------------------------


def may_newly_support(db: Session, worker_role: Role | None, subject_role: Role | None) -> bool:
    """May a worker of this role take on NEW work (an assignment, a match, facilitating a group)
    with subjects of that role, as this service is set now? Existing assignments are not
    asked: they go on until they end (`roles.may_support` holds their pairing)."""
    if worker_role is None or subject_role is None:
        return False
    return subject_role in newly_assignable_for(db, worker_role)


def newly_assignable_for(db: Session, worker_role: Role) -> frozenset[Role]:
    """The kinds of subject a worker of this role may newly support, as this service is set."""
    gated = any(worker is worker_role for worker, _ in SETTING_GATED)
    allowed = value_of(db, CONSUMER_PEER_WORKERS_SUPPORT_CARERS) if gated else True
    return newly_assignable(worker_role, consumer_peer_workers_support_carers=allowed)


def gated_assignments(db: Session, today: date) -> list[CareAssignment]:
    """Current assignments that the setting, turned off, would no longer allow anew: a consumer
    peer worker supporting a carer. They continue until ended; the settings page lists them."""
    assignments: list[CareAssignment] = []
    for worker_role, subject_role in sorted(SETTING_GATED):
        worker, subject = aliased(User), aliased(User)
        assignments += db.scalars(
            select(CareAssignment)
            .join(worker, worker.id == CareAssignment.worker_id)
            .join(subject, subject.id == CareAssignment.subject_id)
            .where(
                worker.role == worker_role,
                subject.role == subject_role,
                CareAssignment.ended_at.is_(None),
                (CareAssignment.ends_on.is_(None)) | (CareAssignment.ends_on >= today),
            )
            .order_by(CareAssignment.starts_on, CareAssignment.id)
        )
    return assignments
