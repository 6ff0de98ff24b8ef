"""`/api/v1/consent`: a consumer's or carer's own consent, as their consent pages manage it.

Every change goes through `peernotes.consent.service` (a new directive version, its entry in
the access log) and every receipt is computed from the access map, as the web's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.access.decision import Category, GranteeKind, Provision
from peernotes.access.map import access_map
from peernotes.access.queries import current_provisions
from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.api.schemas.consent import (
    ChangeOut,
    ChoiceOut,
    ConsentOut,
    GrantBody,
    GrantOut,
    PersonOut,
    PreviewOut,
    PreviewQuery,
    ProvisionOut,
    RevokeBody,
    RevokeOut,
    SeeingOut,
    SeenOut,
)
from peernotes.api.spec import answers, spec
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import TokenScope
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.consent import grantees, preview
from peernotes.consent import service as consent
from peernotes.db import utcnow

TAGS = ["consent"]


def _grantee(p: Provision) -> str:
    if p.kind is GranteeKind.ROLE and p.role is not None:
        return f"role:{p.role.value}"
    return f"{p.kind.value}:{p.person_id if p.kind is GranteeKind.PERSON else p.team_id}"


def _provision_out(db: Session, p: Provision, subject_role: Role) -> ProvisionOut:
    return ProvisionOut(
        id=p.id,
        grantee=_grantee(p),
        grantee_words=consent.grantee_words(db, p),
        act=p.act.value,
        categories=sorted(c.value for c in p.categories),
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        # As the consent page lists it: the receipt's words, without "From now on".
        words=consent.receipt(db, p, subject_role)
        .replace("From now on, ", "")
        .replace(" You can change this at any time.", ""),
    )


@bp.get("/consent")
@api_endpoint(Permission.CONSENT_MANAGE_OWN)
@spec.validate(resp=answers(HTTP_200=ConsentOut), tags=TAGS)
def get_consent(actor: Actor, db: Session) -> ConsentOut:
    """What you share now, with whom and until when; what ended; and every version."""
    me = db.get_one(User, actor.id)
    now = utcnow()
    current = [p for p in current_provisions(db, me.id, now) if p.valid_until > now]
    held = consent.load_grantees(db, current)  # one query, not one per provision
    provisions = [_provision_out(db, p, me.role) for p in current]
    del held
    return ConsentOut(
        subject_id=me.id,
        provisions=provisions,
        expired=consent.expired(db, me, now),
        history=[
            ChangeOut(
                version=c.version,
                at=c.at,
                by_id=c.by_id,
                witnessed_by_id=c.witnessed_by_id,
                added=c.added,
                ended=c.ended,
            )
            for c in consent.history(db, me.id, me.role)
        ],
        choices=[ChoiceOut(value=v, words=w) for v, w in grantees.offered(db, me)],
        acts=[a.value for a in grantees.acts_offered(me)],
    )


def _grant_of(db: Session, me: User, body: GrantBody) -> consent.Grant:
    """The share asked for, checked as the web form checks it before the service does: someone
    it offers, and what they may be let do. (The kinds are the service's to refuse: a carer
    naming a kind of the consumer's record is an attempt on record.)"""
    if body.grantee not in {value for value, _ in grantees.offered(db, me)}:
        raise ApiError(400, "invalid", "Choose someone from your choices.", "grantee")
    if body.act not in grantees.acts_offered(me):
        raise ApiError(400, "invalid", "Your notes can be shared to read only.", "act")
    kind, _, value = body.grantee.partition(":")
    now = utcnow()
    return consent.Grant(
        kind=GranteeKind(kind),
        person_id=int(value) if kind == "person" else None,
        role=Role(value) if kind == "role" else None,
        team_id=int(value) if kind == "team" else None,
        act=body.act,
        categories=frozenset(Category(c) for c in body.categories),
        purpose=body.purpose,
        valid_from=now,
        valid_until=now + timedelta(days=body.days),
    )


@bp.post("/consent/grants")
@api_endpoint(Permission.CONSENT_MANAGE_OWN, TokenScope.WRITE)
@spec.validate(json=GrantBody, resp=answers(HTTP_201=GrantOut), tags=TAGS)
def grant_consent(actor: Actor, db: Session, json: GrantBody) -> tuple[GrantOut, int]:
    """Share something with someone, for a number of days. Answers the receipt."""
    me = db.get_one(User, actor.id)
    request = _grant_of(db, me, json)
    before = access_map(db, me.id, request.valid_from)
    provision = consent.grant(db, actor, me, request)
    at = utcnow()
    saved = next(p for p in current_provisions(db, me.id, at) if p.id == provision.id)
    after = access_map(db, me.id, at)
    return GrantOut(
        provision=_provision_out(db, saved, me.role),
        receipt=consent.grant_receipt(db, saved, before, after, me.role),
    ), 201


@bp.post("/consent/provisions/<int:provision_id>/revoke")
@api_endpoint(Permission.CONSENT_MANAGE_OWN, TokenScope.WRITE)
@spec.validate(json=RevokeBody, resp=answers(HTTP_200=RevokeOut), tags=TAGS)
def revoke_consent(actor: Actor, db: Session, provision_id: int, json: RevokeBody) -> RevokeOut:
    """Stop one share from now on (a provision in force, by its id). Answers the receipt."""
    del json  # nothing in it: the path names the share
    me = db.get_one(User, actor.id)
    # As the consent page: someone else's, one ended or replaced, or none answers like a
    # missing one, changes nothing, and the attempt is on record (on the owner's page too).
    provision = consent.in_force_or_logged(db, actor, me.id, provision_id)
    if provision is None:
        raise ApiError(404)
    words = consent.grantee_words(db, provision)
    consent.revoke(db, actor, me, provision_id)
    after = access_map(db, me.id, utcnow())
    return RevokeOut(
        revoked=provision_id,
        receipt=consent.revoke_receipt(db, provision, words, after, me.role),
    )


def _person(user: User) -> PersonOut:
    return PersonOut(id=user.id, display_name=user.display_name, role=user.role.value)


@bp.get("/consent/preview")
@api_endpoint(Permission.CONSENT_MANAGE_OWN)
@spec.validate(query=PreviewQuery, resp=answers(HTTP_200=PreviewOut), tags=TAGS)
def preview_consent(actor: Actor, db: Session, query: PreviewQuery) -> PreviewOut:
    """What someone connected to you would see of yours now, item by item (or, with no
    `person`, whom you may ask about)."""
    try:
        people, result = preview.preview(db, actor, query.person)
    except LookupError:
        assert query.person is not None  # nosec B101: only a chosen person can be missing
        logged = Target("user", query.person)
        record_event(
            db, actor, Action.CONSENT_PREVIEW, actor.id, logged, Outcome.DENIED, Basis.NOT_FOUND
        )
        raise ApiError(404) from None
    seeing = None
    if result is not None:
        seeing = SeeingOut(
            person=_person(result.person),
            items=[
                SeenOut(
                    type=s.type,
                    id=s.id,
                    what=s.what,
                    by_id=s.by_id,
                    at=s.at,
                    part=s.part,
                    why=s.why,
                )
                for s in result.seen
            ],
            notes=result.notes,
        )
    return PreviewOut(people=[_person(p) for p in people], seeing=seeing)
