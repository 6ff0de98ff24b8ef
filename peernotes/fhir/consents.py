"""`Consent`: one resource per version of a person's consent directive, and back.

A version is the complete set of provisions then in force (`peernotes.consent.models`), so it
maps to one Consent whose base provision denies (the app's default) and whose nested
provisions each permit: the grantee as `actor`, `read`/`contribute` as `action`, the kinds of
information as `class` (the data class), the validity window as `period`. The newest version
is `active`; every earlier one `inactive`. `provisions_of_consent` maps a Consent back to the
provisions it came from; the tests check the two ways round-trip exactly.

The purpose of each provision is sealed text in the person's own words, and stays out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.consent import Consent, ConsentProvision

from peernotes.access.decision import Act, Category, GranteeKind, Provision
from peernotes.auth.roles import Role
from peernotes.consent.models import ConsentDirective
from peernotes.fhir.people import SYSTEM, USER_SYSTEM

ACT_SYSTEM = f"{SYSTEM}:consent-act"
CATEGORY_SYSTEM = f"{SYSTEM}:category"
ROLE_SYSTEM = f"{SYSTEM}:role"
TEAM_SYSTEM = f"{SYSTEM}:team"
VERSION_SYSTEM = f"{SYSTEM}:consent-version"
#: The FHIR type of the reference naming each kind of grantee.
_GRANTEE_TYPES = {
    GranteeKind.PERSON: "Practitioner",
    GranteeKind.ROLE: "PractitionerRole",
    GranteeKind.TEAM: "CareTeam",
}
_KIND_OF_SYSTEM = {
    USER_SYSTEM: GranteeKind.PERSON,
    ROLE_SYSTEM: GranteeKind.ROLE,
    TEAM_SYSTEM: GranteeKind.TEAM,
}
_ACTION_CODES = {Act.READ: "access", Act.CONTRIBUTE: "correct"}


def fhir_time(moment: datetime) -> str:
    """A database time (UTC) as a FHIR instant, to the microsecond."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def _utc(moment: datetime) -> datetime:
    """A FHIR instant as the database gives times back: aware, in UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _grantee(p: Provision) -> dict[str, Any]:
    if p.kind is GranteeKind.PERSON:
        system, value = USER_SYSTEM, str(p.person_id)
    elif p.kind is GranteeKind.ROLE:
        assert p.role is not None  # a role grant names its role  # nosec B101
        system, value = ROLE_SYSTEM, p.role.value
    else:
        system, value = TEAM_SYSTEM, str(p.team_id)
    return {"type": _GRANTEE_TYPES[p.kind], "identifier": {"system": system, "value": value}}


def _provision(p: Provision) -> dict[str, Any]:
    return {
        "id": f"provision-{p.id}",
        "type": "permit",
        "period": {"start": fhir_time(p.valid_from), "end": fhir_time(p.valid_until)},
        "actor": [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": _grantee(p),
            }
        ],
        "action": [
            {
                "coding": [
                    {"system": ACT_SYSTEM, "code": p.act.value},
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentaction",
                        "code": _ACTION_CODES[p.act],
                    },
                ]
            }
        ],
        "class": [
            {"system": CATEGORY_SYSTEM, "code": c.value, "display": c.label}
            for c in sorted(p.categories)
        ],
    }


def consent(
    directive: ConsentDirective, provisions: tuple[Provision, ...], newest: bool
) -> Consent:
    """One directive version as a Consent (built, and so validated, by its model)."""
    return Consent.model_validate(
        {
            "resourceType": "Consent",
            "id": str(directive.id),
            "identifier": [{"system": VERSION_SYSTEM, "value": str(directive.version)}],
            "status": "active" if newest else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [
                {"coding": [{"system": "http://loinc.org", "code": "59284-0"}]},
            ],
            "patient": {"reference": f"Patient/{directive.subject_id}"},
            "dateTime": fhir_time(directive.created_at),
            # The person decides; a worker who recorded the change with them present is named
            # too ("witnessed by").
            "performer": [
                {"reference": f"Patient/{directive.subject_id}"},
                *(
                    [
                        {
                            "type": "Practitioner",
                            "identifier": {"system": USER_SYSTEM, "value": str(witness)},
                            "display": "Recorded with the person present",
                        }
                    ]
                    if (witness := directive.witnessed_by_id) is not None
                    else []
                ),
            ],
            # Nothing is shared unless a provision says so: opt in.
            "policyRule": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "OPTIN",
                    }
                ]
            },
            "provision": {
                "type": "deny",
                "provision": [_provision(p) for p in provisions] or None,
            },
        }
    )


class NotOurs(ValueError):
    """A Consent that this app did not write: it cannot be mapped back."""


def _code(codings: list[Any] | None, system: str) -> str:
    for coding in codings or ():
        if coding.system == system and coding.code:
            return str(coding.code)
    raise NotOurs(system)


def _back(item: ConsentProvision) -> Provision:
    if not item.id or not item.id.startswith("provision-") or item.period is None:
        raise NotOurs("provision")
    actors, actions = item.actor or [], item.action or []
    if len(actors) != 1 or len(actions) != 1:
        raise NotOurs("actor")
    ref = actors[0].reference.identifier if actors[0].reference else None
    if ref is None or ref.system not in _KIND_OF_SYSTEM or ref.value is None:
        raise NotOurs("actor")
    kind, value = _KIND_OF_SYSTEM[ref.system], str(ref.value)
    start, end = item.period.start, item.period.end
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise NotOurs("period")
    return Provision(
        id=int(item.id.removeprefix("provision-")),
        kind=kind,
        person_id=int(value) if kind is GranteeKind.PERSON else None,
        role=Role(value) if kind is GranteeKind.ROLE else None,
        team_id=int(value) if kind is GranteeKind.TEAM else None,
        act=Act(_code(actions[0].coding, ACT_SYSTEM)),
        categories=frozenset(
            Category(str(c.code)) for c in item.class_fhir or () if c.system == CATEGORY_SYSTEM
        ),
        valid_from=_utc(start),
        valid_until=_utc(end),
    )


def provisions_of_consent(resource: Consent) -> tuple[Provision, ...]:
    """The provisions a Consent of ours holds, as `decide()` takes them.

    Raises:
        NotOurs: it was not written by `consent()`.
    """
    base = resource.provision
    if base is None:
        return ()
    return tuple(_back(item) for item in base.provision or ())
