"""Consent pages: the consumer's own (who can see what, until when; grant, revoke, receipts,
history, preview), and a worker's, for recording a change with the consumer present."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.access.map import access_map
from peernotes.access.queries import current_provisions, training_current
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.consent import grantees, preview
from peernotes.consent import service as consent
from peernotes.consent.forms import GrantForm, WitnessedGrantForm, WitnessedRevokeForm
from peernotes.db import utcnow
from peernotes.flags import service as flags
from peernotes.records import service as records
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, person_in_care_or_404, requires

bp = Blueprint("consent", __name__)


def _grantee_choices(db: Session, subject: User) -> list[SelectChoice]:
    """People the subject already knows (`grantees.offered`: the API accepts the same)."""
    choices = [SelectChoice(value, words) for value, words in grantees.offered(db, subject)]
    return [SelectChoice("", "Choose…"), *choices]


def _fit_form(db: Session, form: GrantForm, subject: User) -> GrantForm:
    """The form offers what this subject shares (`consent.SHAREABLE`): a consumer, every kind
    of their information, to read or to add to; a carer, their carer-support notes, their "about
    me" and their skills and resources, to read."""
    form.grantee.choices = _grantee_choices(db, subject)
    if subject.role is Role.CARER:
        notes = Category.PEER_NOTES
        label = f"Your {consent.kind_label(notes, Role.CARER)}: the parts you marked “care team”"
        form.categories.choices = [
            SelectChoice(notes.value, label),
            *(
                SelectChoice(c.value, f"Your {c.label}")
                for c in (Category.ABOUT_ME, Category.SKILLS)
                if c in consent.SHAREABLE[Role.CARER]
            ),
        ]
        form.act.choices = [SelectChoice(Act.READ.value, "Read them")]
        form.purpose.description = (
            "For example: so the peer worker of the person I care for knows how things are."
        )
    return form


def _grant_from_form(
    db: Session, actor: Actor, subject: User, form: GrantForm, witness: User | None
) -> bool:
    """Make the grant the form asks for; on success flash the receipt. False: errors shown."""
    kind, _, value = (form.grantee.data or "").partition(":")
    known = {c.value for c in Category}
    if not set(form.categories.data or []) <= known:
        # The form does not check the kinds itself (so that the service can refuse and log a
        # kind the person may not share); one that names nothing is a plain bad choice.
        field_error(form, consent.ConsentError("Not a valid choice.", "categories"), "categories")
        return False
    now = utcnow()
    before = access_map(db, subject.id, now)
    try:
        grant = consent.Grant(
            kind=GranteeKind(kind),
            person_id=int(value) if kind == "person" else None,
            role=Role(value) if kind == "role" else None,
            team_id=int(value) if kind == "team" else None,
            act=Act(form.act.data),
            categories=frozenset(Category(c) for c in form.categories.data or []),
            purpose=form.purpose.data or "",
            valid_from=now,
            valid_until=now + timedelta(days=form.days.data or 0),
        )
        provision = consent.grant(db, actor, subject, grant, witness=witness)
    except (ValueError, consent.ConsentError) as exc:
        refusal = (
            exc
            if isinstance(exc, consent.ConsentError)
            else consent.ConsentError("Choose from the list.", "grantee")
        )
        field_error(form, refusal, "grantee")
        return False
    at = utcnow()
    saved = next(p for p in current_provisions(db, subject.id, at) if p.id == provision.id)
    after = access_map(db, subject.id, at)
    flash(consent.grant_receipt(db, saved, before, after, subject.role), "info")
    return True


def _current_rows(db: Session, subject: User) -> list[dict[str, object]]:
    now = utcnow()
    rows: list[dict[str, object]] = []
    current = current_provisions(db, subject.id, now)
    held = consent.load_grantees(db, current)  # one query, not one per provision
    trained: dict[int, bool] = {}  # one check per person, however many shares name them
    for p in current:
        if p.valid_until <= now:
            continue
        person = db.get(User, p.person_id) if p.person_id else None
        training: bool | None = None
        if person is not None and person.role in (
            Role.CONSUMER_PEER_WORKER,
            Role.CARER_PEER_WORKER,
        ):
            if person.id not in trained:
                trained[person.id] = training_current(db, person.id, now)
            training = trained[person.id]
        rows.append(
            {
                "provision": p,
                "receipt": consent.receipt(db, p, subject.role)
                .replace("From now on, ", "")
                .replace(" You can change this at any time.", ""),
                "training": training,
            }
        )
    del held
    return rows


@bp.route("/my/consent", methods=["GET", "POST"])
@requires(Permission.CONSENT_MANAGE_OWN)
def manage_consent(actor: Actor, db: Session) -> str | Response:
    me = db.get_one(User, actor.id)
    form = _fit_form(db, GrantForm(), me)
    if form.validate_on_submit() and _grant_from_form(db, actor, me, form, None):
        return redirect(url_for("consent.manage_consent"))
    return render_template(
        "consent/manage.html",
        form=form,
        rows=_current_rows(db, me),
        expired=consent.expired(db, me, utcnow()),
        confirm=ConfirmForm(),
        told_flags=flags.told_flags(db, actor.id),
        history=consent.history(db, actor.id, me.role),
        names=display_names(db),
    )


def _revoke(
    db: Session, actor: Actor, subject: User, provision_id: int, witness: User | None
) -> None:
    """Stop one of the subject's provisions; 404 (logged) when it is not theirs or not in force."""
    provision = consent.in_force_or_logged(db, actor, subject.id, provision_id)
    if provision is None:
        abort(404)
    words = consent.grantee_words(db, provision)
    try:
        consent.revoke(db, actor, subject, provision_id, witness=witness)
    except consent.ConsentError as exc:
        flash(str(exc), "error")
    else:
        after = access_map(db, subject.id, utcnow())
        flash(consent.revoke_receipt(db, provision, words, after, subject.role), "info")


@bp.route("/my/consent/<int:provision_id>/revoke", methods=["POST"])
@requires(Permission.CONSENT_MANAGE_OWN)
def revoke_consent(actor: Actor, db: Session, provision_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _revoke(db, actor, db.get_one(User, actor.id), provision_id, None)
    return redirect(url_for("consent.manage_consent"))


# A worker recording a change with the consumer present ("witnessed by") -------------------------


@bp.route("/people/<int:subject_id>/consent", methods=["GET", "POST"])
@requires(Permission.CONSENT_WITNESS)
def witnessed_consent(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = person_in_care_or_404(db, actor, subject_id, Action.CONSENT_GRANT, Role.CONSUMER)
    me = db.get_one(User, actor.id)
    form = _fit_form(db, WitnessedGrantForm(), subject)
    if form.validate_on_submit() and _grant_from_form(db, actor, subject, form, me):
        return redirect(url_for("consent.witnessed_consent", subject_id=subject.id))
    return render_template(
        "consent/witnessed.html",
        subject=subject,
        form=form,
        rows=_current_rows(db, subject),
        revoke_form=WitnessedRevokeForm(),
    )


@bp.route("/people/<int:subject_id>/consent/<int:provision_id>/revoke", methods=["POST"])
@requires(Permission.CONSENT_WITNESS)
def witnessed_revoke(actor: Actor, db: Session, subject_id: int, provision_id: int) -> Response:
    subject = person_in_care_or_404(db, actor, subject_id, Action.CONSENT_GRANT, Role.CONSUMER)
    if WitnessedRevokeForm().validate_on_submit():
        _revoke(db, actor, subject, provision_id, db.get_one(User, actor.id))
    else:
        flash(f"Tick the box to say {subject.display_name} is here and asked for it.", "error")
    return redirect(url_for("consent.witnessed_consent", subject_id=subject.id))


@bp.route("/my/consent/preview")
@requires(Permission.CONSENT_MANAGE_OWN)
def preview_consent(actor: Actor, db: Session) -> str:
    chosen = request.args.get("person", type=int)
    try:
        people, result = preview.preview(db, actor, chosen)
    except LookupError:
        assert chosen is not None  # only a chosen person can be missing
        logged = Target("user", chosen)
        record_event(
            db, actor, Action.CONSENT_PREVIEW, actor.id, logged, Outcome.DENIED, Basis.NOT_FOUND
        )
        abort(404)
    return render_template(
        "consent/preview.html",
        people=people,
        result=result,
        names=display_names(db),
        link=lambda item: _own_view(actor, item),
        # The subject's own words travel with each entry (counts only), as on every list.
        statements=records.statement_counts(
            db, [i.id for i in result.of("record_entry")] if result else []
        ),
    )


#: Where the subject opens each kind of item the preview lists, as themselves.
_OWN_VIEWS = {
    "record_entry": ("records.show_entry", "entry_id"),
    "note": ("notes.show", "note_id"),
    "risk_concern": ("risk.show", "concern_id"),
    "support_agreement": ("agreements.show", "agreement_id"),
    "worker_request": ("choosing.read_handover", "request_id"),
    "wish": ("wishes.show", "wish_id"),
    # Pages about the person themselves: their own list, their own "about me".
    "skills": ("skills.for_person", "subject_id"),
    "about_me": ("aboutme.mine", ""),
}


def _own_view(actor: Actor, item: preview.Seen) -> str:
    endpoint, arg = _OWN_VIEWS[item.type]
    if item.type == "record_entry":
        return url_for(endpoint, subject_id=actor.id, entry_id=item.id)
    values: dict[str, Any] = {arg: item.id} if arg else {}
    return url_for(endpoint, **values)
