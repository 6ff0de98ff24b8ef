"""Generated consent: each consumer's directive versions and their provisions, varied as in a
real service. Most share peer notes with their peer worker; about half with the clinicians in
their care; some with their team or carer; some grants have expired, and some consumers revoked
one in a later version. Consumer c00001 always lets their peer worker (w0001) read peer notes.

Each purpose is sealed under the consumer's data key, bound to its provision, exactly as
`peernotes.crypto.texts.seal_text` does.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.events import Action
from peernotes.audit.models import micros_since_epoch
from peernotes.auth.roles import Role
from peernotes.consent.models import (
    ConsentDirective,
    ConsentProvision,
    ConsentProvisionCategory,
    ConsentProvisionPurpose,
)
from peernotes.crypto.keys import seal
from peernotes.crypto.texts import text_aad
from peernotes.demo import gen_words as words
from peernotes.demo.bulk import Bulk
from peernotes.demo.gen_log import Pending, pending
from peernotes.demo.gen_people import World

_FAR = timedelta(days=365)

# (kind, person/role/team, act, categories, valid_until or None for "a year from now")
_Grant = tuple[GranteeKind, object, Act, tuple[Category, ...], datetime | None]


def _grants(rng: random.Random, world: World, index: int, consumer: int) -> list[_Grant]:
    now = world.now
    worker = world.worker_of[consumer]
    grants: list[_Grant] = []
    if index == 0 or rng.random() < 0.85:
        reads = (Category.PEER_NOTES, Category.CARE_PLAN, Category.CORRESPONDENCE)
        grants.append((GranteeKind.PERSON, worker, Act.READ, reads, None))
    if rng.random() < 0.5:
        grants.append((GranteeKind.ROLE, Role.CLINICIAN, Act.READ, (Category.PEER_NOTES,), None))
    if rng.random() < 0.3:
        team = world.team_of[worker]
        grants.append((GranteeKind.TEAM, team, Act.READ, (Category.CARE_PLAN,), None))
    carer = world.carer_of.get(consumer)
    if carer is not None and rng.random() < 0.6:
        grants.append((GranteeKind.PERSON, carer, Act.READ, (Category.PEER_NOTES,), None))
    if rng.random() < 0.2:
        grants.append((GranteeKind.PERSON, worker, Act.CONTRIBUTE, (Category.CARE_PLAN,), None))
    if rng.random() < 0.15:
        expired = now - timedelta(days=rng.randrange(5, 200))
        grants.append((GranteeKind.PERSON, worker, Act.READ, (Category.MEDICATION,), expired))
    return grants


def build_consent(bulk: Bulk, rng: random.Random, world: World, log: list[Pending]) -> int:
    """Write every consumer's directives and provisions; return how many provisions."""
    now = world.now
    directive_id = bulk.next_id(ConsentDirective.__table__)  # type: ignore[arg-type]
    provision_id = bulk.next_id(ConsentProvision.__table__)  # type: ignore[arg-type]
    directives: list[tuple[object, ...]] = []
    provisions: list[tuple[object, ...]] = []
    categories: list[tuple[object, ...]] = []
    purposes: list[tuple[object, ...]] = []
    consumer_role = Role.CONSUMER.value

    def provision(
        directive: int, consumer: int, grant: _Grant, since: datetime, carried: int | None
    ) -> int:
        nonlocal provision_id
        pid, provision_id = provision_id, provision_id + 1
        kind, grantee, act, cats, until = grant
        person = grantee if kind is GranteeKind.PERSON else None
        role = grantee.value if isinstance(grantee, Role) else None
        team = grantee if kind is GranteeKind.TEAM else None
        provisions.append(
            (pid, directive, kind.value, person, role, team, act.value, since, until or now + _FAR,
             carried)
        )  # fmt: skip
        categories.extend((pid, c.value) for c in cats)
        purpose = rng.choice(words.PURPOSES)
        aad = text_aad("consent_provisions", "purpose", pid, consumer)
        purposes.append((pid, seal(world.data_keys[consumer], purpose.encode(), aad)))
        return pid

    for index, consumer in enumerate(world.consumers):
        grants = _grants(rng, world, index, consumer)
        first_at = now - timedelta(days=rng.randrange(400, 700))
        first = directive_id
        directive_id += 1
        directives.append((first, consumer, 1, first_at, consumer, None))
        revoked: _Grant | None = None
        if rng.random() < 0.1:
            revoked = (
                GranteeKind.ROLE,
                Role.CONSUMER_PEER_WORKER,
                Act.READ,
                (Category.DIAGNOSIS,),
                None,
            )
        kept: list[tuple[int, _Grant]] = []
        request = f"gen-consent-{consumer}"
        for grant in grants + ([revoked] if revoked else []):
            pid = provision(first, consumer, grant, first_at, None)
            kept.append((pid, grant))
            at = micros_since_epoch(first_at)
            log.append(
                pending(at, consumer, consumer_role, Action.CONSENT_GRANT, consumer,
                        ("consent_provision", pid), "self", request)
            )  # fmt: skip
        if revoked is not None or rng.random() < 0.3:
            # A second version: everything carried forward but what they revoked.
            second_at = first_at + timedelta(days=rng.randrange(30, 300))
            second = directive_id
            directive_id += 1
            directives.append((second, consumer, 2, second_at, consumer, None))
            for pid, grant in kept:
                if grant is revoked:
                    log.append(
                        pending(micros_since_epoch(second_at), consumer, consumer_role,
                                Action.CONSENT_REVOKE, consumer, ("consent_provision", pid),
                                "self", request)
                    )  # fmt: skip
                    continue
                provision(second, consumer, grant, first_at, pid)
    bulk.insert(
        ConsentDirective.__table__,  # type: ignore[arg-type]
        ("id", "subject_id", "version", "created_at", "created_by_id", "witnessed_by_id"),
        directives,
    )
    bulk.insert(
        ConsentProvision.__table__,  # type: ignore[arg-type]
        (
            "id",
            "directive_id",
            "grantee_kind",
            "person_id",
            "role",
            "team_id",
            "act",
            "valid_from",
            "valid_until",
            "carried_from_id",
        ),  # fmt: skip
        provisions,
    )
    bulk.insert(
        ConsentProvisionCategory.__table__,  # type: ignore[arg-type]
        ("provision_id", "category"),
        categories,
    )
    bulk.insert(
        ConsentProvisionPurpose.__table__,  # type: ignore[arg-type]
        ("provision_id", "purpose_sealed"),
        purposes,
    )
    return len(provisions)
