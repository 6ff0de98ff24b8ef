"""Consent, as the person it belongs to manages it: what they share now, its history, a new
share, stopping one, and a preview of what someone would see."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from peernotes.access.decision import Act, Category
from peernotes.api.schemas.common import Body, Int, Out, Query, Str, UtcTime
from peernotes.consent.service import MAX_DAYS
from peernotes.parsing import ID_MAX

#: As the web form: a share lasts 1 to 730 days, and can be renewed.
MAX_SHARE_DAYS = 730
assert MAX_SHARE_DAYS <= MAX_DAYS  # nosec B101: the service allows at least as long


class GrantBody(Body):
    #: One of `choices` of GET /consent: "person:<id>", "role:<role>" or "team:<id>".
    grantee: Annotated[Str, Field(min_length=1, max_length=60)]
    categories: Annotated[list[Category], Field(min_length=1, max_length=len(Category))]
    act: Act
    purpose: Annotated[Str, Field(min_length=1, max_length=200)]
    days: Annotated[Int, Field(ge=1, le=MAX_SHARE_DAYS)]


class RevokeBody(Body):
    """Nothing: the provision is named in the path (a body naming anything else is refused)."""


class ChoiceOut(Out):
    #: What to send as `grantee`.
    value: str
    words: str


class ProvisionOut(Out):
    id: int
    grantee: str
    grantee_words: str
    act: str
    categories: list[str]
    valid_from: UtcTime
    valid_until: UtcTime
    #: The share in words, as the person's consent page says it.
    words: str


class ChangeOut(Out):
    version: int
    at: UtcTime
    by_id: int
    witnessed_by_id: int | None
    added: list[str]
    ended: list[str]


class ConsentOut(Out):
    subject_id: int
    #: Shares in force now, each with the id to revoke it by.
    provisions: list[ProvisionOut]
    #: Shares whose end has come, in words.
    expired: list[str]
    #: Every version, newest first, with the receipts given at the time.
    history: list[ChangeOut]
    #: Whom the person may share with, and what they may let them do.
    choices: list[ChoiceOut]
    acts: list[str]


class GrantOut(Out):
    provision: ProvisionOut
    #: What changed, in words (from the access map before and after the change).
    receipt: str


class RevokeOut(Out):
    revoked: int
    receipt: str


class PreviewQuery(Query):
    person: Annotated[int | None, Field(ge=1, le=ID_MAX)] = None


class PersonOut(Out):
    id: int
    display_name: str
    role: str


class SeenOut(Out):
    type: str
    id: int
    what: str
    by_id: int | None
    at: UtcTime | None
    part: str
    why: str


class SeeingOut(Out):
    person: PersonOut
    items: list[SeenOut]
    notes: list[str]


class PreviewOut(Out):
    #: Whom the person may preview.
    people: list[PersonOut]
    #: What the chosen person would see now (absent when no one is chosen).
    seeing: SeeingOut | None
