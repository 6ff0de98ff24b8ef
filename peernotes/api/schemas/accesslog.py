"""The access log: the auditor's filtered review (metadata only), and a person's own history
in plain words."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import Field

from peernotes.api.schemas.common import Out, PageQuery, UtcTime
from peernotes.parsing import BIGINT_MAX, ID_MAX

PersonId = Annotated[int, Field(ge=1, le=ID_MAX)]
EntryNumber = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


class AuditQuery(PageQuery):
    """The filters of the web's /audit, with the same names and meanings (dates and times are
    in the service's time zone)."""

    actor_id: PersonId | None = None
    subject_id: PersonId | None = None
    #: An action code (`consent:grant`), or `reads` for any read of a person's information.
    action: Annotated[str | None, Field(max_length=64)] = None
    outcome: Literal["allowed", "denied"] | None = None
    #: A kind (`consent`) matches every basis of that kind; a full basis matches exactly.
    basis: Annotated[str | None, Field(max_length=100)] = None
    date_from: date | None = None
    time_from: time | None = None
    date_to: date | None = None
    time_to: time | None = None
    seq_from: EntryNumber | None = None
    seq_to: EntryNumber | None = None


class AuditEntryOut(Out):
    seq: int
    occurred_at: UtcTime
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    action: str
    action_words: str
    subject_id: int | None
    subject_name: str | None
    target_type: str | None
    target_id: str | None
    outcome: str
    basis: str
    request_id: str


class AuditPageOut(Out):
    entries: list[AuditEntryOut]
    #: Pass as `cursor` for the next (older) page; absent on the last.
    next: str | None


class OwnLogQuery(PageQuery):
    """The filters of the web's own history."""

    others_only: bool = False
    refused_only: bool = False
    #: Someone in the person's history (an account id), or `service`.
    person: Annotated[str | None, Field(max_length=12)] = None


class OwnLineOut(Out):
    seq: int
    at: UtcTime
    who: str
    did: str
    why: str | None
    denied: bool
    #: The whole line, as the person's page reads it.
    sentence: str
    emergency_id: int | None


class OwnLogOut(Out):
    lines: list[OwnLineOut]
    next: str | None
