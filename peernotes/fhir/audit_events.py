"""`AuditEvent`: entries of the access log, as the person reading may see them.

An auditor reads any entry (the log's own page, `accesslog`); a consumer or carer reads the
entries about themselves that their own access-log page shows (`accesslog.own_log.visible`).
An entry holds no content (the log never does): who acted, in which role, when, on what, the
outcome and its basis.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent

from peernotes.audit.models import AuditEntry
from peernotes.fhir.consents import fhir_time
from peernotes.fhir.people import USER_SYSTEM

ACTION_SYSTEM = "urn:peernotes:audit-action"
TARGET_SYSTEM = "urn:peernotes:target"
ROLE_SYSTEM = "urn:peernotes:role"
#: FHIR's outcome codes: success, and (for a refusal) a minor failure: nothing was shown.
_OUTCOMES = {"allowed": "0", "denied": "4"}
_READS = ("read", "list", "view")


def _action(code: str) -> str:
    verb = code.rsplit(":", 1)[-1]
    return "R" if any(verb.startswith(r) for r in _READS) else "E"


def audit_event(entry: AuditEntry, names: dict[int, str], said: str | None = None) -> AuditEvent:
    """One entry. `said` is the entry in the words the person's own history gives it (for a
    person reading about themselves): the raw basis may name what they were not told of."""
    who: dict[str, Any]
    if entry.actor_id is None:
        who = {"display": "PeerNotes (the service itself)"}
    else:
        who = {
            "identifier": {"system": USER_SYSTEM, "value": str(entry.actor_id)},
            "display": names.get(entry.actor_id),
        }
    agent: dict[str, Any] = {"who": who, "requestor": True}
    if entry.actor_role:
        agent["role"] = [{"coding": [{"system": ROLE_SYSTEM, "code": entry.actor_role}]}]
    entities: list[dict[str, Any]] = []
    if entry.subject_id is not None:
        entities.append({"what": {"reference": f"Patient/{entry.subject_id}"}})
    if entry.target_type:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": f"{TARGET_SYSTEM}:{entry.target_type}",
                        "value": entry.target_id or "",
                    }
                }
            }
        )
    return AuditEvent.model_validate(
        {
            "resourceType": "AuditEvent",
            "id": str(entry.seq),
            "type": {"system": ACTION_SYSTEM, "code": entry.action},
            "action": _action(entry.action),
            "recorded": fhir_time(entry.occurred_at),
            "outcome": _OUTCOMES.get(entry.outcome, "4"),
            "outcomeDesc": entry.basis if said is None else said,
            "agent": [agent],
            "source": {"observer": {"display": "PeerNotes access log"}},
            "entity": entities or None,
        }
    )
